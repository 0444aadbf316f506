package io.dataplane.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dataplane.pipeline.Ipv4Options;
import io.dataplane.pipeline.PacketBatch;
import io.dataplane.pipeline.Pipeline;
import io.dataplane.pipeline.Verdict;
import io.dataplane.port.MemoryPort;
import io.dataplane.port.MemoryUmem;
import io.dataplane.tables.Fib;
import io.dataplane.tables.RouteTarget;
import io.dataplane.tables.Snapshot;
import io.dataplane.worker.Ipv4Fragmenter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;

/**
 * Differential fuzzing of the pipeline: a table set and a frame drawn from the fuzzer's input go
 * through {@link Pipeline#process} and through {@link ForwardingModel}; the verdict, the route,
 * the nexthop and every byte of the frame as it leaves must agree, and the pipeline must neither
 * throw nor read outside the frame (the frame ends where its heap segment ends, so any read past
 * it throws). The frame is sent 1-12 times to a fresh pipeline, so per-packet windows are checked.
 * A packet marked {@code needs_fragmentation} then goes through the worker's fragmenter, whose
 * fragments must be {@link FragmentationModel}'s byte for byte.
 *
 * <p>{@code mvn test} runs it over the checked-in inputs in {@code PipelineFuzzTestInputs/} (regression
 * mode); with {@code JAZZER_FUZZ=1} Jazzer fuzzes it, coverage-guided ({@code bin/test} for a
 * minute, {@code bin/bench fuzz --minutes N} for longer).
 */
class PipelineFuzzTest {
    /** One Fib for the whole run, emptied after each input: building one maps the 64 MiB IPv4 table. */
    private static final Fib FIB = new Fib(TableSet.LIMITS);
    /** Inputs and frames run, printed at the end for bin/test's and bin/bench's summary. */
    private static long inputs;
    private static long frames;
    /** Of those frames: IPv4 with options forwarded (or fragmented), dropped as bad_options, as source_routed. */
    private static long optionsForwarded, badOptions, sourceRouted;

    @AfterAll
    static void report() {
        System.out.println("PipelineFuzzTest: " + inputs + " inputs, " + frames + " frames (IPv4 options: "
                + optionsForwarded + " forwarded, " + badOptions + " bad_options, " + sourceRouted + " source_routed)");
    }

    @FuzzTest(maxDuration = "1m")
    void pipelineAgreesWithTheModel(FuzzedDataProvider data) {
        TableSet tables = TableSet.from(data);
        int repeats = data.consumeInt(1, 12);
        int offset = data.consumeInt(0, 7);
        byte[] frame = FrameShapes.draw(data, tables);
        tables.install(FIB);
        inputs++;
        try {
            Snapshot s = FIB.snapshot();
            // As worker 0, so resilient groups record their buckets' use as in a worker.
            Pipeline pipeline = new Pipeline(TableSet.LIMITS.groups(), tables.egress, 0);
            ForwardingModel model = new ForwardingModel(tables, false);
            for (int r = 0; r < repeats; r++) {
                MemorySegment m = frameAtTheEnd(frame, offset);
                PacketBatch b = new PacketBatch(1);
                b.add(0, offset, frame.length);
                // Columns the pipeline must write show when it does not.
                b.routeTarget[0] = UNWRITTEN;
                b.algorithm[0] = UNWRITTEN;
                b.hash[0] = UNWRITTEN;
                pipeline.process(s, m, b, tables.down);
                frames++;
                ForwardingModel.Decision want = model.decide(frame, b.nexthop[0], b.hash[0]);
                byte[] out = m.asSlice(offset).toArray(ValueLayout.JAVA_BYTE);
                check("packet " + (r + 1) + " of " + repeats, b.verdict[0], b.routeTarget[0], b.algorithm[0], b.hash[0],
                        b.nexthop[0], out, want, frame, tables);
                count(m, b);
                if (b.verdict[0] == Verdict.BAD_OPTIONS.code) {
                    checkPointer(m, b.l3[0], model.parameterProblemPointer, want, frame, tables);
                }
                if (r == 0 && b.verdict[0] == Verdict.NEEDS_FRAGMENTATION.code) {
                    checkFragments(frame, (int) (b.l3[0] - offset), s, b.nexthop[0], tables);
                }
            }
            // route get decides through the same code: as for a packet this router sends (ports up, source :: allowed).
            MemorySegment m = frameAtTheEnd(frame, offset);
            Pipeline.Trace t = new Pipeline(TableSet.LIMITS.groups(), tables.egress).trace(s, m, offset, frame.length);
            ForwardingModel.Decision want = new ForwardingModel(tables, true).decide(frame, t.nexthop(), t.hash());
            int algorithm = t.algorithm() == null ? PacketBatch.NONE : t.algorithm().ordinal();
            check("route get", t.verdict(), t.routeTarget(), algorithm, t.hash(), t.nexthop(),
                    m.asSlice(offset).toArray(ValueLayout.JAVA_BYTE), want.unchanged(frame), frame, tables);
        } finally {
            tables.uninstall(FIB);
        }
    }

