package io.dataplane.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.tables.packet.Frames;
import io.dataplane.pipeline.Verdict;
import io.dataplane.port.MemoryPort;
import io.dataplane.port.Port;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What forwarding through a running worker must do on every port type: subclasses provide the
 * {@link TestWire}. A frame injected on the client port comes out of a server port, rewritten,
 * split by the weights, in order within its flow; malformed frames are dropped and counted; no
 * frame is lost.
 */
public abstract class ForwardingContractTest {
    static final long SERVER1_MAC = 0x020000000001L;
    static final long SERVER2_MAC = 0x020000000002L;
    static final long ROUTER_MAC = 0x0200000000feL;
    private static final long DEADLINE_NANOS = 20_000_000_000L;

    protected TestWire wire;
    protected Workers dataplane;

    protected abstract TestWire openWire();

    @BeforeEach
    void start() {
        wire = openWire();
        Workers.Builder b = Workers.builder().limits(new FibLimits(16, 16, 16, 16, 2));
        for (Port p : wire.ports()) {
            b.port(p);
        }
        dataplane = b.build();
        wire.routerReceived(port -> dataplane.portCounter(port, PortCounter.RX_PACKETS));
        dataplane.fib().change()
                .nexthop(1, new Nexthop(1, SERVER1_MAC, ROUTER_MAC, 1500, true, true))
                .nexthop(2, new Nexthop(2, SERVER2_MAC, ROUTER_MAC, 1500, true, true))
                .group(0, new GroupSpec(new int[] {1, 2}, new int[] {1, 2}, MultipathAlgorithm.L4))
                .route4(IpAddresses.parse4("198.51.100.0"), 24, RouteTarget.group(0))
                .route6(IpAddresses.parse6("2001:db8:100::")[0], 0, 64, RouteTarget.group(0))
                .commit();
        dataplane.start();
    }

    @AfterEach
    void stop() {
        dataplane.close();
        wire.close();
    }

    /** Per flow (source port), the sequence numbers seen and which server port got them. */
    private static final class Receiver implements MemoryPort.FrameSink {
        final Map<Integer, Integer> lastSeq = new HashMap<>();
        final Map<Integer, Integer> serverOfFlow = new HashMap<>();
        final long[] perServer = new long[3];
        int received;
        int reordered;
        int badRewrite;
        int server;

        @Override
        public void accept(MemorySegment m, long at, int length) {
            received++;
            perServer[server]++;
            boolean v6 = m.get(Frames.BE16, at + 12) == (short) Frames.ETH_IPV6;
            long l3 = at + 14;
            long l4 = l3 + (v6 ? 40 : 20);
            int flow = (m.get(Frames.BE16, l4) & 0xffff) | (v6 ? 1 << 16 : 0);
            int seq = m.get(Frames.BE32, l4 + 8);
            Integer last = lastSeq.put(flow, seq);
            if (last != null && seq <= last) {
                reordered++;
            }
            Integer first = serverOfFlow.putIfAbsent(flow, server);
            if (first != null && first != server) {
                reordered++; // a flow must never change path while the group is unchanged
            }
            long dstMac = ((m.get(Frames.BE16, at) & 0xffffL) << 32) | (m.get(Frames.BE32, at + 2) & 0xffffffffL);
            int ttl = m.get(ValueLayout.JAVA_BYTE, l3 + (v6 ? 7 : 8));
            boolean checksumOk = v6 || Frames.ipv4Checksum(m, l3, 20) == 0;
            if (dstMac != (server == 1 ? SERVER1_MAC : SERVER2_MAC) || ttl != 63 || !checksumOk) {
                badRewrite++;
            }
        }
    }

    private void drainAll(Receiver r) {
        for (int port = 1; port <= 2; port++) {
            r.server = port;
            wire.drain(port, r);
        }
    }

