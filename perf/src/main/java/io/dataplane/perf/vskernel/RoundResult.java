package io.dataplane.perf.vskernel;

import org.HdrHistogram.Histogram;

/** What one round measured. CPU figures are busy seconds over the round, per CPU, from /proc/stat. */
record RoundResult(int number, String router, double seconds, long offered, long forwarded, long[] perSink,
        long regressions, Histogram latencyNs, double generatorCpuSeconds, double routerCpuSeconds, double otherCpuSeconds, double foreignRouterCpuSeconds,
        String notes) {

    double offeredPps() {
        return offered / seconds;
    }

    double forwardedPps() {
        return forwarded / seconds;
    }

    double loss() {
        return offered == 0 ? 0 : Math.max(0, 1 - forwarded / (double) offered);
    }

    /** Router-CPU nanoseconds per forwarded packet, without the time other people's threads took there. */
    double cpuNsPerPacket() {
        return forwarded == 0 ? Double.NaN : Math.max(0, routerCpuSeconds - foreignRouterCpuSeconds) * 1e9 / forwarded;
    }

    double share(int sink) {
        return forwarded == 0 ? 0 : perSink[sink] / (double) forwarded;
    }

    /** Largest relative deviation of a sink's share from its weight's share (kernel selftests pass at 0.15). */
    double splitDeviation(long[] weights) {
        long total = 0;
        for (long w : weights) {
            total += w;
        }
        double worst = 0;
        for (int i = 0; i < weights.length; i++) {
            double expected = weights[i] / (double) total;
            worst = Math.max(worst, Math.abs(share(i) / expected - 1));
        }
        return worst;
    }

    double latencyUs(double percentile) {
        return latencyNs.getTotalCount() == 0 ? Double.NaN : latencyNs.getValueAtPercentile(percentile) / 1000.0;
    }
}
