package io.dataplane.port;

import io.dataplane.counters.CounterFile;
import io.dataplane.pipeline.PacketBatch;
import java.lang.foreign.MemorySegment;

/**
 * A packet port as a worker sees it: bursts of frame descriptors received from and transmitted to
 * rings, with frames living in a buffer memory that the ports of one worker share, so that
 * forwarding moves a descriptor, never the bytes.
 *
 * <p>A descriptor is a {@code handle} (what the port needs to recycle or send the frame: a UMEM
 * address, an mbuf pointer) and a {@code data} offset into {@link #memory()} where the frame's first
 * byte is, plus its length. Every frame a port hands out comes back to exactly one of
 * {@link #transmit}, accepted, or {@link #release}.
 *
 * <p>All methods but {@link #close()}, {@link #allocateCounters} and {@link #publishKernelStatistics}
 * are called only by the owning worker thread; none allocates, throws, or blocks.
 */
public interface Port extends AutoCloseable {
    /** The most counters a port object allocates for itself in {@link #allocateCounters}. */
    int MAX_OWN_COUNTERS = 8;

    /**
     * Allocates the counters this port keeps itself (beyond the workers' packets and bytes), once,
     * while the dataplane is built. The default keeps none.
     */
    default void allocateCounters(CounterFile file) {
    }

    /**
     * Copies statistics only the kernel knows into this port's counters; called a few times a
     * second by the dataplane's statistics thread, never by the worker. The default has none.
     */
    default void publishKernelStatistics() {
    }

    /**
     * Closes a port removed while its worker runs on (control thread, once the worker no longer
     * uses it); returns what must still run on the worker's thread, such as giving frames back to
     * a buffer memory only the worker touches. The default closes and leaves nothing to do.
     */
    default Runnable closeWhileWorkerRuns() {
        close();
        return () -> { };
    }
    /** Index of this port in the worker's port table, the value routes' nexthops name. */
    int index();

    /** The device queue this port object serves (AF_XDP: one object per queue); 0 where a port has one. */
    default int queue() {
        return 0;
    }

    String name();

    /** The memory that descriptors' data offsets point into (the UMEM, or all of memory for mbufs). */
    MemorySegment memory();

    /** Receives up to {@code batch.capacity()} frames into the batch; returns how many. */
    int receive(PacketBatch batch);

    /**
     * Queues one frame for transmission; returns false when the TX ring is full, in which case the
     * frame still belongs to the caller (who counts the drop and releases it).
     */
    boolean transmit(long handle, long data, int length);

    /** Publishes the frames queued by {@link #transmit} and kicks the device when it needs it. */
    void flush();

    /** Gives a received frame back without sending it (a drop). */
    void release(long handle);

    /** Housekeeping between bursts: completions back to the pool, the fill ring topped up. Returns work done. */
    int poll();

    /**
     * The descriptor that a worker in idle mode {@code poll} sleeps on until this port has frames to
     * receive (an AF_XDP socket), or -1 when the port has none; a worker sleeps only when every port
     * it serves has one.
     */
    default int pollDescriptor() {
        return -1;
    }

    /**
     * How long the worker may sleep now, at most {@code longestMs}, without stalling this port:
     * 0 while frames already queued for sending still need the worker (a kick), less while frames
     * due back from the kernel would top up the receive side. Called only after a duty cycle that
     * found nothing to do.
     */
    default int mayWaitMs(int longestMs) {
        return longestMs;
    }

    /**
     * The first byte of {@link #memory()} in front of {@code data} that this frame may grow into
     * (to prepend headers, e.g. an ICMP error quoting the frame). Ports without headroom return
     * {@code data}.
     */
    default long headroomStart(long handle, long data) {
        return data;
    }

    /**
     * A free frame for the worker to write a new frame into and {@link #transmit} on this port
     * (the later fragments of a fragmented packet): its handle, or -1 when none is free. Like a
     * received frame it comes back to exactly one of {@link #transmit} or {@link #release}. The
     * default has no spare frames.
     */
    default long allocate() {
        return -1;
    }

    /** Where the frame {@link #allocate} returned as {@code handle} starts in {@link #memory()}. */
    default long allocatedData(long handle) {
        return handle;
    }

    /** Largest frame this port can transmit (its MTU plus the Ethernet header). */
    int maxFrameLength();

    @Override
    void close();
}
