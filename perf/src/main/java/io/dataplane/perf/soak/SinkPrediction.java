package io.dataplane.perf.soak;

import io.dataplane.perf.vskernel.BenchTopology;
import io.dataplane.perf.vskernel.TrafficGenerator;
import io.dataplane.tables.FlowHash;
import io.dataplane.tables.UpperBounds;
import java.lang.foreign.MemorySegment;

/**
 * Which sink each of the generator's flows reaches under a given group: the product's own IPv4
 * flow hash ({@link FlowHash}, default {@code l3}, seed 0) over the frame the generator sends for
 * that flow, and the kernel's hash-threshold bounds ({@link UpperBounds}) for the weights and the
 * members alive. The generator writes flow {@code f} into the low 16 bits of the source address
 * and the UDP source port {@code 1024 + f} (see TrafficPrograms), so the frame is its template
 * with those two fields set.
 */
final class SinkPrediction {
    private static final int L3 = 14;
    private static final int SOURCE_LOW = L3 + 12 + 2;
    private static final int UDP_SOURCE_PORT = L3 + 20;

    private final int[] hash;

    SinkPrediction(int flows, int frameLength) {
        hash = new int[flows];
        byte[] frame = TrafficGenerator.template(4, frameLength, BenchTopology.GEN_MAC, BenchTopology.ROUTER_IN_MAC,
                BenchTopology.address(BenchTopology.SRC4), BenchTopology.address(BenchTopology.DST4));
        for (int f = 0; f < flows; f++) {
            frame[SOURCE_LOW] = (byte) (f >> 8);
            frame[SOURCE_LOW + 1] = (byte) f;
            frame[UDP_SOURCE_PORT] = (byte) ((1024 + f) >> 8);
            frame[UDP_SOURCE_PORT + 1] = (byte) (1024 + f);
            hash[f] = FlowHash.ipv4(MemorySegment.ofArray(frame), L3, frameLength - L3, FlowHash.L3, 0);
        }
    }

    /** The sink (0-based member index) of every flow under these weights with these members alive. */
    int[] sinks(int[] weights, boolean[] alive) {
        int[] bounds = UpperBounds.compute(weights, alive);
        int[] sink = new int[hash.length];
        for (int f = 0; f < hash.length; f++) {
            sink[f] = UpperBounds.select(bounds, hash[f]);
        }
        return sink;
    }
}
