package io.dataplane.tables;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import org.agrona.collections.Int2IntHashMap;

/**
 * IPv4 longest-prefix match with kernel main-table semantics for plain unicast routes, laid out
 * DIR-24-8 (DPDK rte_lpm): a 2^24-entry table indexed by the top 24 address bits answers every
 * route up to /24 in one read; a /24 holding longer routes links a 256-entry tbl8 group, which
 * answers in a second read.
 *
 * <p>One writer (the control thread) calls {@link #add}, {@link #delete} and {@link #reclaim};
 * any number of workers call {@link #lookup} concurrently and always see, per address, the route
 * before or after a change. Workers must take part in the {@link Quiescence} given here, because
 * unlinked tbl8 groups are reused only after {@link Quiescence#synchronize()}.
 */
public final class Lpm4 implements AutoCloseable {
    private static final VarHandle INT = StrideTable.INT;
    private static final int MAX_LENGTH = 32;
    private static final int MAX_TARGET = (1 << 22) - 1;

    private final StrideTable trie;
    private final MemorySegment entries;
    private final long tbl8Base;
    /** Rules by prefix length: the source of truth for get and delete's fallback route. */
    private final Int2IntHashMap[] rules = new Int2IntHashMap[MAX_LENGTH + 1];
    private int size;

    /**
     * @param tbl8Groups how many /24s may hold routes longer than /24 at once (1 KiB each, off-heap)
     * @param quiescence the grace-period domain the lookup threads are registered with
     */
    public Lpm4(int tbl8Groups, Quiescence quiescence) {
        trie = new StrideTable(24, tbl8Groups, quiescence, "tbl8 groups");
        entries = trie.entries;
        tbl8Base = trie.groupBase;
        for (int i = 0; i <= MAX_LENGTH; i++) {
            rules[i] = new Int2IntHashMap(8, 0.65f, RouteTarget.NONE);
        }
    }

    /**
     * The target of the longest prefix covering {@code address}, or {@link RouteTarget#NONE}.
     * Hot path: two reads at most, no allocation, no locks.
     */
    public int lookup(int address) {
        // Acquire pairs with the writer's release of a tbl8 link, so the group's contents are
        // visible once the link is; the tbl8 read is last and feeds nothing, so it may be plain.
        // Both are single aligned 32-bit reads, hence atomic: an entry is old or new, never torn.
        int e = (int) INT.getAcquire(entries, (long) (address >>> 8) << 2);
        if (e < 0) {
            e = (int) INT.get(entries, tbl8Base + ((((long) (e & StrideTable.GROUP_MASK)) << 8 | (address & 0xFF)) << 2));
        }
        return (e & StrideTable.VALID) != 0 ? e & StrideTable.TARGET_MASK : RouteTarget.NONE;
    }

    /**
     * Inserts the rule or replaces its target. If it needs a tbl8 group and only ones unlinked by
     * earlier deletes are left, it first waits for one grace period ({@link Quiescence#synchronize()}).
     *
     * @throws IllegalArgumentException for a bad length, host bits set or a target that is not a
     *                                  {@link RouteTarget} value
     * @throws IllegalStateException    when the route needs a tbl8 group and all are in use; the
     *                                  table is then unchanged
     */
    public void add(int prefix, int length, int target) {
        checkRule(prefix, length);
        if (target < 0 || target > MAX_TARGET) {
            throw new IllegalArgumentException("route " + format(prefix, length) + ": target " + target
                    + " is not a RouteTarget value (0.." + MAX_TARGET + "); to remove a route use delete");
        }
        Int2IntHashMap atLength = rules[length];
        int previous = atLength.get(prefix);
        if (previous == target) {
            return;
        }
        long hi = key(prefix);
        int needed = trie.groupsNeeded(hi, 0, length);
        if (needed > trie.groupsAvailable()) {
            throw new IllegalStateException("cannot add " + format(prefix, length) + ": all " + trie.capacity()
                    + " tbl8 groups are in use (each /24 that holds routes longer than /24 takes one); "
                    + "raise tbl8Groups in the Lpm4 configuration");
        }
        trie.insert(hi, 0, length, target);
        atLength.put(prefix, target);
        if (previous == RouteTarget.NONE) {
            size++;
        }
    }

    /**
     * Removes the rule; its addresses fall back to the longest remaining covering rule, if any.
     *
     * @return false if no such rule existed (nothing changes)
     */
    public boolean delete(int prefix, int length) {
        checkRule(prefix, length);
        Int2IntHashMap atLength = rules[length];
        if (atLength.get(prefix) == RouteTarget.NONE) {
            return false;
        }
        trie.remove(key(prefix), 0, length, coveringEntry(prefix, length));
        atLength.remove(prefix);
        size--;
        return true;
    }

    /** The target of exactly this rule, or {@link RouteTarget#NONE}; control path. */
    public int get(int prefix, int length) {
        checkRule(prefix, length);
        return rules[length].get(prefix);
    }

    public int size() {
        return size;
    }

    /** tbl8 groups linked into the table now; groups awaiting a grace period are not counted. */
    public int tbl8GroupsInUse() {
        return trie.groupsInUse();
    }

    /**
     * Makes tbl8 groups unlinked by earlier deletes reusable, waiting for one grace period if any
     * are pending. Optional: an add that finds no free group does this itself. Writer only.
     */
    public void reclaim() {
        trie.reclaim();
    }

    /** Frees the off-heap tables; every worker must have stopped looking up first. */
    @Override
    public void close() {
        trie.close();
    }

    private int coveringEntry(int prefix, int length) {
        for (int l = length - 1; l >= 0; l--) {
            Int2IntHashMap atLength = rules[l];
            if (!atLength.isEmpty()) {
                int target = atLength.get(prefix & IpAddresses.mask4(l));
                if (target != RouteTarget.NONE) {
                    return StrideTable.route(l, target);
                }
            }
        }
        return 0;
    }

    /** Every entry point checks: the table is written by the RIB, the demo and benchmarks alike. */
    private static void checkRule(int prefix, int length) {
        if (length < 0 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("prefix length " + length + " is outside 0..32 for IPv4 "
                    + IpAddresses.format4(prefix));
        }
        IpAddresses.requireNetwork4(prefix, length);
    }

    private static long key(int prefix) {
        return (long) prefix << 32;
    }

    private static String format(int prefix, int length) {
        return IpAddresses.format4(prefix) + "/" + length;
    }
}
