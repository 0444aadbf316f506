package io.dataplane.control.daemon;

import io.dataplane.pipeline.Verdict;
import io.dataplane.port.MemoryPort;
import io.dataplane.port.MemoryUmem;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.MacAddress;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import io.dataplane.tables.packet.Ethernet;
import io.dataplane.tables.packet.IpProtocol;
import io.dataplane.tables.packet.Ipv4;
import io.dataplane.tables.packet.Ipv6;
import io.dataplane.tables.packet.Udp;
import io.dataplane.worker.Workers;
import io.dataplane.worker.PortCounter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code bin/dataplane demo}: the classic weighted-ECMP example, in memory. A client port and two
 * server ports; 198.51.100.0/24 and 2001:db8:100::/64 via server1 weight 1 and server2 weight 2
 * ({@code l4}), and 203.0.113.0/24 the same way with {@code l3}. Thousands of synthetic flows go
 * through one pinned worker; then, while traffic runs, the IPv4 {@code l4} group's weights are
 * replaced (one atomic swap) and the new split is shown. Exits 0 only if nothing was lost and
 * nothing was dropped.
 */
public final class Demo {
    private static final int ROUTES = 3;
    private static final String[] PREFIX = {"198.51.100.0/24", "2001:db8:100::/64", "203.0.113.0/24"};
    private static final MultipathAlgorithm[] ALGORITHM = {MultipathAlgorithm.L4, MultipathAlgorithm.L4, MultipathAlgorithm.L3};
    private static final int FRAME = 64;
    /** The first two payload bytes carry the route number and the phase, so the servers can attribute each frame. */
    private static final long ROUTER_MAC = 0x02000000fe01L;
    private static final long CLIENT_MAC = 0x02000000c001L;
    private static final int TAG_V4 = 14 + 20 + 8;
    private static final int TAG_V6 = 14 + 40 + 8;

    private final int packetsPerRoute;
    private final int flows;
    private final int cpu;
    private final long[][][] received = new long[2][ROUTES][3]; // phase, route, port
    private final long[][] sent = new long[2][ROUTES];
    private final int[][] weights = {{1, 2}, {1, 2}, {1, 2}};
    private final int[][] phaseWeights = new int[2 * ROUTES][];
    private volatile int phase;

