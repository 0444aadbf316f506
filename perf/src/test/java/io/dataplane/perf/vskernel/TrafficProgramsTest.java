package io.dataplane.perf.vskernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.ffi.Bpf;
import io.dataplane.ffi.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The generator and sink programs run through BPF_PROG_TEST_RUN (not live): the frames the
 * generator writes carry the flow in the source port and address, valid IPv4 header and UDP
 * checksums, per-flow sequence numbers and a send time, also when the input frame is a forwarded
 * copy (other MACs, lower TTL); the sink counts them per flow, and counts as bad, not forwarded,
 * frames whose IPv4 header or UDP checksum does not verify. Needs root.
 */
class TrafficProgramsTest {
    private static final int FLOWS = 5;

    @ParameterizedTest
    @CsvSource({"4, 80", "4, 81", "6, 80", "6, 79"}) // even and odd UDP lengths: every tail of the sink's checksum loop
    void generatedFramesCarryFlowSequenceTimeAndChecksumsAndTheSinkCountsThem(int family, int length) throws Exception {
        VsKernelSmokeTest.assumeRoot();
        byte[] template = TrafficGenerator.template(family, length, BenchTopology.GEN_MAC, BenchTopology.ROUTER_IN_MAC,
                InetAddress.getByName(family == 4 ? BenchTopology.SRC4 : BenchTopology.SRC6),
                InetAddress.getByName(family == 4 ? BenchTopology.DST4 : BenchTopology.DST6));
        int genMap = Bpf.mapCreate(Bpf.MAP_TYPE_ARRAY, 4, (int) TrafficPrograms.GEN_VALUE_SIZE, 1, "t_gen");
        int gen = Bpf.progLoad(Bpf.PROG_TYPE_XDP, TrafficPrograms.generator(family, FLOWS, genMap, template), "GPL", "t_gen");
        int sinkMap = Bpf.mapCreate(Bpf.MAP_TYPE_ARRAY, 4, (int) TrafficPrograms.sinkValueSize(FLOWS), 1, "t_sink");
        int sink = Bpf.progLoad(Bpf.PROG_TYPE_XDP, TrafficPrograms.sink(family, FLOWS, sinkMap, length), "GPL", "t_sink");
        try {
            // A forwarded copy of the template: next hop's MACs, TTL 63, stale checksum and ports.
            byte[] in = template.clone();
            in[0] = 9;
            in[6] = 9;
            in[TrafficPrograms.ETH_HLEN + (family == 4 ? 8 : 7)] = 63;
            in[TrafficPrograms.udpOffset(family)] = 0x55;
            byte[] out = new byte[in.length];
            for (int i = 0; i < 2 * FLOWS + 1; i++) {
                assertEquals(Bpf.XDP_TX, Bpf.testRun(gen, in, out));
                ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.BIG_ENDIAN);
                int flow = i % FLOWS;
                for (int k = 0; k < 12; k++) {
                    assertEquals(template[k], out[k], "MAC byte " + k + " from the template");
                }
                int udp = TrafficPrograms.udpOffset(family);
                int pay = TrafficPrograms.payloadOffset(family);
                assertEquals(1024 + flow, b.getShort(udp) & 0xffff, "source port");
                int srcLow = family == 4 ? TrafficPrograms.ETH_HLEN + 14 : TrafficPrograms.ETH_HLEN + 22;
                assertEquals(flow, b.getShort(srcLow) & 0xffff, "source address low bits");
                assertEquals(64, out[TrafficPrograms.ETH_HLEN + (family == 4 ? 8 : 7)], "TTL / hop limit from the template");
                ByteBuffer le = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
                assertEquals(flow, le.getInt(pay), "flow in the payload");
                assertEquals(i / FLOWS, le.getInt(pay + 4), "per-flow sequence");
                assertEquals(true, le.getLong(pay + 8) > 0, "send time");
                if (family == 4) {
                    int sum = 0;
                    for (int k = TrafficPrograms.ETH_HLEN; k < TrafficPrograms.ETH_HLEN + 20; k += 2) {
                        sum += b.getShort(k) & 0xffff;
                    }
                    while (sum >> 16 != 0) {
                        sum = (sum & 0xffff) + (sum >> 16);
                    }
                    assertEquals(0xffff, sum, "IPv4 header checksum verifies");
                }
                assertTrue(b.getShort(udp + 6) != 0, "the UDP checksum is filled in");
                assertTrue(TrafficPrograms.checksumsVerify(family, out), "IPv4 header and UDP checksums verify");
                assertEquals(Bpf.XDP_DROP, Bpf.testRun(sink, out));
            }
            // A frame whose UDP checksum (or, for IPv4, header checksum) is wrong is counted as bad, not forwarded.
            byte[] broken = out.clone();
            broken[TrafficPrograms.payloadOffset(family) + 9] ^= 0x40; // a bit of the send time
            assertFalse(TrafficPrograms.checksumsVerify(family, broken));
            assertEquals(Bpf.XDP_DROP, Bpf.testRun(sink, broken));
            byte[] wrongUdp = out.clone();
            wrongUdp[TrafficPrograms.udpOffset(family) + 7] ^= 1; // the checksum off by one
            assertEquals(Bpf.XDP_DROP, Bpf.testRun(sink, wrongUdp));
            int bad = 2;
            if (family == 4) {
                byte[] header = out.clone();
                header[TrafficPrograms.ETH_HLEN + 8] = 63; // TTL lowered without updating the header checksum
                assertFalse(TrafficPrograms.checksumsVerify(family, header));
                assertEquals(Bpf.XDP_DROP, Bpf.testRun(sink, header));
                bad++;
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment v = a.allocate(TrafficPrograms.sinkValueSize(FLOWS), 8);
                Bpf.mapLookup(sinkMap, a.allocateFrom(ValueLayout.JAVA_INT, 0), v, "sink");
                assertEquals(2 * FLOWS + 1, v.get(ValueLayout.JAVA_LONG, TrafficPrograms.SINK_TOTAL), "verified frames");
                assertEquals(bad, v.get(ValueLayout.JAVA_LONG, TrafficPrograms.SINK_BAD), "frames that failed a checksum");
                assertEquals(3, v.get(ValueLayout.JAVA_LONG, TrafficPrograms.SINK_HEADER), "flow 0 got three frames");
                assertEquals(2, v.get(ValueLayout.JAVA_LONG, TrafficPrograms.SINK_HEADER + TrafficPrograms.FLOW_LAST_SEQ),
                        "flow 0's highest sequence");
                assertEquals(0, v.get(ValueLayout.JAVA_LONG, TrafficPrograms.SINK_HEADER + TrafficPrograms.FLOW_REGRESSIONS));
            }
            byte[] arp = new byte[60];
            arp[12] = 0x08;
            arp[13] = 0x06;
            assertEquals(Bpf.XDP_PASS, Bpf.testRun(sink, arp), "ARP goes to the kernel");
        } finally {
            Libc.close(sink);
            Libc.close(sinkMap);
            Libc.close(gen);
            Libc.close(genMap);
        }
    }

    @org.junit.jupiter.api.Test
    void aPacedRunWaitsForItsSendTimeAndIsSkippedOnlyWhenThatIsBeyondTheSpinLimit() throws Exception {
        VsKernelSmokeTest.assumeRoot();
        byte[] template = TrafficGenerator.template(4, 64, BenchTopology.GEN_MAC, BenchTopology.ROUTER_IN_MAC,
                InetAddress.getByName(BenchTopology.SRC4), InetAddress.getByName(BenchTopology.DST4));
        int map = Bpf.mapCreate(Bpf.MAP_TYPE_ARRAY, 4, (int) TrafficPrograms.GEN_VALUE_SIZE, 1, "t_gen");
        int gen = Bpf.progLoad(Bpf.PROG_TYPE_XDP, TrafficPrograms.generator(4, FLOWS, map, template), "GPL", "t_gen");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocateFrom(ValueLayout.JAVA_INT, 0);
            MemorySegment v = a.allocate(TrafficPrograms.GEN_VALUE_SIZE, 8);
            long interval = 10_000_000_000L; // 10 s: far beyond the ~200 us the program waits
            v.set(ValueLayout.JAVA_LONG, TrafficPrograms.GEN_INTERVAL, interval);
            v.set(ValueLayout.JAVA_LONG, TrafficPrograms.GEN_MAX_LAG, interval * TrafficGenerator.MAX_CATCH_UP_FRAMES);
            Bpf.mapUpdate(map, key, v, "pacing");
            byte[] out = new byte[template.length];
            assertEquals(Bpf.XDP_TX, Bpf.testRun(gen, template, out), "the first frame is due at once");
            assertEquals(Bpf.XDP_DROP, Bpf.testRun(gen, template, out), "the next is due in 10 s: skipped");
            Bpf.mapLookup(map, key, v, "pacing");
            assertEquals(1, v.get(ValueLayout.JAVA_LONG, TrafficPrograms.GEN_SENT), "one frame sent");
            assertEquals(1, v.get(ValueLayout.JAVA_LONG, TrafficPrograms.GEN_SKIPPED), "one run skipped, and counted");
            assertTrue(v.get(ValueLayout.JAVA_LONG, TrafficPrograms.GEN_NEXT) > interval, "the schedule starts from the first send");
        } finally {
            Libc.close(gen);
            Libc.close(map);
        }
    }
}
