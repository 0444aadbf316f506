package io.dataplane.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dataplane.port.MemoryPort;
import io.dataplane.port.MemoryUmem;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.NexthopTable;
import io.dataplane.tables.packet.Frames;
import io.dataplane.tables.packet.Ipv4;
import io.dataplane.testing.Ipv4Packets;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fragments' bytes, field by field, against RFC 791 and the kernel's {@code ip_do_fragment} rules. */
class Ipv4FragmenterTest {
    static final byte[] HOST_MAC = {2, 0, 0, 0, 0, 0x10};
    static final byte[] ROUTER_MAC = {2, 0, 0, 0, 0, (byte) 0xfe};
    static final byte[] CLIENT_MAC = {2, 0, 0, 0, 0, 0x01};
    static final byte[] SRC = {100, 64, 0, 1};
    static final byte[] DST = {(byte) 198, 18, 0, 7};
    static final int MTU = 576;

    private final MemoryUmem umem = new MemoryUmem(16, 2048);
    private final MemoryPort out = new MemoryPort(1, "out", umem, 16, 1500);
    private final Ipv4Fragmenter fragmenter = new Ipv4Fragmenter();

    @AfterEach
    void close() {
        umem.close();
    }

    static NexthopTable nexthops(int mtu) {
        Fib fib = new Fib(new FibLimits(16, 16, 16, 16, 2));
        fib.change().nexthop(1, new Nexthop(1, mac(HOST_MAC), mac(ROUTER_MAC), mtu, true, true)).commit();
        return fib.snapshot().nexthops;
    }

    static long mac(byte[] m) {
        long v = 0;
        for (byte b : m) {
            v = v << 8 | (b & 0xff);
        }
        return v;
    }

    /** Fragments {@code packet} (as received at a frame of the UMEM) onto the out port and returns what it transmitted. */
    private List<byte[]> fragment(byte[] packet, int mtu, int expectStatus) {
        long frame = out.allocate();
        MemorySegment m = umem.memory();
        MemorySegment.copy(packet, 0, m, ValueLayout.JAVA_BYTE, frame, packet.length);
        int status = fragmenter.fragment(m, frame, frame, frame + 14, nexthops(mtu), 1, out);
        assertEquals(expectStatus, status, "status");
        out.flush();
        List<byte[]> sent = new ArrayList<>();
        out.drain((mem, at, length) -> sent.add(mem.asSlice(at, length).toArray(ValueLayout.JAVA_BYTE)), 1000);
        return sent;
    }

    private static int u16(byte[] f, int at) {
        return (f[at] & 0xff) << 8 | (f[at + 1] & 0xff);
    }

    @Test
    void cutsAtEightByteBoundariesSetsMfAndCopiesOnlyCopiedOptionsIntoLaterFragments() {
        byte[] options = Ipv4Packets.bothOptions();
        byte[] packet = Ipv4Packets.udp(ROUTER_MAC, CLIENT_MAC, SRC, DST, 0, options, 1400);
        List<byte[]> f = fragment(packet, MTU, Ipv4Fragmenter.SENT);
        // Header 28 bytes, 1408 bytes of data; room 576 - 28 = 548, so 544 (a multiple of 8) per fragment.
        int[] data = {544, 544, 320};
        int[] offsetUnits = {0, 68, 136};
        int[] flags = {Ipv4.MF, Ipv4.MF, 0};
        assertEquals(3, f.size(), "fragments");
        assertEquals(3, fragmenter.fragmentsSent());
        assertEquals(3 * (14 + 28) + 1408, fragmenter.bytesSent());
        byte[] reassembled = new byte[1408];
        for (int k = 0; k < 3; k++) {
            byte[] x = f.get(k);
            String which = "fragment " + k;
            assertEquals(14 + 28 + data[k], x.length, which + " frame length");
            assertArrayEquals(HOST_MAC, Arrays.copyOfRange(x, 0, 6), which + " destination MAC from the nexthop");
            assertArrayEquals(ROUTER_MAC, Arrays.copyOfRange(x, 6, 12), which + " source MAC from the nexthop");
            assertEquals(0x0800, u16(x, 12));
            assertEquals(0x47, x[14] & 0xff, which + " version and header length kept");
            assertEquals(0x28, x[15] & 0xff, which + " TOS kept");
            assertEquals(28 + data[k], u16(x, 16), which + " total length");
            assertEquals(Ipv4Packets.ID, u16(x, 18), which + " identification kept");
            assertEquals(flags[k] | offsetUnits[k], u16(x, 20), which + " flags and offset");
            assertEquals(63, x[22] & 0xff, which + " TTL decremented once");
            assertEquals(17, x[23]);
            MemorySegment header = MemorySegment.ofArray(x);
            assertEquals(0, Frames.ipv4Checksum(header, 14, 28), which + " header checksum");
            assertArrayEquals(Arrays.copyOfRange(packet, 26, 34), Arrays.copyOfRange(x, 26, 34), which + " addresses");
            byte[] expectedOptions = k == 0 ? options
                    : new byte[] {(byte) 0x9e, 4, 0x11, 0x22, Ipv4.OPTION_NOOP, Ipv4.OPTION_NOOP, Ipv4.OPTION_NOOP, Ipv4.OPTION_NOOP};
            assertArrayEquals(expectedOptions, Arrays.copyOfRange(x, 34, 42), which + " options");
            System.arraycopy(x, 42, reassembled, offsetUnits[k] * 8, data[k]);
        }
        assertArrayEquals(Arrays.copyOfRange(packet, 42, packet.length), reassembled, "the data, reassembled");
    }