    private Demo(int packetsPerRoute, int flows, int cpu) {
        this.packetsPerRoute = packetsPerRoute;
        this.flows = flows;
        this.cpu = cpu;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static final String USAGE = """
            usage: bin/dataplane demo [--packets N] [--flows N] [--cpu N]

            Runs the built-in weighted-ECMP example in memory: one pinned worker forwards
            synthetic flows from a client port to two server ports, then a group's weights
            are replaced while traffic runs. Prints the split per route and phase.

              --packets N  packets per route and phase, 1 or more (default 1000000)
              --flows N    flows per route, 1 or more (default 8192)
              --cpu N      CPU to pin the worker to, -1 for none (default: the last usable CPU)
            Exit status: 0 when no packet was lost or dropped, 1 otherwise, 2 on bad usage.""";

    /** Runs the demo with command-line options; returns the exit status. */
    public static int run(String[] args) {
        return run(args, UsableCpus.ofThisProcess());
    }

    /** As {@link #run(String[])}, with the CPUs a worker may be pinned to (a test's choice). */
    static int run(String[] args, UsableCpus cpus) {
        int packets = 1_000_000;
        int flows = 8192;
        int cpu = cpus.last();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--packets" -> packets = number(args, ++i, "--packets", 1);
                    case "--flows" -> flows = number(args, ++i, "--flows", 1);
                    case "--cpu" -> cpu = number(args, ++i, "--cpu", -1);
                    case "-h", "--help" -> {
                        System.out.println(USAGE);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
                }
            }
            // A worker pinned to a CPU it may not use never starts, and the demo would wait for it forever.
            String refusal = cpu < 0 ? null : cpus.refusal(cpu, 1);
            if (refusal != null) {
                throw new IllegalArgumentException("--cpu " + cpu + ": " + refusal);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("dataplane demo: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
        return new Demo(packets, flows, cpu).run();
    }

    /** The integer after {@code option}, at least {@code min}. */
    private static int number(String[] args, int i, String option, int min) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        int v;
        try {
            v = Integer.parseInt(args[i]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole number, not '" + args[i] + "'");
        }
        if (v < min) {
            throw new IllegalArgumentException(option + " must be " + min + " or more, not " + v);
        }
        return v;
    }

    private int run() {
        try (MemoryUmem umem = new MemoryUmem(16384, 2048)) {
            MemoryPort client = new MemoryPort(0, "client", umem, 2048, 1500);
            MemoryPort server1 = new MemoryPort(1, "server1", umem, 2048, 1500);
            MemoryPort server2 = new MemoryPort(2, "server2", umem, 2048, 1500);
            Workers dp = Workers.builder()
                    .limits(new FibLimits(64, 64, 256, 256, 4))
                    .port(client).port(server1).port(server2)
                    .worker(cpu, 0)
                    .idle(Workers.Idle.BUSY_SPIN)
                    .build();
            try (dp) {
                configure(dp);
                System.out.printf("dataplane demo: 3 in-memory ports (client, server1, server2), 1 worker on %s, %d flows per route%n",
                        cpu >= 0 ? "CPU " + cpu : "any CPU", flows);
                for (int r = 0; r < ROUTES; r++) {
                    System.out.printf("  route %-18s via server1 weight 1, server2 weight 2, mpalgo %s%n", PREFIX[r], ALGORITHM[r].keyword());
                }
                dp.start();
                return traffic(dp, client, server1, server2);
            }
        }
    }

    private void configure(Workers dp) {
        long router = MacAddress.parse("02:00:00:00:00:fe");
        dp.fib().change()
                .nexthop(1, new Nexthop(1, MacAddress.parse("02:00:00:00:01:01"), router, 1500, true, true))
                .nexthop(2, new Nexthop(2, MacAddress.parse("02:00:00:00:02:01"), router, 1500, true, true))
                .group(0, group(0))
                .group(1, group(1))
                .group(2, group(2))
                .route4(IpAddresses.parse4("198.51.100.0"), 24, RouteTarget.group(0))
                .route6(IpAddresses.parse6("2001:db8:100::")[0], 0, 64, RouteTarget.group(1))
                .route4(IpAddresses.parse4("203.0.113.0"), 24, RouteTarget.group(2))
                .commit();
        for (int r = 0; r < ROUTES; r++) {
            phaseWeights[r] = weights[r].clone();
        }
    }

    private GroupSpec group(int route) {
        return new GroupSpec(new int[] {1, 2}, weights[route], ALGORITHM[route]);
    }

    /** One template frame per (flow, route), interleaved so every burst mixes routes and flows. */
    private MemorySegment templates(Arena arena) {
        MemorySegment t = arena.allocate((long) flows * ROUTES * FRAME);
        SplittableRandom rnd = new SplittableRandom(2992);
        for (int f = 0; f < flows; f++) {
            int sport = 1024 + rnd.nextInt(60000);
            int src4 = IpAddresses.parse4("10.0.0.0") | rnd.nextInt(1 << 24);
            long src6lo = rnd.nextLong();
            long[] src6 = IpAddresses.parse6("2001:db8:1::");
            long[] dst6 = IpAddresses.parse6("2001:db8:100::80");
            int label = rnd.nextInt(1 << 20);
            for (int r = 0; r < ROUTES; r++) {
                long at = ((long) f * ROUTES + r) * FRAME;
                if (r == 1) {
                    udp6(t, at, src6[0], src6lo, dst6, label, sport);
                } else {
                    udp4(t, at, src4, IpAddresses.parse4(r == 0 ? "198.51.100.80" : "203.0.113.80"), sport);
                }
                t.set(ValueLayout.JAVA_BYTE, at + (r == 1 ? TAG_V6 : TAG_V4), (byte) r);
            }
        }
        return t;
    }

    /** A client-to-router UDP frame to port 53 with 18 payload bytes (zero: the segment is fresh), IPv4 with DF. */
    private static void udp4(MemorySegment m, long at, int src, int dst, int sport) {
        long ip = at + Ethernet.write(m, at, ROUTER_MAC, CLIENT_MAC, -1, Ethernet.TYPE_IPV4);
        int udpLength = Udp.HEADER + 18;
        Ipv4.write(m, ip, 0, Ipv4.HEADER + udpLength, 0, Ipv4.DF, 64, IpProtocol.UDP, src, dst);
        Udp.write(m, ip + Ipv4.HEADER, sport, 53, udpLength);
    }

    /** The IPv6 twin of {@link #udp4}, with 2 payload bytes. */
    private static void udp6(MemorySegment m, long at, long srcHi, long srcLo, long[] dst, int flowLabel, int sport) {
        long ip = at + Ethernet.write(m, at, ROUTER_MAC, CLIENT_MAC, -1, Ethernet.TYPE_IPV6);
        int udpLength = Udp.HEADER + 2;
        Ipv6.write(m, ip, udpLength, IpProtocol.UDP, 64, flowLabel, srcHi, srcLo, dst[0], dst[1]);
        Udp.write(m, ip + Ipv6.HEADER, sport, 53, udpLength);
    }

    private int traffic(Workers dp, MemoryPort client, MemoryPort server1, MemoryPort server2) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = templates(arena);
            int total = flows * ROUTES;
            int[] cursor = {0};
            int[] budget = {0};
            MemoryPort.FrameSource source = (m, at) -> {
                if (budget[0] == 0) {
                    return 0;
                }
                budget[0]--;
                int i = cursor[0];
                cursor[0] = i + 1 == total ? 0 : i + 1;
                int route = i % ROUTES;
                int length = route == 1 ? 62 + 2 : 60;
                MemorySegment.copy(t, (long) i * FRAME, m, at, length);
                int ph = phase; // read once: the tag and the count must name the same phase if it flips now
                m.set(ValueLayout.JAVA_BYTE, at + (route == 1 ? TAG_V6 : TAG_V4) + 1, (byte) ph);
                sent[ph][route]++;
                return length;
            };
            int[] port = {0};
            MemoryPort.FrameSink sink = (m, at, length) -> {
                boolean v6 = Ethernet.type(m, at) == Ethernet.TYPE_IPV6;
                long tag = at + (v6 ? TAG_V6 : TAG_V4);
                int route = m.get(ValueLayout.JAVA_BYTE, tag);
                int ph = m.get(ValueLayout.JAVA_BYTE, tag + 1);
                received[ph][route][port[0]]++;
            };

            long phaseOneStart = System.nanoTime();
            pump(client, server1, server2, source, sink, port, budget, packetsPerRoute * ROUTES);
            long phaseOneNanos = System.nanoTime() - phaseOneStart;
            long forwarded = dp.portCounter(1, PortCounter.TX_PACKETS) + dp.portCounter(2, PortCounter.TX_PACKETS);

            // The swap: replace group 0's weights while the client keeps sending. The phase flips
            // only after the commit returned, so every phase-1 frame after the flip is decided by
            // the new group (the worker receives before it loads the snapshot).
            weights[0] = new int[] {3, 1};
            Thread swap = new Thread(() -> {
                dp.fib().change().group(0, group(0)).commit();
                phase = 1;
            }, "demo-control");
            budget[0] = Integer.MAX_VALUE;
            swap.start();
            while (phase == 0) {
                client.inject(source, 64);
                drain(server1, server2, sink, port);
            }
            budget[0] = 0;
            for (int r = 0; r < ROUTES; r++) {
                phaseWeights[ROUTES + r] = weights[r].clone();
            }
            pump(client, server1, server2, source, sink, port, budget, packetsPerRoute * ROUTES);
            settle(server1, server2, sink, port);

            double mpps = forwarded / (phaseOneNanos / 1e9) / 1e6;
            System.out.printf("worker forwarded %,d packets in %.3f s: %.2f Mpps (one core; the generator shares the other)%n",
                    forwarded, phaseOneNanos / 1e9, mpps);
            System.out.println("replaced group of " + PREFIX[0] + ": weights 1:2 -> 3:1 while traffic ran (one atomic swap)");
            long noRoute = dp.dropCounter(Verdict.NO_ROUTE);
            long allDrops = 0;
            for (Verdict v : Verdict.values()) {
                allDrops += dp.dropCounter(v);
            }
            System.out.printf("drops: %d (no route: %d)%n", allDrops, noRoute);
            boolean ok = allDrops == 0;
            for (int ph = 0; ph < 2; ph++) {
                for (int r = 0; r < ROUTES; r++) {
                    ok &= summary(ph, r);
                }
            }
            return ok ? 0 : 1;
        }
    }

