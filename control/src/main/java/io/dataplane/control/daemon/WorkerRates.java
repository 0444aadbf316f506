package io.dataplane.control.daemon;

import io.dataplane.worker.Workers;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Each worker's received packets per second, for {@code dpctl status}: a thread of its own samples
 * the counter file once a second (no worker is stopped or slowed) and keeps the rate over the last
 * interval, so a status call answers at once.
 */
final class WorkerRates implements AutoCloseable {
    private final Workers workers;
    private final ScheduledExecutorService sampler;
    private long[] previous;
    private long previousNanos;
    private volatile long[] rates = new long[0];

    WorkerRates(Workers workers) {
        this.workers = workers;
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("worker-rates").unstarted(r));
        sampler.scheduleAtFixedRate(this::sample, 0, 1, TimeUnit.SECONDS);
    }

    private void sample() {
        List<Workers.WorkerState> states = workers.workerStates();
        long now = System.nanoTime();
        long[] totals = new long[states.size()];
        for (int w = 0; w < totals.length; w++) {
            totals[w] = states.get(w).rxPackets();
        }
        if (previous != null && previous.length == totals.length && now > previousNanos) {
            long[] next = new long[totals.length];
            for (int w = 0; w < totals.length; w++) {
                next[w] = (totals[w] - previous[w]) * 1_000_000_000L / (now - previousNanos);
            }
            rates = next;
        }
        previous = totals;
        previousNanos = now;
    }

    /** Worker {@code w}'s packets per second over the last second (0 before the first interval ends). */
    long packetsPerSecond(int w) {
        long[] r = rates;
        return w < r.length ? r[w] : 0;
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
