package io.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.tables.FlowHash;
import io.dataplane.tables.Fib;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.RouteTarget;
import io.dataplane.tables.Snapshot;
import io.dataplane.tables.packet.Frames;
import io.dataplane.tables.packet.Ipv4;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The pipeline's decisions and rewrites, frame by frame. */
class PipelineTest {
    private final Fib forwarding = ExampleRoutes.build();
    private final Snapshot s = forwarding.snapshot();
    private final Pipeline pipeline = new Pipeline(16);

    @AfterEach
    void close() {
        forwarding.close();
    }

    private int run(MemorySegment frame) {
        PacketBatch b = new PacketBatch(1);
        b.add(0, 0, (int) frame.byteSize());
        pipeline.process(s, frame, b);
        return b.verdict[0];
    }

    private int run(Frames f) {
        return run(f.toSegment());
    }

    /**
     * The flow hash of group 0 (l4) computed straight from the frame, not by the pipeline: what
     * {@code trace} must report and what the egress port must follow from.
     */
    private int l4Hash(MemorySegment m, int l3) {
        return FlowHash.ipv4(m, l3, (int) m.byteSize() - l3, FlowHash.L4, s.hashSeed);
    }

    /** The port of group 0's member for this hash. */
    private int group0Port(int hash) {
        int nexthop = s.groups.selectByHash(s.groups.block(0), hash);
        return nexthop == 1 ? 1 : 2;
    }

    @Test
    void forwardsAndRewritesIpv4() {
        MemorySegment m = Frames.ipv4("192.0.2.1", "198.51.100.7").udp(1024, 53).ttl(64).payload(18).toSegment();
        int expected = group0Port(l4Hash(m, 14));
        int port = run(m);
        assertEquals(expected, port);
        long dstMac = port == 1 ? ExampleRoutes.SERVER1_MAC : ExampleRoutes.SERVER2_MAC;
        assertEquals(dstMac, mac(m, 0));
        assertEquals(ExampleRoutes.ROUTER_MAC, mac(m, 6));
        assertEquals(63, m.get(ValueLayout.JAVA_BYTE, 14 + 8));
        assertEquals(0, Frames.ipv4Checksum(m, 14, 20), "header checksum must verify after the TTL rewrite");
    }

    @Test
    void incrementalChecksumMatchesAFullRecomputeForEveryTtl() {
        SplittableRandom r = new SplittableRandom(7);
        for (int ttl = 2; ttl <= 255; ttl++) {
            MemorySegment m = Frames.ipv4(r.nextInt(0x0a000000, 0x0b000000), ExampleRoutes.v4("198.51.100.9"))
                    .udp(r.nextInt(65536), 53).ttl(ttl).toSegment();
            int expected = group0Port(l4Hash(m, 14));
            assertEquals(expected, run(m));
            assertEquals(ttl - 1, m.get(ValueLayout.JAVA_BYTE, 22) & 0xff);
            assertEquals(0, Frames.ipv4Checksum(m, 14, 20), "ttl " + ttl);
        }
    }

    @Test
    void forwardsAndRewritesIpv6() {
        MemorySegment m = Frames.ipv6("2001:db8:1::2", "2001:db8:100::9").tcp(40000, 80).ttl(2).toSegment();
        int expected = group0Port(FlowHash.ipv6(m, 14, (int) m.byteSize() - 14, FlowHash.L4, s.hashSeed));
        assertEquals(expected, run(m));
        assertEquals(1, m.get(ValueLayout.JAVA_BYTE, 14 + 7));
    }

    @Test
    void vlanTaggedFramesAreParsedAndKeepTheirTag() {
        MemorySegment m = Frames.ipv4("192.0.2.1", "198.51.100.7").vlan(100).udp(1024, 53).toSegment();
        int expected = group0Port(l4Hash(m, 18));
        assertEquals(expected, run(m));
        assertEquals((short) 0x8100, m.get(Frames.BE16, 12));
        assertEquals(0, Frames.ipv4Checksum(m, 18, 20));
    }