    /** Sends {@code packets} more frames and drains the servers while doing so. */
    private void pump(MemoryPort client, MemoryPort s1, MemoryPort s2, MemoryPort.FrameSource source,
                      MemoryPort.FrameSink sink, int[] port, int[] budget, int packets) {
        budget[0] = packets;
        while (budget[0] > 0) {
            client.inject(source, 64);
            drain(s1, s2, sink, port);
        }
    }

    private static void drain(MemoryPort s1, MemoryPort s2, MemoryPort.FrameSink sink, int[] port) {
        port[0] = 1;
        s1.drain(sink, 256);
        port[0] = 2;
        s2.drain(sink, 256);
    }

    /** Drains until every sent frame arrived or nothing arrived for a second. */
    private void settle(MemoryPort s1, MemoryPort s2, MemoryPort.FrameSink sink, int[] port) {
        long quietSince = System.nanoTime();
        long seen = -1;
        while (System.nanoTime() - quietSince < 1_000_000_000L) {
            drain(s1, s2, sink, port);
            long now = 0;
            for (long[][] ph : received) {
                for (long[] r : ph) {
                    now += r[1] + r[2];
                }
            }
            long expected = 0;
            for (long[] ph : sent) {
                for (long n : ph) {
                    expected += n;
                }
            }
            if (now == expected) {
                return;
            }
            if (now != seen) {
                seen = now;
                quietSince = System.nanoTime();
            }
        }
    }

    private boolean summary(int ph, int route) {
        long[] got = received[ph][route];
        long arrived = got[1] + got[2];
        long lost = sent[ph][route] - arrived;
        int[] w = phaseWeights[ph * ROUTES + route];
        double share1 = arrived == 0 ? 0 : (double) got[1] / arrived;
        System.out.println(String.format(Locale.ROOT, "split %s weights %d:%d observed %.3f:%.3f lost %d",
                PREFIX[route], w[0], w[1], share1, arrived == 0 ? 0 : 1 - share1, lost));
        return lost == 0 && arrived > 0;
    }
}
