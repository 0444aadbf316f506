package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.*;

import io.dataplane.control.daemon.PortConfiguration;
import io.dataplane.control.rib.Rib;
import io.dataplane.tables.packet.Frames;
import io.dataplane.pipeline.Verdict;
import io.dataplane.port.MemoryPort;
import io.dataplane.port.MemoryUmem;
import io.dataplane.tables.FibLimits;
import io.dataplane.worker.Workers;
import io.dataplane.worker.PortCounter;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A worker forwards in-memory traffic at full speed while the control thread replaces a
 * multipath group thousands of times, through the same command path operators use. Every packet
 * must leave on a member of the old or the new group with that member's MAC rewrite, none may be
 * dropped (in particular not as "no route"), and none may be lost.
 */
class GroupReplaceUnderLoadTest {
    private static final int PORTS = 5; // p0 ingress, p1..p4 egress
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final long GUARD_NANOS = 60_000_000_000L; // only against hanging forever, never a pass criterion

    private final MemoryUmem umem = new MemoryUmem(8192, 2048);
    private final MemoryPort[] ports = new MemoryPort[PORTS];
    private final Workers dataplane;
    private final ControlPlane plane;
    private final Object session = new Object();

    /** Wire side: one thread injects on p0 with bounded frames in flight and drains p1..p4. */
    private final class Wire implements Runnable {
        volatile boolean injecting = true;
        volatile boolean running = true;
        volatile long injected;
        final AtomicLongArray perPort = new AtomicLongArray(PORTS);
        volatile long wrongMac;
        volatile long firstArrivalNanos; // set on the first frame on watchPort after being armed
        volatile int watchPort = -1;
        final Frames[] flows = new Frames[256];

        Wire() {
            Random rnd = new Random(7);
            for (int i = 0; i < flows.length; i++) {
                flows[i] = Frames.ipv4(0xac100000 | rnd.nextInt(1 << 16), 0x0a000000 | rnd.nextInt(1 << 24))
                        .udp(1024 + rnd.nextInt(60000), 53).payload(18);
            }
        }

        long drained() {
            long d = 0;
            for (int p = 1; p < PORTS; p++) {
                d += perPort.get(p);
            }
            return d;
        }

        @Override
        public void run() {
            int next = 0;
            while (running) {
                long room = 512 - (injected - drained());
                if (injecting && room > 0) {
                    int[] flow = {next};
                    int n = ports[0].inject((m, at) -> {
                        int len = flows[flow[0]].write(m, at);
                        flow[0] = (flow[0] + 1) % flows.length;
                        return len;
                    }, (int) Math.min(room, 64));
                    injected += n;
                    next = flow[0];
                }
                for (int p = 1; p < PORTS; p++) {
                    final int port = p;
                    ports[p].drain((m, at, len) -> {
                        long dst = ((long) (m.get(BE16, at) & 0xffff) << 32) | (m.get(BE32, at + 2) & 0xffffffffL);
                        if (dst != mac(port)) {
                            wrongMac++;
                        }
                        if (watchPort == port && firstArrivalNanos == 0) {
                            firstArrivalNanos = System.nanoTime();
                        }
                        perPort.incrementAndGet(port);
                    }, 64);
                }
            }
        }
    }

    static long mac(int port) {
        return 0x02_00_00_00_01_00L | port;
    }

    GroupReplaceUnderLoadTest() {
        FibLimits limits = new FibLimits(1024, 64, 256, 256, 4);
        Workers.Builder b = Workers.builder().limits(limits).idle(Workers.Idle.BUSY_SPIN);
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
        config.add("nexthop add id 10 group 1/2 mpalgo l4");
        config.add("route add 10.0.0.0/8 nhid 10");
        dataplane = b.build();
        plane = new ControlPlane(new Rib(limits.nexthops(), limits.groups()), null, new PortConfiguration());
        plane.loadConfiguration(config, "load.conf");
        plane.attach(new WorkerPlane(dataplane));
        dataplane.start();
    }

    @AfterEach
    void close() {
        dataplane.stop();
        dataplane.close();
        umem.close();
    }

    private void replace(String group) {
        Reply r = plane.execute(session, "nexthop replace id 10 group " + group);
        assertTrue(r.ok(), () -> group + ": " + r.error());
    }

