package io.dataplane.ffi;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Emits eBPF instructions (8 bytes each, little-endian) with forward-jump labels, so that the XDP
 * programs (the product's redirect program, the benchmark's traffic generator and sinks) can be
 * written as readable Java instead of byte arrays. Only the instructions those programs use are
 * here.
 */
public final class BpfAssembler {
    public static final int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8, R9 = 9, R10 = 10;
    /** Width bits of LDX/STX/ST. */
    public static final int W = 0x00, H = 0x08, B = 0x10, DW = 0x18;
    /** ALU operation codes (high nibble) for {@link #aluImm} and {@link #aluReg}; always 64-bit. */
    public static final int ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60,
            RSH = 0x70, MOD = 0x90, XOR = 0xa0;
    private static final int ALU64 = 0x07, ALU64_X = 0x0f, ST_MEM = 0x62 - W, END_TO_BE = 0xdc;
    private static final int LDX_MEM = 0x61 - W, STX_MEM = 0x63 - W; // class | MEM mode; add the width
    /** {@code src_reg} value that makes LD_IMM64 load a map by fd. */
    private static final int PSEUDO_MAP_FD = 1;

    private final List<long[]> insns = new ArrayList<>(); // {opcode, dst, src, off, imm}
    private final Map<String, Integer> labels = new HashMap<>();
    private final Map<Integer, String> fixups = new HashMap<>();

    private BpfAssembler emit(int op, int dst, int src, int off, int imm) {
        insns.add(new long[] {op, dst, src, off, imm});
        return this;
    }

    public BpfAssembler label(String name) {
        if (labels.put(name, insns.size()) != null) {
            throw new IllegalStateException("label defined twice: " + name);
        }
        return this;
    }

    public BpfAssembler ldx(int width, int dst, int src, int off) {
        return emit(LDX_MEM + width, dst, src, off, 0);
    }

    public BpfAssembler stx(int width, int dst, int off, int src) {
        return emit(STX_MEM + width, dst, src, off, 0);
    }

    /** {@code *(width*)(dst + off) = imm}. */
    public BpfAssembler stImm(int width, int dst, int off, int imm) {
        return emit(ST_MEM + width, dst, 0, off, imm);
    }

    /** 64-bit {@code dst = dst OP imm} (for example {@code aluImm(MOD, R2, flows)}). */
    public BpfAssembler aluImm(int op, int dst, int imm) {
        return emit(op | ALU64, dst, 0, 0, imm);
    }

    /** 64-bit {@code dst = dst OP src}. */
    public BpfAssembler aluReg(int op, int dst, int src) {
        return emit(op | ALU64_X, dst, src, 0, 0);
    }

    /** Converts the low {@code bits} (16, 32 or 64) of {@code dst} to network byte order. */
    public BpfAssembler toBigEndian(int dst, int bits) {
        return emit(END_TO_BE, dst, 0, 0, bits);
    }

    public BpfAssembler movImm(int dst, int imm) {
        return emit(0xb7, dst, 0, 0, imm);
    }

    public BpfAssembler movReg(int dst, int src) {
        return emit(0xbf, dst, src, 0, 0);
    }

    public BpfAssembler addImm(int dst, int imm) {
        return emit(0x07, dst, 0, 0, imm);
    }

    public BpfAssembler andImm(int dst, int imm) {
        return emit(0x57, dst, 0, 0, imm);
    }

    /** {@code dst = map} (two instruction slots). */
    public BpfAssembler ldMap(int dst, int mapFd) {
        emit(0x18, dst, PSEUDO_MAP_FD, 0, mapFd);
        return emit(0, 0, 0, 0, 0);
    }

    public BpfAssembler call(int helper) {
        return emit(0x85, 0, 0, 0, helper);
    }

    public BpfAssembler exit() {
        return emit(0x95, 0, 0, 0, 0);
    }

    private BpfAssembler jump(int op, int dst, int src, int imm, String target) {
        fixups.put(insns.size(), target);
        return emit(op, dst, src, 0, imm);
    }

    public BpfAssembler ja(String target) {
        return jump(0x05, 0, 0, 0, target);
    }

    public BpfAssembler jeqImm(int dst, int imm, String target) {
        return jump(0x15, dst, 0, imm, target);
    }

    public BpfAssembler jneImm(int dst, int imm, String target) {
        return jump(0x55, dst, 0, imm, target);
    }

    public BpfAssembler jgeImm(int dst, int imm, String target) {
        return jump(0x35, dst, 0, imm, target);
    }

    /** Unsigned {@code if dst > src goto target}: the packet bounds check the verifier wants. */
    public BpfAssembler jgtReg(int dst, int src, String target) {
        return jump(0x2d, dst, src, 0, target);
    }

    /** Unsigned {@code if dst >= src goto target}. */
    public BpfAssembler jgeReg(int dst, int src, String target) {
        return jump(0x3d, dst, src, 0, target);
    }

    /** Unsigned {@code if dst < src goto target}. */
    public BpfAssembler jltReg(int dst, int src, String target) {
        return jump(0xad, dst, src, 0, target);
    }

    public byte[] assemble() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(insns.size() * 8);
        for (int i = 0; i < insns.size(); i++) {
            long[] in = insns.get(i);
            int off = (int) in[3];
            String target = fixups.get(i);
            if (target != null) {
                Integer at = labels.get(target);
                if (at == null) {
                    throw new IllegalStateException("undefined label " + target);
                }
                off = at - (i + 1); // jumps are relative to the next instruction
            }
            int imm = (int) in[4];
            out.write((int) in[0]);
            out.write((int) (in[1] & 0xf | (in[2] & 0xf) << 4));
            out.write(off & 0xff);
            out.write(off >> 8 & 0xff);
            out.write(imm & 0xff);
            out.write(imm >> 8 & 0xff);
            out.write(imm >> 16 & 0xff);
            out.write(imm >>> 24);
        }
        return out.toByteArray();
    }
}
