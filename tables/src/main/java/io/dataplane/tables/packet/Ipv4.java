package io.dataplane.tables.packet;

import static io.dataplane.tables.packet.NetworkOrder.U16;
import static io.dataplane.tables.packet.NetworkOrder.U32;
import static io.dataplane.tables.packet.NetworkOrder.U64;
import static io.dataplane.tables.packet.NetworkOrder.U8;

import java.lang.foreign.MemorySegment;

/**
 * The IPv4 header (RFC 791): offsets, static accessors over (segment, header offset), and the
 * address rules. Addresses are ints holding the big-endian value (192.0.2.1 is 0xc0000201).
 * Hot path: no allocation; callers check the frame holds the bytes first.
 *
 * <h2>Martian addresses: what is never forwarded</h2>
 * The kernel refuses these in {@code ip_route_input_slow} ({@code net/ipv4/route.c}), before the
 * TTL is looked at, and so do we ({@link #martianSource}, {@link #martianDestination}: verdict
 * {@code BAD_ADDRESS}; no ICMP error is ever sent about them):
 * <ul>
 * <li>source multicast 224.0.0.0/4 or limited broadcast 255.255.255.255
 *     ({@code ipv4_is_multicast || ipv4_is_lbcast}: {@code martian_source});
 * <li>source 0.0.0.0/8 ({@code ipv4_is_zeronet}: {@code martian_source});
 * <li>destination 0.0.0.0/8 ({@code ipv4_is_zeronet}: {@code martian_destination});
 * <li>source or destination loopback 127.0.0.0/8 ({@code ipv4_is_loopback}, unless the
 *     {@code route_localnet} sysctl is set, which we do not model).
 * </ul>
 * 240.0.0.0/4 is not martian (the kernel routes it since 2.6.25), so it is forwarded and gets
 * ICMP errors. A multicast or limited-broadcast destination is not martian but not unicast either:
 * the kernel hands it to {@code ip_route_input_mc} / {@code brd_input} (local delivery), and we do
 * not route it ({@link #multicastOrBroadcast}: verdict {@code NOT_ROUTED}).
 */
public final class Ipv4 {
    public static final int VERSION_IHL = 0;
    public static final int TOS = 1;
    public static final int TOTAL_LENGTH = 2;
    public static final int IDENTIFICATION = 4;
    public static final int FLAGS_FRAGMENT = 6;
    public static final int TTL = 8;
    public static final int PROTOCOL = 9;
    public static final int CHECKSUM = 10;
    public static final int SOURCE = 12;
    public static final int DESTINATION = 16;
    /** The header without options (IHL 5). */
    public static final int HEADER = 20;

    /** Don't Fragment, in the flags-and-fragment-offset field. */
    public static final int DF = 0x4000;
    /** More Fragments. */
    public static final int MF = 0x2000;
    /** The fragment offset (in 8-byte units). */
    public static final int FRAGMENT_OFFSET = 0x1fff;
    /** Option type "end of option list" (RFC 791). */
    public static final int OPTION_END = 0;
    /** Option type "no operation" (RFC 791), also what fills an option a later fragment does not carry. */
    public static final int OPTION_NOOP = 1;
    /** The copy bit of an option type: the option goes into every fragment, not only the first (RFC 791). */
    public static final int OPTION_COPIED = 0x80;

    private Ipv4() {
    }

    public static int version(MemorySegment m, long ip) {
        return (m.get(U8, ip) & 0xf0) >>> 4;
    }

    /** The header length in bytes (IHL * 4). */
    public static int headerLength(MemorySegment m, long ip) {
        return (m.get(U8, ip) & 0x0f) << 2;
    }

    public static int totalLength(MemorySegment m, long ip) {
        return m.get(U16, ip + TOTAL_LENGTH) & 0xffff;
    }

    /** The flags and fragment offset field as on the wire. */
    public static int flagsFragment(MemorySegment m, long ip) {
        return m.get(U16, ip + FLAGS_FRAGMENT) & 0xffff;
    }

    public static int ttl(MemorySegment m, long ip) {
        return m.get(U8, ip + TTL) & 0xff;
    }

    public static int protocol(MemorySegment m, long ip) {
        return m.get(U8, ip + PROTOCOL) & 0xff;
    }

    public static int checksum(MemorySegment m, long ip) {
        return m.get(U16, ip + CHECKSUM) & 0xffff;
    }

    public static int source(MemorySegment m, long ip) {
        return m.get(U32, ip + SOURCE);
    }

    public static int destination(MemorySegment m, long ip) {
        return m.get(U32, ip + DESTINATION);
    }

