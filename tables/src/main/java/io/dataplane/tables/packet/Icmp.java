package io.dataplane.tables.packet;

import static io.dataplane.tables.packet.NetworkOrder.U16;
import static io.dataplane.tables.packet.NetworkOrder.U32;
import static io.dataplane.tables.packet.NetworkOrder.U8;

import java.lang.foreign.MemorySegment;

/**
 * The ICMP (RFC 792) and ICMPv6 (RFC 4443) header: type, code, checksum, 4 type-specific bytes,
 * then for an error the start of the packet it is about (the "quote"). Hot path: no allocation.
 */
public final class Icmp {
    public static final int TYPE = 0;
    public static final int CODE = 1;
    public static final int CHECKSUM = 2;
    /** The type-specific word: unused, or the next-hop MTU (IPv4: low 16 bits; IPv6: all 32). */
    public static final int REST = 4;
    /** The header; an error's quote starts here. */
    public static final int HEADER = 8;

    public static final int V4_ECHO_REQUEST = 8;
    public static final int V4_DEST_UNREACH = 3;
    public static final int V4_SOURCE_QUENCH = 4;
    public static final int V4_REDIRECT = 5;
    public static final int V4_TIME_EXCEEDED = 11;
    public static final int V4_PARAMETER_PROBLEM = 12;
    /** Destination Unreachable code: fragmentation needed and DF set (RFC 1191). */
    public static final int V4_FRAG_NEEDED = 4;
    /** Destination Unreachable code: host unreachable (the kernel's answer for an {@code unreachable} route). */
    public static final int V4_HOST_UNREACH = 1;
    /** Destination Unreachable code: communication administratively prohibited (RFC 1812; a {@code prohibit} route). */
    public static final int V4_ADMIN_PROHIBITED = 13;

    public static final int V6_DEST_UNREACH = 1;
    /** Destination Unreachable code: no route to destination (RFC 4443 3.1; an {@code unreachable} route). */
    public static final int V6_NO_ROUTE = 0;
    /** Destination Unreachable code: communication administratively prohibited (a {@code prohibit} route). */
    public static final int V6_ADMIN_PROHIBITED = 1;
    public static final int V6_PACKET_TOO_BIG = 2;
    public static final int V6_TIME_EXCEEDED = 3;
    public static final int V6_PARAMETER_PROBLEM = 4;
    public static final int V6_ECHO_REQUEST = 128;

    private Icmp() {
    }

    public static int type(MemorySegment m, long icmp) {
        return m.get(U8, icmp + TYPE) & 0xff;
    }

    /**
     * An ICMPv4 error, which must never be answered with another error (RFC 1122 3.2.2, and the
     * kernel's {@code icmp_pointers[].error}): Destination Unreachable, Source Quench, Redirect,
     * Time Exceeded, Parameter Problem.
     */
    public static boolean error4(int type) {
        return type == V4_DEST_UNREACH || type == V4_SOURCE_QUENCH || type == V4_REDIRECT
                || type == V4_TIME_EXCEEDED || type == V4_PARAMETER_PROBLEM;
    }

    /**
     * An ICMPv4 error whose quote the multipath hash follows: {@link #error4} without Source Quench,
     * as Linux 4.4's {@code ip_multipath_icmp_hash} (RFC 6633 deprecated Source Quench).
     */
    public static boolean quotesFlow4(int type) {
        return type == V4_DEST_UNREACH || type == V4_REDIRECT || type == V4_TIME_EXCEEDED || type == V4_PARAMETER_PROBLEM;
    }

    /** An ICMPv6 error (RFC 4443 2.1: types below 128). */
    public static boolean error6(int type) {
        return type < 128;
    }

    /** An ICMPv6 error whose quote the multipath hash follows: types 1-4. */
    public static boolean quotesFlow6(int type) {
        return type >= V6_DEST_UNREACH && type <= V6_PARAMETER_PROBLEM;
    }

    /** Writes type, code and the type-specific word; the checksum is zero until computed. */
    public static void write(MemorySegment m, long icmp, int type, int code, int rest) {
        m.set(U8, icmp + TYPE, (byte) type);
        m.set(U8, icmp + CODE, (byte) code);
        m.set(U16, icmp + CHECKSUM, (short) 0);
        m.set(U32, icmp + REST, rest);
    }

    /** Sets the checksum field (write it as zero first) over the {@code length} bytes of the message. */
    public static void checksum(MemorySegment m, long icmp, int length, long pseudoHeaderSum) {
        m.set(U16, icmp + CHECKSUM, (short) Checksum.finish(Checksum.sum(m, icmp, length, pseudoHeaderSum)));
    }
}
