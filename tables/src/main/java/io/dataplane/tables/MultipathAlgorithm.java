package io.dataplane.tables;

import java.util.Locale;

/**
 * How a multipath route or group spreads packets over its nexthops: the values of the old
 * {@code RTA_MP_ALGO} attribute that Linux 4.4's multipath series configured per route.
 */
public enum MultipathAlgorithm {
    /** Source and destination address (IPv6: plus flow label and next header); ICMP errors follow their flow. */
    L3("l3"),
    /** Addresses, ports and protocol; fragments and possibly-fragmented IPv4 fall back to the L3 key. */
    L4("l4"),
    /** Weighted round robin per worker: exact weights over every window of (sum of weights) packets. */
    PER_PACKET("per-packet");

    private final String keyword;

    MultipathAlgorithm(String keyword) {
        this.keyword = keyword;
    }

    /** The keyword operators type after {@code mpalgo}. */
    public String keyword() {
        return keyword;
    }

    /**
     * Parses an {@code mpalgo} keyword. The kernel reserved {@code drr}, {@code random} and
     * {@code wrandom} in the same attribute; they are refused with a message saying so.
     */
    public static MultipathAlgorithm parse(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (MultipathAlgorithm a : values()) {
            if (a.keyword.equals(n)) {
                return a;
            }
        }
        if (n.equals("drr") || n.equals("random") || n.equals("wrandom")) {
            throw new IllegalArgumentException("mpalgo " + n + " is reserved and unsupported; use l3, l4 or per-packet");
        }
        throw new IllegalArgumentException("unknown mpalgo '" + name + "'; use l3, l4 or per-packet");
    }
}
