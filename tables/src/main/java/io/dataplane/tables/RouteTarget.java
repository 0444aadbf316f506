package io.dataplane.tables;

/**
 * What a route points at, packed into the 22 bits an LPM entry has for it: a single nexthop index
 * or a multipath group index. Indices are stable slots allocated by the control plane; the
 * nexthop and group tables of the published {@link Snapshot} say what a slot currently holds.
 */
public final class RouteTarget {
    /** Returned by lookups when no route matches. */
    public static final int NONE = -1;
    /** Largest index either kind of target can carry. */
    public static final int MAX_INDEX = (1 << 21) - 1;

    private static final int GROUP_FLAG = 1 << 21;

    private RouteTarget() {
    }

    public static int nexthop(int index) {
        checkIndex(index);
        return index;
    }

    public static int group(int index) {
        checkIndex(index);
        return GROUP_FLAG | index;
    }

    public static boolean isGroup(int target) {
        return (target & GROUP_FLAG) != 0;
    }

    public static int index(int target) {
        return target & MAX_INDEX;
    }

    public static String toString(int target) {
        if (target == NONE) {
            return "none";
        }
        return (isGroup(target) ? "group " : "nexthop ") + index(target);
    }

    private static void checkIndex(int index) {
        if (index < 0 || index > MAX_INDEX) {
            throw new IllegalArgumentException("target index " + index + " out of range 0.." + MAX_INDEX);
        }
    }
}
