package io.dataplane.port;

import io.dataplane.ffi.Libc;
import io.dataplane.ffi.XskSocket;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The frame memory of one worker: a page-aligned region cut into equal frames, registered with
 * the first AF_XDP socket and shared by every port of the worker, so that forwarding from one port
 * to another moves a descriptor, never the bytes.
 *
 * <p>It keeps the frames nobody holds on a free list, and counts the frames the pipeline holds
 * (received and not yet transmitted or released). Every frame is in exactly one place: the free
 * list, the pipeline, or a port's kernel rings (fill + RX, TX + completion), which each port
 * counts; {@link #frameCount()} equals the sum. Worker thread only, except construction and
 * {@link #close()}.
 */
public final class Umem implements AutoCloseable {
    /** The kernel reserves this much in front of every received frame (XDP_PACKET_HEADROOM). */
    public static final int XDP_HEADROOM = 256;
    /** The daemon's frame size: an MTU up to 3,826 bytes fits after the kernel's headroom. */
    public static final int DEFAULT_FRAME_SIZE = 4096;
    /**
     * The daemon's frames per UMEM (one UMEM per worker): every one of up to five ports with
     * {@link AfXdpPort#DEFAULT_RING_SIZE} rings keeps its whole fill ring ({@link #fillQuota}), a
     * sixth and later port shrinks every port's share proportionally. Cost: 80 MiB per worker
     * (20,480 frames of 4,096 bytes, mapped and populated at start, locked by the kernel while
     * registered, which needs CAP_IPC_LOCK or a matching RLIMIT_MEMLOCK); the UMEM grows when port
     * lines ask for bigger rings.
     */
    public static final int DEFAULT_FRAMES = framesForWholeRings(5, AfXdpPort.DEFAULT_RING_SIZE);

    private final MemorySegment memory;
    private final int frameSize;
    private final long frameMask;
    private final int frameCount;
    private final long[] free;
    private int freeCount;
    private long held;
    /** The live sockets registered on this memory; a new socket shares through any of them. */
    private final List<XskSocket> sockets = new ArrayList<>();
    /** Sum of the ring sizes of the registered sockets, for {@link #fillQuota}. */
    private long ringSizes;
    private boolean closed;

    /** Maps {@code frameCount} frames of {@code frameSize} bytes (a power of two, 2048..4096). */
    public Umem(int frameCount, int frameSize) {
        if (Integer.bitCount(frameSize) != 1 || frameSize < 2048 || frameSize > 4096) {
            throw new IllegalArgumentException("frame size must be 2048 or 4096 (a power of two the kernel accepts), was "
                    + frameSize);
        }
        if (frameCount <= 0) {
            throw new IllegalArgumentException("frame count must be positive, was " + frameCount);
        }
        this.frameSize = frameSize;
        this.frameMask = ~((long) frameSize - 1);
        this.frameCount = frameCount;
        this.memory = Libc.mmap((long) frameCount * frameSize, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_POPULATE, -1, 0, "UMEM of " + frameCount + " frames");
        this.free = new long[frameCount];
        // Hand out low addresses first: easier to read in a debugger, no other reason.
        for (int i = 0; i < frameCount; i++) {
            free[i] = (long) (frameCount - 1 - i) * frameSize;
        }
        this.freeCount = frameCount;
    }

    public MemorySegment memory() {
        return memory;
    }

    public int frameSize() {
        return frameSize;
    }

    public int frameCount() {
        return frameCount;
    }

    /** The largest frame a received or sent frame can be, after the kernel's headroom. */
    public int maxFrameLength() {
        return frameSize - XDP_HEADROOM;
    }

    /** The start of the frame that {@code address} points into. */
    public long frameOf(long address) {
        return address & frameMask;
    }

    /** Returns a frame the pipeline held (a drop) to the free list. */
    public void release(long address) {
        held--;
        free[freeCount++] = address & frameMask;
    }

    // ---- port-side transitions (package private: only ports move frames to and from the kernel) ----

    /** Takes a free frame to give to the kernel's fill ring; -1 when none is free. */
    long takeForKernel() {
        return freeCount == 0 ? -1 : free[--freeCount];
    }

    /** Takes a free frame for the pipeline to fill and transmit (a fragment); -1 when none is free. */
    long takeForPipeline() {
        if (freeCount == 0) {
            return -1;
        }
        held++;
        return free[--freeCount];
    }

    /** A frame came back from the kernel (completion, or teardown) to the free list. */
    void returnFromKernel(long address) {
        free[freeCount++] = address & frameMask;
    }

    /** {@code n} frames went from the kernel's RX ring to the pipeline. */
    void receivedByPipeline(int n) {
        held += n;
    }

    /** One pipeline frame went to a TX ring. */
    void sentByPipeline() {
        held--;
    }

    public int freeCount() {
        return freeCount;
    }

    /** Frames the pipeline holds: received or allocated, and not yet transmitted or released. */
    public long heldByPipeline() {
        return held;
    }

    /**
     * How many frames a port with rings of {@code ringSize} may keep in its fill and RX rings: its
     * whole ring when the memory holds at least twice the sum of its ports' rings (the other half
     * is for frames in flight: pipeline, TX, completion), else a proportional share. Without a
     * quota, idle ports would hoard frames in their fill rings while the busy port starves (the
     * kernel then counts rx_fill_ring_empty_descs and drops).
     */
    int fillQuota(int ringSize) {
        return fillQuota(frameCount, ringSizes, ringSize);
    }

    /**
     * {@link #fillQuota(int)} for a memory of {@code frameCount} frames whose ports' rings sum to
     * {@code ringSizes}. The quota is also how long the port survives a stall of its worker: the
     * kernel fills the fill ring's frames and then drops, so at R frames/s a quota of Q frames
     * covers Q/R seconds (819 frames, 4.9 ms at 168 kpps, was too little for this JVM's pauses).
     */
    static int fillQuota(long frameCount, long ringSizes, int ringSize) {
        long wanted = 2L * Math.max(ringSizes, ringSize);
        if (wanted <= frameCount) {
            return ringSize;
        }
        return (int) Math.max(1, (long) ringSize * frameCount / wanted);
    }

    /** The frame count that gives each of {@code ports} ports with rings of {@code ringSize} its whole ring as {@link #fillQuota}. */
    public static int framesForWholeRings(int ports, int ringSize) {
        return framesForWholeRings((long) ports * ringSize);
    }

    /** The frame count that gives ports whose rings sum to {@code ringEntries} each its whole ring as {@link #fillQuota}. */
    public static int framesForWholeRings(long ringEntries) {
        return Math.toIntExact(2L * ringEntries);
    }

    /** The socket a new port's socket shares this memory through, or null if none is registered yet. */
    XskSocket registrar() {
        return sockets.isEmpty() ? null : sockets.getFirst();
    }

    void registered(XskSocket socket, int ringSize) {
        sockets.add(socket);
        ringSizes += ringSize;
    }

    void unregistered(XskSocket socket, int ringSize) {
        if (sockets.remove(socket)) {
            ringSizes -= ringSize;
        }
    }

    /** Unmaps the memory; only after every port on it is closed. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (!sockets.isEmpty()) {
            throw new IllegalStateException("UMEM still has " + sockets.size() + " open socket(s); close the ports first");
        }
        closed = true;
        Libc.munmap(memory);
    }
}
