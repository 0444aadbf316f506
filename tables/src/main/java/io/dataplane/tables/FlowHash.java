package io.dataplane.tables;

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
    static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static final int IPV4_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int ICMP_HEADER = 8;
    private static final int MAX_EXTENSION_HEADERS = 8;

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
        int ihl = (m.get(ValueLayout.JAVA_BYTE, l3) & 0x0f) << 2;
        int proto = m.get(ValueLayout.JAVA_BYTE, l3 + 9) & 0xff;
        int fragment = m.get(BE16, l3 + 6) & 0xffff;
        return ipv4(m, l3, ihl, l3Length, proto, fragment, m.get(LE32, l3 + 12), m.get(LE32, l3 + 16), algorithm, seed);
    }

    /**
     * Hash of an IPv4 packet whose header fields the caller already read, so the pipeline does not
     * read them twice. {@code srcLe}/{@code dstLe} are the address bytes as a little-endian u32
     * ({@code Integer.reverseBytes} of the big-endian value).
     */
    public static int ipv4(MemorySegment m, long l3, int ihl, int l3Length, int proto, int fragment, int srcLe, int dstLe,
                           int algorithm, int seed) {
        if (algorithm == L4) {
            boolean mayFragment = (fragment & 0x4000) == 0 || (fragment & 0x3fff) != 0;
            if (mayFragment) {
                return Jenkins.jhash2Words(srcLe, dstLe, seed) >>> 1;
            }
            int ports = ports(m, l3 + ihl, l3Length - ihl, proto);
            return jhash4(srcLe, dstLe, ports, proto, seed) >>> 1;
        }
        if (proto == 1 && (fragment & 0x1fff) == 0 && l3Length >= ihl + ICMP_HEADER + IPV4_HEADER) {
            return icmpHash4(m, l3 + ihl, srcLe, dstLe, seed);
        }
        return Jenkins.jhash2Words(srcLe, dstLe, seed) >>> 1;
    }

    /** An ICMPv4 packet's l3 hash: an error's quoted header, addresses swapped; else the outer addresses. */
    private static int icmpHash4(MemorySegment m, long icmp, int srcLe, int dstLe, int seed) {
        int type = m.get(ValueLayout.JAVA_BYTE, icmp) & 0xff;
        if (type == 3 || type == 5 || type == 11 || type == 12) {
            long quote = icmp + ICMP_HEADER;
            return Jenkins.jhash2Words(m.get(LE32, quote + 16), m.get(LE32, quote + 12), seed) >>> 1;
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
        int nexthdr = m.get(ValueLayout.JAVA_BYTE, l3 + 6) & 0xff;
        if (algorithm == L4) {
            long protoAndPorts = protoAndPorts6(m, l3, l3Length, nexthdr);
            return jhash10(m.get(LE64, l3 + 8), m.get(LE64, l3 + 16), m.get(LE64, l3 + 24), m.get(LE64, l3 + 32),
                    (int) protoAndPorts, (int) (protoAndPorts >>> 32), seed) >>> 1;
        }
        if (nexthdr == 58 && l3Length >= IPV6_HEADER + ICMP_HEADER + IPV6_HEADER) {
            int type = m.get(ValueLayout.JAVA_BYTE, l3 + IPV6_HEADER) & 0xff;
            if (type >= 1 && type <= 4) {
                return quotedHash6(m, l3 + IPV6_HEADER + ICMP_HEADER, seed);
            }
        }
        int label = m.get(BE32, l3) & 0xfffff;
        return jhash10(m.get(LE64, l3 + 8), m.get(LE64, l3 + 16), m.get(LE64, l3 + 24), m.get(LE64, l3 + 32),
                label, nexthdr, seed) >>> 1;
    }

    /** An ICMPv6 error's hash: the quoted header, addresses swapped, with its flow label and next header. Kept out of {@link #ipv6} so that stays small enough to inline. */
    private static int quotedHash6(MemorySegment m, long quote, int seed) {
        int label = m.get(BE32, quote) & 0xfffff;
        int quotedNext = m.get(ValueLayout.JAVA_BYTE, quote + 6) & 0xff;
        return jhash10(m.get(LE64, quote + 24), m.get(LE64, quote + 32), m.get(LE64, quote + 8), m.get(LE64, quote + 16),
                label, quotedNext, seed) >>> 1;
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
            if (proto == 0 || proto == 43 || proto == 60) {
                if (avail < 8) {
                    return (long) proto << 32;
                }
                int len = ((m.get(ValueLayout.JAVA_BYTE, off + 1) & 0xff) + 1) << 3;
                proto = m.get(ValueLayout.JAVA_BYTE, off) & 0xff;
                off += len;
                avail -= len;
            } else if (proto == 44) {
                if (avail >= 8) {
                    proto = m.get(ValueLayout.JAVA_BYTE, off) & 0xff;
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
            case 6, 17, 33, 50, 132, 136 -> at = 0;
            case 51 -> at = 4;
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
