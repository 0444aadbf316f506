package io.dataplane.tables;

/**
 * What a route points at, packed into the 22 bits an LPM entry has for it: a single nexthop index,
 * a multipath group index, or one of the route types that forward nothing ({@link #BLACKHOLE},
 * {@link #UNREACHABLE}, {@link #PROHIBIT}, {@link #THROW}: the four highest group indices, so
 * one comparison, {@link #isType}, tells them apart). Indices are stable slots allocated by the control plane; the
 * nexthop and group tables of the published {@link Snapshot} say what a slot currently holds.
 */
public final class RouteTarget {
    /** Returned by lookups when no route matches. */
    public static final int NONE = -1;
    /** Largest index either kind of target can carry. */
    public static final int MAX_INDEX = (1 << 21) - 1;

    private static final int GROUP_FLAG = 1 << 21;

    /** {@code throw}: the lookup ends here with no route, as the kernel's RTN_THROW in its last table. */
    public static final int THROW = GROUP_FLAG | MAX_INDEX - 3;
    /** {@code prohibit}: dropped with ICMP administratively prohibited (RTN_PROHIBIT). */
    public static final int PROHIBIT = GROUP_FLAG | MAX_INDEX - 2;
    /** {@code unreachable}: dropped with ICMP host unreachable / IPv6 no route (RTN_UNREACHABLE). */
    public static final int UNREACHABLE = GROUP_FLAG | MAX_INDEX - 1;
    /** {@code blackhole}: dropped silently, counted (RTN_BLACKHOLE). */
    public static final int BLACKHOLE = GROUP_FLAG | MAX_INDEX;
    /** Largest group index: the indices above it are the route types. */
    public static final int MAX_GROUP_INDEX = MAX_INDEX - 4;

    private RouteTarget() {
    }

    public static int nexthop(int index) {
        checkIndex(index);
        return index;
    }

    public static int group(int index) {
        if (index < 0 || index > MAX_GROUP_INDEX) {
            throw new IllegalArgumentException("group index " + index + " out of range 0.." + MAX_GROUP_INDEX);
        }
        return GROUP_FLAG | index;
    }

    /** Whether {@code target} is a route type that forwards nothing (blackhole, unreachable, prohibit, throw). */
    public static boolean isType(int target) {
        return target >= THROW;
    }

    /** The ip route type keyword of a target: unicast, or the type's name. */
    public static String typeName(int target) {
        return switch (target) {
            case BLACKHOLE -> "blackhole";
            case UNREACHABLE -> "unreachable";
            case PROHIBIT -> "prohibit";
            case THROW -> "throw";
            default -> "unicast";
        };
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
        if (isType(target)) {
            return typeName(target);
        }
        return (isGroup(target) ? "group " : "nexthop ") + index(target);
    }

    private static void checkIndex(int index) {
        if (index < 0 || index > MAX_INDEX) {
            throw new IllegalArgumentException("target index " + index + " out of range 0.." + MAX_INDEX);
        }
    }
}
