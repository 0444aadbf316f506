package io.dataplane.tables;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

/**
 * One immutable version of the multipath group table, flat: a directory of block offsets indexed
 * by group slot, then one block per group that a packet reads in one or two cache lines:
 *
 * <pre>
 * +0  members   +4 algorithm (ordinal)   +8 alive weight total W   +12 per-packet step
 * +16 resilient buckets B (0: hash-threshold)
 * +20 search bounds[members]   (hash-threshold bounds, dead members given zero width)
 * then nexthop slot[members], then cumulative alive weight[members] (per-packet positions)
 * then, for a resilient group, nexthop slot[B] (bucket b at index b)
 * </pre>
 *
 * The kernel's bound for a dead member is -1, which would break a binary search; here a dead member
 * repeats the previous alive member's bound, so "first bound >= hash" still picks exactly the
 * member the kernel picks and never a dead one. Versions are built by copying and owned by the
 * garbage collector, like {@link NexthopTable}. A resilient group's slot also has a
 * {@link BucketActivity}, kept from version to version while the slot holds a resilient group of
 * the same size, so the workers' last-used times survive every migration's publication.
 */
public final class GroupTable {
    public static final int MEMBERS = 0;
    public static final int ALGORITHM = 4;
    public static final int TOTAL_WEIGHT = 8;
    public static final int STEP = 12;
    public static final int BUCKETS = 16;
    public static final int BOUNDS = 20;

    private static final GroupTable EMPTY = new GroupTable(new GroupSpec[0], NexthopTable.empty(), null, 1);

    /**
     * The version's memory; the fast path reads it through {@link #address}. The field is what keeps
     * the automatic arena's memory allocated for as long as this version is reachable.
     */
    private final MemorySegment segment;
    /** The address of {@link #segment}, for the fast path's reads through {@link AddressSpace#ALL}. */
    private final long address;
    private final GroupSpec[] specs;
    private final BucketActivity[] activity;

    private GroupTable(GroupSpec[] specs, NexthopTable nexthops, GroupTable previous, int workers) {
        this.specs = specs;
        this.activity = new BucketActivity[specs.length];
        long size = (long) specs.length * 4;
        for (int i = 0; i < specs.length; i++) {
            GroupSpec g = specs[i];
            if (g != null) {
                size += blockBytes(g);
            }
            if (g != null && g.isResilient()) {
                GroupSpec before = previous == null ? null : previous.get(i);
                activity[i] = before != null && before.isResilient() && before.buckets().length == g.buckets().length
                        ? previous.activity[i] : new BucketActivity(workers, g.buckets().length);
            }
        }
        segment = Arena.ofAuto().allocate(Math.max(size, 4), 64);
        address = segment.address();
        long block = (long) specs.length * 4;
        for (int i = 0; i < specs.length; i++) {
            GroupSpec g = specs[i];
            if (g == null) {
                segment.set(ValueLayout.JAVA_INT, (long) i * 4, -1);
                continue;
            }
            segment.set(ValueLayout.JAVA_INT, (long) i * 4, (int) block);
            writeBlock(block, g, nexthops);
            block += blockBytes(g);
        }
    }

    private static long blockBytes(GroupSpec g) {
        return BOUNDS + 12L * g.size() + (g.isResilient() ? 4L * g.buckets().length : 0);
    }

    private void writeBlock(long block, GroupSpec g, NexthopTable nexthops) {
        int n = g.size();
        boolean[] alive = new boolean[n];
        for (int i = 0; i < n; i++) {
            alive[i] = (nexthops.flags(g.nexthop(i)) & NexthopTable.FLAG_ALIVE) != 0;
        }
        int[] bounds = UpperBounds.compute(g.weights(), alive);
        int total = 0;
        for (int i = 0; i < n; i++) {
            total += alive[i] ? g.weight(i) : 0;
        }
        segment.set(ValueLayout.JAVA_INT, block + MEMBERS, n);
        segment.set(ValueLayout.JAVA_INT, block + ALGORITHM, g.algorithm().ordinal());
        segment.set(ValueLayout.JAVA_INT, block + TOTAL_WEIGHT, total);
        segment.set(ValueLayout.JAVA_INT, block + STEP, perPacketStep(total));
        int[] buckets = g.isResilient() ? g.buckets() : new int[0];
        segment.set(ValueLayout.JAVA_INT, block + BUCKETS, buckets.length);
        for (int b = 0; b < buckets.length; b++) {
            segment.set(ValueLayout.JAVA_INT, block + BOUNDS + 12L * n + 4L * b, buckets[b]);
        }
        int search = -1;
        int cumulative = 0;
        for (int i = 0; i < n; i++) {
            if (alive[i]) {
                search = bounds[i];
                cumulative += g.weight(i);
            }
            segment.set(ValueLayout.JAVA_INT, block + BOUNDS + 4L * i, search);
            segment.set(ValueLayout.JAVA_INT, block + BOUNDS + 4L * n + 4L * i, g.nexthop(i));
            segment.set(ValueLayout.JAVA_INT, block + BOUNDS + 8L * n + 4L * i, cumulative);
        }
    }

