package io.dataplane.pipeline;

/**
 * A burst of frame descriptors and everything the pipeline learns about each frame, as columns:
 * parallel primitive arrays indexed by the frame's position in the burst, so that a burst
 * allocates nothing. The port fills the first three columns ({@link #add}); {@link Pipeline}
 * fills the rest, each column once per frame, and its later steps (rewrite, ICMP errors, the
 * per-nexthop counters) read them from here rather than from state an earlier step left behind.
 * One batch belongs to one worker and is reused for every burst.
 */
public final class PacketBatch {
    /** Not known for this frame (no IP header parsed, no route, no group, no hash). */
    public static final int NONE = -1;

    /** Port-specific frame handle (UMEM address, mbuf pointer). */
    public final long[] handle;
    /** Offset of the frame's first byte in the receiving port's memory. */
    public final long[] data;
    /** Frame length in bytes. */
    public final int[] length;
    /** Offset of the IP header in the port's memory (behind the Ethernet header and any tag); valid when {@link #ipVersion} is. */
    public final long[] l3;
    /** 4 or 6 once the EtherType said IPv4 or IPv6; 0 otherwise. */
    public final byte[] ipVersion;
    /**
     * The route's target ({@code RouteTarget}): nexthop or group; {@code RouteTarget.NONE} without
     * a route. This column, {@link #algorithm} and {@link #hash} are written when the frame reaches
     * the route lookup, so they are valid for {@code NO_ROUTE} and every verdict after it; a frame
     * dropped earlier (parse, checks, TTL) leaves them as an earlier frame wrote them.
     */
    public final int[] routeTarget;
    /** The group's {@code MultipathAlgorithm} ordinal, or {@link #NONE} when the route names no group. */
    public final int[] algorithm;
    /** The multipath hash, or {@link #NONE} when none was computed (no group, per-packet). */
    public final int[] hash;
    /** The nexthop slot chosen, or {@link #NONE}; set for forwarded frames and for drops after selection (the ICMP error's MTU). */
    public final int[] nexthop;
    /** The verdict: an egress port index (>= 0), or a negative {@link Verdict} code. */
    public final int[] verdict;
    private int count;

    public PacketBatch(int capacity) {
        if (capacity <= 0 || capacity > 1024) {
            throw new IllegalArgumentException("batch capacity must be 1..1024, was " + capacity);
        }
        handle = new long[capacity];
        data = new long[capacity];
        length = new int[capacity];
        l3 = new long[capacity];
        ipVersion = new byte[capacity];
        routeTarget = new int[capacity];
        algorithm = new int[capacity];
        hash = new int[capacity];
        nexthop = new int[capacity];
        verdict = new int[capacity];
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
