package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The kernel multipath hash: the vectors of kernel-multipath.md §9.4 and the §3/§4 rules. */
class KernelHashTest {
    static final int SEED1 = 1;
    static final int SEED2 = 0xdeadbeef;
    static final int DF = 0x4000;
    static final int MF = 0x2000;
    static final String A = "192.0.2.1";
    static final String B = "198.51.100.1";
    static final String A6 = "2001:db8:1::2";
    static final String B6 = "2001:db8:2::2";

    @Nested
    class Vectors {
        @Test
        void ipv4L3BothDirections() {
            for (Packet p : new Packet[] {Packet.ipv4(A, B, 17, 1024, 53, DF), Packet.ipv4(B, A, 17, 53, 1024, DF)}) {
                assertEquals(1521950720, p.hash4(0, SEED1));
                assertEquals(1276670616, p.hash4(0, SEED2));
            }
            assertEquals(1521950720, KernelHash.routeGet4(v4(A), v4(B), 17, 1024, 53, 0, 0, SEED1));
        }

        @Test
        void ipv4L4UdpBothDirections() {
            for (Packet p : new Packet[] {Packet.ipv4(A, B, 17, 1024, 53, DF), Packet.ipv4(B, A, 17, 53, 1024, DF)}) {
                assertEquals(692302950, p.hash4(1, SEED1));
                assertEquals(1375246597, p.hash4(1, SEED2));
            }
            assertEquals(692302950, KernelHash.routeGet4(v4(A), v4(B), 17, 1024, 53, 1, 0, SEED1));
            assertEquals(1375246597, KernelHash.routeGet4(v4(B), v4(A), 17, 53, 1024, 1, 0, SEED2));
        }

        @Test
        void ipv4L4Tcp() {
            Packet p = Packet.ipv4(A, B, 6, 40000, 80, DF);
            assertEquals(1998942848, p.hash4(1, SEED1));
            assertEquals(762526159, p.hash4(1, SEED2));
            assertEquals(1998942848, KernelHash.routeGet4(v4(A), v4(B), 6, 40000, 80, 1, 0, SEED1));
        }

        @Test
        void ipv4L4FragmentsHaveNoPorts() {
            Packet first = Packet.ipv4(A, B, 17, 1024, 53, MF);
            Packet later = Packet.ipv4(A, B, 17, 1024, 53, 185);
            for (Packet p : new Packet[] {first, later}) {
                assertEquals(668581466, p.hash4(1, SEED1));
                assertEquals(1788764077, p.hash4(1, SEED2));
            }
        }

        @Test
        void ipv6L3WithoutAndWithLabel() {
            assertEquals(1421739231, Packet.ipv6(A6, B6, 17, 0, 1024, 53).hash6(0, SEED1));
            assertEquals(339809840, Packet.ipv6(A6, B6, 17, 0, 1024, 53).hash6(0, SEED2));
            for (Packet p : new Packet[] {Packet.ipv6(A6, B6, 17, 0x12345, 1024, 53), Packet.ipv6(B6, A6, 17, 0x12345, 53, 1024)}) {
                assertEquals(717021872, p.hash6(0, SEED1));
                assertEquals(718871131, p.hash6(0, SEED2));
            }
            assertEquals(717021872, KernelHash.routeGet6(v6(A6), v6(B6), 17, 0, 0, 0x12345, 0, 0, SEED1));
        }

        @Test
        void ipv6L4Udp() {
            Packet p = Packet.ipv6(A6, B6, 17, 0x12345, 1024, 53);
            assertEquals(866292172, p.hash6(1, SEED1));
            assertEquals(1526205241, p.hash6(1, SEED2));
            assertEquals(866292172, KernelHash.routeGet6(v6(A6), v6(B6), 17, 1024, 53, 0x12345, 1, 0, SEED1));
        }

        @Test
        void selection() {
            int[][] weights = {{1, 1}, {1, 2}};
            for (int[] w : weights) {
                int[] bounds = UpperBounds.compute(w, new boolean[] {true, true});
                assertEquals(0, UpperBounds.select(bounds, Packet.ipv4(A, B, 17, 1024, 53, DF).hash4(1, SEED1)));
                assertEquals(1, UpperBounds.select(bounds, Packet.ipv4(A, B, 17, 1024, 53, DF).hash4(1, SEED2)));
            }
        }

        @Test
        void customWithNoFieldsIsJhashOfZeros() {
            assertEquals(744538719, Packet.ipv4(A, B, 17, 1024, 53, DF).hash4(3, SEED1, 0));
            assertEquals(744538719, Packet.ipv6(A6, B6, 17, 1, 1024, 53).hash6(3, SEED1, 0));
        }

