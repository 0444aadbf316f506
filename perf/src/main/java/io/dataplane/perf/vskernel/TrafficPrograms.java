package io.dataplane.perf.vskernel;

import static io.dataplane.ffi.BpfAssembler.ADD;
import static io.dataplane.ffi.BpfAssembler.AND;
import static io.dataplane.ffi.BpfAssembler.B;
import static io.dataplane.ffi.BpfAssembler.DIV;
import static io.dataplane.ffi.BpfAssembler.DW;
import static io.dataplane.ffi.BpfAssembler.H;
import static io.dataplane.ffi.BpfAssembler.LSH;
import static io.dataplane.ffi.BpfAssembler.MOD;
import static io.dataplane.ffi.BpfAssembler.MUL;
import static io.dataplane.ffi.BpfAssembler.R0;
import static io.dataplane.ffi.BpfAssembler.R1;
import static io.dataplane.ffi.BpfAssembler.R10;
import static io.dataplane.ffi.BpfAssembler.R2;
import static io.dataplane.ffi.BpfAssembler.R3;
import static io.dataplane.ffi.BpfAssembler.R4;
import static io.dataplane.ffi.BpfAssembler.R5;
import static io.dataplane.ffi.BpfAssembler.R6;
import static io.dataplane.ffi.BpfAssembler.R7;
import static io.dataplane.ffi.BpfAssembler.R8;
import static io.dataplane.ffi.BpfAssembler.R9;
import static io.dataplane.ffi.BpfAssembler.RSH;
import static io.dataplane.ffi.BpfAssembler.SUB;
import static io.dataplane.ffi.BpfAssembler.W;
import static io.dataplane.ffi.BpfAssembler.XOR;

import io.dataplane.ffi.Bpf;
import io.dataplane.ffi.BpfAssembler;

/**
 * The two hand-assembled XDP programs of the harness and the frame layout they share.
 *
 * <p>Frame: Ethernet, IPv4 (20 bytes, no options) or IPv6 (40 bytes), UDP to port
 * {@link #UDP_PORT}, then the payload {@code u32 flow, u32 sequence, u64 send time (ns,
 * CLOCK_MONOTONIC)}, padded to the frame size. The generator runs on every copy of one template
 * frame (BPF_PROG_TEST_RUN with live frames), so everything that varies is written by the
 * program: a global counter {@code c} gives {@code flow = c % flows} and the per-flow sequence
 * {@code c / flows}; the flow picks the UDP source port ({@code 1024 + flow}) and the low 16 bits
 * of the source address (so l3 and l4 hashing both see {@code flows} distinct flows); IPv4's
 * header checksum is patched incrementally. Live frames reuse pages without copying the template
 * again, and the kernel router rewrites frames in place (MACs, TTL, checksum) before their pages
 * return to the pool, so the program first writes all headers from the template on every run.
 * It also fills in the UDP checksum, incrementally: the template's sum with every rewritten field
 * at zero is a constant of the program, to which it adds the words it wrote.
 *
 * <p>Sink: verifies the IPv4 header checksum and the UDP checksum of every frame of the harness's
 * and counts the frames that fail in {@link #SINK_BAD}, dropping them uncounted otherwise: a
 * router that breaks either forwards nothing as far as the harness is concerned. The frames that
 * pass are counted per flow in one array map whose single value is laid out as
 * {@link #SINK_TOTAL}, {@link #SINK_SAMPLE_COUNT}, {@link #SINK_BAD}, then {@code flows} entries of
 * {packets, highest sequence seen, sequence regressions}, then a ring of {@link #SAMPLES}
 * one-way latencies (every 64th frame). Everything that is not the harness's UDP goes to the
 * kernel (ARP, ND), and the program being native XDP on the sink's veth is what lets frames
 * redirected into it arrive at all (reference §2.4).
 */
