package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The Jenkins keys of issue #2 and the kernel's ICMP-error and fragment rules. */
class FlowHashTest {
    static final int DF = 0x4000;
    static final int MF = 0x2000;

    @Nested
    class Vectors {
        @Test
        void ipv4L3() {
            IpPackets p = IpPackets.ipv4("192.0.2.1", "198.51.100.1", 17, 1024, 53, DF);
            assertEquals(1360477415, p.hash4(FlowHash.L3, 0));
            assertEquals(1646367945, p.hash4(FlowHash.L3, 1));
        }

        @Test
        void ipv4L4Udp() {
            IpPackets p = IpPackets.ipv4("192.0.2.1", "198.51.100.1", 17, 1024, 53, DF);
            assertEquals(855262938, p.hash4(FlowHash.L4, 0));
            assertEquals(721540582, p.hash4(FlowHash.L4, 1));
        }

        @Test
        void ipv4L4Tcp() {
            IpPackets p = IpPackets.ipv4("192.0.2.1", "198.51.100.1", 6, 40000, 80, DF);
            assertEquals(693714757, p.hash4(FlowHash.L4, 0));
        }

        @Test
        void ipv6L3WithFlowLabel() {
            IpPackets p = IpPackets.ipv6("2001:db8:1::2", "2001:db8:2::2", 17, 0x12345, 1024, 53);
            assertEquals(841776163, p.hash6(FlowHash.L3, 0));
        }

        @Test
        void ipv6L4Udp() {
            IpPackets p = IpPackets.ipv6("2001:db8:1::2", "2001:db8:2::2", 17, 0x12345, 1024, 53);
            assertEquals(609159669, p.hash6(FlowHash.L4, 0));
        }

        @Test
        void hashIsAlways31Bits() {
            for (int i = 0; i < 10_000; i++) {
                IpPackets p = IpPackets.ipv4("10.0.0.1", IpAddresses.format4(0x0a000000 + i), 17, i, 53, DF);
                int h = p.hash4(FlowHash.L4, i);
                assertEquals(h & 0x7fffffff, h);
            }
        }
    }

    @Nested
    class IcmpErrorsFollowTheirFlow {
        @Test
        void ipv4ErrorQuotingSToDHashesLikeDToS() {
            for (int type : new int[] {3, 5, 11, 12}) {
                IpPackets error = IpPackets.icmp4("203.0.113.9", "192.0.2.1", type, "192.0.2.1", "198.51.100.7", 28);
                IpPackets reverse = IpPackets.ipv4("198.51.100.7", "192.0.2.1", 17, 53, 1024, DF);
                assertEquals(reverse.hash4(FlowHash.L3, 7), error.hash4(FlowHash.L3, 7), "type " + type);
            }
        }

        @Test
        void ipv4NonErrorTypeUsesOuterHeader() {
            IpPackets echo = IpPackets.icmp4("203.0.113.9", "192.0.2.1", 8, "192.0.2.1", "198.51.100.7", 28);
            IpPackets outer = IpPackets.ipv4("203.0.113.9", "192.0.2.1", 1, 0, 0, DF);
            assertEquals(outer.hash4(FlowHash.L3, 0), echo.hash4(FlowHash.L3, 0));
            IpPackets quench = IpPackets.icmp4("203.0.113.9", "192.0.2.1", 4, "192.0.2.1", "198.51.100.7", 28);
            assertEquals(outer.hash4(FlowHash.L3, 0), quench.hash4(FlowHash.L3, 0));
        }

        @Test
        void ipv4TruncatedQuoteUsesOuterHeader() {
            IpPackets truncated = IpPackets.icmp4("203.0.113.9", "192.0.2.1", 3, "192.0.2.1", "198.51.100.7", 19);
            IpPackets outer = IpPackets.ipv4("203.0.113.9", "192.0.2.1", 1, 0, 0, DF);
            assertEquals(outer.hash4(FlowHash.L3, 0), truncated.hash4(FlowHash.L3, 0));
        }

        @Test
        void ipv4ErrorInNonFirstFragmentUsesOuterHeader() {
            IpPackets error = IpPackets.icmp4("203.0.113.9", "192.0.2.1", 3, "192.0.2.1", "198.51.100.7", 28);
            error.m.set(IpPackets.BE16, 6, (short) 185); // fragment offset 185*8
            IpPackets outer = IpPackets.ipv4("203.0.113.9", "192.0.2.1", 1, 0, 0, DF);
            assertEquals(outer.hash4(FlowHash.L3, 0), error.hash4(FlowHash.L3, 0));
        }

        @Test
        void ipv4ErrorUnderL4IsNotInspected() {
            IpPackets error = IpPackets.icmp4("203.0.113.9", "192.0.2.1", 3, "192.0.2.1", "198.51.100.7", 28);
            IpPackets outer = IpPackets.ipv4("203.0.113.9", "192.0.2.1", 1, 0, 0, DF);
            outer.length = error.length;
            assertEquals(outer.hash4(FlowHash.L4, 0), error.hash4(FlowHash.L4, 0));
        }

