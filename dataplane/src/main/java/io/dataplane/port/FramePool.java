package io.dataplane.port;

/**
 * The free frames of one worker's buffer memory: a stack of frame addresses owned by the worker
 * thread alone (no atomics). Together with the rings it is the frame ledger: every frame is in
 * exactly one of the pool, a fill ring, an RX ring, the pipeline, a TX ring or a completion ring.
 */
public final class FramePool {
    private final long[] frames;
    private int count;

    public FramePool(int capacity) {
        frames = new long[capacity];
    }

    public void push(long frame) {
        frames[count++] = frame;
    }

    /** A free frame, or -1 when none is left. */
    public long pop() {
        return count == 0 ? -1 : frames[--count];
    }

    public int available() {
        return count;
    }

    public int capacity() {
        return frames.length;
    }
}
