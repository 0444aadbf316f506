package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.*;

import io.dataplane.control.daemon.PortConfiguration;
import io.dataplane.control.rib.Rib;
import io.dataplane.port.MemoryPort;
import io.dataplane.port.MemoryUmem;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.packet.Frames;
import io.dataplane.worker.Workers;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * How many flows move when a member leaves or joins, with traffic forwarded by a worker over
 * memory ports and one sink per member (every flow is found by its source address on the port it
 * left by). A resilient group of 512 buckets over 4 equal members: removing one moves exactly the
 * flows of its buckets (1/4, within 1%); adding one moves only flows of idle buckets, none of the
 * flows that kept their buckets busy. The same flows through a hash-threshold group, for comparison.
 */
class ResilientDisruptionTest {
    private static final int FLOWS = 16384;
    /** Flows that keep sending just before the member joins: their buckets are busy. */
    private static final int BUSY_FLOWS = 512;
    private static final int BUCKETS = 512;
    private static final int IDLE_TIMER_SECONDS = 2;
    private static final int PORTS = 6; // p0 ingress, p1..p5 the members' ports
    private static final int FIRST_SOURCE = 0xac100000; // 172.16.0.0 + flow
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final long GUARD_NANOS = 60_000_000_000L; // against hanging only, never a pass criterion
    private static final Pattern BUCKET = Pattern.compile("\"index\":(\\d+),\"idle_time\":([0-9.e+]+),\"nhid\":(\\d+)");

    private final Frames[] flows = new Frames[FLOWS];

    ResilientDisruptionTest() {
        Random rnd = new Random(12);
        for (int i = 0; i < FLOWS; i++) {
            flows[i] = Frames.ipv4(FIRST_SOURCE + i, 0x0a000000 | rnd.nextInt(1 << 24)).udp(1024 + rnd.nextInt(60000), 53).payload(18);
        }
    }

    /** One router: a worker, memory ports, the control plane as the daemon wires it. */
    private final class Router implements AutoCloseable {
        final MemoryUmem umem = new MemoryUmem(8192, 2048);
        final MemoryPort[] ports = new MemoryPort[PORTS];
        final Workers dataplane;
        final ControlPlane plane;
        final long[] drainedPerPort = new long[PORTS];

        Router(String group) {
            FibLimits limits = new FibLimits(1024, 64, 256, 256, 2);
            Workers.Builder b = Workers.builder().limits(limits).idle(Workers.Idle.BACKOFF);
            List<String> config = new ArrayList<>();
            for (int i = 0; i < PORTS; i++) {
                ports[i] = new MemoryPort(i, "p" + i, umem, 1024, 1500);
                b.port(ports[i]);
                config.add("port add dev p" + i + " type memory");
            }
            for (int i = 1; i < PORTS; i++) {
                config.add("neigh add 192.0.2." + i + " lladdr 02:00:00:00:01:0" + i + " dev p" + i);
                config.add("nexthop add id " + i + " via 192.0.2." + i + " dev p" + i);
            }
            config.add("nexthop add id 10 group " + group);
            config.add("route add 10.0.0.0/8 nhid 10");
            dataplane = b.build();
            plane = new ControlPlane(new Rib(limits.nexthops(), limits.groups()), null, new PortConfiguration());
            plane.loadConfiguration(config, "disruption.conf");
            plane.attach(new WorkerPlane(dataplane));
            dataplane.start();
        }

        void run(String line) {
            Reply r = plane.execute(this, line);
            assertTrue(r.ok(), () -> line + ": " + r.error());
        }

        String out(String line) {
            Reply r = plane.execute(this, line);
            assertTrue(r.ok(), () -> line + ": " + r.error());
            return r.output().getFirst();
        }

        /** Sends flows {@code 0..count-1} once each; returns the port each left by. */
        int[] send(int count) {
            int[] port = new int[count];
            int next = 0;
            int received = 0;
            long start = System.nanoTime();
            while (received < count) {
                int[] at = {next};
                int chunk = Math.min(256, count - next);
                if (next - received < 256 && chunk > 0) {
                    next += ports[0].inject((m, frame) -> flows[at[0]++].write(m, frame), chunk);
                }
                for (int p = 1; p < PORTS; p++) {
                    int egress = p;
                    received += ports[p].drain((m, frame, length) -> {
                        port[m.get(BE32, frame + 14 + 12) - FIRST_SOURCE] = egress;
                        drainedPerPort[egress]++;
                    }, 64);
                }
                if (System.nanoTime() - start > GUARD_NANOS) {
                    fail("only " + received + " of " + count + " flows came out");
                }
                Thread.onSpinWait();
            }
            return port;
        }

        @Override
        public void close() {
            dataplane.stop();
            dataplane.close();
            umem.close();
        }
    }

    private record Outcome(double removedMoved, double addedMoved, int busyMoved) {
    }

