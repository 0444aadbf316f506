package io.dataplane.icmp;

/**
 * Rate limits the ICMP errors a worker generates the way Linux does: a global token bucket
 * ({@code net.ipv4.icmp_msgs_per_sec} = 1000, {@code icmp_msgs_burst} = 50) and, for
 * destinations, a per-peer bucket ({@code icmp_ratelimit} = 1000 ms: one error per second per
 * peer with a burst of 6, the kernel's XRLIM_BURST_FACTOR). As in the kernel, Fragmentation
 * Needed and Packet Too Big skip the per-peer limit, because path MTU discovery breaks without them.
 *
 * <p>Per-peer state lives in a fixed table indexed by a hash of the destination, so the hot path
 * allocates nothing; peers that collide share a bucket, which only makes the limit stricter.
 * One instance per worker; not thread safe.
 */
public final class IcmpRateLimiter {
    private static final int XRLIM_BURST_FACTOR = 6;

    private final long globalIntervalNanos;
    private final long globalBurstNanos;
    private final long peerIntervalNanos;
    private final long peerBurstNanos;
    private final long[] peerTokens;
    private final long[] peerStamp;
    private final int mask;
    private long globalTokens;
    private long globalStamp;
    private long suppressed;

    /** The kernel's defaults, with 4096 peer buckets. */
    public IcmpRateLimiter() {
        this(1000, 50, 1000, 4096);
    }

    /**
     * @param messagesPerSecond global refill rate (icmp_msgs_per_sec); 0 disables the global limit
     * @param burst global bucket size (icmp_msgs_burst)
     * @param peerIntervalMillis per-peer interval (icmp_ratelimit); 0 disables the per-peer limit
     * @param peerBuckets table size, a power of two
     */
    public IcmpRateLimiter(int messagesPerSecond, int burst, int peerIntervalMillis, int peerBuckets) {
        if (Integer.bitCount(peerBuckets) != 1) {
            throw new IllegalArgumentException("peer buckets must be a power of two, was " + peerBuckets);
        }
        if (messagesPerSecond < 0 || burst < 1 || peerIntervalMillis < 0) {
            throw new IllegalArgumentException("rates must be non-negative and the burst at least 1");
        }
        globalIntervalNanos = messagesPerSecond == 0 ? 0 : 1_000_000_000L / messagesPerSecond;
        globalBurstNanos = globalIntervalNanos * burst;
        peerIntervalNanos = peerIntervalMillis * 1_000_000L;
        peerBurstNanos = peerIntervalNanos * XRLIM_BURST_FACTOR;
        peerTokens = new long[peerBuckets];
        peerStamp = new long[peerBuckets];
        mask = peerBuckets - 1;
        globalTokens = globalBurstNanos;
        globalStamp = Long.MIN_VALUE;
        java.util.Arrays.fill(peerStamp, Long.MIN_VALUE);
    }

    /**
     * Whether an error to the peer whose address hashes to {@code peerHash} may be sent at
     * {@code nowNanos} ({@link System#nanoTime()}); {@code pmtu} is true for Frag Needed / Packet
     * Too Big. Takes the tokens when it answers true.
     */
    public boolean allow(long nowNanos, int peerHash, boolean pmtu) {
        int slot = 0;
        if (!pmtu && peerIntervalNanos > 0) {
            slot = mix(peerHash) & mask;
            long stamp = peerStamp[slot];
            // A fresh bucket starts full, like a new inet_peer.
            long tokens = stamp == Long.MIN_VALUE ? peerBurstNanos
                    : Math.min(peerBurstNanos, peerTokens[slot] + (nowNanos - stamp));
            if (tokens < peerIntervalNanos) {
                peerTokens[slot] = tokens;
                peerStamp[slot] = nowNanos;
                suppressed++;
                return false;
            }
            if (!globalAllow(nowNanos)) {
                peerTokens[slot] = tokens;
                peerStamp[slot] = nowNanos;
                suppressed++;
                return false;
            }
            peerTokens[slot] = tokens - peerIntervalNanos;
            peerStamp[slot] = nowNanos;
            return true;
        }
        if (!globalAllow(nowNanos)) {
            suppressed++;
            return false;
        }
        return true;
    }

    private boolean globalAllow(long nowNanos) {
        if (globalIntervalNanos == 0) {
            return true;
        }
        long tokens = globalStamp == Long.MIN_VALUE ? globalBurstNanos
                : Math.min(globalBurstNanos, globalTokens + (nowNanos - globalStamp));
        globalStamp = nowNanos;
        if (tokens < globalIntervalNanos) {
            globalTokens = tokens;
            return false;
        }
        globalTokens = tokens - globalIntervalNanos;
        return true;
    }

    /** Errors refused so far. */
    public long suppressed() {
        return suppressed;
    }

    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x45d9f3b;
        h ^= h >>> 16;
        return h;
    }
}
