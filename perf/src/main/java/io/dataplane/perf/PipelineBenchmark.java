package io.dataplane.perf;

import io.dataplane.tables.packet.Frames;
import io.dataplane.pipeline.PacketBatch;
import io.dataplane.pipeline.Pipeline;
import io.dataplane.tables.Change;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import io.dataplane.tables.Snapshot;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole pipeline per packet (parse, validate, LPM, l4 multipath over 8 nexthops, MAC and TTL
 * rewrite) over bursts of 64 in-memory frames, each burst the next 64 of 4096 distinct flows to
 * random destinations (so neither caches nor branch predictors see a few repeated packets), with
 * one route or with 1,000,000 routes (a realistic mix: mostly /24, some shorter and longer).
 * Frames are re-copied from templates every 200 passes over the pool, before the TTL runs out;
 * that copy is amortised into the cost.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class PipelineBenchmark {
    private static final int BURST = 64;
    private static final int FLOWS = 4096;
    private static final int FRAME = 128;
    private static final int REFRESH = 200;

    @Param({"1", "1000000"})
    public int routes;

    @Param({"4", "6"})
    public int family;

    private Arena arena;
    private Fib forwarding;
    private Snapshot snapshot;
    private Pipeline pipeline;
    private PacketBatch batch;
    private MemorySegment templates;
    private MemorySegment frames;
    private final int[] lengths = new int[FLOWS];
    private int bursts;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofConfined();
        forwarding = new Fib(new FibLimits(64, 4, 200_000, 4096, 1));
        Change c = forwarding.change();
        int[] members = new int[8];
        int[] weights = new int[8];
        for (int i = 0; i < 8; i++) {
            c.nexthop(i, new Nexthop(1 + i % 2, 0x020000000100L + i, 0x0200000000feL, 1500, true, true));
            members[i] = i;
            weights[i] = 1 + i;
        }
        c.group(0, new GroupSpec(members, weights, MultipathAlgorithm.L4));
        SplittableRandom r = new SplittableRandom(5);
        int[] destinations = new int[FLOWS];
        if (routes == 1) {
            c.route4(0xc6336400, 24, RouteTarget.group(0)); // 198.51.100.0/24
            c.route6(0x20010db801000000L, 0, 64, RouteTarget.group(0));
            for (int i = 0; i < FLOWS; i++) {
                destinations[i] = 0xc6336400 | r.nextInt(256);
            }
        } else {
            int[] prefixes = RouteSets.internetLike(routes, 5);
            for (int i = 0; i < prefixes.length; i += 2) {
                c.route4(prefixes[i], prefixes[i + 1], RouteTarget.group(0));
            }
            for (int i = 0; i < 1000; i++) {
                c.route6(0x20010db800000000L | ((long) i << 16), 0, 48, RouteTarget.group(0));
            }
            for (int i = 0; i < FLOWS; i++) {
                int p = r.nextInt(prefixes.length / 2) * 2;
                int hostBits = 32 - prefixes[p + 1];
                destinations[i] = prefixes[p] | (hostBits == 0 ? 0 : r.nextInt() >>> (32 - hostBits));
            }
        }
        c.commit();
        snapshot = forwarding.snapshot();
        pipeline = new Pipeline(4);
        batch = new PacketBatch(BURST);
        templates = arena.allocate((long) FLOWS * FRAME);
        frames = arena.allocate((long) FLOWS * FRAME);
        for (int i = 0; i < FLOWS; i++) {
            Frames f = family == 4
                    ? Frames.ipv4(0x0a000000 | r.nextInt(1 << 24), destinations[i]).udp(1024 + r.nextInt(60000), 53).payload(18).ttl(255)
                    : Frames.ipv6(0x20010db800ff0000L, r.nextLong(), routes == 1 ? 0x20010db801000000L : 0x20010db800000000L | ((long) r.nextInt(1000) << 16),
                            r.nextLong()).udp(1024 + r.nextInt(60000), 53).ttl(255);
            lengths[i] = f.write(templates, (long) i * FRAME);
        }
        for (int i = 0; i < BURST; i++) {
            batch.add(i, (long) i * FRAME, lengths[i]);
        }
        MemorySegment.copy(templates, 0, frames, 0, templates.byteSize());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        forwarding.close();
        arena.close();
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public int burst() {
        int first = next;
        next = (first + BURST) & (FLOWS - 1);
        if (first == 0 && ++bursts == REFRESH) {
            bursts = 0;
            MemorySegment.copy(templates, 0, frames, 0, templates.byteSize());
        }
        for (int i = 0; i < BURST; i++) {
            batch.data[i] = (long) (first + i) * FRAME;
            batch.length[i] = lengths[first + i];
        }
        pipeline.process(snapshot, frames, batch);
        return batch.verdict[BURST - 1];
    }
}
