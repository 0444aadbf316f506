package io.dataplane.tables;

/**
 * Capacities fixed when the forwarding state is created.
 *
 * @param nexthops nexthop slots
 * @param groups multipath group slots
 * @param lpm4Tbl8Groups IPv4 LPM second-level groups (256 entries each; one per /24 holding longer prefixes)
 * @param lpm6Groups IPv6 LPM 8-bit stride groups
 * @param workers most worker threads that read the state at once
 */
public record FibLimits(int nexthops, int groups, int lpm4Tbl8Groups, int lpm6Groups, int workers) {
    public FibLimits {
        check("nexthops", nexthops, 1, RouteTarget.MAX_INDEX + 1);
        check("groups", groups, 1, RouteTarget.MAX_GROUP_INDEX + 1);
        check("lpm4Tbl8Groups", lpm4Tbl8Groups, 1, 1 << 24);
        check("lpm6Groups", lpm6Groups, 1, 1 << 24);
        check("workers", workers, 1, 1024);
    }

    /** 64k nexthops and groups, 64k IPv4 tbl8 groups (64 MiB, enough for a full Internet table), 64k IPv6 groups, 64 workers. */
    public static FibLimits defaults() {
        return new FibLimits(65536, 65536, 65536, 65536, 64);
    }

    private static void check(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", was " + value);
        }
    }
}