    @Test
    void traceReportsTheSameDecisionAsProcess() {
        for (int sport = 1000; sport < 1100; sport++) {
            Frames f = Frames.ipv4("192.0.2.1", "198.51.100.7").udp(sport, 53);
            MemorySegment m = f.toSegment();
            Pipeline.Trace t = new Pipeline(16).trace(s, m, 0, (int) m.byteSize());
            assertEquals(RouteTarget.group(0), t.routeTarget());
            assertEquals(l4Hash(m, 14), t.hash());
            assertEquals(s.groups.selectByHash(s.groups.block(0), t.hash()), t.nexthop());
            assertEquals(group0Port(t.hash()), t.egressPort());
            assertEquals(t.egressPort(), run(f));
        }
    }

    @Test
    void aClassESourceIsForwardedAsTheKernelDoes() {
        MemorySegment m = Frames.ipv4("240.0.0.1", "198.51.100.7").udp(1024, 53).toSegment();
        assertEquals(group0Port(l4Hash(m, 14)), run(m));
    }

    @Test
    void aPortTheWorkerCannotSendOnIsNoEgressPort() {
        Pipeline onlyPort0 = new Pipeline(16, 1L);
        MemorySegment m = Frames.ipv4("192.0.2.1", "198.51.100.7").udp(1024, 53).toSegment();
        PacketBatch b = new PacketBatch(1);
        b.add(0, 0, (int) m.byteSize());
        onlyPort0.process(s, m, b);
        assertEquals(Verdict.NO_EGRESS_PORT.code, b.verdict[0]);
        assertEquals(64, m.get(ValueLayout.JAVA_BYTE, 14 + 8), "a dropped frame is not rewritten");
    }

    @Test
    void aDownPortMakesItsRoutesDead() {
        MemorySegment m = Frames.ipv4("192.0.2.1", "198.51.100.7").udp(1024, 53).toSegment();
        PacketBatch b = new PacketBatch(1);
        b.add(0, 0, (int) m.byteSize());
        pipeline.process(s, m, b, 0b110);
        assertEquals(Verdict.NEXTHOP_DEAD.code, b.verdict[0]);
    }

    @Test
    void theBatchColumnsDescribeEachFrame() {
        MemorySegment m = MemorySegment.ofArray(new byte[512]);
        int tagged = Frames.ipv4("192.0.2.1", "198.51.100.7").vlan(5).udp(1024, 53).write(m, 0);
        int v6 = Frames.ipv6("2001:db8:1::2", "2001:db8:100::9").udp(1024, 53).write(m, 256);
        int hash4 = FlowHash.ipv4(m, 18, tagged - 18, FlowHash.L4, s.hashSeed);
        int hash6 = FlowHash.ipv6(m, 256 + 14, v6 - 14, FlowHash.L4, s.hashSeed);
        PacketBatch b = new PacketBatch(2);
        b.add(0, 0, tagged);
        b.add(0, 256, v6);
        pipeline.process(s, m, b);
        assertEquals(18, b.l3[0]);
        assertEquals(4, b.ipVersion[0]);
        assertEquals(RouteTarget.group(0), b.routeTarget[0]);
        assertEquals(io.dataplane.tables.MultipathAlgorithm.L4.ordinal(), b.algorithm[0]);
        assertEquals(hash4, b.hash[0]);
        assertEquals(s.groups.selectByHash(s.groups.block(0), hash4), b.nexthop[0]);
        assertEquals(group0Port(hash4), b.verdict[0]);
        assertEquals(256 + 14, b.l3[1]);
        assertEquals(6, b.ipVersion[1]);
        assertEquals(hash6, b.hash[1]);
        assertEquals(group0Port(hash6), b.verdict[1]);
    }

    @Test
    void aFrameWithNoRouteOrARouteTypeHasNoAlgorithmAndNoHashInItsColumns() {
        // Found by PipelineFuzzTest: the batch is reused burst after burst, and a frame that met
        // no route (or a blackhole) kept the algorithm and hash of the frame before it.
        PacketBatch b = new PacketBatch(1);
        for (Frames next : new Frames[] {Frames.ipv4("192.0.2.1", "10.200.0.1"), Frames.ipv6("2001:db8:1::2", "2001:db8:7::1")}) {
            MemorySegment hashed = Frames.ipv4("192.0.2.1", "198.51.100.7").udp(1024, 53).toSegment();
            b.clear();
            b.add(0, 0, (int) hashed.byteSize());
            pipeline.process(s, hashed, b);
            assertTrue(b.hash[0] >= 0, "the group's hash");
            MemorySegment unrouted = next.udp(1, 2).toSegment();
            b.clear();
            b.add(0, 0, (int) unrouted.byteSize());
            pipeline.process(s, unrouted, b);
            assertEquals(Verdict.NO_ROUTE.code, b.verdict[0]);
            assertEquals(PacketBatch.NONE, b.algorithm[0]);
            assertEquals(PacketBatch.NONE, b.hash[0]);
        }
    }

