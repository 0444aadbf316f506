package io.dataplane.tables;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Test fixture: raw IP packets (no Ethernet header) written at offset 0 of a fresh segment. */
final class IpPackets {
    static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    final MemorySegment m = Arena.ofAuto().allocate(256);
    int length;

    static int v4(String a) {
        return IpAddresses.parse4(a);
    }

    /** IPv4 header (IHL 5) with {@code flags} the 16-bit flags+offset field, then 8 L4 bytes: sport, dport, 4 zero bytes. */
    static IpPackets ipv4(String src, String dst, int proto, int sport, int dport, int flagsOffset) {
        IpPackets p = new IpPackets();
        p.writeIpv4(0, v4(src), v4(dst), proto, flagsOffset, 28);
        p.m.set(BE16, 20, (short) sport);
        p.m.set(BE16, 22, (short) dport);
        p.length = 28;
        return p;
    }

    void writeIpv4(long at, int src, int dst, int proto, int flagsOffset, int totalLength) {
        m.set(ValueLayout.JAVA_BYTE, at, (byte) 0x45);
        m.set(BE16, at + 2, (short) totalLength);
        m.set(BE16, at + 6, (short) flagsOffset);
        m.set(ValueLayout.JAVA_BYTE, at + 8, (byte) 64);
        m.set(ValueLayout.JAVA_BYTE, at + 9, (byte) proto);
        m.set(BE32, at + 12, src);
        m.set(BE32, at + 16, dst);
    }

    /** ICMPv4 of {@code type} from {@code src} to {@code dst}, quoting an IPv4 header {@code qsrc -> qdst} plus 8 bytes. */
    static IpPackets icmp4(String src, String dst, int type, String qsrc, String qdst, int quoteBytes) {
        IpPackets p = new IpPackets();
        int total = 20 + 8 + quoteBytes;
        p.writeIpv4(0, v4(src), v4(dst), 1, 0x4000, total);
        p.m.set(ValueLayout.JAVA_BYTE, 20, (byte) type);
        if (quoteBytes >= 20) {
            p.writeIpv4(28, v4(qsrc), v4(qdst), 17, 0x4000, 60);
        }
        p.length = total;
        return p;
    }

    static IpPackets ipv6(String src, String dst, int nexthdr, int label, int sport, int dport) {
        IpPackets p = new IpPackets();
        p.writeIpv6(0, src, dst, nexthdr, label, 8);
        p.m.set(BE16, 40, (short) sport);
        p.m.set(BE16, 42, (short) dport);
        p.length = 48;
        return p;
    }

    void writeIpv6(long at, String src, String dst, int nexthdr, int label, int payload) {
        m.set(BE32, at, (6 << 28) | label);
        m.set(BE16, at + 4, (short) payload);
        m.set(ValueLayout.JAVA_BYTE, at + 6, (byte) nexthdr);
        m.set(ValueLayout.JAVA_BYTE, at + 7, (byte) 64);
        long[] s = IpAddresses.parse6(src);
        long[] d = IpAddresses.parse6(dst);
        m.set(BE64, at + 8, s[0]);
        m.set(BE64, at + 16, s[1]);
        m.set(BE64, at + 24, d[0]);
        m.set(BE64, at + 32, d[1]);
    }

    /** ICMPv6 of {@code type} quoting an IPv6 header {@code qsrc -> qdst} with label {@code qlabel}, nexthdr 17. */
    static IpPackets icmp6(String src, String dst, int type, String qsrc, String qdst, int qlabel, int quoteBytes) {
        IpPackets p = new IpPackets();
        p.writeIpv6(0, src, dst, 58, 0, 8 + quoteBytes);
        p.m.set(ValueLayout.JAVA_BYTE, 40, (byte) type);
        if (quoteBytes >= 40) {
            p.writeIpv6(48, qsrc, qdst, 17, qlabel, 8);
        }
        p.length = 48 + quoteBytes;
        return p;
    }

    int hash4(int algorithm, int seed) {
        return FlowHash.ipv4(m, 0, length, algorithm, seed);
    }

    int hash6(int algorithm, int seed) {
        return FlowHash.ipv6(m, 0, length, algorithm, seed);
    }
}
