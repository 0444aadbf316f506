package io.dataplane.perf;

import io.dataplane.tables.packet.Frames;
import io.dataplane.tables.FlowHash;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.GroupTable;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.Change;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Cost per packet of the multipath action alone: the Jenkins flow hash read from packet memory
 * plus the hash-threshold search of the group. Each invocation takes the next 64 of 4096 distinct
 * flows, so the branch predictor cannot learn the selection pattern of a few repeated packets.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class HashSelectBenchmark {
    private static final int PACKETS = 64;
    private static final int FLOWS = 4096;
    private static final int FRAME = 128;
    private static final int L3_OFFSET = 14;

    @Param({"2", "8", "64"})
    public int nexthops;

    @Param({"l3", "l4"})
    public String algorithm;

    @Param({"4", "6"})
    public int family;

    private Arena arena;
    private Fib forwarding;
    private GroupTable groups;
    private int block;
    private int alg;
    private MemorySegment frames;
    private final int[] ipLength = new int[FLOWS];
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofConfined();
        forwarding = new Fib(new FibLimits(256, 4, 16, 16, 1));
        Change c = forwarding.change();
        int[] members = new int[nexthops];
        int[] weights = new int[nexthops];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < nexthops; i++) {
            c.nexthop(i, new Nexthop(i % 4, i + 1, 0xfe, 1500, true, true));
            members[i] = i;
            weights[i] = 1 + r.nextInt(100);
        }
        MultipathAlgorithm a = MultipathAlgorithm.parse(algorithm);
        c.group(0, new GroupSpec(members, weights, a)).commit();
        groups = forwarding.snapshot().groups;
        block = groups.block(0);
        alg = a.ordinal();
        frames = arena.allocate((long) FLOWS * FRAME);
        for (int i = 0; i < FLOWS; i++) {
            Frames f = family == 4
                    ? Frames.ipv4(0x0a000000 | r.nextInt(1 << 24), 0xc6336407).udp(1024 + r.nextInt(60000), 53)
                    : Frames.ipv6(0x20010db800010000L, r.nextLong(), 0x20010db801000000L, 7).flowLabel(r.nextInt(1 << 20)).udp(1024 + r.nextInt(60000), 53);
            f.write(frames, (long) i * FRAME);
            ipLength[i] = f.ipLength();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        forwarding.close();
        arena.close();
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public void hashAndSelect(Blackhole bh) {
        MemorySegment m = frames;
        boolean v4 = family == 4;
        int first = next;
        next = (first + PACKETS) & (FLOWS - 1);
        for (int i = first; i < first + PACKETS; i++) {
            long l3 = (long) i * FRAME + L3_OFFSET;
            int h = v4 ? FlowHash.ipv4(m, l3, ipLength[i], alg, 0) : FlowHash.ipv6(m, l3, ipLength[i], alg, 0);
            bh.consume(groups.selectByHash(block, h));
        }
    }
}
