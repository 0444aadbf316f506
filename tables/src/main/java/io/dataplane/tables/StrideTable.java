package io.dataplane.tables;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import org.agrona.collections.IntArrayList;

/**
 * The off-heap multibit trie under {@link Lpm4} and {@link Lpm6}: one first-level table indexed by
 * the leading {@code firstBits} of the address, then chained groups of 256 entries, one per
 * further byte (DPDK rte_lpm / rte_lpm6 layout). Writer-side algorithms only; the facades own
 * the rule sets and their own specialised lookups.
 *
 * <p>Addresses are handled as 128-bit (hi, lo) pairs so both families share one writer; IPv4
 * sits in the top 32 bits of {@code hi}.
 *
 * <p>Publication: every store into memory a reader can reach is a {@code setRelease}, so a reader
 * that observes a link (an extended entry) with an acquire read also observes every entry the
 * writer stored in that group before linking it. Groups being built are unreachable until that
 * final linking store, so readers see for each address either the old route or the new one.
 * Not thread-safe for writers: exactly one control thread calls the mutating methods.
 */
final class StrideTable implements AutoCloseable {
    /** Aligned 32-bit access; coordinates (segment, byte offset). */
    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    static final int EXTENDED = 0x8000_0000;
    static final int VALID = 0x4000_0000;
    static final int DEPTH_SHIFT = 22;
    static final int DEPTH_MASK = 0xFF;
    static final int TARGET_MASK = (1 << DEPTH_SHIFT) - 1;
    static final int GROUP_MASK = 0x3FFF_FFFF;
    static final int GROUP_ENTRIES = 256;
    static final int GROUP_BITS = 8;
    /** Bounds the off-heap reservation (16 GiB of groups) well below what the 30-bit link could name. */
    static final int MAX_GROUPS = 1 << 24;

    private final Arena arena;
    final MemorySegment entries;
    /** Byte offset of group 0; the first-level table occupies the bytes before it. */
    final long groupBase;
    private final int firstBits;
    private final int capacity;
    private final Quiescence quiescence;
    private final String capacityName;

    /** Groups never handed out yet are [nextUnused, capacity). */
    private int nextUnused;
    /** Unlinked and past a grace period: safe to overwrite. */
    private final IntArrayList free = new IntArrayList();
    /** Unlinked, but a reader may still be walking them until the next synchronize. */
    private final IntArrayList pending = new IntArrayList();

    StrideTable(int firstBits, int capacity, Quiescence quiescence, String capacityName) {
        this.quiescence = Objects.requireNonNull(quiescence, "quiescence");
        if (capacity < 0 || capacity > MAX_GROUPS) {
            throw new IllegalArgumentException(
                    capacityName + " must be 0.." + MAX_GROUPS + " (1 KiB off-heap each), got " + capacity);
        }
        this.firstBits = firstBits;
        this.capacity = capacity;
        this.capacityName = capacityName;
        this.groupBase = (1L << firstBits) * Integer.BYTES;
        this.arena = Arena.ofShared();
        // Arena memory comes zeroed: every entry starts as "no route".
        this.entries = arena.allocate(groupBase + (long) capacity * GROUP_ENTRIES * Integer.BYTES, 64);
    }

    static int route(int depth, int target) {
        return VALID | (depth << DEPTH_SHIFT) | target;
    }

    static int depthOf(int entry) {
        return (entry >>> DEPTH_SHIFT) & DEPTH_MASK;
    }

    long groupOffset(int group) {
        return groupBase + ((long) group << (GROUP_BITS + 2));
    }

    int capacity() {
        return capacity;
    }

    String capacityName() {
        return capacityName;
    }

    int groupsInUse() {
        return nextUnused - free.size() - pending.size();
    }

    /** Groups an insert may still take, counting pending ones a synchronize would release. */
    int groupsAvailable() {
        return capacity - groupsInUse();
    }

    /** How many new groups inserting this rule would link; reads only. */
    int groupsNeeded(long hi, long lo, int depth) {
        long table = 0;
        int off = 0;
        int width = firstBits;
        while (depth > off + width) {
            int e = read(table + ((long) bits(hi, lo, off, width) << 2));
            if (e >= 0) {
                return (depth - (off + width) + GROUP_BITS - 1) / GROUP_BITS;
            }
            table = groupOffset(e & GROUP_MASK);
            off += width;
            width = GROUP_BITS;
        }
        return 0;
    }

    /**
     * Makes every address under the rule whose best route is no longer than {@code depth} resolve
     * to {@code target}. The caller has checked {@link #groupsNeeded} against
     * {@link #groupsAvailable}.
     */
    void insert(long hi, long lo, int depth, int target) {
        int entry = route(depth, target);
        long table = 0;
        int off = 0;
        int width = firstBits;
        while (true) {
            int index = bits(hi, lo, off, width);
            if (depth <= off + width) {
                fillRange(table, index, 1 << (off + width - depth), entry, depth);
                return;
            }
            long slot = table + ((long) index << 2);
            int e = read(slot);
            if (e < 0) {
                table = groupOffset(e & GROUP_MASK);
                off += width;
                width = GROUP_BITS;
                continue;
            }
            write(slot, EXTENDED | buildPath(e, hi, lo, off + width, depth, entry));
            return;
        }
    }