    /**
     * The worker's transmit stage for a packet the pipeline marked {@code needs_fragmentation}:
     * {@link Ipv4Fragmenter} on an in-memory port must send exactly the fragments
     * {@link FragmentationModel} says. Port memory has room for the most fragments a 9 KB packet
     * needs at MTU 68 (the ring) beside the frames the fill ring holds.
     */
    private static void checkFragments(byte[] frame, int ip, Snapshot s, int nh, TableSet tables) {
        long handle = FRAGMENT_PORT.allocate();
        long data = FRAGMENT_PORT.allocatedData(handle);
        MemorySegment m = FRAGMENT_MEMORY.memory();
        MemorySegment.copy(frame, 0, m, ValueLayout.JAVA_BYTE, data, frame.length);
        int status = FRAGMENTER.fragment(m, handle, data, data + ip, s.nexthops, nh, FRAGMENT_PORT);
        if (status != Ipv4Fragmenter.SENT && FRAGMENTER.fragmentsSent() == 0) {
            FRAGMENT_PORT.release(handle);
        }
        FRAGMENT_PORT.flush();
        List<byte[]> sent = new ArrayList<>();
        FRAGMENT_PORT.drain((memory, at, length) -> sent.add(memory.asSlice(at, length).toArray(ValueLayout.JAVA_BYTE)), RING);
        FRAGMENT_PORT.poll(); // the sent frames back to the pool
        List<byte[]> want = FragmentationModel.fragments(frame, ip, tables.nexthops[nh]);
        boolean agree = status == Ipv4Fragmenter.SENT && sent.size() == want.size();
        for (int i = 0; agree && i < sent.size(); i++) {
            agree = Arrays.equals(sent.get(i), want.get(i));
        }
        if (!agree) {
            StringBuilder sb = new StringBuilder("fragmenter and model disagree: status " + status + ", "
                    + sent.size() + " fragments sent, " + want.size() + " expected\n  frame in: " + HexFormat.of().formatHex(frame));
            for (int i = 0; i < Math.max(sent.size(), want.size()); i++) {
                sb.append("\n  sent ").append(i).append(": ").append(i < sent.size() ? HexFormat.of().formatHex(sent.get(i)) : "-")
                        .append("\n  want ").append(i).append(": ").append(i < want.size() ? HexFormat.of().formatHex(want.get(i)) : "-");
            }
            throw new AssertionError(sb.append("\ntables: ").append(tables).toString());
        }
    }

    private static void count(MemorySegment m, PacketBatch b) {
        int v = b.verdict[0];
        badOptions += v == Verdict.BAD_OPTIONS.code ? 1 : 0;
        sourceRouted += v == Verdict.SOURCE_ROUTED.code ? 1 : 0;
        // Only a forwarded frame is known to hold a whole IPv4 header.
        boolean forwarded = v >= 0 || v == Verdict.NEEDS_FRAGMENTATION.code;
        optionsForwarded += forwarded && b.ipVersion[0] == 4 && (m.get(ValueLayout.JAVA_BYTE, b.l3[0]) & 0x0f) > 5 ? 1 : 0;
    }

    /**
     * Malformed options: the pointer the ICMP responder puts in its parameter problem
     * ({@link Ipv4Options#check}) must be the model's.
     */
    private static void checkPointer(MemorySegment m, long l3, int modelPointer, ForwardingModel.Decision want, byte[] frame,
                                     TableSet tables) {
        int ihl = (m.get(ValueLayout.JAVA_BYTE, l3) & 0x0f) * 4;
        int pointer = Ipv4Options.check(m, l3, ihl);
        if (pointer != modelPointer) {
            throw new AssertionError("parameter problem pointer: Ipv4Options " + pointer + ", model " + modelPointer
                    + " (" + want.why() + ")\n  frame in: " + HexFormat.of().formatHex(frame) + "\ntables: " + tables);
        }
    }

    private static final int RING = 2048;
    /** Frames of 16 KiB: the fill ring's RING, and as many for the fragments of one packet. */
    private static final MemoryUmem FRAGMENT_MEMORY = new MemoryUmem(2 * RING, 16384);
    private static final MemoryPort FRAGMENT_PORT = new MemoryPort(0, "fragments", FRAGMENT_MEMORY, RING, 9000);
    private static final Ipv4Fragmenter FRAGMENTER = new Ipv4Fragmenter();

    /** Marks a batch column before the pipeline runs: no real value is this. */
    private static final int UNWRITTEN = Integer.MIN_VALUE + 1;

    /** The frame copied to the very end of a heap segment, {@code offset} bytes in: a read past the frame throws. */
    private static MemorySegment frameAtTheEnd(byte[] frame, int offset) {
        MemorySegment m = MemorySegment.ofArray(new byte[offset + frame.length]);
        MemorySegment.copy(frame, 0, m, ValueLayout.JAVA_BYTE, offset, frame.length);
        return m;
    }

    private static void check(String what, int verdict, int route, int algorithm, int hash, int nexthop, byte[] out,
                              ForwardingModel.Decision want, byte[] in, TableSet tables) {
        boolean lookedUp = want.routeTarget() != ForwardingModel.NOT_LOOKED_UP;
        boolean agree = verdict == want.verdict()
                && (!lookedUp || route == want.routeTarget() && algorithm == want.algorithm() && hash == want.hash())
                && nexthop == want.nexthop()
                && Arrays.equals(out, want.frame());
        if (!agree) {
            throw new AssertionError("pipeline and model disagree on " + what + "\n"
                    + "  pipeline: verdict " + verdict + " route " + RouteTarget.toString(route) + " algorithm " + algorithm
                    + " hash " + hash + " nexthop " + nexthop + "\n"
                    + "  model:    verdict " + want.verdict() + " route " + RouteTarget.toString(want.routeTarget())
                    + " algorithm " + want.algorithm() + " hash " + want.hash() + " nexthop " + want.nexthop()
                    + " (" + want.why() + ")\n"
                    + "  frame in:      " + HexFormat.of().formatHex(in) + "\n"
                    + "  pipeline out:  " + HexFormat.of().formatHex(out) + "\n"
                    + "  model out:     " + HexFormat.of().formatHex(want.frame()) + "\n"
                    + "tables: " + tables);
        }
    }
}