final class TrafficPrograms {
    static final int ETH_HLEN = 14;
    static final int UDP_PORT = 9; // discard
    static final int PAYLOAD_LENGTH = 16;
    static final int SAMPLES = 65536;
    static final int SAMPLE_EVERY_SHIFT = 6;
    static final long SINK_TOTAL = 0, SINK_SAMPLE_COUNT = 8, SINK_BAD = 16, SINK_HEADER = 32, FLOW_ENTRY = 24;
    static final long FLOW_PACKETS = 0, FLOW_LAST_SEQ = 8, FLOW_REGRESSIONS = 16;
    static final int MAX_FLOWS = 65536 - 1024;
    /**
     * The generator's map value: frames sent, next send time, pacing interval (0 = unpaced),
     * largest lag before the schedule restarts (ns), runs skipped because the wait was too long.
     */
    static final long GEN_SENT = 0, GEN_NEXT = 8, GEN_INTERVAL = 16, GEN_MAX_LAG = 24, GEN_SKIPPED = 32, GEN_VALUE_SIZE = 40;
    /**
     * Paced, a run waits for its send time in a bounded loop of at most this many rounds of
     * {@link #SPIN_CALLS} bpf_ktime_get_ns calls (a few hundred microseconds); only when a frame is
     * due later than that (rates below a few kpps) is the run skipped. Frames are never dropped to
     * pace. The verifier keeps one pending branch per round and refuses more than 8192.
     */
    static final int MAX_SPIN = 4000, SPIN_CALLS = 4;

    private TrafficPrograms() {
    }

    static int ipOffset() {
        return ETH_HLEN;
    }

    static int udpOffset(int family) {
        return ETH_HLEN + (family == 4 ? 20 : 40);
    }

    static int payloadOffset(int family) {
        return udpOffset(family) + 8;
    }

    /** The smallest frame that holds the headers and the payload (no FCS). */
    static int minFrameLength(int family) {
        return payloadOffset(family) + PAYLOAD_LENGTH;
    }

    static long sinkValueSize(int flows) {
        return SINK_HEADER + flows * FLOW_ENTRY + SAMPLES * 8L;
    }

    static long sampleBase(int flows) {
        return SINK_HEADER + flows * FLOW_ENTRY;
    }

