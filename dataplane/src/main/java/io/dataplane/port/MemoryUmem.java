package io.dataplane.port;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Frame memory shared by the in-memory ports of one worker, cut into equal frames like an AF_XDP
 * UMEM, with the worker's {@link FramePool} of free frames. Sharing it is what lets forwarding move
 * a descriptor from one port's RX ring to another port's TX ring without copying bytes.
 */
public final class MemoryUmem implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory;
    private final int frameSize;
    private final FramePool pool;

    public MemoryUmem(int frames, int frameSize) {
        if (Integer.bitCount(frameSize) != 1 || frameSize < 256) {
            throw new IllegalArgumentException("frame size must be a power of two >= 256, was " + frameSize);
        }
        this.frameSize = frameSize;
        this.memory = arena.allocate((long) frames * frameSize, 4096);
        this.pool = new FramePool(frames);
        for (int i = frames - 1; i >= 0; i--) {
            pool.push((long) i * frameSize);
        }
    }

    public MemorySegment memory() {
        return memory;
    }

    public int frameSize() {
        return frameSize;
    }

    /** The worker-owned free list; touch it only from the worker thread once the worker runs. */
    public FramePool pool() {
        return pool;
    }

    Arena arena() {
        return arena;
    }

    public int frames() {
        return pool.capacity();
    }

    @Override
    public void close() {
        arena.close();
    }
}
