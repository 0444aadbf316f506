package io.dataplane.pipeline;

/**
 * What the pipeline decided for a frame. Forwarded frames get their egress port index (>= 0);
 * every other outcome is one negative code, so each frame is counted exactly once.
 */
public enum Verdict {
    NO_ROUTE(-1, "no route to the destination"),
    TTL_EXPIRED(-2, "TTL or hop limit would reach 0"),
    TRUNCATED(-3, "frame shorter than the headers it announces"),
    UNSUPPORTED_ETHERTYPE(-4, "not IPv4 or IPv6 (after at most one 802.1Q tag)"),
    BAD_VERSION(-5, "IP version field does not match the ethertype"),
    BAD_HEADER_LENGTH(-6, "IPv4 IHL below 5"),
    BAD_TOTAL_LENGTH(-7, "IP length field larger than the frame or smaller than the header"),
    BAD_CHECKSUM(-8, "IPv4 header checksum does not verify"),
    NEXTHOP_DEAD(-9, "the route's nexthop (or every group member) is down"),
    BAD_ADDRESS(-10, "source is multicast, broadcast or loopback, or destination is loopback"),
    NEIGHBOUR_UNRESOLVED(-11, "the nexthop's link-layer address is not known yet"),
    MTU_EXCEEDED(-12, "packet larger than the egress MTU"),
    TX_FULL(-13, "the egress port's transmit ring was full"),
    NO_EGRESS_PORT(-14, "the nexthop's port is not served by this worker"),
    PUNT(-15, "for the router itself or needs the kernel's help (ICMP, ARP, ND)");

    /** Number of distinct drop codes; code {@code c} counts at index {@code -c - 1}. */
    public static final int COUNT = values().length;
    private static final Verdict[] BY_INDEX = values();

    public final int code;
    public final String description;

    Verdict(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** Counter index of a negative verdict code. */
    public static int index(int code) {
        return -code - 1;
    }

    public static Verdict of(int code) {
        return BY_INDEX[index(code)];
    }

    /** Name as operators see it in counters: lower case with underscores, e.g. {@code no_route}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