        @Test
        void seedKeyRepeatsTheSeedInBothHalves() {
            assertEquals(0x0000000100000001L, FlowKeys.key(1));
            assertEquals(0xdeadbeefdeadbeefL, FlowKeys.key(0xdeadbeef));
        }
    }

    @Nested
    class IcmpErrors {
        @Test
        void ipv4ErrorsHashLikeTheQuotedFlowUnderPolicy0() {
            int flow = Packet.ipv4(A, B, 17, 1024, 53, DF).hash4(0, SEED1);
            for (int type : new int[] {3, 4, 5, 11, 12}) {
                assertEquals(flow, Packet.icmp4("203.0.113.9", A, type, A, B, 28).hash4(0, SEED1), "type " + type);
                assertEquals(flow, Packet.icmp4("203.0.113.9", B, type, B, A, 28).hash4(0, SEED1), "reverse, type " + type);
            }
        }

        @Test
        void ipv4EchoTruncatedQuoteAndLaterFragmentUseTheOuterHeader() {
            int outer = Packet.ipv4("203.0.113.9", A, 1, 0, 0, DF).hash4(0, SEED1);
            assertEquals(outer, Packet.icmp4("203.0.113.9", A, 8, A, B, 28).hash4(0, SEED1));
            assertEquals(outer, Packet.icmp4("203.0.113.9", A, 3, A, B, 19).hash4(0, SEED1));
            Packet later = Packet.icmp4("203.0.113.9", A, 3, A, B, 28);
            later.m.set(Packet.BE16, 6, (short) 10);
            assertEquals(outer, later.hash4(0, SEED1));
        }

        @Test
        void ipv4ErrorsAreNotSpecialUnderPolicy1And2() {
            int outerL3 = Packet.ipv4("203.0.113.9", A, 1, 0, 0, DF).hash4(0, SEED1);
            assertEquals(outerL3, Packet.icmp4("203.0.113.9", A, 3, A, B, 28).hash4(2, SEED1));
            Packet error = Packet.icmp4("203.0.113.9", A, 3, A, B, 28);
            Packet plain = Packet.ipv4("203.0.113.9", A, 1, 0, 0, DF);
            assertEquals(plain.hash4(1, SEED1), error.hash4(1, SEED1));
        }

        @Test
        void ipv6ErrorsHashLikeTheQuotedFlowWithItsLabel() {
            int flow = Packet.ipv6(A6, B6, 17, 0x12345, 1024, 53).hash6(0, SEED1);
            for (int type = 1; type <= 4; type++) {
                assertEquals(flow, Packet.icmp6("2001:db8:ff::1", A6, type, A6, B6, 0x12345, 48).hash6(0, SEED1));
            }
            assertNotEquals(flow, Packet.icmp6("2001:db8:ff::1", A6, 128, A6, B6, 0x12345, 48).hash6(0, SEED1));
            assertNotEquals(flow, Packet.icmp6("2001:db8:ff::1", A6, 1, A6, B6, 0x12345, 39).hash6(0, SEED1));
        }
    }

    @Nested
    class Encapsulation {
        @Test
        void policy2HashesTheInnerIpv4OfIpip() {
            Packet inner = Packet.ipv4("10.1.1.1", "10.2.2.2", 17, 1, 2, DF);
            Packet ipip = Packet.ipv4(A, B, 4, 0, 0, DF).carrying(inner, 20);
            assertEquals(inner.hash4(0, SEED1), ipip.hash4(2, SEED1));
            assertEquals(Packet.ipv4(A, B, 4, 0, 0, DF).hash4(0, SEED1), ipip.hash4(0, SEED1));
        }

        @Test
        void policy2HashesTheInnerIpv4OfGreWithKeyAndTeb() {
            Packet inner = Packet.ipv4("10.1.1.1", "10.2.2.2", 6, 1, 2, DF);
            byte[] gre = {0x20, 0x00, 0x08, 0x00, 0, 0, 0, 42}; // K bit, IPv4, key 42
            assertEquals(inner.hash4(0, SEED1), Packet.ipv4(A, B, 47, 0, 0, DF).carrying(gre, inner).hash4(2, SEED1));
            byte[] teb = new byte[4 + 14];
            teb[2] = 0x65;
            teb[3] = 0x58;
            teb[16] = 0x08;
            assertEquals(inner.hash4(0, SEED1), Packet.ipv4(A, B, 47, 0, 0, DF).carrying(teb, inner).hash4(2, SEED1));
            byte[] routing = {0x40, 0x00, 0x08, 0x00};
            int outer = Packet.ipv4(A, B, 47, 0, 0, DF).hash4(0, SEED1);
            assertEquals(outer, Packet.ipv4(A, B, 47, 0, 0, DF).carrying(routing, inner).hash4(2, SEED1));
        }