    @Test
    void icmpv4ErrorTakesTheNexthopOfTheFlowItQuotes() {
        // Anycast: clients reach 203.0.113.5 through the l3 group. A router beyond us sends Frag
        // Needed towards the anycast address, quoting the server's reply to the client; it must
        // reach the same server as the client's own packets.
        for (int i = 0; i < 200; i++) {
            String client = "192.0.2." + (i % 250 + 1);
            Frames reply = Frames.ipv4("203.0.113.5", client).tcp(80, 40000 + i);
            Frames flow = Frames.ipv4(client, "203.0.113.5").tcp(40000 + i, 80);
            Frames error = Frames.ipv4("198.18.0.1", "203.0.113.5").icmp(3, 4, reply).icmpMtu(1400);
            assertEquals(run(flow), run(error), "client " + client);
        }
    }

    @Test
    void icmpv6PacketTooBigTakesTheNexthopOfTheFlowItQuotes() {
        for (int i = 0; i < 200; i++) {
            String client = "2001:db8:1::" + Integer.toHexString(i + 2);
            int label = 0x10000 + i * 97;
            Frames reply = Frames.ipv6("fc00::1", client).flowLabel(label).tcp(80, 40000 + i);
            Frames flow = Frames.ipv6(client, "fc00::1").flowLabel(label).tcp(40000 + i, 80);
            Frames ptb = Frames.ipv6("2001:db8:ff::1", "fc00::1").icmp(2, 0, reply).icmpMtu(1280);
            assertEquals(run(flow), run(ptb), "client " + client);
        }
    }

