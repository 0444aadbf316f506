package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.Reply;
import io.dataplane.control.rib.Rib;
import io.dataplane.port.MemoryPort;
import io.dataplane.port.Port;
import io.dataplane.tables.MacAddress;
import io.dataplane.tables.packet.Frames;
import io.dataplane.worker.PortCounter;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code port add} and {@code port del} on the command socket of a running daemon (workers on
 * memory ports, commands as dpctl sends them): the new port is polled and routed to, the routes
 * added before survive, a port in use is refused naming its users, a removed port leaves the
 * workers while the others forward on, and a failed batch leaves no port behind.
 */
class RuntimePortTest {
    private static final long CLIENT_MAC = 0x02_00_00_00_00_aaL;
    private static final long DEADLINE_NANOS = 20_000_000_000L;

    private final Object session = new Object();
    private ControlPlane plane;
    private Daemon daemon;

    @BeforeEach
    void start() {
        startDaemon(new BitSet(),
                "port add dev p0 type memory",
                "port add dev p1 type memory",
                "neigh add 192.0.2.2 lladdr 02:00:00:00:00:99 dev p1");
        ok("route add 198.51.100.0/24 via 192.0.2.2 dev p1"); // as dpctl would, after the start
    }

    /** A daemon on {@code config}, whose 'cpu N' check accepts {@code cpus} (empty: no line may say 'cpu'). */
    private void startDaemon(BitSet cpus, String... config) {
        PortConfiguration ports = new PortConfiguration(new UsableCpus(cpus));
        daemon = new Daemon();
        plane = new ControlPlane(new Rib(daemon.nexthopSlots(), daemon.groupSlots()), null, ports);
        plane.loadConfiguration(List.of(config), "test.conf");
        daemon.start(plane, ports, Runnable::run);
    }

    @AfterEach
    void stop() {
        daemon.stop();
    }

    private String ok(String command) {
        Reply r = plane.execute(session, command);
        assertTrue(r.ok(), command + ": " + r.error());
        return r.output() == null ? "" : String.join("\n", r.output());
    }

    private String error(String command) {
        Reply r = plane.execute(session, command);
        assertFalse(r.ok(), command + " should fail");
        return r.error();
    }

    private MemoryPort port(String name) {
        for (Port p : daemon.workers().ports()) {
            if (p.name().equals(name)) {
                return (MemoryPort) p;
            }
        }
        throw new AssertionError("no port " + name + " in the workers: " + daemon.workers().ports());
    }

    private boolean workersHave(String name) {
        return daemon.workers().ports().stream().anyMatch(p -> p.name().equals(name));
    }

    /** Sends {@code n} frames to {@code dst} into {@code in}, keeping at most 256 undrained on {@code out}; returns frames drained. */
    private static long forward(MemoryPort in, int inIndex, String dst, int n, MemoryPort out) {
        Frames f = Frames.ipv4("10.0.0.1", dst).macs(0x02_00_00_00_00_00L | (inIndex + 1), CLIENT_MAC).udp(4000, 53);
        long drained = 0;
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        for (int sent = 0; sent < n; ) {
            if (sent - drained < 256) {
                sent += in.inject(f::write, 1);
            }
            drained += out.drain((m, o, l) -> { }, Integer.MAX_VALUE);
            assertTrue(System.nanoTime() < deadline, "forwarding " + n + " frames took over 20 s; " + drained + " came out");
        }
        long quietSince = System.nanoTime();
        while (drained < n && System.nanoTime() - quietSince < 2_000_000_000L) {
            int d = out.drain((m, o, l) -> { }, Integer.MAX_VALUE);
            if (d > 0) {
                drained += d;
                quietSince = System.nanoTime();
            }
        }
        return drained;
    }

