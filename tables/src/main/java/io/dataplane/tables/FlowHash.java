package io.dataplane.tables;

import io.dataplane.tables.packet.Icmp;
import io.dataplane.tables.packet.IpProtocol;
import io.dataplane.tables.packet.Ipv4;
import io.dataplane.tables.packet.Ipv6;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The 31-bit multipath hash of a packet, computed straight from packet memory with the kernel's
 * Jenkins hash. The "Jenkins keys" are defined exactly, so that any tool can predict our choice:
 * every word is 4 packet bytes read as a little-endian u32 (what Linux 4.4 hashed on x86), and
 *
 * <pre>
 * l3, IPv4: jhash_2words(src, dst, seed) >> 1                            (identical to Linux 4.4)
 * l4, IPv4: jhash2([src, dst, ports, proto], seed) >> 1                  ports = sport,dport bytes
 * l3, IPv6: jhash2([src0..3, dst0..3, flowlabel, nexthdr], seed) >> 1    flowlabel = 20-bit integer
 * l4, IPv6: jhash2([src0..3, dst0..3, ports, nexthdr], seed) >> 1
 * </pre>
 *
 * <p>Rules, as in the kernel's multipath series:
 * <ul>
 * <li>l4: an IPv4 packet with DF clear, or that is a fragment, is hashed with the l3 key, so every
 *     packet of a flow that may be fragmented takes one path. An IPv6 packet with a Fragment header
 *     is hashed with ports 0. Ports are the first 4 L4 bytes for TCP, UDP, UDP-Lite, SCTP, DCCP and
 *     ESP (its SPI), bytes 4..7 for AH (its SPI), 0 for everything else.
 * <li>l3 only: an ICMPv4 error (types 3, 5, 11, 12) or ICMPv6 error (types 1-4) is hashed on the
 *     header it quotes, source and destination swapped (IPv6: with the quoted flow label and next
 *     header), so an error quoting S->D takes exactly the nexthop packets D->S take. A non-first
 *     fragment, a truncated quote or a non-error type falls back to the outer header. Source
 *     Quench (4) is not an error here, as in 4.4 (RFC 6633 deprecated it).
 * <li>l3, IPv6: {@code nexthdr} is the IPv6 header's own next-header field, as the kernel's
 *     forwarding path uses it; l4 uses the upper-layer protocol after extension headers.
 * </ul>
 * The hot path: no allocation, no exceptions; callers pass only lengths they validated.
 */
public final class FlowHash {
    public static final int L3 = 0;
    public static final int L4 = 1;

    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final int IPV4_HEADER = Ipv4.HEADER;
    private static final int IPV6_HEADER = Ipv6.HEADER;
    private static final int ICMP_HEADER = Icmp.HEADER;
    private static final int MAX_EXTENSION_HEADERS = 8;
    private static final int SRC = Ipv6.SOURCE;
    private static final int DST = Ipv6.DESTINATION;

    private FlowHash() {
    }

    /**
     * Hash of an IPv4 packet.
     *
     * @param l3 offset of the IPv4 header (IHL already validated)
     * @param l3Length bytes of the IP packet present (the validated total length)
     * @param algorithm {@link #L3} or {@link #L4}
     */
    public static int ipv4(MemorySegment m, long l3, int l3Length, int algorithm, int seed) {
        return ipv4(m, l3, Ipv4.headerLength(m, l3), l3Length, Ipv4.protocol(m, l3), Ipv4.flagsFragment(m, l3),
                m.get(LE32, l3 + Ipv4.SOURCE), m.get(LE32, l3 + Ipv4.DESTINATION), algorithm, seed);
    }

    /**
     * Hash of an IPv4 packet whose header fields the caller already read, so the pipeline does not
     * read them twice. {@code srcLe}/{@code dstLe} are the address bytes as a little-endian u32
     * ({@code Integer.reverseBytes} of the big-endian value).
     */
    public static int ipv4(MemorySegment m, long l3, int ihl, int l3Length, int proto, int fragment, int srcLe, int dstLe,
                           int algorithm, int seed) {
        if (algorithm == L4) {
            boolean mayFragment = !Ipv4.dontFragment(fragment) || Ipv4.fragment(fragment);
            if (mayFragment) {
                return Jenkins.jhash2Words(srcLe, dstLe, seed) >>> 1;
            }
            int ports = ports(m, l3 + ihl, l3Length - ihl, proto);
            return jhash4(srcLe, dstLe, ports, proto, seed) >>> 1;
        }
        if (proto == IpProtocol.ICMP && !Ipv4.laterFragment(fragment) && l3Length >= ihl + ICMP_HEADER + IPV4_HEADER) {
            return icmpHash4(m, l3 + ihl, srcLe, dstLe, seed);
        }
        return Jenkins.jhash2Words(srcLe, dstLe, seed) >>> 1;
    }

    /** An ICMPv4 packet's l3 hash: an error's quoted header, addresses swapped; else the outer addresses. */
    private static int icmpHash4(MemorySegment m, long icmp, int srcLe, int dstLe, int seed) {
        if (Icmp.quotesFlow4(Icmp.type(m, icmp))) {
            long quote = icmp + ICMP_HEADER;
            return Jenkins.jhash2Words(m.get(LE32, quote + Ipv4.DESTINATION), m.get(LE32, quote + Ipv4.SOURCE), seed) >>> 1;
        }
        return Jenkins.jhash2Words(srcLe, dstLe, seed) >>> 1;
    }

