package io.dataplane.icmp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Builds the ICMP errors a router sends about forwarded packets, in place: the error's Ethernet,
 * IP and ICMP headers are written into the headroom in front of the offending packet's IP header,
 * so the packet itself becomes the quoted part and no byte of it moves. The error goes back out of
 * the ingress port to the previous hop (MAC addresses swapped, the 802.1Q tag kept).
 *
 * <p>Hot path: no allocation, no exceptions; every method returns the new frame's start offset
 * the error frame's length (it starts at {@link #start4}/{@link #start6}), or a negative code. Which packets
 * get no error follows RFC 1812 / RFC 4443 and the kernel: none about ICMP errors, about
 * non-first fragments, or to multicast/broadcast/unspecified/loopback sources.
 *
 * <pre>
 * int len = IcmpErrors.timeExceeded4(mem, frame, l2Len, frameLen, frame - headroom, routerAddr);
 * if (len > 0) port.transmit(handle, IcmpErrors.start4(frame), len);
 * </pre>
 */
public final class IcmpErrors {
    /** The packet must not get an ICMP error (it is one, a later fragment, or from a multicast/bad source). */
    public static final int SUPPRESSED = -1;
    /** Not enough headroom in front of the frame to write the error's headers. */
    public static final int NO_ROOM = -2;
    /** The frame is too short for the headers it claims. */
    public static final int MALFORMED = -3;

    public static final int ICMP4_DEST_UNREACH = 3, ICMP4_FRAG_NEEDED = 4, ICMP4_TIME_EXCEEDED = 11;
    public static final int ICMP6_PACKET_TOO_BIG = 2, ICMP6_TIME_EXCEEDED = 3;
    /** RFC 1812 4.3.2.3: the whole error datagram fits in 576 bytes. */
    public static final int IPV4_ERROR_MAX = 576;
    /** RFC 4443 2.4(c): the error fits in the IPv6 minimum MTU. */
    public static final int IPV6_ERROR_MAX = 1280;

    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int ETH_P_IP = 0x0800, ETH_P_IPV6 = 0x86dd;
    private static final int IPV4_HLEN = 20, IPV6_HLEN = 40, ICMP_HLEN = 8;
    /** Bytes in front of the original IP header the error needs: IP header + ICMP header. */
    private static final int GROW4 = IPV4_HLEN + ICMP_HLEN, GROW6 = IPV6_HLEN + ICMP_HLEN;
    private static final int PROTO_ICMP = 1, PROTO_ICMPV6 = 58;
    /** Precedence "internetwork control", as the kernel marks its ICMP errors. */
    private static final int TOS_INTERNET_CONTROL = 0xc0;
    private static final int ERROR_TTL = 64;

    private IcmpErrors() {
    }

    /** Where the IPv4 error frame starts, for the offending frame at {@code frame}. */
    public static long start4(long frame) {
        return frame - GROW4;
    }

    /** Where the IPv6 error frame starts, for the offending frame at {@code frame}. */
    public static long start6(long frame) {
        return frame - GROW6;
    }

    /** ICMPv4 Time Exceeded (TTL exceeded in transit). Returns the error frame's length, or a negative code. */
    public static int timeExceeded4(MemorySegment mem, long frame, int l2Len, int frameLen, long firstUsable, int source) {
        return build4(mem, frame, l2Len, frameLen, firstUsable, source, ICMP4_TIME_EXCEEDED, 0, 0);
    }

    /**
     * ICMPv4 Destination Unreachable, Fragmentation Needed, with the next-hop MTU (RFC 1191).
     * Returns the error frame's length, or a negative code.
     */
    public static int fragmentationNeeded4(MemorySegment mem, long frame, int l2Len, int frameLen, long firstUsable,
            int source, int mtu) {
        return build4(mem, frame, l2Len, frameLen, firstUsable, source, ICMP4_DEST_UNREACH, ICMP4_FRAG_NEEDED, mtu & 0xffff);
    }

    /** ICMPv6 Time Exceeded (hop limit exceeded in transit). */
    public static int timeExceeded6(MemorySegment mem, long frame, int l2Len, int frameLen, long firstUsable,
            long sourceHi, long sourceLo) {
        return build6(mem, frame, l2Len, frameLen, firstUsable, sourceHi, sourceLo, ICMP6_TIME_EXCEEDED, 0);
    }

