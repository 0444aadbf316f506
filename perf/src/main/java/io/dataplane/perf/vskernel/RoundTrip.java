package io.dataplane.perf.vskernel;

import io.dataplane.ffi.CpuAffinity;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cache-line round trip between two CPUs: two threads, one pinned to each, hand a counter
 * back and forth. On bare metal this is ~100 ns; in a VM whose virtual CPUs the host runs at
 * different times it grows to microseconds or more, and then every cross-CPU handoff of the
 * router (NAPI thread to worker, wake-ups) costs that much too. Measured before every round, with
 * no traffic, so it disturbs nothing.
 */
final class RoundTrip {
    private static final int BATCHES = 25, PER_BATCH = 200;

    private RoundTrip() {
    }

    /** The median round trip in nanoseconds between {@code cpuA} and {@code cpuB}, or NaN if a thread failed. */
    static double medianNanos(int cpuA, int cpuB) {
        AtomicInteger ball = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean abandon = new java.util.concurrent.atomic.AtomicBoolean();
        int total = BATCHES * PER_BATCH;
        long[] batch = new long[BATCHES];
        Thread peer = Thread.ofPlatform().name("vsk-roundtrip").daemon().start(() -> {
            CpuAffinity.pin(cpuB);
            for (int i = 0; i < total; i++) {
                while (ball.get() != 2 * i + 1) {
                    if (abandon.get()) {
                        return;
                    }
                    Thread.onSpinWait();
                }
                ball.set(2 * i + 2);
            }
        });
        Thread self = Thread.ofPlatform().name("vsk-roundtrip-a").start(() -> {
            CpuAffinity.pin(cpuA);
            for (int b = 0; b < BATCHES; b++) {
                long t0 = System.nanoTime();
                for (int j = 0; j < PER_BATCH; j++) {
                    int i = b * PER_BATCH + j;
                    ball.set(2 * i + 1);
                    while (ball.get() != 2 * i + 2) {
                        if (abandon.get()) {
                            return;
                        }
                        Thread.onSpinWait();
                    }
                }
                batch[b] = System.nanoTime() - t0;
            }
        });
        try {
            self.join(10_000);
            peer.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (self.isAlive() || peer.isAlive()) {
            abandon.set(true); // a CPU was unavailable for seconds
            return Double.NaN;
        }
        Arrays.sort(batch);
        return batch[BATCHES / 2] / (double) PER_BATCH;
    }
}
