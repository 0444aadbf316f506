package io.dataplane.worker;

import io.dataplane.pipeline.Verdict;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One worker's counters in flat off-heap memory: drops by reason, per-port packets and bytes, and
 * per-nexthop packets and bytes. The worker is the only writer (a plain read and an opaque store,
 * no atomic read-modify-write); the control side reads with opaque loads while the worker runs.
 * Aligned 64-bit accesses are atomic, so a reader never sees a torn value.
 */
public final class WorkerCounters implements AutoCloseable {
    public static final int MAX_PORTS = 64;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final Arena arena = Arena.ofShared();
    private final MemorySegment counters;
    private final long portBase;
    private final long nexthopBase;
    private final int nexthops;

    public WorkerCounters(int nexthops) {
        this.nexthops = nexthops;
        this.portBase = (long) Verdict.COUNT * 8;
        this.nexthopBase = portBase + (long) MAX_PORTS * PortCounter.COUNT * 8;
        this.counters = arena.allocate(nexthopBase + (long) nexthops * 16, 64);
    }

    private void add(long offset, long delta) {
        LONG.setOpaque(counters, offset, (long) LONG.get(counters, offset) + delta);
    }

    /** A frame dropped (or punted) with a negative verdict code. */
    public void drop(int verdict) {
        add((long) Verdict.index(verdict) * 8, 1);
    }

    /** A burst received on {@code port}. */
    public void received(int port, int packets, long bytes) {
        long at = portBase + ((long) port * PortCounter.COUNT + PortCounter.RX_PACKETS.ordinal()) * 8;
        add(at, packets);
        add(at + 8, bytes);
    }

    /** Frames of one burst sent on {@code port}. */
    public void transmitted(int port, int packets, long bytes) {
        long at = portBase + ((long) port * PortCounter.COUNT + PortCounter.TX_PACKETS.ordinal()) * 8;
        add(at, packets);
        add(at + 8, bytes);
    }

    /** One frame forwarded through {@code nexthop}. */
    public void forwarded(int nexthop, int bytes) {
        long nh = nexthopBase + (long) nexthop * 16;
        add(nh, 1);
        add(nh + 8, bytes);
    }

    public long drops(Verdict verdict) {
        return (long) LONG.getOpaque(counters, (long) Verdict.index(verdict.code) * 8);
    }

    public long port(int port, PortCounter counter) {
        return (long) LONG.getOpaque(counters, portBase + ((long) port * PortCounter.COUNT + counter.ordinal()) * 8);
    }

    public long nexthopPackets(int nexthop) {
        return nexthop < nexthops ? (long) LONG.getOpaque(counters, nexthopBase + (long) nexthop * 16) : 0;
    }

    public long nexthopBytes(int nexthop) {
        return nexthop < nexthops ? (long) LONG.getOpaque(counters, nexthopBase + (long) nexthop * 16 + 8) : 0;
    }

    @Override
    public void close() {
        arena.close();
    }
}
