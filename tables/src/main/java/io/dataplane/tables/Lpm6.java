package io.dataplane.tables;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.HashMap;
import java.util.Map;

/**
 * IPv6 longest-prefix match with kernel main-table semantics for plain unicast routes, laid out
 * like DPDK rte_lpm6: a 65536-entry table indexed by the first 16 address bits, then chained
 * 256-entry groups, one per further byte, down to /128. Addresses are (hi, lo): the first and
 * last 8 bytes in network order.
 *
 * <p>Threading is as for {@link Lpm4}: one writer, many lookup threads taking part in the
 * {@link Quiescence}; unlinked groups are reused only after a grace period.
 */
public final class Lpm6 implements AutoCloseable {
    private static final VarHandle INT = StrideTable.INT;
    private static final int FIRST_BITS = 16;
    private static final int MAX_LENGTH = 128;
    private static final int MAX_TARGET = (1 << 22) - 1;

    private record Prefix(long hi, long lo, int length) {
    }

    private final StrideTable trie;
    private final MemorySegment entries;
    private final long groupBase;
    private final Map<Prefix, Integer> rules = new HashMap<>();
    /** Rules per length, so delete's search for a covering rule skips empty lengths. */
    private final int[] rulesAtLength = new int[MAX_LENGTH + 1];

    /**
     * @param groups     how many 256-entry groups (1 KiB each, off-heap) the table may link at once;
     *                   a route of length L below a fresh /16 takes ceil((L - 16) / 8) of them
     * @param quiescence the grace-period domain the lookup threads are registered with
     */
    public Lpm6(int groups, Quiescence quiescence) {
        trie = new StrideTable(FIRST_BITS, groups, quiescence, "IPv6 LPM groups");
        entries = trie.entries;
        groupBase = trie.groupBase;
    }

    /**
     * The target of the longest prefix covering the address, or {@link RouteTarget#NONE}.
     * Hot path: one read per level walked, no allocation, no locks.
     */
    public int lookup(long hi, long lo) {
        // Every read is acquire because any of them may return a link whose group must be seen
        // complete (pairs with the writer's release); on x86 this costs nothing over a plain read.
        int e = (int) INT.getAcquire(entries, (hi >>> 48) << 2);
        int off = FIRST_BITS;
        while (e < 0) {
            // Strides are byte aligned, so a byte never straddles hi and lo.
            long word = off < 64 ? hi : lo;
            int index = (int) (word >>> (56 - (off & 63))) & 0xFF;
            e = (int) INT.getAcquire(entries,
                    groupBase + ((((long) (e & StrideTable.GROUP_MASK)) << 8 | index) << 2));
            off += 8;
        }
        return (e & StrideTable.VALID) != 0 ? e & StrideTable.TARGET_MASK : RouteTarget.NONE;
    }

    /**
     * Inserts the rule or replaces its target. If it needs groups and only ones unlinked by
     * earlier deletes are left, it first waits for one grace period ({@link Quiescence#synchronize()}).
     *
     * @throws IllegalArgumentException for a bad length, host bits set or a target that is not a
     *                                  {@link RouteTarget} value
     * @throws IllegalStateException    when the route needs more groups than are free; the table is
     *                                  then unchanged
     */
    public void add(long hi, long lo, int length, int target) {
        checkRule(hi, lo, length);
        if (target < 0 || target > MAX_TARGET) {
            throw new IllegalArgumentException("route " + format(hi, lo, length) + ": target " + target
                    + " is not a RouteTarget value (0.." + MAX_TARGET + "); to remove a route use delete");
        }
        Prefix key = new Prefix(hi, lo, length);
        Integer previous = rules.get(key);
        if (previous != null && previous == target) {
            return;
        }
        int needed = trie.groupsNeeded(hi, lo, length);
        if (needed > trie.groupsAvailable()) {
            throw new IllegalStateException("cannot add " + format(hi, lo, length) + ": it needs " + needed
                    + " more groups but only " + trie.groupsAvailable() + " of " + trie.capacity()
                    + " are free; raise the IPv6 LPM group count in the Lpm6 configuration");
        }
        trie.insert(hi, lo, length, target);
        rules.put(key, target);
        if (previous == null) {
            rulesAtLength[length]++;
        }
    }

    /**
     * Removes the rule; its addresses fall back to the longest remaining covering rule, if any.
     *
     * @return false if no such rule existed (nothing changes)
     */
    public boolean delete(long hi, long lo, int length) {
        checkRule(hi, lo, length);
        Prefix key = new Prefix(hi, lo, length);
        if (!rules.containsKey(key)) {
            return false;
        }
        trie.remove(hi, lo, length, coveringEntry(hi, lo, length));
        rules.remove(key);
        rulesAtLength[length]--;
        return true;
    }

    /** The target of exactly this rule, or {@link RouteTarget#NONE}; control path. */
    public int get(long hi, long lo, int length) {
        checkRule(hi, lo, length);
        Integer target = rules.get(new Prefix(hi, lo, length));
        return target == null ? RouteTarget.NONE : target;
    }

    public int size() {
        return rules.size();
    }

    /** Groups linked into the table now; groups awaiting a grace period are not counted. */
    public int groupsInUse() {
        return trie.groupsInUse();
    }

    /** As {@link Lpm4#reclaim()}. Writer only. */
    public void reclaim() {
        trie.reclaim();
    }

    /** Frees the off-heap tables; every worker must have stopped looking up first. */
    @Override
    public void close() {
        trie.close();
    }

    private int coveringEntry(long hi, long lo, int length) {
        for (int l = length - 1; l >= 0; l--) {
            if (rulesAtLength[l] != 0) {
                Integer target = rules.get(new Prefix(hi & IpAddresses.mask6Hi(l), lo & IpAddresses.mask6Lo(l), l));
                if (target != null) {
                    return StrideTable.route(l, target);
                }
            }
        }
        return 0;
    }

    /** Every entry point checks: the table is written by the RIB, the demo and benchmarks alike. */
    private static void checkRule(long hi, long lo, int length) {
        if (length < 0 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("prefix length " + length + " is outside 0..128 for IPv6 "
                    + IpAddresses.format6(hi, lo));
        }
        IpAddresses.requireNetwork6(hi, lo, length);
    }

    private static String format(long hi, long lo, int length) {
        return IpAddresses.format6(hi, lo) + "/" + length;
    }
}