    /** The generator: stamps flow, sequence and time into the frame and returns XDP_TX. */
    static byte[] generator(int family, int flows, int counterMapFd, byte[] template) {
        int pay = payloadOffset(family);
        int udp = udpOffset(family);
        int srcLow = family == 4 ? ETH_HLEN + 12 + 2 : ETH_HLEN + 8 + 14;
        BpfAssembler a = new BpfAssembler();
        a.movReg(R6, R1)
                .ldx(W, R7, R6, 0) // data
                .ldx(W, R8, R6, 4) // data_end
                .movReg(R2, R7).addImm(R2, pay + PAYLOAD_LENGTH).jgtReg(R2, R8, "abort");
        // Live frames recycle pages without copying the template again, and a frame the kernel
        // forwarded comes back to the pool with the next hop's MACs, a lower TTL and a new
        // checksum. So every run writes all headers from the template first.
        for (int off = 0; off + 4 <= pay; off += 4) {
            a.stImm(W, R7, off, (template[off] & 0xff) | (template[off + 1] & 0xff) << 8 | (template[off + 2] & 0xff) << 16
                    | (template[off + 3] & 0xff) << 24);
        }
        if (pay % 4 != 0) {
            int off = pay - 2;
            a.stImm(H, R7, off, (template[off] & 0xff) | (template[off + 1] & 0xff) << 8);
        }
        a.stImm(W, R10, -4, 0)
                .movReg(R2, R10).addImm(R2, -4).ldMap(R1, counterMapFd)
                .call(Bpf.HELPER_MAP_LOOKUP_ELEM).jeqImm(R0, 0, "abort")
                .movReg(R9, R0)
                // Pacing: with an interval set, the run spins until the next send time, then
                // advances it by the interval; a run later than GEN_MAX_LAG (its CPU was taken
                // away) restarts the schedule from now rather than sending a burst to catch up.
                .ldx(DW, R1, R9, (int) GEN_INTERVAL).jeqImm(R1, 0, "send")
                .movImm(R6, 0)
                .label("wait");
        for (int i = 0; i < SPIN_CALLS; i++) {
            a.call(Bpf.HELPER_KTIME_GET_NS);
        }
        a.ldx(DW, R2, R9, (int) GEN_NEXT).jgeReg(R0, R2, "due")
                .addImm(R6, 1).jgeImm(R6, MAX_SPIN, "skip").ja("wait")
                .label("due").ldx(DW, R1, R9, (int) GEN_INTERVAL)
                .movReg(R3, R0).aluReg(SUB, R3, R2).ldx(DW, R4, R9, (int) GEN_MAX_LAG).jgtReg(R3, R4, "resync")
                .aluReg(ADD, R2, R1).stx(DW, R9, (int) GEN_NEXT, R2).ja("send")
                .label("resync").aluReg(ADD, R0, R1).stx(DW, R9, (int) GEN_NEXT, R0)
                .label("send")
                .ldx(DW, R1, R9, (int) GEN_SENT).movReg(R2, R1).addImm(R2, 1).stx(DW, R9, (int) GEN_SENT, R2)
                .movReg(R2, R1).aluImm(MOD, R2, flows) // flow
                .aluImm(DIV, R1, flows) // sequence within the flow
                .stx(W, R7, pay, R2).stx(W, R7, pay + 4, R1)
                .movReg(R3, R2).addImm(R3, 1024).toBigEndian(R3, 16).stx(H, R7, udp, R3)
                .movReg(R3, R2).toBigEndian(R3, 16).stx(H, R7, srcLow, R3);
        if (family == 4) {
            // RFC 1624: HC' = ~(~HC + m'), the template's source word being 0. One's-complement
            // sums do not care about byte order, so raw little-endian loads work.
            int csum = ETH_HLEN + 10;
            a.ldx(H, R4, R7, csum).aluImm(XOR, R4, 0xffff).aluReg(ADD, R4, R3)
                    .movReg(R5, R4).aluImm(RSH, R5, 16).aluImm(AND, R4, 0xffff).aluReg(ADD, R4, R5)
                    .aluImm(XOR, R4, 0xffff).stx(H, R7, csum, R4);
        }
        a.call(Bpf.HELPER_KTIME_GET_NS).stx(DW, R7, pay + 8, R0);
        // UDP checksum: the template's sum with port, address low bits and payload at zero, plus
        // the words just written (raw little-endian loads: one's-complement sums ignore byte order).
        a.movImm(R4, udpSumWithoutRewrittenFields(family, template))
                .ldx(H, R2, R7, udp).aluReg(ADD, R4, R2)
                .ldx(H, R2, R7, srcLow).aluReg(ADD, R4, R2);
        for (int off = 0; off < PAYLOAD_LENGTH; off += 4) {
            a.ldx(W, R2, R7, pay + off).aluReg(ADD, R4, R2);
        }
        fold(a, R4, R5);
        a.aluImm(XOR, R4, 0xffff).jneImm(R4, 0, "store_udp_csum").movImm(R4, 0xffff) // 0 means "no checksum"
                .label("store_udp_csum").stx(H, R7, udp + 6, R4)
                .movImm(R0, Bpf.XDP_TX).exit()
                .label("skip").ldx(DW, R1, R9, (int) GEN_SKIPPED).addImm(R1, 1).stx(DW, R9, (int) GEN_SKIPPED, R1)
                .movImm(R0, Bpf.XDP_DROP).exit()
                .label("abort").movImm(R0, Bpf.XDP_ABORTED).exit();
        return a.assemble();
    }

