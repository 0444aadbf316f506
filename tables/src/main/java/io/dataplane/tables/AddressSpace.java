package io.dataplane.tables;

import java.lang.foreign.MemorySegment;

/**
 * The whole address space as one segment, for hot-path reads at absolute addresses: of DPDK
 * mbufs, and of table versions whose memory the garbage collector owns ({@link NexthopTable},
 * {@link GroupTable}). A read through it carries none of the per-access checks of the owning
 * segment (its class, bounds and liveness), which on the pipeline's table reads cost about 30 %
 * of an IPv4 packet's time in PipelineBenchmark. So what those checks guaranteed, the reader must:
 * every offset is bounded by lengths the table itself checked, and the owner stays reachable for
 * as long as its memory is read ({@link java.lang.ref.Reference#reachabilityFence}).
 */
public final class AddressSpace {
    /** Every address; its bounds check always passes and its scope is never closed. */
    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private AddressSpace() {
    }
}
