package io.dataplane.tables;

/**
 * Hash-threshold region bounds (RFC 2992) exactly as the kernel's {@code fib_rebalance} computes
 * them: nexthop i owns the 31-bit hashes up to and including its bound; dead nexthops get -1 and
 * are left out of the total; the last alive bound is always 2^31-1.
 */
public final class UpperBounds {
    /** Largest 31-bit hash; the last alive nexthop's bound. */
    public static final int MAX = 0x7fffffff;

    private UpperBounds() {
    }

    /**
     * Kernel bounds for weights in configured order. {@code bound = round_half_up(acc * 2^31 / total) - 1}
     * with {@code acc} the running sum of alive weights.
     */
    public static int[] compute(int[] weights, boolean[] alive) {
        if (weights.length != alive.length) {
            throw new IllegalArgumentException("weights and alive flags differ in length");
        }
        long total = 0;
        for (int i = 0; i < weights.length; i++) {
            if (alive[i]) {
                total += weights[i];
            }
        }
        int[] bounds = new int[weights.length];
        long acc = 0;
        for (int i = 0; i < weights.length; i++) {
            if (!alive[i]) {
                bounds[i] = -1;
                continue;
            }
            acc += weights[i];
            bounds[i] = (int) (((acc << 31) + total / 2) / total - 1);
        }
        return bounds;
    }

    /**
     * The kernel's selection: the first nexthop whose bound is at least the hash, or -1 when every
     * nexthop is dead. Reference implementation for tests; the fast path searches
     * {@link GroupTable}'s flat copy.
     */
    public static int select(int[] bounds, int hash31) {
        for (int i = 0; i < bounds.length; i++) {
            if (hash31 <= bounds[i]) {
                return i;
            }
        }
        return -1;
    }
}