    // The fixed header in three loads, for the hot path: word 0 is bytes 0-7 (version and IHL,
    // TOS, total length, identification, flags and fragment offset), word 1 bytes 8-15 (TTL,
    // protocol, checksum, source), then the destination. The field methods over words let a
    // parser read each byte once: one bounds-checked load instead of one per field.

    /** Bytes 0-7 of the header as one big-endian long. */
    public static long word0(MemorySegment m, long ip) {
        return m.get(U64, ip);
    }

    /** Bytes 8-15 of the header as one big-endian long. */
    public static long word1(MemorySegment m, long ip) {
        return m.get(U64, ip + TTL);
    }

    /** Version (high nibble) and IHL (low nibble), from {@link #word0}. */
    public static int versionIhl(long word0) {
        return (int) (word0 >>> 56);
    }

    /** Total length, from {@link #word0}. */
    public static int totalLength(long word0) {
        return (int) (word0 >>> 32) & 0xffff;
    }

    /** Flags and fragment offset, from {@link #word0}. */
    public static int flagsFragment(long word0) {
        return (int) word0 & 0xffff;
    }

    /** TTL, from {@link #word1}. */
    public static int ttl(long word1) {
        return (int) (word1 >>> 56);
    }

    /** Protocol, from {@link #word1}. */
    public static int protocol(long word1) {
        return (int) (word1 >>> 48) & 0xff;
    }

    /** Source address, from {@link #word1}. */
    public static int source(long word1) {
        return (int) word1;
    }

    /** Whether DF is set in a flags-and-fragment-offset field. */
    public static boolean dontFragment(int flagsFragment) {
        return (flagsFragment & DF) != 0;
    }

    /** Whether the packet is any fragment of a larger datagram (MF set or an offset). */
    public static boolean fragment(int flagsFragment) {
        return (flagsFragment & (MF | FRAGMENT_OFFSET)) != 0;
    }

    /** Whether the packet is a fragment other than the first (it carries no L4 header). */
    public static boolean laterFragment(int flagsFragment) {
        return (flagsFragment & FRAGMENT_OFFSET) != 0;
    }

    /** A source the kernel calls martian (class Javadoc). */
    public static boolean martianSource(int src) {
        int first = src >>> 24;
        return first == 0 || first == 127 || (src >>> 28) == 0xe || src == -1;
    }

    /** A destination the kernel calls martian (class Javadoc). */
    public static boolean martianDestination(int dst) {
        int first = dst >>> 24;
        return first == 0 || first == 127;
    }

    /** Multicast 224.0.0.0/4 or the limited broadcast address: not unicast, never routed. */
    public static boolean multicastOrBroadcast(int dst) {
        return (dst >>> 28) == 0xe || dst == -1;
    }

    /**
     * TTL - 1 with the header checksum updated incrementally (RFC 1624), as a router does. The
     * TTL shares its 16-bit word with the protocol, so that word is what changes.
     */
    public static void decrementTtl(MemorySegment m, long ip) {
        // TTL, protocol and checksum in one load and one store (the three dependent 16-bit accesses
        // they replace were the hottest stretch of the rewrite). TTL - 1 lowers the word by 0x0100,
        // so RFC 1624's ~m + m' is the constant 0xfeff for every TTL from 1 (the pipeline drops 0
        // and 1 before this), and the sum needs one fold: ~checksum + 0xfeff is at most 0x1fefe.
        int word = m.get(U32, ip + TTL);
        int sum = (~word & 0xffff) + 0xfeff;
        sum = (sum & 0xffff) + (sum >>> 16);
        m.set(U32, ip + TTL, ((word - 0x0100_0000) & 0xffff_0000) | (~sum & 0xffff));
    }

    /**
     * Writes a 20-byte header (no options) with its checksum.
     *
     * @param tos the type-of-service byte (DSCP and ECN)
     * @param flagsFragment the flags and fragment offset field, e.g. {@link #DF}
     */
    public static void write(MemorySegment m, long ip, int tos, int totalLength, int identification, int flagsFragment,
                             int ttl, int protocol, int src, int dst) {
        m.set(U8, ip + VERSION_IHL, (byte) 0x45);
        m.set(U8, ip + TOS, (byte) tos);
        m.set(U16, ip + TOTAL_LENGTH, (short) totalLength);
        m.set(U16, ip + IDENTIFICATION, (short) identification);
        m.set(U16, ip + FLAGS_FRAGMENT, (short) flagsFragment);
        m.set(U8, ip + TTL, (byte) ttl);
        m.set(U8, ip + PROTOCOL, (byte) protocol);
        m.set(U16, ip + CHECKSUM, (short) 0);
        m.set(U32, ip + SOURCE, src);
        m.set(U32, ip + DESTINATION, dst);
        m.set(U16, ip + CHECKSUM, (short) Checksum.finish(Checksum.sum(m, ip, HEADER, 0)));
    }
}
