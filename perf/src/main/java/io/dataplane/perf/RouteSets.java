package io.dataplane.perf;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

/** Route sets for benchmarks and load tests. */
public final class RouteSets {
    private RouteSets() {
    }

    /**
     * {@code count} distinct IPv4 prefixes shaped like a full Internet table (about 60% /24, 30%
     * /16../23, 10% /25../32), returned as pairs {prefix, length}.
     */
    public static int[] internetLike(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Set<Long> seen = new HashSet<>(count * 2);
        int[] out = new int[count * 2];
        int n = 0;
        while (n < count) {
            double kind = r.nextDouble();
            int length = kind < 0.6 ? 24 : kind < 0.9 ? 16 + r.nextInt(8) : 25 + r.nextInt(8);
            int address = (1 + r.nextInt(223)) << 24 | r.nextInt(1 << 24);
            int prefix = address & (-1 << (32 - length));
            if ((prefix >>> 24) == 127 || !seen.add(((long) prefix << 6) | length)) {
                continue;
            }
            out[n * 2] = prefix;
            out[n * 2 + 1] = length;
            n++;
        }
        return out;
    }
}
