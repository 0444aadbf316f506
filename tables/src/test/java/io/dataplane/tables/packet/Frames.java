package io.dataplane.tables.packet;

import io.dataplane.tables.IpAddresses;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Builds Ethernet frames (optional 802.1Q tag, IPv4 or IPv6, UDP/TCP or an ICMP error quoting
 * another packet) for tests and benchmarks, so that every synthetic packet is made one way, with
 * the {@code packet} package's writers. Test code (shipped in the tables test-jar): it allocates freely.
 *
 * <pre>
 * int len = Frames.ipv4("192.0.2.1", "198.51.100.7").udp(1024, 53).payload(18).write(segment, offset);
 * </pre>
 */
public final class Frames {
    /** Short names for tests that poke at fields; the packet package defines them. */
    public static final ValueLayout.OfShort BE16 = NetworkOrder.U16;
    public static final ValueLayout.OfInt BE32 = NetworkOrder.U32;
    public static final ValueLayout.OfLong BE64 = NetworkOrder.U64;

    public static final int ETH_IPV4 = Ethernet.TYPE_IPV4;
    public static final int ETH_IPV6 = Ethernet.TYPE_IPV6;
    public static final int ETH_VLAN = Ethernet.TYPE_VLAN;
    public static final int PROTO_ICMP = IpProtocol.ICMP;
    public static final int PROTO_TCP = IpProtocol.TCP;
    public static final int PROTO_UDP = IpProtocol.UDP;
    public static final int PROTO_ICMPV6 = IpProtocol.ICMPV6;

    private final boolean v6;
    private final long srcHi;
    private final long srcLo;
    private final long dstHi;
    private final long dstLo;
    private long dstMac = 0x02000000fe01L;
    private long srcMac = 0x02000000c001L;
    private int vlan = -1;
    private int ttl = 64;
    private int flagsOffset = Ipv4.DF; // as TCP stacks send
    private int flowLabel;
    private int proto = PROTO_UDP;
    private int sport = 1024;
    private int dport = 53;
    private int payload;
    private int icmpType = -1;
    private int icmpCode;
    private int icmpMtu;
    private Frames quoted;

    private Frames(boolean v6, long srcHi, long srcLo, long dstHi, long dstLo) {
        this.v6 = v6;
        this.srcHi = srcHi;
        this.srcLo = srcLo;
        this.dstHi = dstHi;
        this.dstLo = dstLo;
    }

    public static Frames ipv4(String src, String dst) {
        return ipv4(IpAddresses.parse4(src), IpAddresses.parse4(dst));
    }

    public static Frames ipv4(int src, int dst) {
        return new Frames(false, src & 0xffffffffL, 0, dst & 0xffffffffL, 0);
    }

    public static Frames ipv6(String src, String dst) {
        long[] s = IpAddresses.parse6(src);
        long[] d = IpAddresses.parse6(dst);
        return new Frames(true, s[0], s[1], d[0], d[1]);
    }

    public static Frames ipv6(long srcHi, long srcLo, long dstHi, long dstLo) {
        return new Frames(true, srcHi, srcLo, dstHi, dstLo);
    }

    public Frames macs(long dst, long src) {
        dstMac = dst;
        srcMac = src;
        return this;
    }

    public Frames vlan(int id) {
        vlan = id;
        return this;
    }

    /** TTL (IPv4) or hop limit (IPv6). */
    public Frames ttl(int value) {
        ttl = value;
        return this;
    }

    /** The IPv4 flags and fragment offset field as on the wire (0x4000 = DF, the default). */
    public Frames fragmentField(int value) {
        flagsOffset = value;
        return this;
    }

    public Frames flowLabel(int label) {
        flowLabel = label & 0xfffff;
        return this;
    }

    public Frames udp(int source, int destination) {
        proto = PROTO_UDP;
        sport = source;
        dport = destination;
        return this;
    }

    public Frames tcp(int source, int destination) {
        proto = PROTO_TCP;
        sport = source;
        dport = destination;
        return this;
    }