        @Test
        void policy2HashesInnerIpv6WithLabelAndProtocol() {
            Packet inner = Packet.ipv6(A6, B6, 17, 0x54321, 1, 2);
            Packet outer = Packet.ipv6("2001:db8:9::1", "2001:db8:9::2", 41, 0, 0, 0).carrying(inner, 40);
            FlowKeys k = new FlowKeys();
            k.ipv6(v6(A6)[0], v6(A6)[1], v6(B6)[0], v6(B6)[1]);
            k.labelAsInteger(0x54321);
            k.ipProto(17);
            assertEquals(k.hash(FlowKeys.key(SEED1)) >>> 1, outer.hash6(2, SEED1));
        }

        @Test
        void customInnerFieldsCountOnlyForTunnels() {
            int fields = HashField.INNER_SRC_IP.bit() | HashField.INNER_DST_IP.bit();
            Packet inner = Packet.ipv4("10.1.1.1", "10.2.2.2", 17, 1, 2, DF);
            Packet ipip = Packet.ipv4(A, B, 4, 0, 0, DF).carrying(inner, 20);
            FlowKeys k = new FlowKeys();
            k.ipv4(v4("10.1.1.1"), v4("10.2.2.2"));
            int innerHash = k.hash(FlowKeys.key(SEED1));
            assertEquals(Jenkins.jhash2Words(0, innerHash, 0) >>> 1, ipip.hash4(3, SEED1, fields));
            assertEquals(744538719, inner.hash4(3, SEED1, fields));
        }
    }

    @Nested
    class Custom {
        @Test
        void defaultFieldsAreAddressesAndProtocol() {
            Packet p = Packet.ipv4(A, B, 17, 1024, 53, DF);
            FlowKeys k = new FlowKeys();
            k.ipv4(v4(A), v4(B));
            k.ipProto(17);
            int outer = k.hash(FlowKeys.key(SEED1));
            assertEquals(Jenkins.jhash2Words(outer, 0, 0) >>> 1, p.hash4(3, SEED1, HashField.DEFAULT));
            assertEquals(p.hash4(3, SEED1, HashField.DEFAULT), Packet.ipv4(A, B, 17, 9, 9, DF).hash4(3, SEED1, HashField.DEFAULT));
        }

        @Test
        void ipv4IgnoresTheFlowLabelBit() {
            Packet p = Packet.ipv4(A, B, 17, 1024, 53, DF);
            assertEquals(p.hash4(3, SEED1, 0x07), p.hash4(3, SEED1, 0x0f));
        }

        @Test
        void ipv6RouteGetUsesTheLabelInWireOrderAndNoJhash() {
            int fields = HashField.SRC_IP.bit() | HashField.FLOWLABEL.bit();
            FlowKeys k = new FlowKeys();
            k.ipv6(v6(A6)[0], v6(A6)[1], 0, 0);
            k.labelInWireOrder(0x12345);
            assertEquals(k.hash(FlowKeys.key(SEED1)) >>> 1,
                    KernelHash.routeGet6(v6(A6), v6(B6), 17, 1024, 53, 0x12345, 3, fields, SEED1));
            FlowKeys f = new FlowKeys();
            f.ipv6(v6(A6)[0], v6(A6)[1], 0, 0);
            f.labelAsInteger(0x12345);
            assertEquals(Jenkins.jhash2Words(f.hash(FlowKeys.key(SEED1)), 0, 0) >>> 1,
                    Packet.ipv6(A6, B6, 17, 0x12345, 1024, 53).hash6(3, SEED1, fields));
        }

        @Test
        void fieldKeywordsRoundTrip() {
            assertEquals(0x0fff, HashField.parse("src-ip") | HashField.parse("dst-ip") | HashField.parse("ip-proto")
                    | HashField.parse("flowlabel") | HashField.parse("src-port") | HashField.parse("dst-port")
                    | HashField.parse("inner-src-ip") | HashField.parse("inner-dst-ip") | HashField.parse("inner-ip-proto")
                    | HashField.parse("inner-flowlabel") | HashField.parse("inner-src-port") | HashField.parse("inner-dst-port"));
            assertEquals("src-ip dst-ip ip-proto", HashField.format(HashField.DEFAULT));
        }
    }

    @Test
    void ipv6FragmentsHaveNoPortsAndTheFragmentsNextHeader() {
        Packet frag = Packet.ipv6(A6, B6, 44, 0, 0, 0);
        frag.m.set(ValueLayout.JAVA_BYTE, 40, (byte) 17);
        frag.length = 56;
        FlowKeys k = new FlowKeys();
        k.ipv6(v6(A6)[0], v6(A6)[1], v6(B6)[0], v6(B6)[1]);
        k.ipProto(17);
        assertEquals(k.hash(FlowKeys.key(SEED1)) >>> 1, frag.hash6(1, SEED1));
    }