    @Test
    void aPortAddedOnTheSocketIsPolledRoutedToShownAndRemovedAgain() {
        ok("port add dev p2 type memory");
        assertTrue(ok("link show").contains("p2"), ok("link show"));
        assertTrue(ok("show running-config").contains("port add dev p2 type memory"), ok("show running-config"));
        assertTrue(daemon.workerStatus().getFirst().get("ports").toString().contains("p2 queue 0"));
        ok("neigh add 203.0.113.1 lladdr 02:00:00:00:00:77 dev p2");
        ok("route add 10.2.0.0/16 via 203.0.113.1 dev p2");

        assertEquals(500, forward(port("p0"), 0, "10.2.0.9", 500, port("p2")), "routed via the new port");
        assertEquals(300, forward(port("p2"), 2, "198.51.100.7", 300, port("p1")), "received on the new port");
        assertEquals(500, daemon.workers().portCounter(2, PortCounter.TX_PACKETS));

        String refused = error("port del dev p2");
        assertTrue(refused.contains("port p2 is in use by route 10.2.0.0/16, neighbour 203.0.113.1"), refused);
        assertTrue(workersHave("p2"), "a refused removal changes nothing");
        ok("route del 10.2.0.0/16");
        ok("neigh del 203.0.113.1 dev p2");
        ok("port del dev p2");
        assertFalse(ok("link show").contains("p2"), ok("link show"));
        assertFalse(ok("show running-config").contains("p2"));
        assertFalse(workersHave("p2"));
        assertTrue(ok("route show").contains("198.51.100.0/24 via 192.0.2.2 dev p1"), "the dpctl route survives: " + ok("route show"));
        assertEquals(200, forward(port("p0"), 0, "198.51.100.7", 200, port("p1")));
        assertTrue(error("port del dev p2").contains("unknown device 'p2'"));
    }

    @Test
    void removingAPortWhileOthersForwardLosesNothingAndTheirCountersGoOn() throws Exception {
        ok("port add dev p2 type memory");
        long rxBefore = daemon.workers().portCounter(0, PortCounter.RX_PACKETS);
        CompletableFuture<String> removal = new CompletableFuture<>();
        // The removal runs on another thread while this one keeps frames flowing p0 -> p1; commands
        // run one at a time on the control thread, here the removal's.
        Thread t = Thread.ofPlatform().start(() -> {
            Reply r = plane.execute(new Object(), "port del dev p2");
            removal.complete(r.ok() ? "ok" : r.error());
        });
        long out = forward(port("p0"), 0, "198.51.100.7", 20_000, port("p1"));
        t.join();
        assertEquals("ok", removal.get());
        assertEquals(20_000, out, "no frame of the other ports lost");
        assertEquals(rxBefore + 20_000, daemon.workers().portCounter(0, PortCounter.RX_PACKETS));
        assertFalse(workersHave("p2"));
        // Its index is given again, after the workers let it go; the new port counts from zero.
        ok("port add dev p3 type memory");
        assertEquals(0, daemon.workers().portCounter(2, PortCounter.RX_PACKETS));
        assertTrue(ok("link show").contains("p3"));
    }

    @Test
    void thereIsRoomForSixtyFourPortsAndTheNextIsRefusedSayingSo() {
        for (int i = 2; i < 64; i++) {
            ok("port add dev m" + i + " type memory");
        }
        assertEquals(64, daemon.workers().ports().size(), "the counter file has room for every index");
        String full = error("port add dev m64 type memory");
        assertTrue(full.contains("room for 64 ports") && full.contains("remove a port first"), full);
        ok("port del dev m40");
        ok("port add dev m64 type memory");
        assertTrue(ok("link show").contains("40: m64"), "the freed index is given again: " + ok("link show"));
    }