    /**
     * Builds, in memory no reader can reach yet, the groups from bit {@code off} down to the rule.
     * Every entry starts as {@code inherited}, the route that covered the whole parent slot; its
     * depth is at most {@code off}, so the new rule overrides it wherever the two overlap.
     */
    private int buildPath(int inherited, long hi, long lo, int off, int depth, int entry) {
        int group = allocate();
        long table = groupOffset(group);
        for (int i = 0; i < GROUP_ENTRIES; i++) {
            write(table + ((long) i << 2), inherited);
        }
        int index = bits(hi, lo, off, GROUP_BITS);
        if (depth <= off + GROUP_BITS) {
            fillRange(table, index, 1 << (off + GROUP_BITS - depth), entry, depth);
        } else {
            write(table + ((long) index << 2), EXTENDED | buildPath(inherited, hi, lo, off + GROUP_BITS, depth, entry));
        }
        return group;
    }

    private void fillRange(long table, int from, int count, int entry, int depth) {
        for (int i = from, end = from + count; i < end; i++) {
            long slot = table + ((long) i << 2);
            int e = read(slot);
            if (e < 0) {
                fillRange(groupOffset(e & GROUP_MASK), 0, GROUP_ENTRIES, entry, depth);
            } else if (depthOf(e) <= depth) {
                write(slot, entry);
            }
        }
    }

    /**
     * Re-points every address whose best route was the rule at {@code depth} to
     * {@code replacement}: the entry of the longest remaining covering rule, or 0 for none.
     * Groups left uniform are unlinked and queued for reuse after a grace period.
     */
    void remove(long hi, long lo, int depth, int replacement) {
        removeAt(0, 0, firstBits, hi, lo, depth, replacement);
    }

    private void removeAt(long table, int off, int width, long hi, long lo, int depth, int replacement) {
        int index = bits(hi, lo, off, width);
        if (depth <= off + width) {
            clearRange(table, index, 1 << (off + width - depth), off + width, depth, replacement);
            return;
        }
        long slot = table + ((long) index << 2);
        int e = read(slot);
        if (e >= 0) {
            // A rule deeper than this level always hangs below an extended entry.
            throw new IllegalStateException("LPM trie inconsistent: no group below a rule of depth " + depth);
        }
        int group = e & GROUP_MASK;
        removeAt(groupOffset(group), off + width, GROUP_BITS, hi, lo, depth, replacement);
        collapseIfUniform(slot, group, off + width);
    }

    /** {@code childOff} is the first address bit indexed by the groups this table links to. */
    private void clearRange(long table, int from, int count, int childOff, int depth, int replacement) {
        for (int i = from, end = from + count; i < end; i++) {
            long slot = table + ((long) i << 2);
            int e = read(slot);
            if (e < 0) {
                int group = e & GROUP_MASK;
                clearRange(groupOffset(group), 0, GROUP_ENTRIES, childOff + GROUP_BITS, depth, replacement);
                collapseIfUniform(slot, group, childOff);
            } else if (e != 0 && depthOf(e) == depth) {
                // Inside the deleted prefix only the deleted rule itself can have this depth.
                write(slot, replacement);
            }
        }
    }

    /**
     * A group whose 256 entries are one route no longer than the parent slot (at most
     * {@code groupOff} bits) says nothing the parent could not: store that route in the parent
     * first, so new readers stop entering the group, and only then queue the group, since readers
     * already inside it keep reading it until they quiesce. Equal entries from longer routes (two
     * sibling /25s with one target) must stay: the parent slot cannot carry their depth, which
     * later deletes rely on.
     */
    private void collapseIfUniform(long parentSlot, int group, int groupOff) {
        long table = groupOffset(group);
        int first = read(table);
        if (first < 0 || depthOf(first) > groupOff) {
            return;
        }
        for (int i = 1; i < GROUP_ENTRIES; i++) {
            if (read(table + ((long) i << 2)) != first) {
                return;
            }
        }
        write(parentSlot, first);
        pending.addInt(group);
    }

    /** Waits out one grace period and makes every group unlinked before it reusable. Writer only. */
    void reclaim() {
        if (pending.isEmpty()) {
            return;
        }
        quiescence.synchronize();
        for (int i = 0; i < pending.size(); i++) {
            free.addInt(pending.getInt(i));
        }
        pending.clear();
    }

    private int allocate() {
        // Prefer never-used groups, then already reclaimed ones; synchronize only when nothing else is left.
        if (nextUnused < capacity) {
            return nextUnused++;
        }
        if (free.isEmpty()) {
            reclaim();
        }
        if (free.isEmpty()) {
            throw new IllegalStateException("all " + capacity + " " + capacityName + " are in use");
        }
        return free.popInt();
    }

    private int read(long offset) {
        return (int) INT.get(entries, offset);
    }

    private void write(long offset, int entry) {
        INT.setRelease(entries, offset, entry);
    }

    /** The {@code width} address bits starting {@code off} bits from the top of the 128-bit key. */
    static int bits(long hi, long lo, int off, int width) {
        int end = off + width;
        long mask = (1L << width) - 1;
        if (end <= 64) {
            return (int) ((hi >>> (64 - end)) & mask);
        }
        if (off >= 64) {
            return (int) ((lo >>> (128 - end)) & mask);
        }
        return (int) (((hi << (end - 64)) | (lo >>> (128 - end))) & mask);
    }

    /**
     * Frees the off-heap memory. Workers must have stopped reading first: a shared arena refuses
     * to close under an access in flight, and later reads fail.
     */
    @Override
    public void close() {
        arena.close();
    }
}