    /** ICMPv6 Packet Too Big with the egress MTU (RFC 4443 3.2). */
    public static int packetTooBig6(MemorySegment mem, long frame, int l2Len, int frameLen, long firstUsable,
            long sourceHi, long sourceLo, int mtu) {
        return build6(mem, frame, l2Len, frameLen, firstUsable, sourceHi, sourceLo, ICMP6_PACKET_TOO_BIG, mtu);
    }

    private static int build4(MemorySegment mem, long frame, int l2Len, int frameLen, long firstUsable, int source,
            int type, int code, int rest) {
        long ip = frame + l2Len;
        if (frameLen < l2Len + IPV4_HLEN) {
            return MALFORMED;
        }
        int ihl = (mem.get(ValueLayout.JAVA_BYTE, ip) & 0x0f) * 4;
        int totalLength = Short.toUnsignedInt(mem.get(BE16, ip + 2));
        if (ihl < IPV4_HLEN || frameLen < l2Len + ihl) {
            return MALFORMED;
        }
        int origSrc = mem.get(BE32, ip + 12);
        int origDst = mem.get(BE32, ip + 16);
        int fragment = mem.get(BE16, ip + 6) & 0x1fff;
        int proto = Byte.toUnsignedInt(mem.get(ValueLayout.JAVA_BYTE, ip + 9));
        if (fragment != 0 || badSource4(origSrc) || multicastOrBroadcast4(origDst)) {
            return SUPPRESSED;
        }
        if (proto == PROTO_ICMP && frameLen >= l2Len + ihl + 1) {
            int t = Byte.toUnsignedInt(mem.get(ValueLayout.JAVA_BYTE, ip + ihl));
            if (t == 3 || t == 4 || t == 5 || t == 11 || t == 12) { // errors: never an error about an error
                return SUPPRESSED;
            }
        }
        long start = frame - GROW4;
        if (start < firstUsable) {
            return NO_ROOM;
        }
        int available = Math.min(frameLen - l2Len, totalLength);
        int quoted = Math.min(available, IPV4_ERROR_MAX - GROW4);
        writeEthernet(mem, frame, l2Len, start, ETH_P_IP);
        long nip = start + l2Len;
        int errLen = GROW4 + quoted;
        mem.set(ValueLayout.JAVA_BYTE, nip, (byte) 0x45);
        mem.set(ValueLayout.JAVA_BYTE, nip + 1, (byte) TOS_INTERNET_CONTROL);
        mem.set(BE16, nip + 2, (short) errLen);
        mem.set(BE32, nip + 4, 0); // id 0, no flags: the error is small enough never to be fragmented
        mem.set(ValueLayout.JAVA_BYTE, nip + 8, (byte) ERROR_TTL);
        mem.set(ValueLayout.JAVA_BYTE, nip + 9, (byte) PROTO_ICMP);
        mem.set(BE16, nip + 10, (short) 0);
        mem.set(BE32, nip + 12, source);
        mem.set(BE32, nip + 16, origSrc);
        mem.set(BE16, nip + 10, (short) finish(sum(mem, nip, IPV4_HLEN, 0)));
        long icmp = nip + IPV4_HLEN;
        mem.set(ValueLayout.JAVA_BYTE, icmp, (byte) type);
        mem.set(ValueLayout.JAVA_BYTE, icmp + 1, (byte) code);
        mem.set(BE16, icmp + 2, (short) 0);
        mem.set(BE32, icmp + 4, rest); // unused, or (0, next-hop MTU) for Frag Needed
        mem.set(BE16, icmp + 2, (short) finish(sum(mem, icmp, ICMP_HLEN + quoted, 0)));
        return l2Len + errLen;
    }

