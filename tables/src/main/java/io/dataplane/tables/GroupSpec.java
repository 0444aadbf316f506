package io.dataplane.tables;

import java.util.Arrays;

/**
 * A multipath group as configured: member nexthop indices in order, their weights, and the
 * algorithm. Members keep their configured order because hash-threshold regions follow it.
 */
public record GroupSpec(int[] nexthops, int[] weights, MultipathAlgorithm algorithm) {
    /** Most members a group may have. */
    public static final int MAX_MEMBERS = 256;
    /** Largest weight (nexthop groups' 16-bit weights; classic route weights stop at 256). */
    public static final int MAX_WEIGHT = 65535;

    public GroupSpec {
        if (nexthops.length != weights.length) {
            throw new IllegalArgumentException("group has " + nexthops.length + " members but " + weights.length + " weights");
        }
        if (nexthops.length < 1 || nexthops.length > MAX_MEMBERS) {
            throw new IllegalArgumentException("a group needs 1.." + MAX_MEMBERS + " members, had " + nexthops.length);
        }
        for (int w : weights) {
            if (w < 1 || w > MAX_WEIGHT) {
                throw new IllegalArgumentException("weight " + w + " out of range 1.." + MAX_WEIGHT);
            }
        }
        if (algorithm == null) {
            throw new IllegalArgumentException("group needs an algorithm");
        }
        nexthops = nexthops.clone();
        weights = weights.clone();
    }

    @Override
    public int[] nexthops() {
        return nexthops.clone();
    }

    @Override
    public int[] weights() {
        return weights.clone();
    }

    public int size() {
        return nexthops.length;
    }

    public int nexthop(int i) {
        return nexthops[i];
    }

    public int weight(int i) {
        return weights[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupSpec g && Arrays.equals(nexthops, g.nexthops) && Arrays.equals(weights, g.weights)
                && algorithm == g.algorithm;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(nexthops) + Arrays.hashCode(weights)) + algorithm.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("group ");
        for (int i = 0; i < nexthops.length; i++) {
            sb.append(i == 0 ? "" : "/").append(nexthops[i]).append(',').append(weights[i]);
        }
        return sb.append(" mpalgo ").append(algorithm.keyword()).toString();
    }
}
