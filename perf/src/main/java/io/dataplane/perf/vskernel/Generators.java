package io.dataplane.perf.vskernel;

import java.util.List;

/**
 * The traffic generators of a run, as one: the first is the run's generator, a second one (with
 * {@code --queues 2}) runs on the other CPU so that each CPU sends into its own receive queue of
 * r0 (veth picks the receive queue by the sending CPU). {@link #use} says how many the next
 * start runs; a paced rate is split evenly between them.
 */
final class Generators implements AutoCloseable {
    private final List<TrafficGenerator> all;
    private int active = 1;

    Generators(List<TrafficGenerator> all) {
        this.all = List.copyOf(all);
    }

    /** Runs the first {@code n} generators from the next start on. */
    void use(int n) {
        if (n < 1 || n > all.size()) {
            throw new BenchException("this run has " + all.size() + " generator(s), a layout asked for " + n);
        }
        active = n;
    }

    int size() {
        return all.size();
    }

    void start() {
        start(0);
    }

    void start(double ratePps) {
        for (int i = 0; i < active; i++) {
            all.get(i).start(ratePps / active);
        }
    }

    /** Raises the running generators to their FIFO priority (those that have one). */
    void raisePriority() throws InterruptedException {
        for (int i = 0; i < active; i++) {
            all.get(i).raisePriority();
        }
    }

    void stop() {
        for (TrafficGenerator g : all) {
            g.stop();
        }
    }

    Throwable failure() {
        for (TrafficGenerator g : all) {
            if (g.failure() != null) {
                return g.failure();
            }
        }
        return null;
    }

    long framesSent() {
        long n = 0;
        for (TrafficGenerator g : all) {
            n += g.framesSent();
        }
        return n;
    }

    long skipped() {
        long n = 0;
        for (int i = 0; i < active; i++) {
            n += all.get(i).skipped();
        }
        return n;
    }

    @Override
    public void close() {
        for (TrafficGenerator g : all) {
            g.close();
        }
    }
}
