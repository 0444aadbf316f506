package io.dataplane.tables;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One immutable version of a resilient group's bucket table, flat and off-heap: the nexthop slot
 * of each bucket, 4 bytes apiece in index order. A packet costs one load:
 * {@code nexthop(bucket(hash31))}. Built whole from the control thread's {@link ResilientGroup}
 * and never written afterwards; a migration builds a new version, and the caller publishes it with
 * the rest of the snapshot, so no packet sees a half-migrated table.
 */
public final class ResilientTable {
    private final int buckets;
    private final MemorySegment slots;

    private ResilientTable(int[] nexthopSlots) {
        buckets = nexthopSlots.length;
        slots = Arena.ofAuto().allocate(4L * buckets, 64);
        for (int b = 0; b < buckets; b++) {
            slots.setAtIndex(ValueLayout.JAVA_INT, b, nexthopSlots[b]);
        }
    }

    /** A table with bucket {@code b} forwarding to nexthop slot {@code nexthopSlots[b]}. Control path. */
    public static ResilientTable of(int[] nexthopSlots) {
        if (nexthopSlots.length < 1 || nexthopSlots.length > ResilientGroup.MAX_BUCKETS) {
            throw new IllegalArgumentException("a resilient table needs 1.." + ResilientGroup.MAX_BUCKETS
                    + " buckets, had " + nexthopSlots.length);
        }
        return new ResilientTable(nexthopSlots);
    }

    /**
     * The kernel's bucket for a 31-bit multipath hash (nexthop_select_path_res:
     * {@code u16 bucket_index = hash % num_nh_buckets}); the hash is never negative.
     */
    public static int bucket(int hash31, int buckets) {
        return hash31 % buckets;
    }

    public int buckets() {
        return buckets;
    }

    /** Fast path: the nexthop slot of a bucket. */
    public int nexthop(int bucket) {
        return slots.getAtIndex(ValueLayout.JAVA_INT, bucket);
    }

    /** Fast path: the nexthop slot for a 31-bit hash. */
    public int select(int hash31) {
        return nexthop(hash31 % buckets);
    }
}
