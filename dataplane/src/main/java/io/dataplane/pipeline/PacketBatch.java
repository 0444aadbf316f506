package io.dataplane.pipeline;

/**
 * A burst of frame descriptors and the pipeline's verdict for each, in parallel primitive arrays
 * so that a burst allocates nothing. One batch belongs to one worker and is reused for every burst.
 */
public final class PacketBatch {
    /** Port-specific frame handle (UMEM address, mbuf pointer). */
    public final long[] handle;
    /** Offset of the frame's first byte in the receiving port's memory. */
    public final long[] data;
    /** Frame length in bytes. */
    public final int[] length;
    /**
     * The verdict: an egress port index (>= 0), or a negative {@link Verdict} code.
     */
    public final int[] verdict;
    /** Nexthop index chosen for forwarded frames (for per-nexthop counters); -1 otherwise. */
    public final int[] nexthop;
    private int count;

    public PacketBatch(int capacity) {
        if (capacity <= 0 || capacity > 1024) {
            throw new IllegalArgumentException("batch capacity must be 1..1024, was " + capacity);
        }
        handle = new long[capacity];
        data = new long[capacity];
        length = new int[capacity];
        verdict = new int[capacity];
        nexthop = new int[capacity];
    }

    public int capacity() {
        return handle.length;
    }

    public int count() {
        return count;
    }

    public void count(int n) {
        count = n;
    }

    /** Appends one received descriptor; returns false when the batch is full. */
    public boolean add(long frameHandle, long frameData, int frameLength) {
        if (count == handle.length) {
            return false;
        }
        handle[count] = frameHandle;
        data[count] = frameData;
        length[count] = frameLength;
        count++;
        return true;
    }

    public void clear() {
        count = 0;
    }
}
