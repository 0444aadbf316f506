package io.dataplane.pipeline;

/**
 * What the pipeline decided for a frame. Forwarded frames get their egress port index (>= 0);
 * every other outcome is one negative code, so each frame is counted exactly once. All but
 * {@link #TX_FULL} are decided by {@link Pipeline}; {@code TX_FULL} by the worker at transmit.
 * {@link #NEEDS_FRAGMENTATION} is the one negative code that is not a drop by itself.
 */
public enum Verdict {
    /** No route to the destination (or the route's nexthop or group slot is empty). */
    NO_ROUTE(-1),
    /** TTL or hop limit would reach 0. */
    TTL_EXPIRED(-2),
    /** Frame shorter than the headers it announces. */
    TRUNCATED(-3),
    /** Not IPv4, IPv6 or ARP (after at most one 802.1Q tag). */
    UNSUPPORTED_ETHERTYPE(-4),
    /** IP version field does not match the EtherType. */
    BAD_VERSION(-5),
    /** IPv4 IHL below 5. */
    BAD_HEADER_LENGTH(-6),
    /** IP length field larger than the frame or smaller than the header. */
    BAD_TOTAL_LENGTH(-7),
    /** IPv4 header checksum does not verify. */
    BAD_CHECKSUM(-8),
    /** The route's nexthop (or every group member) is down, or its egress port is. */
    NEXTHOP_DEAD(-9),
    /** A martian source or destination, as the kernel defines them (see {@code Ipv4}, {@code Ipv6} in tables' packet package). */
    BAD_ADDRESS(-10),
    /** The nexthop's link-layer address is not known yet. */
    NEIGHBOUR_UNRESOLVED(-11),
    /** Packet larger than the egress MTU. */
    MTU_EXCEEDED(-12),
    /** The egress port's transmit ring was full. */
    TX_FULL(-13),
    /** The nexthop's port is not one this worker can transmit on. */
    NO_EGRESS_PORT(-14),
    /**
     * Not unicast IP, so not routed, and dropped: ARP, IPv4 multicast or limited broadcast, IPv6
     * multicast or link-local destinations. On AF_XDP ports the XDP program already passes these,
     * and the router's own traffic, to the kernel, so they reach the pipeline only from other
     * ports. (Counted as {@code not_routed}; this code was called {@code punt} before, though
     * nothing was ever handed to the kernel.)
     */
    NOT_ROUTED(-15),
    /**
     * IPv4 larger than the egress MTU with DF clear: the pipeline hands it to the worker, which
     * fragments it onto the egress port like the kernel's {@code ip_fragment}. Counted as a drop
     * ({@code needs_fragmentation}, the kernel's FragFails) only when it could not be sent whole
     * (no free frame for a fragment, TX ring full, an MTU too small for 8 bytes of data).
     */
    NEEDS_FRAGMENTATION(-16),
    /** The route is a {@code blackhole}: dropped without an ICMP error, as the kernel does. */
    BLACKHOLE(-17),
    /** The route is {@code unreachable}: dropped with ICMP host unreachable (IPv6: no route to destination). */
    UNREACHABLE(-18),
    /** The route is {@code prohibit}: dropped with ICMP administratively prohibited (code 13; IPv6 code 1). */
    PROHIBITED(-19),
    /**
     * IPv4 options malformed as the kernel's {@code ip_options_compile} finds them (see
     * {@link Ipv4Options}): dropped with ICMP parameter problem pointing at the bad byte, the
     * kernel's InHdrErrors.
     */
    BAD_OPTIONS(-20),
    /**
     * IPv4 with a loose or strict source route option: dropped without an ICMP error, as the kernel
     * does with its default {@code net.ipv4.conf.all.accept_source_route = 0}.
     */
    SOURCE_ROUTED(-21);

    /** Number of distinct drop codes; code {@code c} counts at index {@code -c - 1}. */
    public static final int COUNT = values().length;
    private static final Verdict[] BY_INDEX = values();

    public final int code;

    Verdict(int code) {
        this.code = code;
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