    /**
     * A stride coprime with {@code total} near total/golden ratio: stepping a position by it visits
     * every one of the W positions once per W packets (exact weights) while spreading each member's
     * packets over the cycle instead of sending them back to back.
     */
    static int perPacketStep(int total) {
        if (total <= 1) {
            return 0;
        }
        int step = Math.max(1, (int) Math.round(total * 0.6180339887));
        while (gcd(step, total) != 1) {
            step++;
        }
        return step % total;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    public static GroupTable empty() {
        return EMPTY;
    }

    /** A new version with {@code changes} applied (null = remove), with bounds from {@code nexthops}' alive flags. */
    GroupTable with(Map<Integer, GroupSpec> changes, NexthopTable nexthops) {
        return with(changes, nexthops, 1);
    }

    /** As {@link #with(Map, NexthopTable)}, with bucket activity for {@code workers} workers in new resilient groups. */
    GroupTable with(Map<Integer, GroupSpec> changes, NexthopTable nexthops, int workers) {
        return new GroupTable(Slots.with(specs, changes), nexthops, this, workers);
    }

    /** The last-used times the workers keep for a resilient group's buckets, or null for any other slot. */
    public BucketActivity activity(int group) {
        return group >= 0 && group < activity.length ? activity[group] : null;
    }

    public MemorySegment segment() {
        return segment;
    }

    public int size() {
        return specs.length;
    }

    /** Control path: the spec in a slot, or null. */
    public GroupSpec get(int index) {
        return index >= 0 && index < specs.length ? specs[index] : null;
    }

    /** Fast path: byte offset of a group's block, or -1 when the slot is empty or out of range. */
    public int block(int group) {
        return group >= 0 && group < specs.length ? read(4L * group) : -1;
    }

    /** Fast path: the nexthop slot the hash-threshold rule picks for a 31-bit hash, or -1 if every member is dead. */
    public int selectByHash(int block, int hash31) {
        return selectByHash(block, members(block), hash31);
    }

    /** As {@link #selectByHash(int, int)}, for a caller that read the member count already. */
    public int selectByHash(int block, int n, int hash31) {
        int member = firstAtLeast(block + BOUNDS, n, hash31);
        return member < 0 ? -1 : read(block + BOUNDS + 4L * n + 4L * member);
    }

    /** Fast path: the nexthop slot owning per-packet position {@code position} (0 <= position < W), or -1. */
    public int selectByPosition(int block, int position) {
        int n = read(block + MEMBERS);
        int member = firstAtLeast(block + BOUNDS + 8L * n, n, position + 1);
        return member < 0 ? -1 : read(block + BOUNDS + 4L * n + 4L * member);
    }

    /** Fast path: a resilient group's bucket count, 0 for a hash-threshold or per-packet group. */
    public int buckets(int block) {
        return read(block + BUCKETS);
    }

    /**
     * Fast path: the nexthop slot of bucket {@code bucket} of the resilient group at {@code block}
     * with {@code n} members (the kernel's nexthop_select_path_res reads the bucket and nothing else:
     * no liveness test, dead members leave the bucket table instead).
     */
    public int bucketNexthop(int block, int n, int bucket) {
        return read(block + BOUNDS + 12L * n + 4L * bucket);
    }

    public int members(int block) {
        return read(block + MEMBERS);
    }

    public int algorithm(int block) {
        return read(block + ALGORITHM);
    }

    public int totalWeight(int block) {
        return read(block + TOTAL_WEIGHT);
    }

    public int step(int block) {
        return read(block + STEP);
    }

    /**
     * Fast path: the int at byte {@code offset} of this version's memory. Offsets come from the
     * table's own blocks (a block offset, a member count, a bucket index below the bucket count),
     * all written and bounded here, and the caller holds the version's {@link Snapshot}: so the
     * read needs neither the segment's bounds nor its liveness check ({@link AddressSpace}).
     */
    private int read(long offset) {
        return AddressSpace.ALL.get(ValueLayout.JAVA_INT, address + offset);
    }

    /** Index of the first of {@code n} non-decreasing ints at {@code base} that is >= key, or -1. */
    private int firstAtLeast(long base, int n, int key) {
        int lo = 0;
        int len = n;
        while (len > 1) {
            int half = len >>> 1;
            if (read(base + 4L * (lo + half - 1)) < key) {
                lo += half;
            }
            len -= half;
        }
        return read(base + 4L * lo) >= key ? lo : -1;
    }
}
