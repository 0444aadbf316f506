package io.dataplane.worker;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Administrative up/down state of up to 64 port indices as one bitmask the control side writes
 * and workers read once per burst (one volatile load).
 */
final class PortStates {
    private final AtomicLong down = new AtomicLong();

    void set(int port, boolean up) {
        if (port < 0 || port >= WorkerCounters.MAX_PORTS) {
            throw new IllegalArgumentException("port index must be 0.." + (WorkerCounters.MAX_PORTS - 1) + ", was " + port);
        }
        long bit = 1L << port;
        down.getAndUpdate(d -> up ? d & ~bit : d | bit);
    }

    /** Bit i set when port index i is down. */
    long downMask() {
        return down.get();
    }
}
