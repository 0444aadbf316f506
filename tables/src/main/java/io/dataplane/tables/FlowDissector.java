package io.dataplane.tables;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The fields the Linux kernel's flow dissector ({@code __skb_flow_dissect} in
 * net/core/flow_dissector.c, with {@code flow_keys_dissector}) finds in an IP packet, as far as the
 * multipath hash uses them: the innermost addresses reached, their protocol, the ports, the IPv6
 * flow label (as an integer, {@code ntohl}), and the encapsulation and fragment flags.
 *
 * <p>What it follows, as the kernel does:
 * <ul>
 * <li>IPv6 Hop-by-Hop, Routing and Destination Options headers; a Fragment header stops it (ports
 *     stay 0, {@code ip_proto} is the fragment's next header); an IPv4 fragment (MF or offset) stops
 *     it at once (ports 0), because the multipath hash never asks for {@code PARSE_1ST_FRAG}.
 * <li>Ports: the first 4 L4 bytes for TCP, UDP, UDP-Lite, SCTP, DCCP and ESP (its SPI), bytes 4..7
 *     for AH; 0 for every other protocol or when cut off.
 * <li>Tunnels, unless {@code stopAtEncap} ({@code FLOW_DISSECTOR_F_STOP_AT_ENCAP}): IPv4-in-IP (4),
 *     IPv6-in-IP (41), GRE version 0 (checksum, key and sequence fields skipped; IPv4, IPv6, or
 *     Transparent Ethernet Bridging with up to two 802.1Q/802.1ad tags inside) and version 1
 *     (PPTP: PPP carrying IPv4 or IPv6). GRE with the routing bit or a version above 1 is not
 *     entered. With {@code stopAtEncap} it stops at the tunnel header and only sets
 *     {@link FlowKeys#ENCAPSULATION}.
 * <li>Where the kernel stops without new addresses (MPLS, an unknown EtherType, a truncated inner
 *     header) the keys keep what was found so far, as the kernel's do: the outer addresses, and the
 *     last protocol read.
 * </ul>
 * Not followed (the kernel follows them; such packets would be hashed on the outer header here):
 * PPPoE, TIPC, batman-adv and other EtherTypes inside GRE/TEB, a third VLAN tag.
 * Allocation-free; reads only the {@code length} bytes it is given.
 */
public final class FlowDissector {
    static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static final int ETH_P_IP = 0x0800;
    private static final int ETH_P_IPV6 = 0x86dd;
    private static final int ETH_P_TEB = 0x6558;
    private static final int ETH_P_8021Q = 0x8100;
    private static final int ETH_P_8021AD = 0x88a8;
    private static final int GRE_PROTO_PPP = 0x880b;
    private static final int GRE_CSUM = 0x8000;
    private static final int GRE_ROUTING = 0x4000;
    private static final int GRE_KEY = 0x2000;
    private static final int GRE_SEQ = 0x1000;
    private static final int GRE_ACK = 0x0080;
    private static final int GRE_VERSION = 0x0007;
    /** The kernel's {@code MAX_FLOW_DISSECT_HDRS}. */
    private static final int MAX_HEADERS = 15;

    private FlowDissector() {
    }

    /**
     * {@code skb_flow_dissect_flow_keys(skb, keys, stopAtEncap ? FLOW_DISSECTOR_F_STOP_AT_ENCAP : 0)}
     * for the IP packet at {@code l3}, of which {@code length} bytes are present.
     */
    public static void dissect(MemorySegment m, long l3, int length, boolean ipv6, boolean stopAtEncap, FlowKeys k) {
        k.clear();
        long at = l3;
        long end = l3 + length;
        int proto = ipv6 ? ETH_P_IPV6 : ETH_P_IP;
        int vlans = 0;
        for (int headers = 0; headers < MAX_HEADERS; headers++) {
            int ipProto;
            if (proto == ETH_P_IP) {
                if (end - at < 20) {
                    return;
                }
                int ihl = (m.get(ValueLayout.JAVA_BYTE, at) & 0x0f) << 2;
                if (ihl < 20) {
                    return;
                }
                ipProto = m.get(ValueLayout.JAVA_BYTE, at + 9) & 0xff;
                k.ipProto = ipProto;
                k.ipv4(m.get(BE32, at + 12), m.get(BE32, at + 16));
                int fragment = m.get(BE16, at + 6) & 0x3fff;
                at += ihl;
                if (fragment != 0) {
                    k.flags |= FlowKeys.FRAGMENT;
                    return;
                }
            } else if (proto == ETH_P_IPV6) {
                if (end - at < 40) {
                    return;
                }
                ipProto = m.get(ValueLayout.JAVA_BYTE, at + 6) & 0xff;
                k.ipProto = ipProto;
                k.ipv6(m.get(BE64, at + 8), m.get(BE64, at + 16), m.get(BE64, at + 24), m.get(BE64, at + 32));
                int label = m.get(BE32, at) & 0xfffff;
                if (label != 0) {
                    // an inner header without a label keeps the outer one, as in the kernel
                    k.labelAsInteger(label);
                }
                at += 40;
            } else if ((proto == ETH_P_8021Q || proto == ETH_P_8021AD) && vlans < 2) {
                if (end - at < 4) {
                    return;
                }
                proto = m.get(BE16, at + 2) & 0xffff;
                at += 4;
                vlans++;
                continue;
            } else {
                return; // MPLS, a third VLAN tag or an EtherType not followed: the keys stay as they are
            }
            // the L4 part: extension headers, tunnels, ports
            for (int ext = 0; ; ext++) {
                if (proto == ETH_P_IPV6 && (ipProto == 0 || ipProto == 43 || ipProto == 60)) {
                    if (end - at < 2 || headers + ext >= MAX_HEADERS) {
                        k.ipProto = ipProto;
                        return;
                    }
                    int next = m.get(ValueLayout.JAVA_BYTE, at) & 0xff;
                    at += ((m.get(ValueLayout.JAVA_BYTE, at + 1) & 0xff) + 1) << 3;
                    ipProto = next;
                    k.ipProto = ipProto;
                    continue;
                }
                if (proto == ETH_P_IPV6 && ipProto == 44) {
                    if (end - at < 8) {
                        return;
                    }
                    k.flags |= FlowKeys.FRAGMENT;
                    k.ipProto = m.get(ValueLayout.JAVA_BYTE, at) & 0xff;
                    return;
                }
                break;
            }
            switch (ipProto) {
                case 4, 41 -> {
                    k.sport = 0;
                    k.dport = 0;
                    k.flags |= FlowKeys.ENCAPSULATION;
                    if (stopAtEncap) {
                        return;
                    }
                    proto = ipProto == 4 ? ETH_P_IP : ETH_P_IPV6;
                }
                case 47 -> {
                    long inner = gre(m, at, end, k, stopAtEncap);
                    if (inner < 0) {
                        return;
                    }
                    proto = (int) (inner >>> 32);
                    at += (int) inner;
                }
                default -> {
                    ports(m, at, end, ipProto, k);
                    return;
                }
            }
        }
    }

    /**
     * {@code __skb_flow_dissect_gre}: -1 to stop here, else the inner EtherType (high 32 bits) and
     * the GRE header length including an inner Ethernet header (low 32 bits).
     */
    private static long gre(MemorySegment m, long at, long end, FlowKeys k, boolean stopAtEncap) {
        k.sport = 0; // the kernel's port dissection of the GRE header itself: no ports
        k.dport = 0;
        if (end - at < 4) {
            return -1;
        }
        int flags = m.get(BE16, at) & 0xffff;
        int proto = m.get(BE16, at + 2) & 0xffff;
        int version = flags & GRE_VERSION;
        if ((flags & GRE_ROUTING) != 0 || version > 1) {
            return -1;
        }
        if (version == 1 && !(proto == GRE_PROTO_PPP && (flags & GRE_KEY) != 0)) {
            return -1;
        }
        int offset = 4;
        if ((flags & GRE_CSUM) != 0) {
            offset += 4;
        }
        if ((flags & GRE_KEY) != 0) {
            if (end - at < offset + 4) {
                return -1;
            }
            offset += 4;
        }
        if ((flags & GRE_SEQ) != 0) {
            offset += 4;
        }
        if (version == 0) {
            if (proto == ETH_P_TEB) {
                if (end - at < offset + 14) {
                    return -1;
                }
                proto = m.get(BE16, at + offset + 12) & 0xffff;
                offset += 14;
            }
        } else {
            if ((flags & GRE_ACK) != 0) {
                offset += 4;
            }
            if (end - at < offset + 4) {
                return -1;
            }
            int ppp = m.get(BE16, at + offset + 2) & 0xffff;
            if (ppp == 0x21) {
                proto = ETH_P_IP;
            } else if (ppp == 0x57) {
                proto = ETH_P_IPV6;
            }
            offset += 4;
        }
        k.flags |= FlowKeys.ENCAPSULATION;
        if (stopAtEncap) {
            return -1;
        }
        return (long) proto << 32 | offset;
    }

    /** {@code __skb_flow_get_ports}: the port bytes of the protocols that have them, else 0. */
    private static void ports(MemorySegment m, long l4, long end, int ipProto, FlowKeys k) {
        int at;
        switch (ipProto) {
            case 6, 17, 33, 50, 132, 136 -> at = 0;
            case 51 -> at = 4;
            default -> {
                k.sport = 0;
                k.dport = 0;
                return;
            }
        }
        if (end - l4 < at + 4) {
            k.sport = 0;
            k.dport = 0;
            return;
        }
        k.sport = m.get(BE16, l4 + at) & 0xffff;
        k.dport = m.get(BE16, l4 + at + 2) & 0xffff;
    }
}
