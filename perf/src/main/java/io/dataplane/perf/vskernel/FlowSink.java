package io.dataplane.perf.vskernel;

import io.dataplane.ffi.Bpf;
import io.dataplane.ffi.Libc;
import io.dataplane.ffi.NetNamespace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One sink: the {@link TrafficPrograms#sink} program attached natively (BPF link) to the sink
 * namespace's veth, and its counters: frames whose checksums verified (per flow) and frames that
 * failed. The link fd belongs to this JVM, so the program goes away
 * with it even on kill -9.
 */
public final class FlowSink implements AutoCloseable {
    /** What a sink had counted at one moment. */
    public record Counts(long total, long bad, long[] perFlow, long regressions, long[] latencySamples) {
    }

    private final int flows;
    private final long valueSize;
    private final int map;
    private final int prog;
    private final int link;

    public FlowSink(int family, int flows, int frameLength, String namespace, String ifname) {
        this.flows = flows;
        this.valueSize = TrafficPrograms.sinkValueSize(flows);
        map = Bpf.mapCreate(Bpf.MAP_TYPE_ARRAY, 4, (int) valueSize, 1, "vsk_sink");
        int p = -1;
        try {
            p = Bpf.progLoad(Bpf.PROG_TYPE_XDP, TrafficPrograms.sink(family, flows, map, frameLength), "GPL", "vsk_sink");
            final int progFd = p;
            link = NetNamespace.call(namespace,
                    () -> Bpf.linkXdp(progFd, Libc.ifNameToIndex(ifname), Bpf.XDP_FLAGS_DRV_MODE, ifname));
            prog = p;
        } catch (RuntimeException e) {
            if (p >= 0) {
                Libc.close(p);
            }
            Libc.close(map);
            throw e;
        }
    }

    /** Zeroes every counter (between rounds, while no traffic flows). */
    public void reset() {
        try (Arena a = Arena.ofConfined()) {
            Bpf.mapUpdate(map, a.allocateFrom(ValueLayout.JAVA_INT, 0), a.allocate(valueSize, 8), "reset sink counters");
        }
    }

    public Counts read() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(valueSize, 8);
            Bpf.mapLookup(map, a.allocateFrom(ValueLayout.JAVA_INT, 0), v, "read sink counters");
            long[] perFlow = new long[flows];
            long regressions = 0;
            for (int f = 0; f < flows; f++) {
                long entry = TrafficPrograms.SINK_HEADER + f * TrafficPrograms.FLOW_ENTRY;
                perFlow[f] = v.get(ValueLayout.JAVA_LONG, entry + TrafficPrograms.FLOW_PACKETS);
                regressions += v.get(ValueLayout.JAVA_LONG, entry + TrafficPrograms.FLOW_REGRESSIONS);
            }
            long sampled = v.get(ValueLayout.JAVA_LONG, TrafficPrograms.SINK_SAMPLE_COUNT) >>> TrafficPrograms.SAMPLE_EVERY_SHIFT;
            int n = (int) Math.min(sampled, TrafficPrograms.SAMPLES);
            long[] samples = new long[n];
            long base = TrafficPrograms.sampleBase(flows);
            for (int i = 0; i < n; i++) {
                samples[i] = v.get(ValueLayout.JAVA_LONG, base + i * 8L);
            }
            return new Counts(v.get(ValueLayout.JAVA_LONG, TrafficPrograms.SINK_TOTAL),
                    v.get(ValueLayout.JAVA_LONG, TrafficPrograms.SINK_BAD), perFlow, regressions, samples);
        }
    }

    /** Just the two totals, {verified, failed}: the per-second reading. */
    long[] totals() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(valueSize, 8);
            Bpf.mapLookup(map, a.allocateFrom(ValueLayout.JAVA_INT, 0), v, "read sink counters");
            return new long[] {v.get(ValueLayout.JAVA_LONG, TrafficPrograms.SINK_TOTAL),
                v.get(ValueLayout.JAVA_LONG, TrafficPrograms.SINK_BAD)};
        }
    }

    @Override
    public void close() {
        Libc.close(link);
        Libc.close(prog);
        Libc.close(map);
    }
}
