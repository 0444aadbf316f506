package io.dataplane.icmp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class IcmpErrorsTest {
    private static final long FRAME = 256; // where a received frame starts, after the XDP headroom
    private static final byte[] ROUTER_MAC = {2, 0, 0, 0, 0, (byte) 0xaa};
    private static final byte[] SENDER_MAC = {2, 0, 0, 0, 0, (byte) 0xbb};

    private final Arena arena = Arena.ofAuto();

    private static byte[] addr(String a) {
        try {
            return InetAddress.getByName(a).getAddress();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static byte[] ipv4(String src, String dst, int ttl, int proto, int fragWord, int payload, boolean vlan) {
        ByteBuffer b = ByteBuffer.allocate((vlan ? 18 : 14) + 20 + payload);
        b.put(ROUTER_MAC).put(SENDER_MAC);
        if (vlan) {
            b.putShort((short) 0x8100).putShort((short) 42);
        }
        b.putShort((short) 0x0800);
        int ip = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + payload)).putShort((short) 7).putShort((short) fragWord)
                .put((byte) ttl).put((byte) proto).putShort((short) 0).put(addr(src)).put(addr(dst));
        byte[] a = b.array();
        int c = checksum(a, ip, 20, 0);
        a[ip + 10] = (byte) (c >> 8);
        a[ip + 11] = (byte) c;
        for (int i = 0; i < payload; i++) {
            a[ip + 20 + i] = (byte) (i * 7 + 1);
        }
        return a;
    }

    static byte[] ipv6(String src, String dst, int next, int payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + payload);
        b.put(ROUTER_MAC).put(SENDER_MAC).putShort((short) 0x86dd);
        b.putInt(0x60012345).putShort((short) payload).put((byte) next).put((byte) 1).put(addr(src)).put(addr(dst));
        byte[] a = b.array();
        for (int i = 0; i < payload; i++) {
            a[54 + i] = (byte) (i * 5 + 3);
        }
        return a;
    }

    /** An independent RFC 1071 checksum over a byte array. */
    static int checksum(byte[] a, int off, int len, long initial) {
        long s = initial;
        for (int i = 0; i < len; i += 2) {
            int hi = a[off + i] & 0xff;
            int lo = i + 1 < len ? a[off + i + 1] & 0xff : 0;
            s += (hi << 8) | lo;
        }
        while ((s >> 16) != 0) {
            s = (s & 0xffff) + (s >> 16);
        }
        return (int) (~s & 0xffff);
    }

    private MemorySegment umemWith(byte[] frame) {
        MemorySegment m = arena.allocate(4096);
        MemorySegment.copy(frame, 0, m, ValueLayout.JAVA_BYTE, FRAME, frame.length);
        return m;
    }

    private static byte[] bytes(MemorySegment m, long start, int len) {
        return m.asSlice(start, len).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void timeExceededQuotesThePacketAndGoesBackToThePreviousHop() {
        byte[] orig = ipv4("192.0.2.10", "198.51.100.7", 1, 17, 0x4000, 100, false);
        MemorySegment m = umemWith(orig);
        int router = 0x0a000001; // 10.0.0.1
        int len = IcmpErrors.timeExceeded4(m, FRAME, 14, orig.length, 0, router);
        assertEquals(14 + 20 + 8 + 120, len);
        byte[] e = bytes(m, IcmpErrors.start4(FRAME), len);
        assertArrayEquals(SENDER_MAC, Arrays.copyOfRange(e, 0, 6), "to the previous hop");
        assertArrayEquals(ROUTER_MAC, Arrays.copyOfRange(e, 6, 12), "from the ingress port");
        assertEquals(0x0800, ((e[12] & 0xff) << 8) | (e[13] & 0xff));
        assertEquals(0, checksum(e, 14, 20, 0), "IPv4 header checksum verifies");
        assertEquals(20 + 8 + 120, ((e[16] & 0xff) << 8) | (e[17] & 0xff));
        assertEquals(1, e[14 + 9], "protocol ICMP");
        assertArrayEquals(new byte[] {10, 0, 0, 1}, Arrays.copyOfRange(e, 26, 30), "from the router's address");
        assertArrayEquals(addr("192.0.2.10"), Arrays.copyOfRange(e, 30, 34), "to the packet's source");
        assertEquals(11, e[34], "Time Exceeded");
        assertEquals(0, e[35], "in transit");
        assertEquals(0, checksum(e, 34, 8 + 120, 0), "ICMP checksum verifies");
        assertArrayEquals(Arrays.copyOfRange(orig, 14, orig.length), Arrays.copyOfRange(e, 42, len), "quoted packet");
    }

    @Test
    void fragmentationNeededCarriesTheMtuAndQuotesAtMost576Bytes() {
        byte[] orig = ipv4("192.0.2.10", "198.51.100.7", 64, 6, 0x4000, 1480, false);
        MemorySegment m = umemWith(orig);
        int len = IcmpErrors.fragmentationNeeded4(m, FRAME, 14, orig.length, 0, 0x0a000001, 1400);
        assertEquals(14 + 576, len);
        byte[] e = bytes(m, IcmpErrors.start4(FRAME), len);
        assertEquals(3, e[34]);
        assertEquals(4, e[35]);
        assertEquals(1400, ((e[40] & 0xff) << 8) | (e[41] & 0xff), "next-hop MTU (RFC 1191)");
        assertEquals(0, checksum(e, 34, 576 - 20, 0));
        assertEquals(0, checksum(e, 14, 20, 0));
    }

    @Test
    void vlanTagIsKept() {
        byte[] orig = ipv4("192.0.2.10", "198.51.100.7", 1, 17, 0, 30, true);
        MemorySegment m = umemWith(orig);
        int len = IcmpErrors.timeExceeded4(m, FRAME, 18, orig.length, 0, 0x0a000001);
        byte[] e = bytes(m, IcmpErrors.start4(FRAME), len);
        assertEquals(0x8100, ((e[12] & 0xff) << 8) | (e[13] & 0xff));
        assertEquals(42, e[15]);
        assertEquals(0x0800, ((e[16] & 0xff) << 8) | (e[17] & 0xff));
        assertEquals(0, checksum(e, 18, 20, 0));
    }

    @Test
    void noErrorAboutErrorsFragmentsMulticastOrBadSources() {
        byte[] icmpErr = ipv4("192.0.2.10", "198.51.100.7", 1, 1, 0, 36, false);
        icmpErr[34] = 11; // the packet is itself a Time Exceeded
        assertEquals(IcmpErrors.SUPPRESSED, IcmpErrors.timeExceeded4(umemWith(icmpErr), FRAME, 14, icmpErr.length, 0, 1));
        byte[] echo = ipv4("192.0.2.10", "198.51.100.7", 1, 1, 0, 36, false);
        echo[34] = 8; // echo request: informational, gets an error
        assertEquals(14 + 28 + 56, IcmpErrors.timeExceeded4(umemWith(echo), FRAME, 14, echo.length, 0, 1));
        byte[] laterFragment = ipv4("192.0.2.10", "198.51.100.7", 1, 17, 0x2010, 36, false);
        assertEquals(IcmpErrors.SUPPRESSED, IcmpErrors.timeExceeded4(umemWith(laterFragment), FRAME, 14, laterFragment.length, 0, 1));
        byte[] mcast = ipv4("192.0.2.10", "239.1.1.1", 1, 17, 0, 36, false);
        assertEquals(IcmpErrors.SUPPRESSED, IcmpErrors.timeExceeded4(umemWith(mcast), FRAME, 14, mcast.length, 0, 1));
        byte[] zeroSrc = ipv4("0.0.0.0", "198.51.100.7", 1, 17, 0, 36, false);
        assertEquals(IcmpErrors.SUPPRESSED, IcmpErrors.timeExceeded4(umemWith(zeroSrc), FRAME, 14, zeroSrc.length, 0, 1));
        byte[] zeroNet = ipv4("0.1.2.3", "198.51.100.7", 1, 17, 0, 36, false);
        assertEquals(IcmpErrors.SUPPRESSED, IcmpErrors.timeExceeded4(umemWith(zeroNet), FRAME, 14, zeroNet.length, 0, 1));
        byte[] classE = ipv4("240.0.0.1", "198.51.100.7", 1, 17, 0, 36, false);
        assertEquals(14 + 28 + 56, IcmpErrors.timeExceeded4(umemWith(classE), FRAME, 14, classE.length, 0, 1),
                "240/4 is not martian (the kernel routes it), so it gets its error");
        byte[] ok = ipv4("192.0.2.10", "198.51.100.7", 1, 17, 0, 36, false);
        assertEquals(IcmpErrors.NO_ROOM, IcmpErrors.timeExceeded4(umemWith(ok), FRAME, 14, ok.length, FRAME - 20, 1));
        assertEquals(IcmpErrors.MALFORMED, IcmpErrors.timeExceeded4(umemWith(ok), FRAME, 14, 30, 0, 1));
    }

    @Test
    void packetTooBigForIpv6WithPseudoHeaderChecksum() {
        byte[] orig = ipv6("2001:db8::10", "fc00::1", 6, 1452);
        MemorySegment m = umemWith(orig);
        byte[] router = addr("2001:db8:ffff::1");
        long hi = ByteBuffer.wrap(router).getLong(0), lo = ByteBuffer.wrap(router).getLong(8);
        int len = IcmpErrors.packetTooBig6(m, FRAME, 14, orig.length, 0, hi, lo, 1280);
        assertEquals(14 + 1280, len, "the error fills the IPv6 minimum MTU");
        byte[] e = bytes(m, IcmpErrors.start6(FRAME), len);
        assertArrayEquals(SENDER_MAC, Arrays.copyOfRange(e, 0, 6));
        assertEquals(0x86dd, ((e[12] & 0xff) << 8) | (e[13] & 0xff));
        assertEquals(1280 - 40, ((e[18] & 0xff) << 8) | (e[19] & 0xff), "payload length");
        assertEquals(58, e[20]);
        assertArrayEquals(router, Arrays.copyOfRange(e, 22, 38));
        assertArrayEquals(addr("2001:db8::10"), Arrays.copyOfRange(e, 38, 54));
        assertEquals(2, e[54], "Packet Too Big");
        assertEquals(1280, ByteBuffer.wrap(e, 58, 4).getInt(), "MTU");
        long pseudo = 0;
        for (int i = 22; i < 54; i += 2) {
            pseudo += ((e[i] & 0xff) << 8) | (e[i + 1] & 0xff);
        }
        pseudo += 1240 + 58;
        assertEquals(0, checksum(e, 54, 1240, pseudo), "ICMPv6 checksum with the pseudo-header verifies");
        assertArrayEquals(Arrays.copyOfRange(orig, 14, 14 + 1232), Arrays.copyOfRange(e, 62, len));
    }

    @Test
    void ipv6TimeExceededIsNotSentAboutMulticastOrIcmpErrors() {
        byte[] mcast = ipv6("2001:db8::10", "ff0e::1", 17, 40);
        assertEquals(IcmpErrors.SUPPRESSED, IcmpErrors.timeExceeded6(umemWith(mcast), FRAME, 14, mcast.length, 0, 1, 1));
        assertEquals(14 + 48 + 80, IcmpErrors.packetTooBig6(umemWith(mcast), FRAME, 14, mcast.length, 0, 1, 1, 1280),
                "Packet Too Big is sent about multicast (RFC 4443 2.4(e))");
        byte[] err = ipv6("2001:db8::10", "fc00::1", 58, 40);
        err[54] = 1; // destination unreachable
        assertEquals(IcmpErrors.SUPPRESSED, IcmpErrors.timeExceeded6(umemWith(err), FRAME, 14, err.length, 0, 1, 1));
        byte[] echo = ipv6("2001:db8::10", "fc00::1", 58, 40);
        echo[54] = (byte) 128;
        assertEquals(14 + 48 + 80, IcmpErrors.timeExceeded6(umemWith(echo), FRAME, 14, echo.length, 0, 1, 1));
    }

    @Test
    void destinationUnreachableCarriesTheKernelsCodeForUnreachableAndProhibitRoutes() {
        byte[] orig = ipv4("192.0.2.10", "198.51.100.7", 64, 17, 0x4000, 100, false);
        for (int code : new int[] {1, 13}) {
            MemorySegment m = umemWith(orig);
            int len = IcmpErrors.destinationUnreachable4(m, FRAME, 14, orig.length, 0, 0x0a000001, code);
            assertEquals(14 + 20 + 8 + 120, len);
            byte[] e = bytes(m, IcmpErrors.start4(FRAME), len);
            assertEquals(3, e[34], "Destination Unreachable");
            assertEquals(code, e[35], "host unreachable (1) or administratively prohibited (13), as the kernel's");
            assertEquals(0, checksum(e, 34, 8 + 120, 0), "ICMP checksum verifies");
            assertArrayEquals(addr("192.0.2.10"), Arrays.copyOfRange(e, 30, 34), "to the packet's source");
        }
        byte[] orig6 = ipv6("2001:db8::10", "fc00::1", 17, 40);
        for (int code : new int[] {0, 1}) {
            MemorySegment m = umemWith(orig6);
            int len = IcmpErrors.destinationUnreachable6(m, FRAME, 14, orig6.length, 0, 1, 1, code);
            assertEquals(14 + 48 + 80, len);
            byte[] e = bytes(m, IcmpErrors.start6(FRAME), len);
            assertEquals(1, e[54], "ICMPv6 Destination Unreachable");
            assertEquals(code, e[55], "no route (0) or administratively prohibited (1)");
        }
    }
}