    @Test
    void aFailedBatchLeavesNoPortAndABadPortLineSaysWhatToDo() {
        ok("batch begin");
        ok("port add dev p3 type memory");
        error("route add 10.3.0.0/16 via 192.0.2.9 dev p9");
        String failed = error("batch commit");
        assertTrue(failed.contains("nothing changed"), failed);
        assertFalse(ok("link show").contains("p3"), ok("link show"));
        assertFalse(workersHave("p3"), "the port opened inside the batch is closed again");

        ok("batch begin");
        ok("port del dev p0");
        String again = error("port add dev p0 type memory mtu 9000");
        assertTrue(again.contains("port p0 is deleted in this batch"), again);
        ok("batch abort");
        assertTrue(workersHave("p0") && ok("link show").contains("p0"), "an aborted batch removes nothing");

        String mixed = error("port add dev eth9");
        assertTrue(mixed.contains("type afxdp but the running ports are memory"), mixed);
        assertTrue(error("port add dev p1 type memory").contains("already declared"));
        assertTrue(error("dpdk eal --no-huge").contains("read when the daemon starts only"));
        assertEquals(2, daemon.workers().ports().size());
        assertTrue(ok("route show").contains("198.51.100.0/24"));
    }

    /** A daemon started without ports runs no workers; the first 'port add' starts them, the way 'ip link' adds a device. */
    @Test
    void theFirstPortAddedToADaemonStartedWithoutPortsStartsItsWorkers() {
        daemon.stop();
        BitSet any = new BitSet();
        any.set(0, 4096);
        startDaemon(any, "route add blackhole 203.0.113.0/24");
        assertEquals(null, daemon.workers(), "no port, no worker");
        assertTrue(daemon.workerStatus().isEmpty());

        // A worker that cannot start fails the command, and nothing stays: no port, no worker.
        String pinned = error("port add dev p0 type memory cpu 4095");
        assertTrue(pinned.contains("worker 0 could not start") && pinned.contains("4095") && pinned.contains("nothing changed"), pinned);
        assertFalse(ok("link show").contains("p0"), ok("link show"));
        assertEquals(null, daemon.workers(), "the worker that could not start is gone");
        // So does a batch whose first port started the workers and whose later command failed.
        ok("batch begin");
        ok("port add dev p0 type memory");
        error("route add 10.3.0.0/16 via 192.0.2.9 dev p9");
        assertTrue(error("batch commit").contains("nothing changed"));
        assertEquals(null, daemon.workers(), "the workers the batch started are stopped again");
        String dpdk = error("port add dev d0 type dpdk vdev net_null0");
        assertTrue(dpdk.contains("DPDK ports are opened when the daemon starts only") && dpdk.contains("restart the daemon"), dpdk);

        ok("port add dev p0 type memory");
        ok("port add dev p1 type memory");
        assertEquals(1, daemon.workerStatus().size(), "one worker for memory ports: " + daemon.workerStatus());
        assertEquals(List.of("p0 queue 0", "p1 queue 0"), daemon.workerStatus().getFirst().get("ports"));
        ok("neigh add 192.0.2.2 lladdr 02:00:00:00:00:99 dev p1");
        ok("route add 198.51.100.0/24 via 192.0.2.2 dev p1");
        assertTrue(ok("route get 198.51.100.7").contains("dev p1"), ok("route get 198.51.100.7"));
        assertTrue(ok("route show").contains("blackhole 203.0.113.0/24"), "the configuration's route is in the tables the workers read");
        assertEquals(300, forward(port("p0"), 0, "198.51.100.7", 300, port("p1")));
        assertEquals(300, daemon.workers().portCounter(1, PortCounter.TX_PACKETS));

        // When the last port goes the worker stays, idle; the next port joins it.
        ok("route del 198.51.100.0/24");
        ok("neigh del 192.0.2.2 dev p1");
        ok("port del dev p0");
        ok("port del dev p1");
        assertEquals(1, daemon.workerStatus().size());
        assertEquals("running", daemon.workerStatus().getFirst().get("state"));
        assertEquals(List.of(), daemon.workerStatus().getFirst().get("ports"));
        ok("port add dev q0 type memory");
        ok("port add dev q1 type memory");
        ok("neigh add 192.0.2.2 lladdr 02:00:00:00:00:99 dev q1");
        ok("route add 198.51.100.0/24 via 192.0.2.2 dev q1");
        assertEquals(200, forward(port("q0"), 0, "198.51.100.7", 200, port("q1")));
        assertEquals(1, daemon.workerStatus().size(), "no second worker: " + daemon.workerStatus());
    }
}
