package io.dataplane.perf;

import io.dataplane.tables.FlowHash;
import io.dataplane.tables.FlowKeys;
import io.dataplane.tables.HashField;
import io.dataplane.tables.KernelHash;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
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
 * Cost per packet of the multipath hash alone, read from packet memory: the Jenkins mode
 * ({@code jenkins-l3}, {@code jenkins-l4}) side by side with the kernel mode's four policies
 * ({@code kernel-0} .. {@code kernel-3}, the last with src-ip dst-ip ip-proto src-port dst-port and
 * the inner addresses selected). Plain UDP packets (DF set, IPv6 with a flow label); each
 * invocation hashes the next 64 of 4096 distinct flows.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class KernelHashBenchmark {
    private static final int PACKETS = 64;
    private static final int FLOWS = 4096;
    private static final int FRAME = 128;
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int FIELDS = HashField.OUTER & ~HashField.FLOWLABEL.bit() | HashField.INNER_SRC_IP.bit()
            | HashField.INNER_DST_IP.bit();

    @Param({"jenkins-l3", "jenkins-l4", "kernel-0", "kernel-1", "kernel-2", "kernel-3"})
    public String function;

    @Param({"4", "6"})
    public int family;

    private Arena arena;
    private MemorySegment frames;
    private final int[] ipLength = new int[FLOWS];
    private final FlowKeys keys = new FlowKeys();
    private final long key = FlowKeys.key(0x5eed);
    private int policy;
    private boolean jenkins;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofConfined();
        frames = arena.allocate((long) FLOWS * FRAME, 64);
        jenkins = function.startsWith("jenkins");
        policy = jenkins ? (function.endsWith("l4") ? FlowHash.L4 : FlowHash.L3) : function.charAt(7) - '0';
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < FLOWS; i++) {
            long at = (long) i * FRAME;
            if (family == 4) {
                frames.set(ValueLayout.JAVA_BYTE, at, (byte) 0x45);
                frames.set(BE16, at + 2, (short) 28);
                frames.set(BE16, at + 6, (short) 0x4000);
                frames.set(ValueLayout.JAVA_BYTE, at + 8, (byte) 64);
                frames.set(ValueLayout.JAVA_BYTE, at + 9, (byte) 17);
                frames.set(BE32, at + 12, 0x64400000 | r.nextInt(1 << 22));
                frames.set(BE32, at + 16, 0xc6120000 | r.nextInt(1 << 17));
                frames.set(BE32, at + 20, r.nextInt());
                ipLength[i] = 28;
            } else {
                frames.set(BE32, at, 6 << 28 | r.nextInt(1 << 20));
                frames.set(BE16, at + 4, (short) 8);
                frames.set(ValueLayout.JAVA_BYTE, at + 6, (byte) 17);
                frames.set(ValueLayout.JAVA_BYTE, at + 7, (byte) 64);
                for (int b = 8; b < 40; b += 4) {
                    frames.set(BE32, at + b, r.nextInt());
                }
                frames.set(BE32, at + 40, r.nextInt());
                ipLength[i] = 48;
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public void hash(Blackhole bh) {
        int base = next;
        next = (next + PACKETS) & (FLOWS - 1);
        for (int i = 0; i < PACKETS; i++) {
            int f = base + i;
            long at = (long) f * FRAME;
            int h;
            if (jenkins) {
                h = family == 4 ? FlowHash.ipv4(frames, at, ipLength[f], policy, 0x5eed)
                        : FlowHash.ipv6(frames, at, ipLength[f], policy, 0x5eed);
            } else {
                h = family == 4 ? KernelHash.ipv4(frames, at, ipLength[f], policy, FIELDS, key, keys)
                        : KernelHash.ipv6(frames, at, ipLength[f], policy, FIELDS, key, keys);
            }
            bh.consume(h);
        }
    }
}