    /** Any other L4 protocol: 8 L4 bytes are written, carrying {@code source}/{@code destination} as if ports. */
    public Frames protocol(int number, int source, int destination) {
        proto = number;
        sport = source;
        dport = destination;
        return this;
    }

    /** An ICMP(v6) message of this type; for errors, {@code quote} is the packet it quotes (IP header + 8 bytes). */
    public Frames icmp(int type, int code, Frames quote) {
        proto = v6 ? PROTO_ICMPV6 : PROTO_ICMP;
        icmpType = type;
        icmpCode = code;
        quoted = quote;
        return this;
    }

    /** Next-hop MTU field of a Frag Needed / Packet Too Big error. */
    public Frames icmpMtu(int mtu) {
        icmpMtu = mtu;
        return this;
    }

    /** Bytes after the L4 header (or after the quote of an ICMP error). */
    public Frames payload(int bytes) {
        payload = bytes;
        return this;
    }

    private int ipHeaderLength() {
        return v6 ? Ipv6.HEADER : Ipv4.HEADER;
    }

    private int l4Length() {
        if (icmpType >= 0) {
            return Icmp.HEADER + (quoted == null ? 0 : quoted.ipHeaderLength() + 8) + payload;
        }
        return (proto == PROTO_TCP ? Tcp.HEADER : Udp.HEADER) + payload;
    }

    /** Length of the IP packet (header and payload). */
    public int ipLength() {
        return ipHeaderLength() + l4Length();
    }

    public int length() {
        return (vlan >= 0 ? Ethernet.TAGGED_HEADER : Ethernet.HEADER) + ipLength();
    }

    /** Writes the frame at {@code at} and returns its length. */
    public int write(MemorySegment m, long at) {
        int len = length();
        m.asSlice(at, len).fill((byte) 0);
        int l2 = Ethernet.write(m, at, dstMac, srcMac, vlan, v6 ? ETH_IPV6 : ETH_IPV4);
        writeIp(m, at + l2, false);
        return len;
    }

    /** A fresh off-heap segment holding just this frame. */
    public MemorySegment toSegment() {
        MemorySegment m = Arena.ofAuto().allocate(length());
        write(m, 0);
        return m;
    }

    /** Writes the IP packet; as a {@code quote} (inside an ICMP error) only the IP header and 8 L4 bytes. */
    private void writeIp(MemorySegment m, long l3, boolean quote) {
        int ipLen = ipLength();
        long l4 = l3 + ipHeaderLength();
        if (v6) {
            Ipv6.write(m, l3, ipLen - Ipv6.HEADER, proto, ttl, flowLabel, srcHi, srcLo, dstHi, dstLo);
        } else {
            Ipv4.write(m, l3, 0, ipLen, 0x1234, flagsOffset, ttl, proto, (int) srcHi, (int) dstHi);
        }
        if (icmpType >= 0) {
            // Frag Needed keeps the MTU in the low 16 bits; Packet Too Big uses the whole word.
            Icmp.write(m, l4, icmpType, icmpCode, icmpMtu > 0 ? icmpMtu : 0);
            if (quoted != null) {
                quoted.writeIp(m, l4 + Icmp.HEADER, true);
            }
        } else if (proto == PROTO_UDP) {
            Udp.write(m, l4, sport, dport, l4Length());
        } else if (proto == PROTO_TCP && !quote) {
            Tcp.write(m, l4, sport, dport);
        } else {
            m.set(BE16, l4 + Udp.SOURCE_PORT, (short) sport);
            m.set(BE16, l4 + Udp.DESTINATION_PORT, (short) dport);
        }
    }

    /** Internet checksum of an IPv4 header whose checksum field is zero (or, to verify, 0 when it is right). */
    public static int ipv4Checksum(MemorySegment m, long l3, int headerLength) {
        return Checksum.finish(Checksum.sum(m, l3, headerLength, 0));
    }
}