    /**
     * A sink for frames of {@code frameLength} bytes: verifies the IPv4 header checksum and the UDP
     * checksum of the harness's frames, counts the ones that fail and drops them; counts the rest
     * per flow, notes sequence regressions and samples latency; drops them too.
     */
    static byte[] sink(int family, int flows, int mapFd, int frameLength) {
        int pay = payloadOffset(family);
        int udp = udpOffset(family);
        int udpLength = frameLength - udp;
        int ethertypeLe = family == 4 ? 0x0008 : 0xdd86;
        int protocol = family == 4 ? ETH_HLEN + 9 : ETH_HLEN + 6;
        int portLe = Short.reverseBytes((short) UDP_PORT) & 0xffff;
        BpfAssembler a = new BpfAssembler();
        a.movReg(R6, R1)
                .ldx(W, R7, R6, 0)
                .ldx(W, R8, R6, 4)
                .movReg(R2, R7).addImm(R2, pay + PAYLOAD_LENGTH).jgtReg(R2, R8, "pass")
                .ldx(H, R2, R7, 12).jneImm(R2, ethertypeLe, "pass")
                .ldx(B, R2, R7, protocol).jneImm(R2, 17, "pass")
                .ldx(H, R2, R7, udp + 2).jneImm(R2, portLe, "pass")
                .stImm(W, R10, -4, 0).movReg(R2, R10).addImm(R2, -4).ldMap(R1, mapFd)
                .call(Bpf.HELPER_MAP_LOOKUP_ELEM).jeqImm(R0, 0, "drop")
                .movReg(R9, R0)
                .movReg(R2, R7).addImm(R2, frameLength).jgtReg(R2, R8, "bad")
                .ldx(H, R2, R7, udp + 4).jneImm(R2, Short.reverseBytes((short) udpLength) & 0xffff, "bad");
        if (family == 4) {
            a.movImm(R4, 0);
            for (int off = ETH_HLEN; off < ETH_HLEN + 20; off += 4) {
                a.ldx(W, R2, R7, off).aluReg(ADD, R4, R2);
            }
            fold(a, R4, R5);
            a.jneImm(R4, 0xffff, "bad");
        }
        // UDP: pseudo-header (addresses, protocol, length), then the whole datagram.
        int addresses = family == 4 ? ETH_HLEN + 12 : ETH_HLEN + 8;
        a.movImm(R4, 0x1100 + (Short.reverseBytes((short) udpLength) & 0xffff));
        for (int off = addresses; off < addresses + (family == 4 ? 8 : 32); off += 4) {
            a.ldx(W, R2, R7, off).aluReg(ADD, R4, R2);
        }
        int off = udp;
        for (; off + 4 <= frameLength; off += 4) {
            a.ldx(W, R2, R7, off).aluReg(ADD, R4, R2);
        }
        if (off + 2 <= frameLength) {
            a.ldx(H, R2, R7, off).aluReg(ADD, R4, R2);
            off += 2;
        }
        if (off < frameLength) {
            a.ldx(B, R2, R7, off).aluReg(ADD, R4, R2); // the odd last byte, padded with a zero
        }
        fold(a, R4, R5);
        a.jneImm(R4, 0xffff, "bad")
                .ldx(DW, R1, R9, (int) SINK_TOTAL).addImm(R1, 1).stx(DW, R9, (int) SINK_TOTAL, R1)
                .ldx(W, R1, R7, pay).jgeImm(R1, flows, "drop")
                .aluImm(MUL, R1, (int) FLOW_ENTRY).movReg(R2, R9).aluReg(ADD, R2, R1)
                .ldx(DW, R3, R2, (int) (SINK_HEADER + FLOW_PACKETS)).addImm(R3, 1)
                .stx(DW, R2, (int) (SINK_HEADER + FLOW_PACKETS), R3)
                .ldx(W, R3, R7, pay + 4)
                .ldx(DW, R4, R2, (int) (SINK_HEADER + FLOW_LAST_SEQ))
                .jgeReg(R3, R4, "in_order")
                .ldx(DW, R5, R2, (int) (SINK_HEADER + FLOW_REGRESSIONS)).addImm(R5, 1)
                .stx(DW, R2, (int) (SINK_HEADER + FLOW_REGRESSIONS), R5).ja("sample")
                .label("in_order").stx(DW, R2, (int) (SINK_HEADER + FLOW_LAST_SEQ), R3)
                .label("sample")
                .ldx(DW, R1, R9, (int) SINK_SAMPLE_COUNT).movReg(R2, R1).addImm(R2, 1)
                .stx(DW, R9, (int) SINK_SAMPLE_COUNT, R2)
                .movReg(R2, R1).aluImm(AND, R2, (1 << SAMPLE_EVERY_SHIFT) - 1).jneImm(R2, 0, "drop")
                .aluImm(RSH, R1, SAMPLE_EVERY_SHIFT).aluImm(AND, R1, SAMPLES - 1).aluImm(LSH, R1, 3)
                .addImm(R1, (int) sampleBase(flows))
                .movReg(R8, R9).aluReg(ADD, R8, R1)
                .call(Bpf.HELPER_KTIME_GET_NS)
                .ldx(DW, R1, R7, pay + 8).aluReg(SUB, R0, R1).stx(DW, R8, 0, R0)
                .ja("drop")
                .label("bad").ldx(DW, R1, R9, (int) SINK_BAD).addImm(R1, 1).stx(DW, R9, (int) SINK_BAD, R1)
                .label("drop").movImm(R0, Bpf.XDP_DROP).exit()
                .label("pass").movImm(R0, Bpf.XDP_PASS).exit();
        return a.assemble();
    }

