package io.dataplane.perf.vskernel;

import java.util.Arrays;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * What one round measured, in one layout: its seconds (the disturbed ones marked), the totals
 * over the round, where the router core's time went, and the cross-CPU round trip before it.
 * {@code rate} is 0 for a saturated round, else the paced rate asked for.
 */
record RoundResult(Layout layout, int number, String router, double rate, List<SecondSample> samples, long offered,
        long forwarded, long bad, long[] perSink, long regressions, Histogram latencyNs, ThreadScan.Usage usage,
        double roundTripNs, double routerIdleSeconds, String notes) {

    double seconds() {
        return samples.stream().mapToDouble(SecondSample::seconds).sum();
    }

    /** The seconds that count: the undisturbed ones, or all of them when every second was disturbed. */
    List<SecondSample> undisturbed() {
        List<SecondSample> quiet = samples.stream().filter(s -> s.disturbed() == null).toList();
        return quiet.isEmpty() ? samples : quiet;
    }

    boolean allDisturbed() {
        return !samples.isEmpty() && samples.stream().allMatch(s -> s.disturbed() != null);
    }

    int disturbedSeconds() {
        return (int) samples.stream().filter(s -> s.disturbed() != null).count();
    }

    /** The median of the undisturbed seconds' forwarded rates (of all, when every second was disturbed). */
    double forwardedPps() {
        return median(undisturbed().stream().mapToDouble(SecondSample::forwardedPps).toArray());
    }

    double offeredPps() {
        return median(undisturbed().stream().mapToDouble(SecondSample::offeredPps).toArray());
    }

    /** Loss over the undisturbed seconds. */
    double loss() {
        long off = undisturbed().stream().mapToLong(SecondSample::offered).sum();
        long fwd = undisturbed().stream().mapToLong(SecondSample::forwarded).sum();
        return off == 0 ? Double.NaN : Math.max(0, 1 - fwd / (double) off);
    }

    /** The contender's router-core seconds per second (its threads and the kernel's there). */
    double routerCores() {
        return usage.contender() / seconds();
    }

    /** Router-core nanoseconds per forwarded packet: the contender's time there over what it forwarded. */
    double nsPerPacket() {
        return forwarded == 0 ? Double.NaN : usage.contender() * 1e9 / forwarded;
    }

    double share(int sink) {
        long total = Arrays.stream(perSink).sum();
        return total == 0 ? 0 : perSink[sink] / (double) total;
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

    static double median(double[] v) {
        double[] s = Arrays.stream(v).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (s.length == 0) {
            return Double.NaN;
        }
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
