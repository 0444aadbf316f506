package io.dataplane.pipeline;

import io.dataplane.tables.IpAddresses;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Builds Ethernet frames (optional 802.1Q tag, IPv4 or IPv6, UDP/TCP or an ICMP error quoting
 * another packet) for the demo, for tests and for {@code route get}, so that every synthetic
 * packet is made one way. Control path: it allocates freely.
 *
 * <pre>
 * int len = Frames.ipv4("192.0.2.1", "198.51.100.7").udp(1024, 53).payload(18).write(segment, offset);
 * </pre>
 */
public final class Frames {
    /** Network byte order layouts for packet fields. */
    public static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    public static final int ETH_IPV4 = 0x0800;
    public static final int ETH_IPV6 = 0x86dd;
    public static final int ETH_VLAN = 0x8100;
    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int PROTO_ICMPV6 = 58;

    private final boolean v6;
    private final long srcHi;
    private final long srcLo;
    private final long dstHi;
    private final long dstLo;
    private long dstMac = 0x02000000fe01L;
    private long srcMac = 0x02000000c001L;
    private int vlan = -1;
    private int ttl = 64;
    private int flagsOffset = 0x4000; // DF, as TCP stacks send
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
        return v6 ? 40 : 20;
    }

    private int l4Length() {
        if (icmpType >= 0) {
            return 8 + (quoted == null ? 0 : quoted.ipHeaderLength() + 8) + payload;
        }
        return (proto == PROTO_TCP ? 20 : 8) + payload;
    }

    /** Length of the IP packet (header and payload). */
    public int ipLength() {
        return ipHeaderLength() + l4Length();
    }

    public int length() {
        return 14 + (vlan >= 0 ? 4 : 0) + ipLength();
    }

    /** Writes the frame at {@code at} and returns its length. */
    public int write(MemorySegment m, long at) {
        int len = length();
        m.asSlice(at, len).fill((byte) 0);
        m.set(BE16, at, (short) (dstMac >>> 32));
        m.set(BE32, at + 2, (int) dstMac);
        m.set(BE16, at + 6, (short) (srcMac >>> 32));
        m.set(BE32, at + 8, (int) srcMac);
        long l3 = at + 12;
        if (vlan >= 0) {
            m.set(BE16, l3, (short) ETH_VLAN);
            m.set(BE16, l3 + 2, (short) vlan);
            l3 += 4;
        }
        m.set(BE16, l3, (short) (v6 ? ETH_IPV6 : ETH_IPV4));
        l3 += 2;
        writeIp(m, l3, false);
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
            m.set(BE32, l3, (6 << 28) | flowLabel);
            m.set(BE16, l3 + 4, (short) (ipLen - 40));
            m.set(ValueLayout.JAVA_BYTE, l3 + 6, (byte) proto);
            m.set(ValueLayout.JAVA_BYTE, l3 + 7, (byte) ttl);
            m.set(BE64, l3 + 8, srcHi);
            m.set(BE64, l3 + 16, srcLo);
            m.set(BE64, l3 + 24, dstHi);
            m.set(BE64, l3 + 32, dstLo);
        } else {
            m.set(ValueLayout.JAVA_BYTE, l3, (byte) 0x45);
            m.set(BE16, l3 + 2, (short) ipLen);
            m.set(BE16, l3 + 4, (short) 0x1234);
            m.set(BE16, l3 + 6, (short) flagsOffset);
            m.set(ValueLayout.JAVA_BYTE, l3 + 8, (byte) ttl);
            m.set(ValueLayout.JAVA_BYTE, l3 + 9, (byte) proto);
            m.set(BE32, l3 + 12, (int) srcHi);
            m.set(BE32, l3 + 16, (int) dstHi);
            m.set(BE16, l3 + 10, (short) ipv4Checksum(m, l3, 20));
        }
        if (icmpType >= 0) {
            m.set(ValueLayout.JAVA_BYTE, l4, (byte) icmpType);
            m.set(ValueLayout.JAVA_BYTE, l4 + 1, (byte) icmpCode);
            if (icmpMtu > 0) {
                if (v6) {
                    m.set(BE32, l4 + 4, icmpMtu);
                } else {
                    m.set(BE16, l4 + 6, (short) icmpMtu);
                }
            }
            if (quoted != null) {
                quoted.writeIp(m, l4 + 8, true);
            }
        } else {
            m.set(BE16, l4, (short) sport);
            m.set(BE16, l4 + 2, (short) dport);
            if (proto == PROTO_UDP) {
                m.set(BE16, l4 + 4, (short) l4Length());
            } else if (proto == PROTO_TCP && !quote) {
                m.set(ValueLayout.JAVA_BYTE, l4 + 12, (byte) 0x50);
            }
        }
    }

    /** Internet checksum of an IPv4 header whose checksum field is zero (or, to verify, 0 when it is right). */
    public static int ipv4Checksum(MemorySegment m, long l3, int headerLength) {
        long sum = 0;
        for (int i = 0; i < headerLength; i += 2) {
            sum += m.get(BE16, l3 + i) & 0xffff;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }
}