    /** Folds the 64-bit one's-complement sum in {@code sum} to 16 bits ({@code scratch} is clobbered). */
    private static void fold(BpfAssembler a, int sum, int scratch) {
        for (int i = 0; i < 4; i++) {
            a.movReg(scratch, sum).aluImm(RSH, scratch, 16).aluImm(AND, sum, 0xffff).aluReg(ADD, sum, scratch);
        }
    }

    /** The one's-complement sum of little-endian 16-bit words of {@code b[from, to)}, an odd tail padded with 0. */
    static long sumLe(byte[] b, int from, int to) {
        long sum = 0;
        for (int i = from; i < to; i += 2) {
            sum += (b[i] & 0xff) | (i + 1 < to ? (b[i + 1] & 0xff) << 8 : 0);
        }
        return sum;
    }

    static int foldSum(long sum) {
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) sum;
    }

    /** The UDP pseudo-header's sum (little-endian words) for a frame of this family. */
    private static long pseudoHeaderSumLe(int family, byte[] frame) {
        int udp = udpOffset(family);
        int length = frame.length - udp;
        int addresses = family == 4 ? ETH_HLEN + 12 : ETH_HLEN + 8;
        return sumLe(frame, addresses, addresses + (family == 4 ? 8 : 32)) + 0x1100
                + (Short.reverseBytes((short) length) & 0xffff);
    }

    /**
     * The template's UDP sum with everything the generator rewrites at zero (source port, the
     * source address's low 16 bits, the payload, the checksum itself), folded; little-endian words.
     */
    static int udpSumWithoutRewrittenFields(int family, byte[] template) {
        byte[] t = template.clone();
        int udp = udpOffset(family);
        int srcLow = family == 4 ? ETH_HLEN + 12 + 2 : ETH_HLEN + 8 + 14;
        t[udp] = t[udp + 1] = t[udp + 6] = t[udp + 7] = 0;
        t[srcLow] = t[srcLow + 1] = 0;
        java.util.Arrays.fill(t, payloadOffset(family), payloadOffset(family) + PAYLOAD_LENGTH, (byte) 0);
        return foldSum(pseudoHeaderSumLe(family, t) + sumLe(t, udp, t.length));
    }

    /** True when the frame's IPv4 header checksum (IPv4 only) and its UDP checksum verify: what the sink checks. */
    static boolean checksumsVerify(int family, byte[] frame) {
        if (family == 4 && foldSum(sumLe(frame, ETH_HLEN, ETH_HLEN + 20)) != 0xffff) {
            return false;
        }
        return foldSum(pseudoHeaderSumLe(family, frame) + sumLe(frame, udpOffset(family), frame.length)) == 0xffff;
    }
}
