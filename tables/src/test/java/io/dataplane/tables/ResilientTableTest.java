package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The flat bucket table a worker reads: the kernel's bucket index, copies, whole publication. */
class ResilientTableTest {
    @Test
    void aHashSelectsTheSlotOfBucketHashModuloBuckets() {
        int[] slots = new SplittableRandom(3).ints(37, 0, 1000).toArray();
        ResilientTable t = ResilientTable.of(slots);
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < 10_000; i++) {
            int h = r.nextInt() >>> 1;
            assertEquals(slots[h % 37], t.select(h));
        }
        assertEquals(slots[0x7fffffff % 37], t.select(0x7fffffff));
        assertEquals(slots[0], t.select(0));
        assertEquals(0x7fffffff % 65535, ResilientTable.bucket(0x7fffffff, 65535));
    }

    @Test
    void theTableIsACopyOfItsInput() {
        int[] slots = {4, 5, 6};
        ResilientTable t = ResilientTable.of(slots);
        slots[1] = 99;
        assertEquals(5, t.nexthop(1));
        assertEquals(3, t.buckets());
    }

    @Test
    void bucketCountsOutsideTheKernelsAreRefused() {
        assertEquals("a resilient table needs 1..65535 buckets, had 0",
                assertThrows(IllegalArgumentException.class, () -> ResilientTable.of(new int[0])).getMessage());
        assertEquals("a resilient table needs 1..65535 buckets, had 65536",
                assertThrows(IllegalArgumentException.class, () -> ResilientTable.of(new int[65536])).getMessage());
    }

    /** A reader never sees a table with buckets of two versions: every version is built whole, then published. */
    @Test
    void aReaderSeesOnlyWholeVersions() throws InterruptedException {
        int buckets = 256;
        AtomicReference<ResilientTable> published = new AtomicReference<>(ResilientTable.of(new int[buckets]));
        int versions = 2000;
        int[] torn = new int[1];
        Thread reader = new Thread(() -> {
            int last = 0;
            while (last < versions) {
                ResilientTable t = published.get();
                int first = t.nexthop(0);
                for (int b = 1; b < buckets; b++) {
                    if (t.nexthop(b) != first) {
                        torn[0]++;
                    }
                }
                last = first;
            }
        });
        reader.start();
        for (int v = 1; v <= versions; v++) {
            int[] slots = new int[buckets];
            Arrays.fill(slots, v);
            published.set(ResilientTable.of(slots));
        }
        reader.join();
        assertEquals(0, torn[0]);
    }
}
