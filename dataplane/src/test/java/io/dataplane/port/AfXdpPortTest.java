package io.dataplane.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.ffi.XskSocket;
import io.dataplane.pipeline.PacketBatch;
import io.dataplane.testing.Netns;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.BitSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two AF_XDP ports on the two ends of a veth pair (each end in its own namespace), one UMEM, as one
 * worker would run them: frames injected on A arrive on B, B forwards the same descriptors back
 * out (no copy), A receives them intact; the frame accounting holds throughout and at the end.
 */
class AfXdpPortTest {
    private static final int FRAMES = 512;
    private static final int RING = 128;
    private static Netns netns;
    private static String dp;
    private static String peer;

    @BeforeAll
    static void topology() {
        netns = new Netns("port");
        dp = netns.add("dp");
        peer = netns.add("peer");
        netns.veth(dp, "va", peer, "vb");
        netns.ip(dp, "addr", "add", "10.7.0.1/24", "dev", "va");
        netns.ip(peer, "addr", "add", "10.7.0.2/24", "dev", "vb");
    }

    @AfterAll
    static void teardown() {
        if (netns != null) {
            netns.close();
        }
    }

    private static byte[] frame(int seq, int payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + payload);
        b.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + 8 + payload)).putInt(0)
                .put((byte) 64).put((byte) 17).putShort((short) 0)
                .put(new byte[] {10, 7, 0, 2}).put(new byte[] {(byte) 198, 51, 100, (byte) (seq & 0x7f)});
        b.putShort((short) 1234).putShort((short) 80).putShort((short) (8 + payload)).putShort((short) 0);
        b.putInt(seq);
        for (int i = 4; i < payload; i++) {
            b.put((byte) (seq * 31 + i));
        }
        return b.array();
    }

    private static void assertAccounting(Umem umem, AfXdpPort... ports) {
        long sum = umem.freeCount() + umem.heldByPipeline();
        for (AfXdpPort p : ports) {
            sum += p.framesAtKernelRx() + p.framesAtKernelTx();
        }
        assertEquals(umem.frameCount(), sum, "free + pipeline + kernel RX + kernel TX must be every frame");
    }

    @Test
    void framesCrossTheVethBothWaysIntactAndNoFrameIsLost() {
        Umem umem = new Umem(FRAMES, 4096);
        AfXdpPort a = netns.call(dp, () -> AfXdpPort.open(0, "va", 0, umem, XskSocket.Mode.AUTO, RING, 0));
        AfXdpPort b = netns.call(peer, () -> AfXdpPort.open(1, "vb", 0, umem, XskSocket.Mode.AUTO, RING, 0));
        try {
            assertFalse(a.zeroCopy(), "veth has no zero-copy: copy mode");
            assertEquals(1514, a.maxFrameLength());
            assertEquals(RING, a.framesAtKernelRx(), "fill ring primed (quota: half of 512 frames / 2 ports >= ring)");
            assertAccounting(umem, a, b);

            final int total = 5000;
            PacketBatch batch = new PacketBatch(64);
            BitSet seen = new BitSet(total);
            int sent = 0, forwarded = 0, received = 0, receivedByB = 0, corrupt = 0;
            MemorySegment mem = umem.memory();
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (received < total && System.nanoTime() < deadline) {
                for (int k = 0; k < 32 && sent < total; k++) {
                    long f = UmemFrames.take(umem);
                    if (f < 0) {
                        break;
                    }
                    byte[] fr = frame(sent, 64 + sent % 900);
                    long data = f + Umem.XDP_HEADROOM;
                    MemorySegment.copy(fr, 0, mem, ValueLayout.JAVA_BYTE, data, fr.length);
                    if (!a.transmit(f, data, fr.length)) {
                        umem.release(f);
                        break;
                    }
                    sent++;
                }
                a.flush();
                batch.clear();
                receivedByB += b.receive(batch);
                for (int i = 0; i < batch.count(); i++) {
                    // Forward: the same descriptor leaves on the other port, no bytes copied.
                    if (b.transmit(batch.handle[i], batch.data[i], batch.length[i])) {
                        forwarded++;
                    } else {
                        b.release(batch.handle[i]);
                    }
                }
                b.flush();
                batch.clear();
                a.receive(batch);
                for (int i = 0; i < batch.count(); i++) {
                    int seq = mem.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN),
                            batch.data[i] + 42);
                    byte[] expect = frame(seq, 64 + seq % 900);
                    byte[] got = mem.asSlice(batch.data[i], batch.length[i]).toArray(ValueLayout.JAVA_BYTE);
                    if (seq < 0 || seq >= total || !java.util.Arrays.equals(expect, got) || seen.get(seq)) {
                        corrupt++;
                    } else {
                        seen.set(seq);
                    }
                    a.release(batch.handle[i]);
                    received++;
                }
                a.poll();
                b.poll();
                assertAccounting(umem, a, b);
            }
            assertEquals(0, corrupt, "frames arrived altered or twice");
            assertEquals(total, seen.cardinality(), "sent " + sent + ", forwarded " + forwarded + ", stats A "
                    + java.util.Arrays.toString(a.kernelStatistics()) + " B " + java.util.Arrays.toString(b.kernelStatistics()));
            assertEquals(total, receivedByB, "every frame crossed B once");
            assertEquals(total, forwarded);

            // Quiesce: every sent frame completes, the rings' indices agree with the port's counts.
            deadline = System.nanoTime() + 2_000_000_000L;
            while ((a.framesAtKernelTx() > 0 || b.framesAtKernelTx() > 0) && System.nanoTime() < deadline) {
                a.poll();
                b.poll();
            }
            assertEquals(0, a.framesAtKernelTx());
            assertEquals(0, b.framesAtKernelTx());
            assertEquals(0, umem.heldByPipeline());
            assertEquals(a.framesAtKernelRx(), a.fillAndRxRingEntries());
            assertEquals(b.framesAtKernelRx(), b.fillAndRxRingEntries());
            assertAccounting(umem, a, b);
            assertEquals(0, a.kickErrors() + b.kickErrors());
            long[] stats = b.kernelStatistics();
            assertEquals(0, stats[1] + stats[2], "invalid descriptors (rx, tx)");
        } finally {
            a.close();
            b.close();
        }
        assertEquals(FRAMES, umem.freeCount(), "teardown returns every frame to the free list");
        umem.close();
    }

    @Test
    void receiveAndTransmitRingsTakeTheirOwnSizes() {
        Umem umem = new Umem(1024, 4096);
        AfXdpPort a = netns.call(dp, () -> AfXdpPort.open(0, "va", 0, umem, XskSocket.Mode.AUTO, 256, 64, 0, true));
        AfXdpPort b = netns.call(peer, () -> AfXdpPort.open(1, "vb", 0, umem, XskSocket.Mode.AUTO, RING, 0));
        try {
            assertEquals(256, a.framesAtKernelRx(), "the whole 256-entry fill ring primed (1024 frames >= 2 x (256 + 128))");
            assertEquals(256, a.fillAndRxRingEntries());
            int accepted = 0;
            for (int k = 0; k < 100; k++) {
                long f = UmemFrames.take(umem);
                if (!a.transmit(f, f + Umem.XDP_HEADROOM, 64)) {
                    umem.release(f);
                    break;
                }
                accepted++;
            }
            assertEquals(64, accepted, "the TX ring holds 64 descriptors, not the fill ring's 256");
            assertEquals(1, a.txRingFull());
            a.flush();
            sendOne(umem, b, 21);
            assertEquals(21, receiveSeq(umem, a, b), "frames still cross");
            assertAccounting(umem, a, b);
        } finally {
            a.close();
            b.close();
        }
        assertEquals(1024, umem.freeCount(), "teardown returns every frame, from rings of both sizes");
        umem.close();
    }

    private static long sendOne(Umem umem, AfXdpPort from, int seq) {
        long f = UmemFrames.take(umem);
        byte[] fr = frame(seq, 64);
        MemorySegment.copy(fr, 0, umem.memory(), ValueLayout.JAVA_BYTE, f + Umem.XDP_HEADROOM, fr.length);
        assertTrue(from.transmit(f, f + Umem.XDP_HEADROOM, fr.length));
        from.flush();
        return f;
    }

    private static int receiveSeq(Umem umem, AfXdpPort port, AfXdpPort... others) {
        PacketBatch batch = new PacketBatch(8);
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (batch.count() == 0 && System.nanoTime() < deadline) {
            port.receive(batch);
            for (AfXdpPort o : others) {
                o.poll();
            }
            port.poll();
        }
        assertEquals(1, batch.count(), "one frame on " + port);
        int seq = umem.memory().get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), batch.data[0] + 42);
        port.release(batch.handle[0]);
        return seq;
    }

    /** Frames A -> B -> (forwarded by descriptor) -> A; returns how many came back. Allocation-free itself. */
    private static long roundTrips(Umem umem, AfXdpPort a, AfXdpPort b, MemorySegment template, long frames, PacketBatch batch) {
        long sent = 0, back = 0;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (back < frames && System.nanoTime() < deadline) {
            for (int k = 0; k < 32 && sent < frames; k++) {
                long f = UmemFrames.take(umem);
                if (f < 0) {
                    break;
                }
                MemorySegment.copy(template, 0, umem.memory(), f + Umem.XDP_HEADROOM, template.byteSize());
                if (!a.transmit(f, f + Umem.XDP_HEADROOM, (int) template.byteSize())) {
                    umem.release(f);
                    break;
                }
                sent++;
            }
            a.flush();
            batch.clear();
            b.receive(batch);
            for (int i = 0; i < batch.count(); i++) {
                if (!b.transmit(batch.handle[i], batch.data[i], batch.length[i])) {
                    b.release(batch.handle[i]);
                }
            }
            b.flush();
            batch.clear();
            a.receive(batch);
            for (int i = 0; i < batch.count(); i++) {
                a.release(batch.handle[i]);
            }
            back += batch.count();
            a.poll();
            b.poll();
        }
        return back;
    }

    @Test
    void receiveTransmitFlushAndPollAllocateNothing() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Umem umem = new Umem(FRAMES, 4096);
        AfXdpPort a = netns.call(dp, () -> AfXdpPort.open(0, "va", 0, umem, XskSocket.Mode.AUTO, RING, 0));
        AfXdpPort b = netns.call(peer, () -> AfXdpPort.open(1, "vb", 0, umem, XskSocket.Mode.AUTO, RING, 0));
        try {
            MemorySegment template = MemorySegment.ofArray(frame(7, 64));
            PacketBatch batch = new PacketBatch(64);
            // Rounds of 100k round trips until one allocates nothing: the first rounds run while the
            // JIT is still compiling (interpreted FFM downcalls allocate); steady state must not.
            // Any allocation per packet or per burst would show in every round (>= 50 KB each).
            long[] perRound = new long[8];
            int quiet = -1;
            for (int round = 0; round < perRound.length && quiet < 0; round++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                long back = roundTrips(umem, a, b, template, 100_000, batch);
                perRound[round] = threads.getCurrentThreadAllocatedBytes() - before;
                assertTrue(back > 75_000, "round trips completed: " + back);
                if (perRound[round] < 1024) {
                    quiet = round;
                }
            }
            System.out.printf("AF_XDP hot path: bytes allocated per round of 100k round trips: %s%n",
                    java.util.Arrays.toString(perRound));
            assertTrue(quiet >= 0, "no round of 100k round trips was allocation-free: " + java.util.Arrays.toString(perRound));
        } finally {
            a.close();
            b.close();
        }
        umem.close();
    }

    @Test
    void portsOnTwoQueuesOfOneInterfaceShareItsXdpProgram() {
        String dp2 = netns.add("mq");
        String peer2 = netns.add("mqpeer");
        Netns.run("ip", "-n", dp2, "link", "add", "qa", "numtxqueues", "2", "numrxqueues", "2", "type", "veth", "peer", "name",
                "qb", "numtxqueues", "2", "numrxqueues", "2", "netns", peer2);
        netns.ip(dp2, "link", "set", "qa", "up");
        netns.ip(peer2, "link", "set", "qb", "up");
        Umem umem = new Umem(1024, 4096);
        AfXdpPort[] a = netns.call(dp2, () -> new AfXdpPort[] {
            AfXdpPort.open(0, "qa", 0, umem, XskSocket.Mode.AUTO, 64, 0),
            AfXdpPort.open(1, "qa", 1, umem, XskSocket.Mode.AUTO, 64, 0)});
        AfXdpPort[] b = netns.call(peer2, () -> new AfXdpPort[] {
            AfXdpPort.open(2, "qb", 0, umem, XskSocket.Mode.AUTO, 64, 0),
            AfXdpPort.open(3, "qb", 1, umem, XskSocket.Mode.AUTO, 64, 0)});
        try {
            assertTrue(netns.ip(dp2, "link", "show", "qa").contains("xdp"), "one program attached to qa");
            // veth delivers a frame sent on TX queue k to the peer's RX queue k.
            sendOne(umem, b[1], 11);
            assertEquals(11, receiveSeq(umem, a[1], b));
            sendOne(umem, b[0], 10);
            assertEquals(10, receiveSeq(umem, a[0], b));
            a[0].close();
            assertTrue(netns.ip(dp2, "link", "show", "qa").contains("xdp"), "still attached for queue 1");
            sendOne(umem, b[1], 12);
            assertEquals(12, receiveSeq(umem, a[1], b));
        } finally {
            for (AfXdpPort p : a) {
                p.close();
            }
            for (AfXdpPort p : b) {
                p.close();
            }
        }
        assertFalse(netns.ip(dp2, "link", "show", "qa").contains("xdp"), "the last port's close detached the program");
        assertEquals(1024, umem.freeCount());
        umem.close();
    }

    @Test
    void kernelStillAnswersArpAndPingWhileThePortIsBound() {
        Umem umem = new Umem(256, 4096);
        AfXdpPort a = netns.call(dp, () -> AfXdpPort.open(0, "va", 0, umem, XskSocket.Mode.COPY, 64, 0));
        try {
            netns.ip(peer, "neigh", "flush", "dev", "vb");
            String out = netns.exec(peer, "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.7.0.1");
            assertTrue(out.contains("2 received"), out);
            PacketBatch batch = new PacketBatch(16);
            a.receive(batch);
            assertEquals(0, batch.count(), "ARP and ICMP to the router's address are not taken by the port");
        } finally {
            a.close();
        }
        assertEquals(256, umem.freeCount());
        umem.close();
    }
}
