package io.dataplane.ffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CpuAffinityTest {
    @Test
    void pinnedThreadRunsOnlyOnItsCpu() throws Exception {
        BitSet allowed = CpuAffinity.allowed();
        int cpu = allowed.nextSetBit(0);
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                CpuAffinity.pin(cpu);
                BitSet after = CpuAffinity.allowed();
                int[] seen = new int[1000];
                for (int i = 0; i < seen.length; i++) {
                    seen[i] = CpuAffinity.currentCpu();
                }
                result.set(new Object[] {after, seen});
            } catch (Throwable e) {
                result.set(e);
            }
        });
        t.start();
        t.join();
        if (result.get() instanceof Throwable e) {
            throw new AssertionError(e);
        }
        Object[] r = (Object[]) result.get();
        BitSet expected = new BitSet();
        expected.set(cpu);
        assertEquals(expected, r[0]);
        for (int c : (int[]) r[1]) {
            assertEquals(cpu, c);
        }
        // The test thread itself was not pinned: affinity is per thread.
        assertEquals(allowed, CpuAffinity.allowed());
    }

    @Test
    void pinningToAnAbsentCpuNamesTheSyscall() {
        // CPU 1023 does not exist on a test machine; the kernel refuses and nothing is pinned.
        NativeException e = assertThrows(NativeException.class, () -> CpuAffinity.pin(CpuAffinity.MAX_CPUS - 1));
        assertTrue(e.getMessage().startsWith("sched_setaffinity("), e.getMessage());
        assertEquals(Errno.EINVAL, e.errno());
        assertThrows(IllegalArgumentException.class, () -> CpuAffinity.pin(-1));
    }

    @Test
    void threadIdIsTheKernelTid() {
        assertTrue(CpuAffinity.threadId() > 0);
    }
}