    @Test
    void aFragmentFragmentedAgainKeepsItsOffsetAndItsMoreFragmentsBit() {
        // A middle fragment (MF, offset 100 units = 800 bytes) of 1008 bytes of data; no options: room 556, 552 per fragment.
        byte[] middle = Ipv4Packets.udp(ROUTER_MAC, CLIENT_MAC, SRC, DST, Ipv4.MF | 100, new byte[0], 1000);
        List<byte[]> f = fragment(middle, MTU, Ipv4Fragmenter.SENT);
        assertEquals(2, f.size());
        assertEquals(Ipv4.MF | 100, u16(f.get(0), 20), "first piece: the packet's own offset");
        assertEquals(Ipv4.MF | (100 + 552 / 8), u16(f.get(1), 20), "last piece keeps MF: the datagram goes on");
        assertEquals(20 + 552, u16(f.get(0), 16));
        assertEquals(20 + 1008 - 552, u16(f.get(1), 16));

        byte[] last = Ipv4Packets.udp(ROUTER_MAC, CLIENT_MAC, SRC, DST, 100, new byte[0], 1000);
        List<byte[]> g = fragment(last, MTU, Ipv4Fragmenter.SENT);
        assertEquals(Ipv4.MF | 100, u16(g.get(0), 20));
        assertEquals(100 + 552 / 8, u16(g.get(1), 20), "the datagram's last fragment stays last: MF clear");
    }

    @Test
    void aLaterFragmentFragmentedAgainKeepsEveryOptionLikeTheKernel() {
        byte[] options = Ipv4Packets.bothOptions();
        List<byte[]> f = fragment(Ipv4Packets.udp(ROUTER_MAC, CLIENT_MAC, SRC, DST, 37, options, 1200), MTU, Ipv4Fragmenter.SENT);
        assertEquals(3, f.size());
        for (byte[] x : f) {
            assertArrayEquals(options, Arrays.copyOfRange(x, 34, 42), "options of a fragment at offset 37 units");
        }
    }

    @Test
    void theLastFragmentMayCarryMoreThanTheRoundedDownStepWhenItFitsTheMtu() {
        // 20-byte header, MTU 576: room 556, step 552. 1110 bytes of data: 552, then 558 > 556 left, so 552, then 6.
        // 1106: 552, then 554 <= 556 fits whole: two fragments, the last one with 554 (not a multiple of 8).
        List<byte[]> f = fragment(Ipv4Packets.udp(ROUTER_MAC, CLIENT_MAC, SRC, DST, 0, new byte[0], 1098), MTU, Ipv4Fragmenter.SENT);
        assertEquals(2, f.size());
        assertEquals(20 + 552, u16(f.get(0), 16));
        assertEquals(20 + 554, u16(f.get(1), 16));
        assertEquals(552 / 8, u16(f.get(1), 20));
    }

    @Test
    void withoutAFreeFrameNothingIsSentAndTheFrameIsUntouched() {
        byte[] packet = Ipv4Packets.udp(ROUTER_MAC, CLIENT_MAC, SRC, DST, 0, new byte[0], 1400);
        long frame = out.allocate();
        MemorySegment m = umem.memory();
        MemorySegment.copy(packet, 0, m, ValueLayout.JAVA_BYTE, frame, packet.length);
        List<Long> taken = new ArrayList<>();
        for (long f; (f = out.allocate()) >= 0; ) {
            taken.add(f); // the UMEM is empty now
        }
        out.release(taken.removeLast()); // one free frame: the packet needs two
        assertEquals(Ipv4Fragmenter.NO_BUFFER, fragmenter.fragment(m, frame, frame, frame + 14, nexthops(MTU), 1, out));
        assertEquals(0, fragmenter.fragmentsSent());
        assertEquals(1, umem.pool().available(), "the frame it took was given back");
        assertArrayEquals(packet, m.asSlice(frame, packet.length).toArray(ValueLayout.JAVA_BYTE), "frame unchanged");
        out.flush();
        assertEquals(0, out.drain((mem, at, length) -> { }, 10), "nothing transmitted");
    }
}