    @Test
    void perPacketGroupAlternatesWithExactWeights() {
        int[] count = new int[3];
        for (int i = 0; i < 300; i++) {
            count[run(Frames.ipv4("10.9.9.9", "192.0.2.200").udp(1, 1))]++;
        }
        assertEquals(100, count[1]);
        assertEquals(200, count[2]);
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> malformed() {
        return MalformedFrames.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedAndUnroutableFramesGetTheirReason(String name, MemorySegment frame, Verdict expected) {
        assertEquals(expected.code, run(frame), name);
    }

    @Test
    void ipv4AboveTheMtuWithDfClearIsLeftToTheFragmenterUnrewrittenAndWithDfSetExceedsTheMtu() {
        Frames big = Frames.ipv4("192.0.2.1", "10.5.0.1").udp(1024, 53).payload(1300); // nexthop 5: MTU 1280
        assertEquals(Verdict.MTU_EXCEEDED.code, run(big.fragmentField(Ipv4.DF)), "DF set: Frag Needed");
        MemorySegment frame = big.fragmentField(0).toSegment();
        byte[] before = frame.toArray(ValueLayout.JAVA_BYTE);
        PacketBatch b = new PacketBatch(1);
        b.add(0, 0, (int) frame.byteSize());
        pipeline.process(s, frame, b);
        assertEquals(Verdict.NEEDS_FRAGMENTATION.code, b.verdict[0], "DF clear: fragmented by the worker");
        assertEquals(5, b.nexthop[0], "the nexthop the fragments go to");
        assertArrayEquals(before, frame.toArray(ValueLayout.JAVA_BYTE), "the fragmenter rewrites each fragment itself");
        assertEquals(Verdict.MTU_EXCEEDED.code, run(Frames.ipv6("2001:db8:1::2", "2001:db8:100::7").payload(1500)),
                "IPv6 is never fragmented by a router");
        assertEquals(Verdict.NEEDS_FRAGMENTATION.code, run(big.fragmentField(Ipv4.MF | 10)), "a fragment is fragmented again");
    }

    @Test
    void randomBytesNeverThrowAndAlwaysGetAVerdict() {
        SplittableRandom r = new SplittableRandom(11);
        MemorySegment m = MemorySegment.ofArray(new byte[2048]);
        for (int i = 0; i < 200_000; i++) {
            int len = r.nextInt(0, 200);
            for (int b = 0; b < len; b++) {
                m.set(ValueLayout.JAVA_BYTE, b, (byte) r.nextInt());
            }
            if (r.nextBoolean()) {
                m.set(Frames.BE16, 12, (short) (r.nextBoolean() ? 0x0800 : 0x86dd));
                m.set(ValueLayout.JAVA_BYTE, 14, (byte) (r.nextBoolean() ? 0x45 : 0x60));
            }
            PacketBatch b = new PacketBatch(1);
            b.add(0, 0, len);
            pipeline.process(s, m.asSlice(0, Math.max(len, 1)), b);
            int v = b.verdict[0];
            assertTrue(v >= 0 && v <= 2 || v < 0 && Verdict.index(v) < Verdict.COUNT, "verdict " + v);
        }
    }

    /** One frame of one flow into group 0's /24, fresh each time (the pipeline rewrites it in place). */
    private static MemorySegment group0Frame() {
        return Frames.ipv4("192.0.2.1", "198.51.100.7").udp(1024, 53).ttl(64).toSegment();
    }

    private int burstOfOne(Snapshot snapshot, MemorySegment frame) {
        PacketBatch b = new PacketBatch(1);
        b.add(0, 0, (int) frame.byteSize());
        pipeline.process(snapshot, frame, b);
        return b.verdict[0];
    }

    /** Group 0 becomes per-packet over nexthops 1 and 2: one flow's frames then alternate ports. */
    private Snapshot group0PerPacket() {
        forwarding.change().group(0, new GroupSpec(new int[] {1, 2}, new int[] {1, 1}, MultipathAlgorithm.PER_PACKET))
                .commit();
        return forwarding.snapshot();
    }

    @Test
    void aGroupReplacedBetweenBurstsIsReadAfreshInTheNextBurst() {
        // A burst reads a group's header once, for all its frames; a commit between two bursts
        // must be seen by the second.
        int port = burstOfOne(s, group0Frame());
        assertTrue(port == 1 || port == 2, "l4 group: port " + port);
        Snapshot after = group0PerPacket();
        Set<Integer> ports = new TreeSet<>();
        for (int k = 0; k < 4; k++) {
            ports.add(burstOfOne(after, group0Frame()));
        }
        assertEquals(Set.of(1, 2), ports, "per-packet: one flow's frames on both ports");
    }

    @Test
    void aTraceAfterABurstReadsTheGroupOfItsOwnSnapshot() {
        burstOfOne(s, group0Frame());
        Snapshot after = group0PerPacket();
        MemorySegment m = group0Frame();
        Pipeline.Trace t = pipeline.trace(after, m, 0, (int) m.byteSize());
        assertEquals(MultipathAlgorithm.PER_PACKET, t.algorithm());
        assertEquals(PacketBatch.NONE, t.hash(), "per-packet computes no hash");
    }

    @Test
    void anEmptyFrameAtTheEndOfTheMemoryIsTruncatedNotAnError() {
        // A frame of no bytes has none to read, even where its offset is the memory's end.
        MemorySegment m = MemorySegment.ofArray(new byte[256]);
        int length = Frames.ipv4("192.0.2.1", "198.51.100.7").udp(1024, 53).write(m, 0);
        PacketBatch b = new PacketBatch(2);
        b.add(0, 0, length);
        b.add(0, m.byteSize(), 0);
        pipeline.process(s, m, b);
        assertTrue(b.verdict[0] >= 0, "the whole frame is forwarded, verdict " + b.verdict[0]);
        assertEquals(Verdict.TRUNCATED.code, b.verdict[1]);
    }

    private static long mac(MemorySegment m, long at) {
        return ((m.get(Frames.BE16, at) & 0xffffL) << 32) | (m.get(Frames.BE32, at + 2) & 0xffffffffL);
    }
}