    private static int build6(MemorySegment mem, long frame, int l2Len, int frameLen, long firstUsable, long sourceHi,
            long sourceLo, int type, int rest) {
        long ip = frame + l2Len;
        if (frameLen < l2Len + IPV6_HLEN) {
            return MALFORMED;
        }
        long srcHi = mem.get(BE64, ip + 8);
        long srcLo = mem.get(BE64, ip + 16);
        int payloadLength = Short.toUnsignedInt(mem.get(BE16, ip + 4));
        int next = Byte.toUnsignedInt(mem.get(ValueLayout.JAVA_BYTE, ip + 6));
        if (badSource6(srcHi, srcLo)) {
            return SUPPRESSED;
        }
        // Multicast destinations get Packet Too Big (RFC 4443 2.4(e)) but no other error.
        boolean multicastDst = (mem.get(ValueLayout.JAVA_BYTE, ip + 24) & 0xff) == 0xff;
        if (multicastDst && type != ICMP6_PACKET_TOO_BIG) {
            return SUPPRESSED;
        }
        if (next == PROTO_ICMPV6 && frameLen >= l2Len + IPV6_HLEN + 1
                && (mem.get(ValueLayout.JAVA_BYTE, ip + IPV6_HLEN) & 0x80) == 0) {
            return SUPPRESSED; // ICMPv6 error messages have types below 128
        }
        if (next == 44 && frameLen >= l2Len + IPV6_HLEN + 4
                && (mem.get(BE16, ip + IPV6_HLEN + 2) & 0xfff8) != 0) {
            return SUPPRESSED; // a fragment header directly after the fixed header, not the first fragment
        }
        long start = frame - GROW6;
        if (start < firstUsable) {
            return NO_ROOM;
        }
        int available = Math.min(frameLen - l2Len, IPV6_HLEN + payloadLength);
        int quoted = Math.min(available, IPV6_ERROR_MAX - GROW6);
        writeEthernet(mem, frame, l2Len, start, ETH_P_IPV6);
        long nip = start + l2Len;
        int icmpLen = ICMP_HLEN + quoted;
        mem.set(BE32, nip, 0x60000000);
        mem.set(BE16, nip + 4, (short) icmpLen);
        mem.set(ValueLayout.JAVA_BYTE, nip + 6, (byte) PROTO_ICMPV6);
        mem.set(ValueLayout.JAVA_BYTE, nip + 7, (byte) ERROR_TTL);
        mem.set(BE64, nip + 8, sourceHi);
        mem.set(BE64, nip + 16, sourceLo);
        mem.set(BE64, nip + 24, srcHi);
        mem.set(BE64, nip + 32, srcLo);
        long icmp = nip + IPV6_HLEN;
        mem.set(ValueLayout.JAVA_BYTE, icmp, (byte) type);
        mem.set(ValueLayout.JAVA_BYTE, icmp + 1, (byte) 0);
        mem.set(BE16, icmp + 2, (short) 0);
        mem.set(BE32, icmp + 4, rest);
        // Pseudo-header: source, destination, upper-layer length, next header.
        long pseudo = sum(mem, nip + 8, 32, 0) + icmpLen + PROTO_ICMPV6;
        mem.set(BE16, icmp + 2, (short) finish(sum(mem, icmp, icmpLen, pseudo)));
        return l2Len + IPV6_HLEN + icmpLen;
    }

    /** Swaps the MACs (back to the previous hop) and keeps a VLAN tag; reads before writing since they overlap. */
    private static void writeEthernet(MemorySegment mem, long frame, int l2Len, long start, int ethertype) {
        long dstMac = mem.get(BE64, frame) >>> 16;
        long srcMac = (mem.get(BE64, frame + 4) & 0xffffffffffffL);
        int tag = l2Len == 18 ? mem.get(BE32, frame + 12) : 0;
        putMac(mem, start, srcMac);
        putMac(mem, start + 6, dstMac);
        if (l2Len == 18) {
            mem.set(BE32, start + 12, tag);
        }
        mem.set(BE16, start + l2Len - 2, (short) ethertype);
    }

    private static void putMac(MemorySegment mem, long at, long mac) {
        mem.set(BE16, at, (short) (mac >>> 32));
        mem.set(BE32, at + 2, (int) mac);
    }

    /** One's-complement sum of {@code len} bytes (RFC 1071), carried in a long. */
    static long sum(MemorySegment mem, long at, int len, long initial) {
        long s = initial;
        int i = 0;
        for (; i + 1 < len; i += 2) {
            s += Short.toUnsignedInt(mem.get(BE16, at + i));
        }
        if (i < len) {
            s += (mem.get(ValueLayout.JAVA_BYTE, at + i) & 0xff) << 8;
        }
        return s;
    }

    static int finish(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) (~s & 0xffff);
    }

    private static boolean badSource4(int src) {
        int first = src >>> 24;
        return src == 0 || first == 127 || first >= 224; // unspecified, loopback, multicast/class E/broadcast
    }

    private static boolean multicastOrBroadcast4(int dst) {
        return (dst >>> 28) == 0xe || dst == -1;
    }

    private static boolean badSource6(long hi, long lo) {
        boolean unspecified = hi == 0 && lo == 0;
        boolean loopback = hi == 0 && lo == 1;
        boolean multicast = (hi >>> 56) == 0xff;
        return unspecified || loopback || multicast;
    }
}
