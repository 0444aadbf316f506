package io.dataplane.tables.packet;

import static io.dataplane.tables.packet.NetworkOrder.U16;
import static io.dataplane.tables.packet.NetworkOrder.U32;
import static io.dataplane.tables.packet.NetworkOrder.U64;
import static io.dataplane.tables.packet.NetworkOrder.U8;

import java.lang.foreign.MemorySegment;

/**
 * The IPv6 fixed header (RFC 8200): offsets, static accessors over (segment, header offset), and
 * the address rules. An address is two longs, the upper and lower 8 bytes as big-endian values.
 * Hot path: no allocation; callers check the frame holds the bytes first.
 *
 * <h2>Martian addresses: what is never forwarded</h2>
 * The kernel refuses these, before the hop limit is looked at ({@code ipv6_rcv_core} in
 * {@code net/ipv6/ip6_input.c}) or in {@code ip6_forward} ({@code net/ipv6/ip6_output.c}), and so
 * do we ({@link #martianSource}, {@link #martianDestination}: verdict {@code BAD_ADDRESS}, no ICMP
 * error):
 * <ul>
 * <li>source multicast ff00::/8 ({@code ipv6_rcv_core}, RFC 4291 2.7);
 * <li>source or destination loopback ::1 ({@code ipv6_rcv_core}, for frames not from {@code lo});
 * <li>source IPv4-mapped ::ffff:0:0/96 ({@code ipv6_rcv_core}, {@code ipv6_addr_v4mapped});
 * <li>source unspecified :: ({@code ip6_forward}: {@code IPV6_ADDR_ANY}, "security critical");
 * <li>destination unspecified :: (never a valid destination, RFC 4291 2.5.2).
 * </ul>
 * Two differences remain: {@code ip6_forward} checks the source after the hop limit (a martian
 * with hop limit 1 gets Time Exceeded there; here it is BAD_ADDRESS), and it refuses a link-local
 * source fe80::/10 leaving by another interface with ICMPv6 "beyond scope", which we forward.
 * Multicast and link-local destinations are not martian but are never routed
 * ({@link #multicast}, {@link #linkLocal}: verdict {@code NOT_ROUTED}).
 */
public final class Ipv6 {
    public static final int VERSION_CLASS_LABEL = 0;
    public static final int PAYLOAD_LENGTH = 4;
    public static final int NEXT_HEADER = 6;
    public static final int HOP_LIMIT = 7;
    public static final int SOURCE = 8;
    public static final int DESTINATION = 24;
    public static final int HEADER = 40;
    /** The fragment offset in a Fragment extension header's second word (8-byte units, low 3 bits flags). */
    public static final int FRAGMENT_OFFSET = 0xfff8;

    private Ipv6() {
    }

    public static int version(MemorySegment m, long ip) {
        return (m.get(U8, ip) & 0xf0) >>> 4;
    }

    /** The 20-bit flow label. */
    public static int flowLabel(MemorySegment m, long ip) {
        return m.get(U32, ip + VERSION_CLASS_LABEL) & 0xfffff;
    }

    public static int payloadLength(MemorySegment m, long ip) {
        return m.get(U16, ip + PAYLOAD_LENGTH) & 0xffff;
    }

    public static int nextHeader(MemorySegment m, long ip) {
        return m.get(U8, ip + NEXT_HEADER) & 0xff;
    }

    public static int hopLimit(MemorySegment m, long ip) {
        return m.get(U8, ip + HOP_LIMIT) & 0xff;
    }

    public static long sourceHi(MemorySegment m, long ip) {
        return m.get(U64, ip + SOURCE);
    }

    public static long sourceLo(MemorySegment m, long ip) {
        return m.get(U64, ip + SOURCE + 8);
    }

    public static long destinationHi(MemorySegment m, long ip) {
        return m.get(U64, ip + DESTINATION);
    }

    public static long destinationLo(MemorySegment m, long ip) {
        return m.get(U64, ip + DESTINATION + 8);
    }

    /** An extension header's next-header field (its first byte; the same in a Fragment header). */
    public static int extensionNextHeader(MemorySegment m, long ext) {
        return m.get(U8, ext) & 0xff;
    }

    /** A hop-by-hop, routing or destination options header's length in bytes: (Hdr Ext Len + 1) * 8. */
    public static int extensionLength(MemorySegment m, long ext) {
        return ((m.get(U8, ext + 1) & 0xff) + 1) << 3;
    }

    /** A Fragment extension header's offset field (0 in the first fragment). */
    public static int fragmentOffset(MemorySegment m, long fragmentHeader) {
        return m.get(U16, fragmentHeader + 2) & FRAGMENT_OFFSET;
    }

    /** A source the kernel refuses (class Javadoc). */
    public static boolean martianSource(long hi, long lo) {
        boolean unspecifiedOrLoopback = hi == 0 && (lo == 0 || lo == 1);
        boolean v4Mapped = hi == 0 && (lo >>> 32) == 0xffff;
        return multicast(hi) || unspecifiedOrLoopback || v4Mapped;
    }

    /** A destination never forwarded: unspecified or loopback. */
    public static boolean martianDestination(long hi, long lo) {
        return hi == 0 && (lo == 0 || lo == 1);
    }

    /** ff00::/8. */
    public static boolean multicast(long hi) {
        return (hi >>> 56) == 0xff;
    }

    /** fe80::/10. */
    public static boolean linkLocal(long hi) {
        return (hi >>> 54) == 0x3fa;
    }

    /** Hop limit - 1 (IPv6 has no header checksum). */
    public static void decrementHopLimit(MemorySegment m, long ip) {
        m.set(U8, ip + HOP_LIMIT, (byte) (m.get(U8, ip + HOP_LIMIT) - 1));
    }

    /** Writes the fixed header (traffic class 0). */
    public static void write(MemorySegment m, long ip, int payloadLength, int nextHeader, int hopLimit, int flowLabel,
                             long srcHi, long srcLo, long dstHi, long dstLo) {
        m.set(U32, ip + VERSION_CLASS_LABEL, (6 << 28) | (flowLabel & 0xfffff));
        m.set(U16, ip + PAYLOAD_LENGTH, (short) payloadLength);
        m.set(U8, ip + NEXT_HEADER, (byte) nextHeader);
        m.set(U8, ip + HOP_LIMIT, (byte) hopLimit);
        m.set(U64, ip + SOURCE, srcHi);
        m.set(U64, ip + SOURCE + 8, srcLo);
        m.set(U64, ip + DESTINATION, dstHi);
        m.set(U64, ip + DESTINATION + 8, dstLo);
    }
}
