package io.dataplane.worker;

import io.dataplane.ffi.SocketWait;
import org.agrona.concurrent.IdleStrategy;

/**
 * Idle mode {@code poll}: after a duty cycle that found nothing to do, the worker sleeps in
 * poll(2) on all its sockets until a frame arrives, at most {@link #LONGEST_MS} so that a stop is
 * seen promptly; while it sleeps it is offline for the FIB's grace periods, so a table swap does
 * not wait for it. It does not sleep while a port still needs it (see {@code Port.mayWaitMs}).
 * On a core shared with the kernel's receive thread, this lets that thread fill the ring in
 * batches instead of competing with a spinning worker for the CPU.
 *
 * <p>When ports are added or removed at runtime, the worker's next idle period finds a new port
 * set and waits on that set's sockets from then on (built and freed on the worker's thread: the
 * kernel writes into the pollfd array while the worker sleeps, so no other thread may free it).
 */
final class PollIdleStrategy implements IdleStrategy {
    /** The longest sleep: how long a stop or an idle port's housekeeping may wait. */
    static final int LONGEST_MS = 10;

    private final Worker worker;
    private SocketWait wait;
    /** The port set {@link #wait} waits on. */
    private PortSet waitingOn;
    /** Sleeps of the waits replaced so far. */
    private long earlierSleeps;

    PollIdleStrategy(Worker worker) {
        this.worker = worker;
        this.waitingOn = worker.publishedPorts();
        this.wait = new SocketWait(worker.pollDescriptors(waitingOn));
    }

    @Override
    public void idle(int workCount) {
        if (workCount <= 0) {
            idle();
        }
    }

    @Override
    public void idle() {
        PortSet now = worker.portsInUse();
        if (now != waitingOn) {
            // A port change: rare, so the allocation here is not the hot path's. A port without a
            // descriptor was refused when it was added.
            // No port left to receive from (all removed): the worker just naps, offline as before.
            SocketWait next = now.served.length == 0 ? null : new SocketWait(worker.pollDescriptors(now));
            if (wait != null) {
                earlierSleeps += wait.sleeps();
                wait.close();
            }
            wait = next;
            waitingOn = now;
        }
        worker.sleep(wait, LONGEST_MS);
    }

    @Override
    public void reset() {
    }

    @Override
    public String alias() {
        return "poll";
    }

    Worker worker() {
        return worker;
    }

    /** Sleeps so far, for tests and statistics. */
    long sleeps() {
        SocketWait w = wait;
        return earlierSleeps + (w == null ? 0 : w.sleeps());
    }

    /** Frees the pollfd array; after the worker's thread has ended. */
    void close() {
        if (wait != null) {
            wait.close();
        }
    }
}
