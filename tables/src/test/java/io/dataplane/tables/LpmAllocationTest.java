package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The lookup hot paths allocate nothing once compiled (measured with the per-thread allocation counter). */
class LpmAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static long allocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    @Test
    void lookupsDoNotAllocate() {
        try (Lpm4 v4 = new Lpm4(16, Lpm4Test.noWorkers()); Lpm6 v6 = new Lpm6(64, Lpm4Test.noWorkers())) {
            v4.add(0x0A00_0000, 8, 1);
            v4.add(0x0A01_0280, 25, 2);
            v6.add(0x2001_0db8_0000_0000L, 0, 32, 1);
            v6.add(0x2001_0db8_0001_0002L, 0x80, 121, 2);
            long sink = 0;
            for (int round = 0; round < 3; round++) {
                sink += run(v4, v6);
            }
            long before = allocatedBytes();
            sink += run(v4, v6);
            long allocated = allocatedBytes() - before;
            assertEquals(0, allocated, "bytes allocated by 4M lookups (sink " + sink + ")");
        }
    }

    private static long run(Lpm4 v4, Lpm6 v6) {
        long sum = 0;
        for (int i = 0; i < 1_000_000; i++) {
            sum += v4.lookup(0x0A01_0200 + (i & 0x1FF));
            sum += v4.lookup(i << 8);
            sum += v6.lookup(0x2001_0db8_0001_0002L, i & 0xFF);
            sum += v6.lookup(0x2001_0db8_0000_0000L + i, 0);
        }
        return sum;
    }
}
