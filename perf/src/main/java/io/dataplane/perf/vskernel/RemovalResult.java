package io.dataplane.perf.vskernel;

/** A nexthop removed mid-round: how many flows changed sink, against the hash-threshold expectation. */
record RemovalResult(String router, int removed, int flowsSeen, int flowsMoved, double expected) {
    double movedFraction() {
        return flowsSeen == 0 ? Double.NaN : flowsMoved / (double) flowsSeen;
    }

    /**
     * The fraction of the hash space whose nexthop changes when nexthop {@code k} leaves a
     * hash-threshold group with these weights (regions proportional to weight, in order). For
     * equal weights this is RFC 2992's D = 1/2 - k(N-1-k)/(N(N-1)) (reference §8).
     */
    static double expectedMoved(long[] weights, int k) {
        double total = 0, rest = 0;
        for (int i = 0; i < weights.length; i++) {
            total += weights[i];
            rest += i == k ? 0 : weights[i];
        }
        double stay = 0, oldLo = 0, newLo = 0;
        for (int i = 0; i < weights.length; i++) {
            double oldHi = oldLo + weights[i] / total;
            if (i != k) {
                double newHi = newLo + weights[i] / rest;
                stay += Math.max(0, Math.min(oldHi, newHi) - Math.max(oldLo, newLo));
                newLo = newHi;
            }
            oldLo = oldHi;
        }
        return 1 - stay;
    }

    static double rfc2992(int n, int k) {
        return n < 2 ? Double.NaN : 0.5 - k * (n - 1.0 - k) / (n * (n - 1.0));
    }
}
