package io.dataplane.icmp;

import static io.dataplane.tables.packet.NetworkOrder.U16;
import static io.dataplane.tables.packet.NetworkOrder.U32;

import io.dataplane.tables.packet.Checksum;
import io.dataplane.tables.packet.Ethernet;
import io.dataplane.tables.packet.Icmp;
import io.dataplane.tables.packet.IpProtocol;
import io.dataplane.tables.packet.Ipv4;
import io.dataplane.tables.packet.Ipv6;
import java.lang.foreign.MemorySegment;

/**
 * Builds the ICMP errors a router sends about forwarded packets, in place: the error's Ethernet,
 * IP and ICMP headers are written into the headroom in front of the offending packet's IP header,
 * so the packet itself becomes the quoted part and no byte of it moves. The error goes back out of
 * the ingress port to the previous hop (MAC addresses swapped, the 802.1Q tag kept).
 *
 * <p>Hot path: no allocation, no exceptions; every method returns the new frame's start offset
 * the error frame's length (it starts at {@link #start4}/{@link #start6}), or a negative code. Which packets
 * get no error follows RFC 1812 / RFC 4443 and the kernel: none about ICMP errors, about
 * non-first fragments, or to a martian source ({@link Ipv4#martianSource}, {@link Ipv6#martianSource}:
 * the same rule the pipeline drops by, so this only matters to callers other than the pipeline).
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

    /** RFC 1812 4.3.2.3: the whole error datagram fits in 576 bytes. */
    public static final int IPV4_ERROR_MAX = 576;
    /** RFC 4443 2.4(c): the error fits in the IPv6 minimum MTU. */
    public static final int IPV6_ERROR_MAX = 1280;

    private static final int IPV4_HLEN = Ipv4.HEADER, IPV6_HLEN = Ipv6.HEADER, ICMP_HLEN = Icmp.HEADER;
    /** Bytes in front of the original IP header the error needs: IP header + ICMP header. */
    private static final int GROW4 = IPV4_HLEN + ICMP_HLEN, GROW6 = IPV6_HLEN + ICMP_HLEN;
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
        return build4(mem, frame, l2Len, frameLen, firstUsable, source, Icmp.V4_TIME_EXCEEDED, 0, 0);
    }

    /**
     * ICMPv4 Destination Unreachable, Fragmentation Needed, with the next-hop MTU (RFC 1191).
     * Returns the error frame's length, or a negative code.
     */
    public static int fragmentationNeeded4(MemorySegment mem, long frame, int l2Len, int frameLen, long firstUsable,
            int source, int mtu) {
        return build4(mem, frame, l2Len, frameLen, firstUsable, source, Icmp.V4_DEST_UNREACH, Icmp.V4_FRAG_NEEDED, mtu & 0xffff);
    }

    /**
     * ICMPv4 Parameter Problem (code 0, pointer indicates the error), with the offset of the bad
     * byte from the start of the offending IP header, as the kernel sends for malformed options.
     */
    public static int parameterProblem4(MemorySegment mem, long frame, int l2Len, int frameLen, long firstUsable,
            int source, int pointer) {
        return build4(mem, frame, l2Len, frameLen, firstUsable, source, Icmp.V4_PARAMETER_PROBLEM, 0, (pointer & 0xff) << 24);
    }

    /** ICMPv6 Time Exceeded (hop limit exceeded in transit). */
    public static int timeExceeded6(MemorySegment mem, long frame, int l2Len, int frameLen, long firstUsable,
            long sourceHi, long sourceLo) {
        return build6(mem, frame, l2Len, frameLen, firstUsable, sourceHi, sourceLo, Icmp.V6_TIME_EXCEEDED, 0, 0);
    }

    /** ICMPv4 Destination Unreachable with {@code code} (host unreachable, administratively prohibited). */
    public static int destinationUnreachable4(MemorySegment mem, long frame, int l2Len, int frameLen, long firstUsable,
            int source, int code) {
        return build4(mem, frame, l2Len, frameLen, firstUsable, source, Icmp.V4_DEST_UNREACH, code, 0);
    }

    /** ICMPv6 Destination Unreachable with {@code code} (no route, administratively prohibited). */
    public static int destinationUnreachable6(MemorySegment mem, long frame, int l2Len, int frameLen, long firstUsable,
            long sourceHi, long sourceLo, int code) {
        return build6(mem, frame, l2Len, frameLen, firstUsable, sourceHi, sourceLo, Icmp.V6_DEST_UNREACH, code, 0);
    }

    /** ICMPv6 Packet Too Big with the egress MTU (RFC 4443 3.2). */
    public static int packetTooBig6(MemorySegment mem, long frame, int l2Len, int frameLen, long firstUsable,
            long sourceHi, long sourceLo, int mtu) {
        return build6(mem, frame, l2Len, frameLen, firstUsable, sourceHi, sourceLo, Icmp.V6_PACKET_TOO_BIG, 0, mtu);
    }

    private static int build4(MemorySegment mem, long frame, int l2Len, int frameLen, long firstUsable, int source,
            int type, int code, int rest) {
        long ip = frame + l2Len;
        if (frameLen < l2Len + IPV4_HLEN) {
            return MALFORMED;
        }
        int ihl = Ipv4.headerLength(mem, ip);
        int totalLength = Ipv4.totalLength(mem, ip);
        if (ihl < IPV4_HLEN || frameLen < l2Len + ihl) {
            return MALFORMED;
        }
        int origSrc = Ipv4.source(mem, ip);
        int origDst = Ipv4.destination(mem, ip);
        if (Ipv4.laterFragment(Ipv4.flagsFragment(mem, ip)) || Ipv4.martianSource(origSrc)
                || Ipv4.multicastOrBroadcast(origDst)) {
            return SUPPRESSED;
        }
        if (Ipv4.protocol(mem, ip) == IpProtocol.ICMP && frameLen >= l2Len + ihl + 1
                && Icmp.error4(Icmp.type(mem, ip + ihl))) {
            return SUPPRESSED; // never an error about an error
        }
        long start = frame - GROW4;
        if (start < firstUsable) {
            return NO_ROOM;
        }
        int available = Math.min(frameLen - l2Len, totalLength);
        int quoted = Math.min(available, IPV4_ERROR_MAX - GROW4);
        writeEthernet(mem, frame, l2Len, start, Ethernet.TYPE_IPV4);
        long nip = start + l2Len;
        int errLen = GROW4 + quoted;
        // id 0, no flags: the error is small enough never to be fragmented
        Ipv4.write(mem, nip, TOS_INTERNET_CONTROL, errLen, 0, 0, ERROR_TTL, IpProtocol.ICMP, source, origSrc);
        long icmp = nip + IPV4_HLEN;
        Icmp.write(mem, icmp, type, code, rest); // rest: unused, or (0, next-hop MTU) for Frag Needed
        Icmp.checksum(mem, icmp, ICMP_HLEN + quoted, 0);
        return l2Len + errLen;
    }

    private static int build6(MemorySegment mem, long frame, int l2Len, int frameLen, long firstUsable, long sourceHi,
            long sourceLo, int type, int code, int rest) {
        long ip = frame + l2Len;
        if (frameLen < l2Len + IPV6_HLEN) {
            return MALFORMED;
        }
        long srcHi = Ipv6.sourceHi(mem, ip);
        long srcLo = Ipv6.sourceLo(mem, ip);
        int payloadLength = Ipv6.payloadLength(mem, ip);
        int next = Ipv6.nextHeader(mem, ip);
        if (Ipv6.martianSource(srcHi, srcLo)) {
            return SUPPRESSED;
        }
        // Multicast destinations get Packet Too Big (RFC 4443 2.4(e)) but no other error.
        if (Ipv6.multicast(Ipv6.destinationHi(mem, ip)) && type != Icmp.V6_PACKET_TOO_BIG) {
            return SUPPRESSED;
        }
        if (next == IpProtocol.ICMPV6 && frameLen >= l2Len + IPV6_HLEN + 1 && Icmp.error6(Icmp.type(mem, ip + IPV6_HLEN))) {
            return SUPPRESSED; // never an error about an error
        }
        if (next == IpProtocol.FRAGMENT && frameLen >= l2Len + IPV6_HLEN + 4
                && Ipv6.fragmentOffset(mem, ip + IPV6_HLEN) != 0) {
            return SUPPRESSED; // a fragment header directly after the fixed header, not the first fragment
        }
        long start = frame - GROW6;
        if (start < firstUsable) {
            return NO_ROOM;
        }
        int available = Math.min(frameLen - l2Len, IPV6_HLEN + payloadLength);
        int quoted = Math.min(available, IPV6_ERROR_MAX - GROW6);
        writeEthernet(mem, frame, l2Len, start, Ethernet.TYPE_IPV6);
        long nip = start + l2Len;
        int icmpLen = ICMP_HLEN + quoted;
        Ipv6.write(mem, nip, icmpLen, IpProtocol.ICMPV6, ERROR_TTL, 0, sourceHi, sourceLo, srcHi, srcLo);
        long icmp = nip + IPV6_HLEN;
        Icmp.write(mem, icmp, type, code, rest);
        // Pseudo-header: source, destination, upper-layer length, next header.
        long pseudo = Checksum.sum(mem, nip + Ipv6.SOURCE, 32, 0) + icmpLen + IpProtocol.ICMPV6;
        Icmp.checksum(mem, icmp, icmpLen, pseudo);
        return l2Len + IPV6_HLEN + icmpLen;
    }

    /** Swaps the MACs (back to the previous hop) and keeps a VLAN tag; reads before writing since they overlap. */
    private static void writeEthernet(MemorySegment mem, long frame, int l2Len, long start, int ethertype) {
        long dstMac = Ethernet.destination(mem, frame);
        long srcMac = Ethernet.source(mem, frame);
        boolean tagged = l2Len == Ethernet.TAGGED_HEADER;
        int tag = tagged ? mem.get(U32, frame + Ethernet.TYPE) : 0; // TPID and TCI
        Ethernet.destination(mem, start, srcMac);
        Ethernet.source(mem, start, dstMac);
        if (tagged) {
            mem.set(U32, start + Ethernet.TYPE, tag);
        }
        mem.set(U16, start + l2Len - 2, (short) ethertype);
    }
}