    @Test
    void hashIsAlways31Bits() {
        for (int i = 0; i < 10_000; i++) {
            int h = Packet.ipv4("10.0.0.1", IpAddresses.format4(0x0a000000 + i), 17, i, 53, DF).hash4(1, i);
            assertEquals(h & 0x7fffffff, h);
        }
    }

    static int v4(String a) {
        return IpAddresses.parse4(a);
    }

    static long[] v6(String a) {
        return IpAddresses.parse6(a);
    }

    /** Raw IP packets at offset 0 of a segment. */
    static final class Packet {
        static final ValueLayout.OfShort BE16 = FlowDissector.BE16;
        static final ValueLayout.OfInt BE32 = FlowDissector.BE32;
        static final ValueLayout.OfLong BE64 = FlowDissector.BE64;
        final MemorySegment m = Arena.ofAuto().allocate(512);
        int length;

        static Packet ipv4(String src, String dst, int proto, int sport, int dport, int flagsOffset) {
            Packet p = new Packet();
            p.m.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x45);
            p.m.set(BE16, 6, (short) flagsOffset);
            p.m.set(ValueLayout.JAVA_BYTE, 8, (byte) 64);
            p.m.set(ValueLayout.JAVA_BYTE, 9, (byte) proto);
            p.m.set(BE32, 12, v4(src));
            p.m.set(BE32, 16, v4(dst));
            p.m.set(BE16, 20, (short) sport);
            p.m.set(BE16, 22, (short) dport);
            p.length = 28;
            return p;
        }

        static Packet ipv6(String src, String dst, int nexthdr, int label, int sport, int dport) {
            Packet p = new Packet();
            p.m.set(BE32, 0, 6 << 28 | label);
            p.m.set(ValueLayout.JAVA_BYTE, 6, (byte) nexthdr);
            p.m.set(ValueLayout.JAVA_BYTE, 7, (byte) 64);
            p.m.set(BE64, 8, v6(src)[0]);
            p.m.set(BE64, 16, v6(src)[1]);
            p.m.set(BE64, 24, v6(dst)[0]);
            p.m.set(BE64, 32, v6(dst)[1]);
            p.m.set(BE16, 40, (short) sport);
            p.m.set(BE16, 42, (short) dport);
            p.length = 48;
            return p;
        }

        /** ICMPv4 {@code type}, quoting {@code quoteBytes} bytes of a UDP packet qsrc -> qdst. */
        static Packet icmp4(String src, String dst, int type, String qsrc, String qdst, int quoteBytes) {
            Packet p = ipv4(src, dst, 1, 0, 0, DF);
            p.m.set(ValueLayout.JAVA_BYTE, 20, (byte) type);
            p.m.set(BE16, 22, (short) 0);
            Packet q = ipv4(qsrc, qdst, 17, 1024, 53, DF);
            MemorySegment.copy(q.m, 0, p.m, 28, quoteBytes);
            p.length = 28 + quoteBytes;
            return p;
        }

        static Packet icmp6(String src, String dst, int type, String qsrc, String qdst, int qlabel, int quoteBytes) {
            Packet p = ipv6(src, dst, 58, 0, 0, 0);
            p.m.set(ValueLayout.JAVA_BYTE, 40, (byte) type);
            p.m.set(BE16, 42, (short) 0);
            Packet q = ipv6(qsrc, qdst, 17, qlabel, 1024, 53);
            MemorySegment.copy(q.m, 0, p.m, 48, quoteBytes);
            p.length = 48 + quoteBytes;
            return p;
        }

        /** This packet with {@code inner} as its payload after {@code headerLength} bytes. */
        Packet carrying(Packet inner, int headerLength) {
            MemorySegment.copy(inner.m, 0, m, headerLength, inner.length);
            length = headerLength + inner.length;
            return this;
        }

        /** This IPv4 packet with a tunnel header and then {@code inner} as its payload. */
        Packet carrying(byte[] tunnel, Packet inner) {
            MemorySegment.copy(MemorySegment.ofArray(tunnel), 0, m, 20, tunnel.length);
            MemorySegment.copy(inner.m, 0, m, 20 + tunnel.length, inner.length);
            length = 20 + tunnel.length + inner.length;
            return this;
        }

        int hash4(int policy, int seed) {
            return hash4(policy, seed, HashField.DEFAULT);
        }

        int hash4(int policy, int seed, int fields) {
            return KernelHash.ipv4(m, 0, length, policy, fields, FlowKeys.key(seed), new FlowKeys());
        }

        int hash6(int policy, int seed) {
            return hash6(policy, seed, HashField.DEFAULT);
        }

        int hash6(int policy, int seed, int fields) {
            return KernelHash.ipv6(m, 0, length, policy, fields, FlowKeys.key(seed), new FlowKeys());
        }
    }
}
