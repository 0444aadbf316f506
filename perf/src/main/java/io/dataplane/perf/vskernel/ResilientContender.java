package io.dataplane.perf.vskernel;

/**
 * A contender whose multipath is a resilient nexthop group ({@code type resilient}): when a
 * member leaves, only the flows of its buckets move, so the removal round expects the member's
 * share of the buckets (its weight over the total) instead of hash-threshold's region shift.
 */
interface ResilientContender {
    /** Buckets of every resilient group the bench installs: enough that each bucket is a small share of the flows. */
    int BUCKETS = 512;
    /** Nexthop object ids: member i is 1 + i (IPv4 gateway) and 101 + i (IPv6); the groups are 1000 and 1001. */
    int GROUP4 = 1000;
    int GROUP6 = 1001;

    /** The fraction of flows that should move when member {@code k} leaves: its weight share. */
    default double expectedMoved(long[] weights, int k) {
        long total = 0;
        for (long w : weights) {
            total += w;
        }
        return weights[k] / (double) total;
    }

    /** {@code A,W/B,W/...} of the members but {@code without} (-1: all), with ids from {@code firstId}. */
    static String members(long[] weights, int firstId, int without) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < weights.length; i++) {
            if (i != without) {
                sb.append(sb.isEmpty() ? "" : "/").append(firstId + i).append(',').append(weights[i]);
            }
        }
        return sb.toString();
    }

    /** The lines both kernel and daemon get ({@code ip nexthop} grammar, without "ip "): members, then the two groups. */
    static java.util.List<String> nexthopLines(long[] weights) {
        java.util.List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            lines.add("nexthop add id " + (1 + i) + " via " + BenchTopology.sinkAddress4(i) + " dev " + BenchTopology.routerPort(i));
            lines.add("nexthop add id " + (101 + i) + " via " + BenchTopology.sinkAddress6(i) + " dev " + BenchTopology.routerPort(i));
        }
        lines.add("nexthop add id " + GROUP4 + " group " + members(weights, 1, -1) + " type resilient buckets " + BUCKETS);
        lines.add("nexthop add id " + GROUP6 + " group " + members(weights, 101, -1) + " type resilient buckets " + BUCKETS);
        return lines;
    }
}
