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
 * return to the pool, so the program first writes all headers from the template on every run. The UDP checksum stays 0: valid for IPv4, not for
 * IPv6, but neither router nor sink verifies it (the kernel does not check L4 checksums when
 * forwarding), and computing it per frame would slow the generator down.
 *
 * <p>Sink: counts frames per flow in one array map whose single value is laid out as
 * {@link #SINK_TOTAL}, {@link #SINK_SAMPLE_COUNT}, then {@code flows} entries of
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
    static final long SINK_TOTAL = 0, SINK_SAMPLE_COUNT = 8, SINK_HEADER = 32, FLOW_ENTRY = 24;
    static final long FLOW_PACKETS = 0, FLOW_LAST_SEQ = 8, FLOW_REGRESSIONS = 16;
    static final int MAX_FLOWS = 65536 - 1024;
    /** The generator's map value: frames sent, next send time, pacing interval (0 = unpaced), largest catch-up (ns). */
    static final long GEN_SENT = 0, GEN_NEXT = 8, GEN_INTERVAL = 16, GEN_MAX_LAG = 24, GEN_VALUE_SIZE = 32;

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
                // Pacing: with an interval set, a run before the next send time drops its frame unsent.
                // The next send time advances by the interval, so a late run catches up, but by at
                // most GEN_MAX_LAG: after a longer stall (the CPU was taken away) it starts afresh.
                .ldx(DW, R1, R9, (int) GEN_INTERVAL).jeqImm(R1, 0, "send")
                .call(Bpf.HELPER_KTIME_GET_NS)
                .ldx(DW, R2, R9, (int) GEN_NEXT).jltReg(R0, R2, "skip")
                .movReg(R3, R0).aluReg(SUB, R3, R2).ldx(DW, R4, R9, (int) GEN_MAX_LAG)
                .ldx(DW, R1, R9, (int) GEN_INTERVAL).jgtReg(R3, R4, "resync")
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
        a.call(Bpf.HELPER_KTIME_GET_NS).stx(DW, R7, pay + 8, R0)
                .movImm(R0, Bpf.XDP_TX).exit()
                .label("skip").movImm(R0, Bpf.XDP_DROP).exit()
                .label("abort").movImm(R0, Bpf.XDP_ABORTED).exit();
        return a.assemble();
    }

    /** A sink: counts the harness's frames per flow, notes sequence regressions and samples latency; drops them. */
    static byte[] sink(int family, int flows, int mapFd) {
        int pay = payloadOffset(family);
        int udp = udpOffset(family);
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
                .label("drop").movImm(R0, Bpf.XDP_DROP).exit()
                .label("pass").movImm(R0, Bpf.XDP_PASS).exit();
        return a.assemble();
    }
}
