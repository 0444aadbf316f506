package io.dataplane.ffi;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.BitSet;

/**
 * Pins threads to CPUs with {@code sched_setaffinity}. Linux affinity is per thread, so
 * {@link #pin(int)} acts on the calling thread: call it first thing on a worker thread.
 */
public final class CpuAffinity {
    /** {@code cpu_set_t} is 1024 bits. */
    private static final int CPU_SET_BYTES = 128;
    public static final int MAX_CPUS = CPU_SET_BYTES * 8;

    private CpuAffinity() {
    }

    /** Pins the calling thread to {@code cpu}; throws if the CPU does not exist or is not allowed. */
    public static void pin(int cpu) {
        if (cpu < 0 || cpu >= MAX_CPUS) {
            throw new IllegalArgumentException("cpu must be 0.." + (MAX_CPUS - 1) + ", was " + cpu);
        }
        BitSet set = new BitSet();
        set.set(cpu);
        pin(set);
    }

    /** Restricts the calling thread to the CPUs in {@code cpus}. */
    public static void pin(BitSet cpus) {
        if (cpus.isEmpty() || cpus.length() > MAX_CPUS) {
            throw new IllegalArgumentException("cpu set must name CPUs 0.." + (MAX_CPUS - 1) + ", was " + cpus);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mask = a.allocate(CPU_SET_BYTES, 8);
            long[] words = cpus.toLongArray();
            for (int i = 0; i < words.length; i++) {
                mask.setAtIndex(JAVA_LONG, i, words[i]);
            }
            Libc.schedSetaffinity(0, mask, "pin thread " + Libc.gettid() + " to cpus " + cpus);
        }
    }

    /** The CPUs the calling thread may run on. */
    public static BitSet allowed() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mask = a.allocate(CPU_SET_BYTES, 8);
            Libc.schedGetaffinity(0, mask);
            return BitSet.valueOf(mask.toArray(JAVA_LONG));
        }
    }

    /** The CPU the calling thread is running on right now. */
    public static int currentCpu() {
        return Libc.schedGetcpu();
    }

    /** The kernel thread id of the calling thread. */
    public static int threadId() {
        return Libc.gettid();
    }
}
