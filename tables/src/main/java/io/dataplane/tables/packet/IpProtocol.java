package io.dataplane.tables.packet;

/**
 * IANA protocol numbers as they appear in the IPv4 protocol and the IPv6 next-header fields,
 * including the IPv6 extension headers this router walks.
 */
public final class IpProtocol {
    public static final int HOP_BY_HOP = 0;
    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int DCCP = 33;
    public static final int ROUTING = 43;
    public static final int FRAGMENT = 44;
    public static final int ESP = 50;
    public static final int AH = 51;
    public static final int ICMPV6 = 58;
    public static final int DESTINATION_OPTIONS = 60;
    public static final int SCTP = 132;
    public static final int UDP_LITE = 136;

    private IpProtocol() {
    }
}
