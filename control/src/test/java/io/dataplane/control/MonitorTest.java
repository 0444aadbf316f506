package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.*;

import io.dataplane.control.command.IpAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code monitor}: every published change, as {@code ip monitor} prints it, to the sessions that asked. */
class MonitorTest {
    private final Fixture f = new Fixture();
    private final List<String> events = new ArrayList<>();
    private final Object watcher = new Object();

    MonitorTest() {
        f.plane.monitorSink((session, lines) -> {
            assertSame(watcher, session);
            events.addAll(lines);
        });
    }

    @AfterEach
    void close() {
        f.close();
    }

    private List<String> take() {
        List<String> e = List.copyOf(events);
        events.clear();
        return e;
    }

    @Test
    void routeChangesArePrintedAsIpMonitorPrintsThem() {
        assertTrue(f.plane.execute(watcher, "monitor route").ok());
        assertTrue(f.plane.monitoring(watcher));
        f.ok("route add 10.40.0.0/16 via 192.0.2.1 dev p1 metric 3");
        f.ok("route add 10.41.0.0/16 nexthop via 192.0.2.1 dev p1 nexthop via 192.0.2.2 dev p2 weight 2");
        f.ok("route replace 10.40.0.0/16 via 192.0.2.2 dev p2 metric 3");
        f.ok("route del 10.40.0.0/16");
        f.ok("route del 10.41.0.0/16");
        f.ok("route add blackhole 10.42.0.0/16");
        f.ok("route del 10.42.0.0/16");
        assertEquals(List.of(
                "10.40.0.0/16 via 192.0.2.1 dev p1 metric 3",
                "10.41.0.0/16 mpalgo l3", "\tnexthop via 192.0.2.1 dev p1 weight 1", "\tnexthop via 192.0.2.2 dev p2 weight 2",
                "10.40.0.0/16 via 192.0.2.2 dev p2 metric 3",
                "Deleted 10.40.0.0/16 via 192.0.2.2 dev p2 metric 3",
                "Deleted 10.41.0.0/16 mpalgo l3", "\tnexthop via 192.0.2.1 dev p1 weight 1", "\tnexthop via 192.0.2.2 dev p2 weight 2",
                "blackhole 10.42.0.0/16", "Deleted blackhole 10.42.0.0/16"), take());
        f.ok("neigh add 192.0.2.50 lladdr 02:00:00:00:00:50 dev p1");
        assertEquals(List.of(), take(), "only what was asked for");
        assertFalse(f.run("route add 10.1.0.0/16 via 192.0.2.2 dev p2").ok());
        f.ok("route add 10.43.0.0/16 via 192.0.2.2 dev p2 metric 5");
        assertEquals(List.of("10.43.0.0/16 via 192.0.2.2 dev p2 metric 5"), take(), "a refused command tells nothing");
    }

    @Test
    void allHasIpsBannersAndABatchIsToldWhenItCommits() {
        assertTrue(f.plane.execute(watcher, "monitor all").ok());
        f.ok("batch begin");
        f.ok("nexthop add id 50 via 192.0.2.1 dev p1");
        f.ok("route add 10.50.0.0/16 nhid 50");
        f.ok("neigh add 192.0.2.50 lladdr 02:00:00:00:00:50 dev p1");
        assertEquals(List.of(), take(), "nothing before the commit");
        f.ok("batch commit");
        assertEquals(List.of("[NEXTHOP]id 50 via 192.0.2.1 dev p1 scope link", "[ROUTE]10.50.0.0/16 nhid 50 via 192.0.2.1 dev p1",
                "[NEIGH]192.0.2.50 dev p1 lladdr 02:00:00:00:00:50 PERMANENT"), take());
        f.ok("route del 10.50.0.0/16");
        f.ok("nexthop del id 50");
        f.ok("neigh replace 192.0.2.50 lladdr 02:00:00:00:00:51 dev p1");
        f.ok("neigh del 192.0.2.50 dev p1");
        f.ok("link set dev p2 down");
        assertEquals(List.of("[ROUTE]Deleted 10.50.0.0/16 nhid 50 via 192.0.2.1 dev p1", "[NEXTHOP]Deleted id 50 via 192.0.2.1 dev p1 scope link",
                "[NEIGH]192.0.2.50 dev p1 lladdr 02:00:00:00:00:51 PERMANENT", "[NEIGH]Deleted 192.0.2.50 dev p1 lladdr 02:00:00:00:00:51 PERMANENT",
                "[NEXTHOP]id 2 via 192.0.2.2 dev p2 scope link dead linkdown", "[NEXTHOP]id 3 via 192.0.2.3 dev p2 scope link dead linkdown unresolved",
                "[LINK]2: p2: <BROADCAST,MULTICAST> mtu 1500 state DOWN type memory queues 1", "    link/ether 02:aa:00:00:00:02"), take());
    }