    private static void await(java.util.function.BooleanSupplier done, String what) {
        long start = System.nanoTime();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - start > GUARD_NANOS) {
                fail("never happened: " + what);
            }
            // park rather than spin: on a 2-core machine the worker and the wire need the CPUs
            java.util.concurrent.locks.LockSupport.parkNanos(20_000);
        }
    }

    @Test
    void replacingAGroupThousandsOfTimesUnderTrafficNeverMisroutesDropsOrLosesAPacket() throws Exception {
        Wire wire = new Wire();
        Thread t = Thread.ofPlatform().name("wire").start(wire);
        try {
            await(() -> wire.drained() > 1000, "traffic flowing before the replaces start");
            String[] algos = {"l3", "l4", "per-packet"};
            Random rnd = new Random(1);
            int replaces = 6000;
            long start = System.nanoTime();
            for (int i = 0; i < replaces; i++) {
                // even generations use p1+p2, odd ones p2+p3; p4 is a valid nexthop never in the group
                String g = i % 2 == 0
                        ? "1," + (1 + rnd.nextInt(100)) + "/2," + (1 + rnd.nextInt(100))
                        : "2," + (1 + rnd.nextInt(100)) + "/3," + (1 + rnd.nextInt(100));
                replace(g + " mpalgo " + algos[i % 3]);
            }
            long elapsed = System.nanoTime() - start;
            long duringReplaces = wire.drained();
            wire.injecting = false;
            await(() -> wire.drained() == wire.injected, "every injected packet drained");
            System.out.printf("group replace under load: %d replaces in %.3f s (%.0f/s), %d packets forwarded%n",
                    replaces, elapsed / 1e9, replaces / (elapsed / 1e9), wire.injected);
            assertEquals(wire.injected, wire.drained(), "packets lost");
            assertEquals(0, wire.perPort.get(4), "packets sent to p4, which was never a group member");
            assertEquals(0, wire.wrongMac, "frames with a MAC rewrite that does not match their egress port");
            assertTrue(wire.perPort.get(1) > 0 && wire.perPort.get(3) > 0, "both group generations carried traffic");
            assertTrue(duringReplaces > 1000);
            for (Verdict v : Verdict.values()) {
                assertEquals(0, dataplane.dropCounter(v), "drops counted as " + v.label());
            }
            assertEquals(wire.injected, dataplane.portCounter(0, PortCounter.RX_PACKETS));
        } finally {
            wire.running = false;
            t.join();
        }
    }

    /** Replaces group 10 with the given members, by whatever path the measurement uses. */
    private interface Replacer {
        void replace(String group) throws Exception;
    }

    private String measure(Wire wire, String label, Replacer replacer) throws Exception {
        int samples = 400;
        long[] nanos = new long[samples];
        long[] commandNanos = new long[samples];
        for (int i = 0; i < samples; i++) {
            int from = i % 2 == 0 ? 1 : 3;
            int to = 4 - from; // 1 <-> 3
            replacer.replace(from + " mpalgo l4");
            long seen = wire.perPort.get(from);
            // Frames the group before sent to 'to' may still wait in that port's ring: at most the
            // 512 in flight. The wire drains every port at most 64 frames a pass, 'to' in each pass it
            // drains 'from', so once 'from' has 576 more the stale ones are gone; an earlier arming
            // could time one of them (a first arrival before the replace).
            await(() -> wire.perPort.get(from) > seen + 512 + 64, "old group forwarding, stale frames drained");
            wire.firstArrivalNanos = 0;
            wire.watchPort = to;
            long t0 = System.nanoTime();
            replacer.replace(to + " mpalgo l4");
            commandNanos[i] = System.nanoTime() - t0;
            await(() -> wire.firstArrivalNanos != 0, "first packet of the new group");
            nanos[i] = wire.firstArrivalNanos - t0;
            wire.watchPort = -1;
        }
        Arrays.sort(nanos);
        Arrays.sort(commandNanos);
        assertTrue(nanos[0] > 0);
        return String.format("%s: group replace -> first packet on the new member: median %.1f us, p99 %.1f us, max %.1f us"
                        + " (%d samples; until the reply: median %.1f us, p99 %.1f us)",
                label, nanos[samples / 2] / 1e3, nanos[samples * 99 / 100] / 1e3, nanos[samples - 1] / 1e3, samples,
                commandNanos[samples / 2] / 1e3, commandNanos[samples * 99 / 100] / 1e3);
    }

    @Test
    void measureTimeFromGroupReplaceToFirstPacketOfTheNewGroup() throws Exception {
        Wire wire = new Wire();
        Thread t = Thread.ofPlatform().name("wire").start(wire);
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("latency");
        java.nio.file.Path socket = dir.resolve("d.sock");
        try {
            await(() -> wire.drained() > 1000, "traffic flowing");
            String direct = measure(wire, "control thread", this::replace);
            // The same through the command socket: a client's line, the event loop, the reply.
            CommandServer server = CommandServer.open(socket, "root", plane, CommandServer.Limits.defaults());
            Thread loop = Thread.ofPlatform().name("control").start(() -> {
                try {
                    server.run();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            String viaSocket;
            try (var client = new ServerHarness.Client(java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket)))) {
                viaSocket = measure(wire, "command socket", g -> assertEquals(List.of("ok"), client.call("nexthop replace id 10 group " + g)));
            } finally {
                server.stop();
                loop.join();
                server.close();
            }
            System.out.println(direct);
            System.out.println(viaSocket);
            java.nio.file.Files.writeString(java.nio.file.Path.of("target", "group-replace-latency.txt"), direct + "\n" + viaSocket + "\n");
        } finally {
            wire.running = false;
            t.join();
            java.nio.file.Files.deleteIfExists(socket);
            java.nio.file.Files.deleteIfExists(dir);
        }
    }
}