        @Test
        void ipv6ErrorQuotingSToDHashesLikeDToSWithTheSameLabel() {
            for (int type = 1; type <= 4; type++) {
                IpPackets ptb = IpPackets.icmp6("2001:db8:ff::1", "2001:db8:1::2", type, "2001:db8:1::2", "fc00::1", 0xabcde, 48);
                IpPackets reverse = IpPackets.ipv6("fc00::1", "2001:db8:1::2", 17, 0xabcde, 53, 1024);
                assertEquals(reverse.hash6(FlowHash.L3, 3), ptb.hash6(FlowHash.L3, 3), "type " + type);
                IpPackets otherLabel = IpPackets.ipv6("fc00::1", "2001:db8:1::2", 17, 0x11111, 53, 1024);
                assertNotEquals(otherLabel.hash6(FlowHash.L3, 3), ptb.hash6(FlowHash.L3, 3));
            }
        }

        @Test
        void ipv6InformationalAndTruncatedUseOuterHeader() {
            IpPackets echo = IpPackets.icmp6("2001:db8:ff::1", "2001:db8:1::2", 128, "2001:db8:1::2", "fc00::1", 5, 48);
            IpPackets outer = IpPackets.ipv6("2001:db8:ff::1", "2001:db8:1::2", 58, 0, 0, 0);
            assertEquals(outer.hash6(FlowHash.L3, 0), echo.hash6(FlowHash.L3, 0));
            IpPackets truncated = IpPackets.icmp6("2001:db8:ff::1", "2001:db8:1::2", 2, "2001:db8:1::2", "fc00::1", 5, 39);
            assertEquals(outer.hash6(FlowHash.L3, 0), truncated.hash6(FlowHash.L3, 0));
        }
    }

    @Nested
    class Fragments {
        @Test
        void ipv4WithoutDfUsesL3KeyUnderL4() {
            IpPackets p = IpPackets.ipv4("192.0.2.1", "198.51.100.1", 17, 1024, 53, 0);
            assertEquals(1360477415, p.hash4(FlowHash.L4, 0));
        }

        @Test
        void ipv4FragmentsUseL3KeyUnderL4() {
            IpPackets first = IpPackets.ipv4("192.0.2.1", "198.51.100.1", 17, 1024, 53, DF | MF);
            IpPackets later = IpPackets.ipv4("192.0.2.1", "198.51.100.1", 17, 7777, 7777, DF | 100);
            assertEquals(1360477415, first.hash4(FlowHash.L4, 0));
            assertEquals(1360477415, later.hash4(FlowHash.L4, 0));
        }

        @Test
        void ipv6FragmentHeaderMeansPortsZero() {
            IpPackets frag = IpPackets.ipv6("2001:db8:1::2", "2001:db8:2::2", 44, 0, 0, 0);
            frag.m.set(ValueLayout.JAVA_BYTE, 40, (byte) 17); // fragment header: next header UDP
            frag.m.set(IpPackets.BE16, 48, (short) 1024); // bytes a port parser must not read
            frag.length = 56;
            int expected = FlowHash.jhash10(frag.m.get(FlowHash.LE64, 8), frag.m.get(FlowHash.LE64, 16),
                    frag.m.get(FlowHash.LE64, 24), frag.m.get(FlowHash.LE64, 32), 0, 17, 0) >>> 1;
            assertEquals(expected, frag.hash6(FlowHash.L4, 0));
        }

        @Test
        void ipv6L4SkipsExtensionHeadersToThePorts() {
            IpPackets plain = IpPackets.ipv6("2001:db8:1::2", "2001:db8:2::2", 17, 0, 1024, 53);
            IpPackets withHbh = new IpPackets();
            withHbh.writeIpv6(0, "2001:db8:1::2", "2001:db8:2::2", 0, 0, 16);
            withHbh.m.set(ValueLayout.JAVA_BYTE, 40, (byte) 17); // hop-by-hop: next UDP, length 8
            withHbh.m.set(IpPackets.BE16, 48, (short) 1024);
            withHbh.m.set(IpPackets.BE16, 50, (short) 53);
            withHbh.length = 56;
            assertEquals(plain.hash6(FlowHash.L4, 0), withHbh.hash6(FlowHash.L4, 0));
        }

        @Test
        void truncatedL4HeaderHashesWithPortsZero() {
            IpPackets p = IpPackets.ipv4("192.0.2.1", "198.51.100.1", 17, 1024, 53, DF);
            p.length = 22;
            IpPackets zero = IpPackets.ipv4("192.0.2.1", "198.51.100.1", 17, 0, 0, DF);
            assertEquals(zero.hash4(FlowHash.L4, 0), p.hash4(FlowHash.L4, 0));
        }
    }
}