    /**
     * Hash of an IPv6 packet.
     *
     * @param l3 offset of the IPv6 header
     * @param l3Length bytes of the IP packet present (40 + validated payload length)
     */
    public static int ipv6(MemorySegment m, long l3, int l3Length, int algorithm, int seed) {
        int nexthdr = Ipv6.nextHeader(m, l3);
        if (algorithm == L4) {
            long protoAndPorts = protoAndPorts6(m, l3, l3Length, nexthdr);
            return jhash10(m.get(LE64, l3 + SRC), m.get(LE64, l3 + SRC + 8), m.get(LE64, l3 + DST), m.get(LE64, l3 + DST + 8),
                    (int) protoAndPorts, (int) (protoAndPorts >>> 32), seed) >>> 1;
        }
        if (nexthdr == IpProtocol.ICMPV6 && l3Length >= IPV6_HEADER + ICMP_HEADER + IPV6_HEADER
                && Icmp.quotesFlow6(Icmp.type(m, l3 + IPV6_HEADER))) {
            return quotedHash6(m, l3 + IPV6_HEADER + ICMP_HEADER, seed);
        }
        return jhash10(m.get(LE64, l3 + SRC), m.get(LE64, l3 + SRC + 8), m.get(LE64, l3 + DST), m.get(LE64, l3 + DST + 8),
                Ipv6.flowLabel(m, l3), nexthdr, seed) >>> 1;
    }

    /** An ICMPv6 error's hash: the quoted header, addresses swapped, with its flow label and next header. Kept out of {@link #ipv6} so that stays small enough to inline. */
    private static int quotedHash6(MemorySegment m, long quote, int seed) {
        return jhash10(m.get(LE64, quote + DST), m.get(LE64, quote + DST + 8), m.get(LE64, quote + SRC),
                m.get(LE64, quote + SRC + 8), Ipv6.flowLabel(m, quote), Ipv6.nextHeader(m, quote), seed) >>> 1;
    }

    /**
     * The l4 key's protocol (high 32 bits) and ports word (low 32 bits) of an IPv6 packet: the
     * upper-layer protocol after extension headers; ports 0 behind a Fragment header or when cut.
     */
    private static long protoAndPorts6(MemorySegment m, long l3, int l3Length, int nexthdr) {
        long off = l3 + IPV6_HEADER;
        int avail = l3Length - IPV6_HEADER;
        int proto = nexthdr;
        for (int i = 0; i < MAX_EXTENSION_HEADERS; i++) {
            if (proto == IpProtocol.HOP_BY_HOP || proto == IpProtocol.ROUTING || proto == IpProtocol.DESTINATION_OPTIONS) {
                if (avail < 8) {
                    return (long) proto << 32;
                }
                int len = Ipv6.extensionLength(m, off);
                proto = Ipv6.extensionNextHeader(m, off);
                off += len;
                avail -= len;
            } else if (proto == IpProtocol.FRAGMENT) {
                if (avail >= 8) {
                    proto = Ipv6.extensionNextHeader(m, off);
                }
                return (long) proto << 32;
            } else {
                break;
            }
        }
        return (long) proto << 32 | (ports(m, off, avail, proto) & 0xffffffffL);
    }

    /** The 4 bytes that stand for ports in the l4 key, or 0 when the protocol has none or they are missing. */
    static int ports(MemorySegment m, long l4, int avail, int proto) {
        int at;
        switch (proto) {
            case IpProtocol.TCP, IpProtocol.UDP, IpProtocol.DCCP, IpProtocol.ESP, IpProtocol.SCTP, IpProtocol.UDP_LITE -> at = 0;
            case IpProtocol.AH -> at = 4; // its SPI
            default -> {
                return 0;
            }
        }
        return avail >= at + 4 ? m.get(LE32, l4 + at) : 0;
    }

    /** {@code jhash2} over 4 words, unrolled. */
    static int jhash4(int k0, int k1, int k2, int k3, int initval) {
        int a = Jenkins.INITVAL + (4 << 2) + initval;
        int b = a;
        int c = a;
        a += k0;
        b += k1;
        c += k2;
        a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
        b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
        c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
        a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
        b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
        c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
        a += k3;
        return Jenkins.finalMix(a, b, c);
    }

    /**
     * {@code jhash2} over [first address (4 words), second address (4 words), w8, w9], unrolled.
     * The addresses come as little-endian 8-byte halves (words 0,1 and 2,3), read by the caller:
     * this method is too big to inline, and with the loads outside it the call stays cheap.
     */
    static int jhash10(long first0, long first1, long second0, long second1, int w8, int w9, int initval) {
        int a = Jenkins.INITVAL + (10 << 2) + initval;
        int b = a;
        int c = a;
        a += (int) first0;
        b += (int) (first0 >>> 32);
        c += (int) first1;
        a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
        b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
        c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
        a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
        b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
        c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
        a += (int) (first1 >>> 32);
        b += (int) second0;
        c += (int) (second0 >>> 32);
        a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
        b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
        c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
        a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
        b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
        c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
        a += (int) second1;
        b += (int) (second1 >>> 32);
        c += w8;
        a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
        b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
        c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
        a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
        b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
        c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
        a += w9;
        return Jenkins.finalMix(a, b, c);
    }
}