    /** Injects one frame, draining the servers as it goes so that no TX ring overflows. */
    private void send(MemorySegment frame, Receiver r) {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!wire.inject(0, frame)) {
            drainAll(r);
            assertTrue(System.nanoTime() < deadline, "the client port took no frame for 20 s");
            Thread.onSpinWait();
        }
        drainAll(r);
    }

    /** Drains until {@code expected} frames arrived or nothing arrived for 2 s. */
    private void awaitReceived(Receiver r, int expected) {
        long quietSince = System.nanoTime();
        int seen = r.received;
        while (r.received < expected && System.nanoTime() - quietSince < 2_000_000_000L) {
            drainAll(r);
            if (r.received != seen) {
                seen = r.received;
                quietSince = System.nanoTime();
            }
        }
    }

    private String drops() {
        StringBuilder sb = new StringBuilder();
        for (Verdict v : Verdict.values()) {
            long n = dataplane.dropCounter(v);
            if (n > 0) {
                sb.append(' ').append(v.label()).append('=').append(n);
            }
        }
        return sb.length() == 0 ? " none" : sb.toString();
    }

    private static MemorySegment frame(int flow, int seq, boolean v6) {
        Frames f = v6 ? Frames.ipv6("2001:db8:1::" + Integer.toHexString(flow % 4000 + 2), "2001:db8:100::80")
                : Frames.ipv4(IpAddresses.parse4("192.0.2.0") + flow % 200, IpAddresses.parse4("198.51.100.80"));
        MemorySegment m = f.udp(flow, 53).ttl(64).payload(8).toSegment();
        m.set(Frames.BE32, 14 + (v6 ? 40 : 20) + 8, seq);
        return m;
    }

    @Test
    void everyFrameIsForwardedRewrittenInOrderAndSplitByTheWeights() {
        Receiver r = new Receiver();
        int flows = 8192;
        int rounds = 4;
        MemorySegment[] frames = new MemorySegment[flows * 2];
        for (int seq = 0; seq < rounds; seq++) {
            for (int flow = 0; flow < flows; flow++) {
                for (int fam = 0; fam < 2; fam++) {
                    frames[flow * 2 + fam] = frame(flow + 1024, seq, fam == 1);
                    send(frames[flow * 2 + fam], r);
                }
            }
        }
        int sent = flows * rounds * 2;
        awaitReceived(r, sent);
        assertEquals(sent, r.received, () -> "frames lost; drops:" + drops());
        assertEquals(0, r.reordered, "frames reordered or a flow changed path");
        assertEquals(0, r.badRewrite, "frames with a wrong MAC, TTL or checksum");
        double share2 = (double) r.perServer[2] / sent;
        assertEquals(2.0 / 3, share2, 0.02, "server2's share for weights 1:2");
        assertEquals(sent, dataplane.portCounter(0, PortCounter.RX_PACKETS));
        assertEquals(sent, dataplane.portCounter(1, PortCounter.TX_PACKETS) + dataplane.portCounter(2, PortCounter.TX_PACKETS));
        assertEquals(r.perServer[1], dataplane.nexthopPackets(1));
        assertEquals(r.perServer[2], dataplane.nexthopPackets(2));
    }

    /** Port.allocate on every port type: the later fragments go into frames (UMEM, mbufs) the egress port hands out. */
    @Test
    void ipv4AboveTheMtuWithDfClearLeavesAsFragments() {
        dataplane.fib().change()
                .nexthop(3, new Nexthop(1, SERVER1_MAC, ROUTER_MAC, 576, true, true))
                .route4(IpAddresses.parse4("198.18.0.0"), 15, RouteTarget.nexthop(3))
                .commit();
        byte[] routerMac = java.nio.ByteBuffer.allocate(8).putLong(ROUTER_MAC << 16).array();
        byte[] packet = io.dataplane.testing.Ipv4Packets.udp(java.util.Arrays.copyOf(routerMac, 6),
                new byte[] {2, 0, 0, 0, 0, 0x55}, new byte[] {100, 64, 0, 1}, new byte[] {(byte) 198, 18, 0, 7}, 0,
                new byte[0], 1400);
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!wire.inject(0, MemorySegment.ofArray(packet))) {
            assertTrue(System.nanoTime() < deadline, "the client port took no frame for 20 s");
            Thread.onSpinWait();
        }
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        int expected = farSideSeesFragments() ? 3 : 1;
        while (out.size() < expected && System.nanoTime() < deadline) {
            wire.drain(1, (m, at, length) -> out.add(m.asSlice(at, length).toArray(ValueLayout.JAVA_BYTE)));
        }
        // 20-byte header, 1408 bytes of data, MTU 576: 552 + 552 + 304, three frames out of server1's port.
        while (dataplane.portCounter(1, PortCounter.TX_PACKETS) < 3 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(3, dataplane.portCounter(1, PortCounter.TX_PACKETS), () -> "frames sent on server1; drops:" + drops());
        if (!farSideSeesFragments()) {
            assertEquals(java.util.List.of(14 + 20 + 1408), out.stream().map(f -> f.length).toList(),
                    () -> "the datagram the far side's socket reassembled; drops:" + drops());
            byte[] f = out.get(0);
            assertEquals(0, Frames.ipv4Checksum(MemorySegment.ofArray(f), 14, 20), "header checksum");
            assertEquals(63, f[22] & 0xff, "TTL decremented once");
            assertTrue(java.util.Arrays.equals(java.util.Arrays.copyOfRange(packet, 34, packet.length),
                    java.util.Arrays.copyOfRange(f, 34, f.length)), "reassembled data");
            return;
        }
        assertEquals(java.util.List.of(14 + 20 + 552, 14 + 20 + 552, 14 + 20 + 304),
                out.stream().map(f -> f.length).toList(), () -> "fragments; drops:" + drops());
        byte[] data = new byte[1408];
        for (byte[] f : out) {
            int offset = ((f[20] & 0x1f) << 8 | (f[21] & 0xff)) * 8;
            System.arraycopy(f, 34, data, offset, f.length - 34);
            assertEquals(0, Frames.ipv4Checksum(MemorySegment.ofArray(f), 14, 20), "header checksum");
        }
        assertTrue(java.util.Arrays.equals(java.util.Arrays.copyOfRange(packet, 34, packet.length), data), "reassembled data");
    }

    /**
     * Whether the wire's far side receives IPv4 fragments as they were sent. False where the
     * kernel reassembles them before the far side's socket sees them.
     */
    protected boolean farSideSeesFragments() {
        return true;
    }

    @Test
    void droppedFramesAreCountedOnceWithTheirReasonAndReturnedToThePool() {
        Receiver r = new Receiver();
        int n = 5000; // more than the frames in any ring: drops must give their frames back
        for (int i = 0; i < n; i++) {
            send(Frames.ipv4("192.0.2.1", "8.8.8.8").udp(i, 53).toSegment(), r);
            send(Frames.ipv4("192.0.2.1", "198.51.100.9").udp(i, 53).ttl(1).toSegment(), r);
        }
        send(Frames.ipv4("192.0.2.1", "198.51.100.9").udp(1, 53).toSegment(), r);
        awaitReceived(r, 1);
        assertEquals(1, r.received);
        assertEquals(n, dataplane.dropCounter(Verdict.NO_ROUTE));
        assertEquals(n, dataplane.dropCounter(Verdict.TTL_EXPIRED));
        assertEquals(2L * n + 1, dataplane.portCounter(0, PortCounter.RX_PACKETS));
    }

    @Test
    void aPortSetDownSendsNothingAndItsFramesCountAsNexthopDead() {
        Receiver r = new Receiver();
        dataplane.setPortState(2, false);
        int n = 300;
        for (int i = 0; i < n; i++) {
            send(frame(2000 + i, 0, false), r);
        }
        awaitReceived(r, n);
        long dead = dataplane.dropCounter(Verdict.NEXTHOP_DEAD);
        assertEquals(0, r.perServer[2], "frames left through a port that is down");
        assertTrue(dead > 0, "no frame was routed to the down port; the test proves nothing");
        assertEquals(n, r.perServer[1] + dead);

        dataplane.setPortState(2, true);
        Receiver after = new Receiver();
        for (int i = 0; i < n; i++) {
            send(frame(2000 + i, 1, false), after);
        }
        awaitReceived(after, n);
        assertEquals(dead, after.perServer[2], "the same flows go back to server2 once its port is up");
    }
}
