package io.dataplane.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dataplane.pipeline.PacketBatch;
import io.dataplane.pipeline.Pipeline;
import io.dataplane.tables.Fib;
import io.dataplane.tables.RouteTarget;
import io.dataplane.tables.Snapshot;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;

/**
 * Differential fuzzing of the pipeline: a table set and a frame drawn from the fuzzer's input go
 * through {@link Pipeline#process} and through {@link ForwardingModel}; the verdict, the route,
 * the nexthop and every byte of the frame as it leaves must agree, and the pipeline must neither
 * throw nor read outside the frame (the frame ends where its heap segment ends, so any read past
 * it throws). The frame is sent 1-12 times to a fresh pipeline, so per-packet windows are checked.
 *
 * <p>{@code mvn test} runs it over the checked-in inputs in {@code PipelineFuzzTestInputs/} (regression
 * mode); with {@code JAZZER_FUZZ=1} Jazzer fuzzes it, coverage-guided ({@code bin/test} for a
 * minute, {@code bin/bench fuzz --minutes N} for longer).
 */
class PipelineFuzzTest {
    /** One Fib for the whole run, emptied after each input: building one maps the 64 MiB IPv4 table. */
    private static final Fib FIB = new Fib(TableSet.LIMITS);

    @FuzzTest(maxDuration = "1m")
    void pipelineAgreesWithTheModel(FuzzedDataProvider data) {
        TableSet tables = TableSet.from(data);
        int repeats = data.consumeInt(1, 12);
        int offset = data.consumeInt(0, 7);
        byte[] frame = FrameShapes.draw(data, tables);
        tables.install(FIB);
        try {
            Snapshot s = FIB.snapshot();
            Pipeline pipeline = new Pipeline(TableSet.LIMITS.groups(), tables.egress);
            ForwardingModel model = new ForwardingModel(tables);
            for (int r = 0; r < repeats; r++) {
                MemorySegment m = MemorySegment.ofArray(new byte[offset + frame.length]);
                MemorySegment.copy(frame, 0, m, ValueLayout.JAVA_BYTE, offset, frame.length);
                PacketBatch b = new PacketBatch(1);
                b.add(0, offset, frame.length);
                b.routeTarget[0] = Integer.MIN_VALUE; // so a column left unwritten shows
                pipeline.process(s, m, b, tables.down);
                ForwardingModel.Decision want = model.decide(frame, b.nexthop[0]);
                byte[] out = m.asSlice(offset).toArray(ValueLayout.JAVA_BYTE);
                boolean agree = b.verdict[0] == want.verdict()
                        && (want.routeTarget() == ForwardingModel.NOT_LOOKED_UP || b.routeTarget[0] == want.routeTarget())
                        && b.nexthop[0] == want.nexthop()
                        && java.util.Arrays.equals(out, want.frame());
                if (!agree) {
                    throw new AssertionError("pipeline and model disagree on packet " + (r + 1) + " of " + repeats + "\n"
                            + "  pipeline: verdict " + b.verdict[0] + " route " + RouteTarget.toString(b.routeTarget[0])
                            + " nexthop " + b.nexthop[0] + " hash " + b.hash[0] + "\n"
                            + "  model:    verdict " + want.verdict() + " route " + RouteTarget.toString(want.routeTarget())
                            + " nexthop " + want.nexthop() + " (" + want.why() + ")\n"
                            + "  frame in:      " + HexFormat.of().formatHex(frame) + "\n"
                            + "  pipeline out:  " + HexFormat.of().formatHex(out) + "\n"
                            + "  model out:     " + HexFormat.of().formatHex(want.frame()) + "\n"
                            + "tables: " + tables);
                }
            }
        } finally {
            tables.uninstall(FIB);
        }
    }
}