    @Test
    void whatTheKernelReportsIsToldTooAndAClosedSessionIsForgotten() {
        assertTrue(f.plane.execute(watcher, "monitor neigh").ok());
        f.plane.applyReported(r -> r.learnNeighbour(IpAddress.parse("192.0.2.3"), 2, 0x02_00_00_00_03_03L, 0x02));
        assertEquals(List.of("192.0.2.3 dev p2 lladdr 02:00:00:00:03:03 REACHABLE"), take());
        f.plane.applyReported(r -> r.learnNeighbour(IpAddress.parse("192.0.2.3"), 2, -1, 0x20));
        assertEquals(List.of("Deleted 192.0.2.3 dev p2 lladdr 02:00:00:00:03:03 REACHABLE"), take());
        f.plane.sessionClosed(watcher);
        assertFalse(f.plane.monitoring(watcher));
        f.ok("neigh add 192.0.2.51 lladdr 02:00:00:00:00:51 dev p1");
        assertEquals(List.of(), take());
    }

    @Test
    void monitorNamesWhatItCannotWatchAndIsNoBatchCommand() {
        assertTrue(f.fails("monitor rule").contains("'monitor rule' is ip's 'rule', which dpctl does not have"));
        assertTrue(f.fails("monitor frob").contains("what to monitor"));
        f.ok("batch begin");
        assertTrue(f.run("monitor").error().contains("not part of a batch"));
        ControlPlane unconnected = new ControlPlane(new io.dataplane.control.rib.Rib(8, 8), null);
        assertTrue(unconnected.execute(watcher, "monitor").error().contains("streams over the command socket"));
    }
    @Test
    void aMonitorThatDoesNotReadIsLetGoLikeTheKernelsSlowListener() throws Exception {
        // a write time-out long enough not to be what lets it go: 64 KB unread is
        CommandServer.Limits limits = new CommandServer.Limits(256, 300, 600_000, 500, 60_000, 64, 1 << 16);
        try (ServerHarness h = new ServerHarness(limits); ServerHarness.Client slow = h.client();
             ServerHarness.Client c = h.client()) {
            assertEquals(List.of("ok"), slow.call("monitor route"));
            assertEquals(List.of("ok"), c.call("route add 10.8.1.0/24 via 192.0.2.1 dev p1"));
            slow.reply(); // that route's event
            // batches of 100 routes added and deleted: each an event of about 4 KB the slow client never reads
            StringBuilder add = new StringBuilder("batch begin\n");
            StringBuilder del = new StringBuilder("batch begin\n");
            for (int i = 0; i < 100; i++) {
                add.append("route add 10.7.").append(i).append(".0/24 via 192.0.2.1 dev p1\n");
                del.append("route del 10.7.").append(i).append(".0/24\n");
            }
            add.append("batch commit\n");
            del.append("batch commit\n");
            for (int round = 0; round < 60; round++) { // about 1 MB of events
                for (StringBuilder b : List.of(add, del)) {
                    c.sendRaw(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    for (int k = 0; k < 102; k++) {
                        assertEquals(List.of("ok"), c.reply());
                    }
                }
            }
            Thread.ofPlatform().daemon().start(() -> { // a server that never lets go fails the test, not hangs it
                try {
                    Thread.sleep(30_000);
                    slow.close();
                } catch (Exception e) {
                    // the test is over
                }
            });
            long read = 0;
            String last = null;
            for (String l; (l = slow.in.readLine()) != null; ) {
                read += l.length() + 1;
                last = l;
            }
            assertEquals("error: monitor: events dropped, the client does not keep up; closing", last);
            assertTrue(read < 600_000, read + " bytes waited for the slow client: the socket's buffers and 64 KB, not every event");
            assertEquals(List.of("ok"), c.call("route add 10.8.0.0/24 via 192.0.2.1 dev p1"), "the other client is served on");
            assertEquals(1, h.server.sessionCount());
        }
    }
}
