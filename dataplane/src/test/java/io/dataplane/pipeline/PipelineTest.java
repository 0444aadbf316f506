package io.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.tables.Forwarding;
import io.dataplane.tables.RouteTarget;
import io.dataplane.tables.Snapshot;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The pipeline's decisions and rewrites, frame by frame. */
class PipelineTest {
    private final Forwarding forwarding = ExampleRoutes.build();
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

    @Test
    void forwardsAndRewritesIpv4() {
        MemorySegment m = Frames.ipv4("192.0.2.1", "198.51.100.7").udp(1024, 53).ttl(64).payload(18).toSegment();
        int port = run(m);
        assertTrue(port == 1 || port == 2);
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
            assertTrue(run(m) >= 0);
            assertEquals(ttl - 1, m.get(ValueLayout.JAVA_BYTE, 22) & 0xff);
            assertEquals(0, Frames.ipv4Checksum(m, 14, 20), "ttl " + ttl);
        }
    }

    @Test
    void forwardsAndRewritesIpv6() {
        MemorySegment m = Frames.ipv6("2001:db8:1::2", "2001:db8:100::9").tcp(40000, 80).ttl(2).toSegment();
        int port = run(m);
        assertTrue(port == 1 || port == 2);
        assertEquals(1, m.get(ValueLayout.JAVA_BYTE, 14 + 7));
    }

    @Test
    void vlanTaggedFramesAreParsedAndKeepTheirTag() {
        MemorySegment m = Frames.ipv4("192.0.2.1", "198.51.100.7").vlan(100).udp(1024, 53).toSegment();
        assertTrue(run(m) >= 0);
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
            assertEquals(t.egressPort(), run(f));
            assertTrue(t.hash() >= 0);
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

    private static long mac(MemorySegment m, long at) {
        return ((m.get(Frames.BE16, at) & 0xffffL) << 32) | (m.get(Frames.BE32, at + 2) & 0xffffffffL);
    }
}