    @Test
    void removingAMemberMovesOnlyItsBucketsAndAddingOneOnlyIdleBucketsUnlikeHashThreshold() throws Exception {
        Outcome resilient = scenario(" type resilient buckets " + BUCKETS + " idle_timer " + IDLE_TIMER_SECONDS, " type resilient");
        Outcome threshold = scenario("", "");
        System.out.printf("disruption, %d flows, 4 equal members: remove one -> resilient %.4f, hash-threshold %.4f of flows moved;"
                        + " add one (after %d s idle, %d flows busy) -> resilient %.4f (busy flows moved %d), hash-threshold %.4f (busy flows moved %d)%n",
                FLOWS, resilient.removedMoved, threshold.removedMoved, IDLE_TIMER_SECONDS, BUSY_FLOWS,
                resilient.addedMoved, resilient.busyMoved, threshold.addedMoved, threshold.busyMoved);
        assertEquals(0.25, resilient.removedMoved, 0.01, "removing one of 4 moves a quarter of the flows");
        assertTrue(threshold.removedMoved > 0.3, "hash-threshold moves more: " + threshold.removedMoved);
        assertEquals(0, resilient.busyMoved, "no flow of a busy bucket moves when a member joins");
        assertTrue(threshold.busyMoved > 0, "hash-threshold moves busy flows too");
    }

    /** 1/2/3/4, then 1/2/4 (3 leaves), idle time, the busy flows, then 1/2/4/5 (5 joins). */
    private Outcome scenario(String create, String replace) throws Exception {
        try (Router r = new Router("1/2/3/4" + create)) {
            int[] p0 = r.send(FLOWS);
            r.run("nexthop replace id 10 group 1/2/4" + replace);
            int[] p1 = r.send(FLOWS);
            int removedMoved = 0;
            for (int f = 0; f < FLOWS; f++) {
                if (p0[f] != p1[f]) {
                    removedMoved++;
                    if (!create.isEmpty()) {
                        assertEquals(3, p0[f], "flow " + f + " moved, yet its member stayed");
                    }
                } else if (!create.isEmpty()) {
                    assertNotEquals(3, p0[f], "flow " + f + " still leaves by the member that left");
                }
            }
            Thread.sleep(IDLE_TIMER_SECONDS * 1000L + 500); // every bucket idle ...
            r.send(BUSY_FLOWS); // ... but those of the busy flows
            String before = create.isEmpty() ? null : r.out("-j nexthop bucket show id 10");
            r.run("nexthop replace id 10 group 1/2/4/5" + replace);
            String after = create.isEmpty() ? null : r.out("-j nexthop bucket show id 10");
            int[] p2 = r.send(FLOWS);
            int addedMoved = 0;
            int busyMoved = 0;
            for (int f = 0; f < FLOWS; f++) {
                if (p1[f] != p2[f]) {
                    addedMoved++;
                    busyMoved += f < BUSY_FLOWS ? 1 : 0;
                    if (!create.isEmpty()) {
                        assertEquals(5, p2[f], "flow " + f + " moved between members that stayed");
                    }
                }
            }
            if (!create.isEmpty()) {
                onlyIdleBucketsMoved(before, after);
                countersMatchTheSinks(r);
            }
            return new Outcome(removedMoved / (double) FLOWS, addedMoved / (double) FLOWS, busyMoved);
        }
    }

    /** Every bucket that changed hands went to the new member and had been idle for idle_timer. */
    private static void onlyIdleBucketsMoved(String before, String after) {
        Matcher b = BUCKET.matcher(before);
        Matcher a = BUCKET.matcher(after);
        int moved = 0;
        while (b.find()) {
            assertTrue(a.find());
            if (!b.group(3).equals(a.group(3))) {
                moved++;
                assertEquals("5", a.group(3), "bucket " + b.group(1));
                assertTrue(Double.parseDouble(b.group(2)) >= IDLE_TIMER_SECONDS,
                        "bucket " + b.group(1) + " moved after being idle only " + b.group(2) + " s");
            }
        }
        assertTrue(moved > 0 && moved <= BUCKETS / 4, "the new member took " + moved + " idle buckets of the " + BUCKETS / 4 + " it wants");
    }

    /** The per-nexthop packet counters ({@code nexthop show -j}) are what each member's sink received. */
    private static void countersMatchTheSinks(Router r) {
        long start = System.nanoTime();
        while (true) {
            StringBuilder json = new StringBuilder();
            boolean all = true;
            for (int id = 1; id < PORTS; id++) {
                String line = r.out("-j nexthop show id " + id);
                json.append(line);
                Matcher m = Pattern.compile("\"packets\":(\\d+)").matcher(line);
                assertTrue(m.find(), line);
                all &= Long.parseLong(m.group(1)) == r.drainedPerPort[id];
            }
            if (all) {
                return;
            }
            if (System.nanoTime() - start > GUARD_NANOS) {
                fail("member counters never matched the sinks: " + json);
            }
            Thread.onSpinWait();
        }
    }
}
