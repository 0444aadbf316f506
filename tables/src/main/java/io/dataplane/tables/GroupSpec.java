package io.dataplane.tables;

import java.util.Arrays;

/**
 * A multipath group as configured: member nexthop indices in order, their weights, and the
 * algorithm. Members keep their configured order because hash-threshold regions follow it.
 * {@code buckets} is null for a hash-threshold group; for a resilient group it is the nexthop
 * slot of every bucket, as the control thread's {@link ResilientGroup} decided them.
 */
public record GroupSpec(int[] nexthops, int[] weights, MultipathAlgorithm algorithm, int[] buckets) {
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
        if (buckets != null && (buckets.length < 1 || buckets.length > ResilientGroup.MAX_BUCKETS)) {
            throw new IllegalArgumentException("a resilient group needs 1.." + ResilientGroup.MAX_BUCKETS
                    + " buckets, had " + buckets.length);
        }
        if (buckets != null && algorithm == MultipathAlgorithm.PER_PACKET) {
            throw new IllegalArgumentException("a resilient group picks its bucket by hash; per-packet does not apply");
        }
        if (buckets != null) {
            for (int slot : buckets) {
                if (!Arrays.stream(nexthops).anyMatch(n -> n == slot)) {
                    throw new IllegalArgumentException("a resilient bucket names nexthop slot " + slot + ", which is not a member");
                }
            }
        }
        nexthops = nexthops.clone();
        weights = weights.clone();
        buckets = buckets == null ? null : buckets.clone();
    }

    /** A hash-threshold (or per-packet) group. */
    public GroupSpec(int[] nexthops, int[] weights, MultipathAlgorithm algorithm) {
        this(nexthops, weights, algorithm, null);
    }

    /** A resilient group whose bucket {@code b} forwards to nexthop slot {@code buckets[b]}. */
    public static GroupSpec resilient(int[] nexthops, int[] weights, MultipathAlgorithm algorithm, int[] buckets) {
        return new GroupSpec(nexthops, weights, algorithm, java.util.Objects.requireNonNull(buckets, "buckets"));
    }

    public boolean isResilient() {
        return buckets != null;
    }

    @Override
    public int[] buckets() {
        return buckets == null ? null : buckets.clone();
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
                && algorithm == g.algorithm && Arrays.equals(buckets, g.buckets);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * Arrays.hashCode(nexthops) + Arrays.hashCode(weights)) + algorithm.hashCode()) + Arrays.hashCode(buckets);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("group ");
        for (int i = 0; i < nexthops.length; i++) {
            sb.append(i == 0 ? "" : "/").append(nexthops[i]).append(',').append(weights[i]);
        }
        sb.append(" mpalgo ").append(algorithm.keyword());
        return (buckets == null ? sb : sb.append(" resilient buckets ").append(buckets.length)).toString();
    }
}
