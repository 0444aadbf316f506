package io.dataplane.tables;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The 31-bit multipath hash of a modern Linux kernel (6.11+, checked against 6.18):
 * {@code fib_multipath_hash} (net/ipv4/route.c) and {@code rt6_multipath_hash}
 * (net/ipv6/route.c), for {@code fib_multipath_hash_policy} 0 to 3, keyed by
 * {@code net.ipv4.fib_multipath_hash_seed}. Selection over the result is the unchanged
 * hash-threshold one ({@link UpperBounds}, {@link GroupTable}).
 *
 * <p>Every policy fills a zeroed {@link FlowKeys} with some fields and hashes it with SipHash-2-4
 * under the key {@code (seed << 32 | seed)} twice ({@code fib_multipath_hash_construct_key},
 * include/net/ip_fib.h); the result is {@code hash >> 1}.
 * <ul>
 * <li>0, L3: source and destination address; IPv6 adds the flow label (wire byte order, as
 *     {@code ip6_flowlabel}) and the IPv6 header's own next header. An ICMP error (IPv4 types 3, 4,
 *     5, 11, 12 in a packet that is not a non-first fragment; ICMPv6 types 1-4 directly after the
 *     IPv6 header) is hashed on the header it quotes, not swapped ({@code ip_multipath_l3_keys},
 *     {@code ip6_multipath_l3_keys}): the ordering in {@link FlowKeys#hash} makes it equal to both
 *     directions of the quoted flow (IPv6: if the reverse direction carries the same label).
 * <li>1, L4: addresses, protocol and ports as the flow dissector finds them with
 *     {@code STOP_AT_ENCAP} ({@link FlowDissector}); no flow label. Every fragment has ports 0.
 *     An ICMP error gets no special treatment. (The kernel first returns {@code skb->hash >> 1}
 *     when the packet already carries an L4 hash, from NIC RSS or a local socket; frames the
 *     dataplane receives never do.)
 * <li>2, inner L3: the dissector without {@code STOP_AT_ENCAP}; an IPv4 innermost header gives its
 *     addresses, an IPv6 one its addresses, flow label (integer) and protocol. A plain packet is
 *     hashed on its own addresses, so an ICMP error is not hashed on its quote here.
 * <li>3, custom: {@link HashField} bits. {@code outer} = hash of the selected outer fields
 *     (0 when none is selected); {@code inner} = hash of the selected inner fields when the packet
 *     is encapsulated (0 otherwise); result {@code jhash_2words(outer, inner, 0) >> 1}. The IPv4
 *     outer hash ignores the flow-label bit.
 * </ul>
 * The packet methods are the forwarding path (the kernel's {@code skb} paths) and allocate
 * nothing given a per-worker {@link FlowKeys}. {@link #routeGet4} and {@link #routeGet6} answer
 * what {@code ip route get} answers; for IPv6 that is the kernel's {@code flowi6} path, which
 * differs from forwarding in policy 3 (no {@code jhash_2words}, flow label in wire order) and, with
 * extension headers, in policy 0.
 *
 * <p>Checked against the running kernel (6.18) by two tests in the dataplane module:
 * {@code KernelHashOracleTest} (10,000 random TCP/UDP/ICMP flows per family and policy through the
 * kernel's forwarding lookup, {@code RTM_GETROUTE} with {@code iif}) and
 * {@code KernelHashForwardingOracleTest} (real frames: UDP, first fragments, ICMP and ICMPv6 errors,
 * IPv4-in-IPv4, GRE with a key, IPv6-in-IPv6, forwarded through a 4-nexthop weighted route).
 * Every rule of kernel-multipath.md §2-§4 these exercise held, including the 2022 ordering and the 48/72-byte
 * lengths. What the reference does not say: {@code ip route get} for IPv4 hashes a synthetic packet
 * ({@code inet_rtm_getroute_build_skb}: UDP by default, an L4 header only for TCP, UDP and ICMP),
 * so under policy 3 it goes through {@code jhash_2words(outer, 0, 0)} like forwarding, while
 * {@code ip -6 route get} hashes the flow descriptor; iproute2 6.1 cannot send a flow label
 * ({@code RTA_FLOWLABEL}, 31); frames injected with AF_PACKET into a single-queue veth carry no
 * {@code skb->hash}, so policy 1 never took the {@code l4_hash} short cut there.
 *
 * <p>Seed: with {@code fib_multipath_hash_seed} 0 (each namespace's initial value) the kernel
 * uses a random boot-time value shared by all namespaces, which nothing outside can know. For
 * parity an operator must set the same non-zero seed on both: {@code sysctl -w
 * net.ipv4.fib_multipath_hash_seed=N} on the kernel (it applies to IPv6 too) and the same N here.
 */
public final class KernelHash {
    public static final int POLICY_L3 = 0;
    public static final int POLICY_L4 = 1;
    public static final int POLICY_INNER_L3 = 2;
    public static final int POLICY_CUSTOM = 3;

    private static final int IPV4_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int ICMP_HEADER = 8;

    private KernelHash() {
    }

    /**
     * The hash of a forwarded IPv4 packet.
     *
     * @param l3 offset of the IPv4 header (IHL validated)
     * @param l3Length bytes of the packet present (its validated total length)
     * @param fields {@link HashField} bits, used by policy 3 only
     * @param key {@link FlowKeys#key} of the seed
     * @param k scratch, overwritten
     */
    public static int ipv4(MemorySegment m, long l3, int l3Length, int policy, int fields, long key, FlowKeys k) {
        switch (policy) {
            case POLICY_L4 -> {
                FlowDissector.dissect(m, l3, l3Length, false, true, k);
                k.addrType = FlowKeys.IPV4;
                k.flowLabel = 0;
                return k.hash(key) >>> 1;
            }
            case POLICY_INNER_L3 -> {
                FlowDissector.dissect(m, l3, l3Length, false, false, k);
                if (k.addrType == FlowKeys.IPV4 || k.addrType == FlowKeys.IPV6) {
                    innerL3(k);
                    return k.hash(key) >>> 1;
                }
                return l3Keys4(m, l3, l3Length, key, k);
            }
            case POLICY_CUSTOM -> {
                return custom(m, l3, l3Length, false, fields, key, k);
            }
            default -> {
                return l3Keys4(m, l3, l3Length, key, k);
            }
        }
    }

    /**
     * The hash of a forwarded IPv6 packet.
     *
     * @param l3 offset of the IPv6 header
     * @param l3Length bytes of the packet present (40 + validated payload length)
     */
    public static int ipv6(MemorySegment m, long l3, int l3Length, int policy, int fields, long key, FlowKeys k) {
        switch (policy) {
            case POLICY_L4 -> {
                FlowDissector.dissect(m, l3, l3Length, true, true, k);
                k.addrType = FlowKeys.IPV6;
                k.flowLabel = 0;
                return k.hash(key) >>> 1;
            }
            case POLICY_INNER_L3 -> {
                FlowDissector.dissect(m, l3, l3Length, true, false, k);
                if (k.addrType == FlowKeys.IPV4 || k.addrType == FlowKeys.IPV6) {
                    innerL3(k);
                    return k.hash(key) >>> 1;
                }
                return l3Keys6(m, l3, l3Length, key, k);
            }
            case POLICY_CUSTOM -> {
                return custom(m, l3, l3Length, true, fields, key, k);
            }
            default -> {
                return l3Keys6(m, l3, l3Length, key, k);
            }
        }
    }

    /** Policy 2's keys from a dissection: IPv4 addresses only; IPv6 addresses, label and protocol. */
    private static void innerL3(FlowKeys k) {
        k.sport = 0;
        k.dport = 0;
        if (k.addrType == FlowKeys.IPV4) {
            k.ipProto = 0;
            k.flowLabel = 0;
        }
    }

    /** {@code ip_multipath_l3_keys}: outer addresses, or an ICMP error's quoted ones. */
    private static int l3Keys4(MemorySegment m, long l3, int l3Length, long key, FlowKeys k) {
        int ihl = (m.get(ValueLayout.JAVA_BYTE, l3) & 0x0f) << 2;
        long from = l3;
        int proto = m.get(ValueLayout.JAVA_BYTE, l3 + 9) & 0xff;
        int offset = m.get(FlowDissector.BE16, l3 + 6) & 0x1fff;
        if (proto == 1 && offset == 0 && l3Length >= ihl + ICMP_HEADER + IPV4_HEADER
                && isIcmpError(m.get(ValueLayout.JAVA_BYTE, l3 + ihl) & 0xff)) {
            from = l3 + ihl + ICMP_HEADER;
        }
        k.clear();
        k.ipv4(m.get(FlowDissector.BE32, from + 12), m.get(FlowDissector.BE32, from + 16));
        return k.hash(key) >>> 1;
    }

    /** {@code icmp_is_err}: Destination Unreachable, Source Quench, Redirect, Time Exceeded, Parameter Problem. */
    static boolean isIcmpError(int type) {
        return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    }

    /** {@code ip6_multipath_l3_keys}: outer addresses, label and next header, or an ICMPv6 error's quoted ones. */
    private static int l3Keys6(MemorySegment m, long l3, int l3Length, long key, FlowKeys k) {
        long from = l3;
        if ((m.get(ValueLayout.JAVA_BYTE, l3 + 6) & 0xff) == 58 && l3Length >= IPV6_HEADER + ICMP_HEADER + IPV6_HEADER) {
            int type = m.get(ValueLayout.JAVA_BYTE, l3 + IPV6_HEADER) & 0xff;
            if (type >= 1 && type <= 4) {
                from = l3 + IPV6_HEADER + ICMP_HEADER;
            }
        }
        k.clear();
        k.ipv6(m.get(FlowDissector.BE64, from + 8), m.get(FlowDissector.BE64, from + 16),
                m.get(FlowDissector.BE64, from + 24), m.get(FlowDissector.BE64, from + 32));
        k.labelInWireOrder(m.get(FlowDissector.BE32, from));
        k.ipProto = m.get(ValueLayout.JAVA_BYTE, from + 6) & 0xff;
        return k.hash(key) >>> 1;
    }

    /** {@code fib_multipath_custom_hash_skb} / {@code rt6_multipath_custom_hash_skb}. */
    private static int custom(MemorySegment m, long l3, int l3Length, boolean ipv6, int fields, long key, FlowKeys k) {
        int outer = 0;
        boolean hasInner = true; // as in the kernel: with no outer field selected, the inner dissection decides
        if ((fields & HashField.OUTER) != 0) {
            FlowDissector.dissect(m, l3, l3Length, ipv6, true, k);
            hasInner = (k.flags & FlowKeys.ENCAPSULATION) != 0;
            k.addrType = ipv6 ? FlowKeys.IPV6 : FlowKeys.IPV4;
            select(k, fields, ipv6, 0);
            outer = k.hash(key);
        }
        int inner = 0;
        if (hasInner && (fields & HashField.INNER) != 0) {
            FlowDissector.dissect(m, l3, l3Length, ipv6, false, k);
            if ((k.flags & FlowKeys.ENCAPSULATION) != 0) {
                select(k, fields, k.addrType == FlowKeys.IPV6, 6);
                inner = k.hash(key);
            }
        }
        return Jenkins.jhash2Words(outer, inner, 0) >>> 1;
    }

    /**
     * Zeroes the fields whose bit is clear; {@code shift} 0 reads the outer bits, 6 the inner ones
     * (each inner bit is its outer bit shifted by 6). {@code label} tells whether the flow-label bit
     * applies: the IPv4 outer hash ignores it.
     */
    private static void select(FlowKeys k, int fields, boolean label, int shift) {
        int f = fields >>> shift;
        if ((f & HashField.SRC_IP.bit()) == 0) {
            k.src4 = 0;
            k.srcHi = 0;
            k.srcLo = 0;
        }
        if ((f & HashField.DST_IP.bit()) == 0) {
            k.dst4 = 0;
            k.dstHi = 0;
            k.dstLo = 0;
        }
        if ((f & HashField.IP_PROTO.bit()) == 0) {
            k.ipProto = 0;
        }
        if (!label || (f & HashField.FLOWLABEL.bit()) == 0) {
            k.flowLabel = 0;
        }
        if ((f & HashField.SRC_PORT.bit()) == 0) {
            k.sport = 0;
        }
        if ((f & HashField.DST_PORT.bit()) == 0) {
            k.dport = 0;
        }
    }

    /**
     * What the kernel's {@code ip route get DST from SRC [iif DEV] ipproto PROTO sport S dport D}
     * hashes: {@code inet_rtm_getroute} builds a packet with an IPv4 header and, for UDP and TCP
     * only, a header with the ports (ICMP: an echo request) and hashes it as a forwarded packet.
     * Its default protocol is UDP. Control path: allocates.
     */
    public static int routeGet4(int src, int dst, int proto, int sport, int dport, int policy, int fields, int seed) {
        int l4 = switch (proto) {
            case 6 -> 20;
            case 1, 17 -> 8;
            default -> 0;
        };
        MemorySegment p = MemorySegment.ofArray(new byte[IPV4_HEADER + l4]);
        p.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x45);
        p.set(ValueLayout.JAVA_BYTE, 9, (byte) proto);
        p.set(FlowDissector.BE32, 12, src);
        p.set(FlowDissector.BE32, 16, dst);
        if (proto == 6 || proto == 17) {
            p.set(FlowDissector.BE16, 20, (short) sport);
            p.set(FlowDissector.BE16, 22, (short) dport);
        } else if (proto == 1) {
            p.set(ValueLayout.JAVA_BYTE, 20, (byte) 8);
        }
        return ipv4(p, 0, IPV4_HEADER + l4, policy, fields, FlowKeys.key(seed), new FlowKeys());
    }

    /**
     * What the kernel's {@code ip -6 route get DST from SRC [iif DEV] [ipproto PROTO sport S dport D]
     * [flowlabel L]} hashes: {@code inet6_rtm_getroute} hashes the flow descriptor
     * ({@code rt6_multipath_hash} without a packet). Its default protocol is 0. Addresses are
     * big-endian halves ({@link IpAddresses#parse6}). Control path.
     */
    public static int routeGet6(long[] src, long[] dst, int proto, int sport, int dport, int label,
                                int policy, int fields, int seed) {
        FlowKeys k = new FlowKeys();
        k.ipv6(src[0], src[1], dst[0], dst[1]);
        switch (policy) {
            case POLICY_L4 -> {
                k.ipProto = proto;
                k.ports(sport, dport);
            }
            case POLICY_CUSTOM -> {
                if ((fields & HashField.OUTER) == 0) {
                    return 0;
                }
                k.ipProto = proto;
                k.ports(sport, dport);
                k.labelInWireOrder(label);
                select(k, fields, true, 0);
            }
            default -> {
                k.ipProto = proto;
                k.labelInWireOrder(label);
            }
        }
        return k.hash(FlowKeys.key(seed)) >>> 1;
    }
}
