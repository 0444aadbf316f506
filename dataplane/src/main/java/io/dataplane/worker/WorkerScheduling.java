package io.dataplane.worker;

import io.dataplane.ffi.NativeException;
import io.dataplane.ffi.ThreadScheduling;

/**
 * The scheduling policy a worker thread gives itself when it starts: left as created, SCHED_OTHER,
 * or SCHED_FIFO at a priority. A FIFO worker that sleeps in poll() when its rings are empty lets
 * the kernel's receive thread on its CPU fill them in batches, and runs as soon as they hold
 * frames. {@code required} false: when the process may not use SCHED_FIFO, the worker logs why
 * and stays SCHED_OTHER; true: the worker does not start.
 *
 * @param fifoPriority SCHED_FIFO priority 1..99, 0 for SCHED_OTHER, -1 to leave the thread as created
 */
public record WorkerScheduling(int fifoPriority, boolean required) {
    private static final System.Logger LOG = System.getLogger(WorkerScheduling.class.getName());

    /** Leaves the thread's policy as the JVM created it (SCHED_OTHER, unless the process was started otherwise). */
    public static final WorkerScheduling INHERIT = new WorkerScheduling(-1, false);
    public static final WorkerScheduling OTHER = new WorkerScheduling(0, true);

    public WorkerScheduling {
        if (fifoPriority < -1 || fifoPriority > ThreadScheduling.MAX_FIFO) {
            throw new IllegalArgumentException("SCHED_FIFO priority must be " + ThreadScheduling.MIN_FIFO + ".."
                    + ThreadScheduling.MAX_FIFO + " (0: SCHED_OTHER), was " + fifoPriority);
        }
    }

    public static WorkerScheduling fifo(int priority, boolean required) {
        if (priority < ThreadScheduling.MIN_FIFO) {
            throw new IllegalArgumentException("SCHED_FIFO priority must be " + ThreadScheduling.MIN_FIFO + ".."
                    + ThreadScheduling.MAX_FIFO + ", was " + priority);
        }
        return new WorkerScheduling(priority, required);
    }

    /** "fifo 1", "other" or "inherit", as the configuration grammar and the logs say it. */
    public String text() {
        return fifoPriority > 0 ? "fifo " + fifoPriority : fifoPriority == 0 ? "other" : "inherit";
    }

    /** Applies the policy to the calling thread (worker {@code worker}'s, at its start). */
    void apply(int worker) {
        if (fifoPriority > 0) {
            try {
                ThreadScheduling.fifo(fifoPriority);
            } catch (NativeException e) {
                if (required) {
                    throw new IllegalStateException("worker " + worker + " cannot run at SCHED_FIFO " + fifoPriority + ": "
                            + e.getMessage() + "; or configure 'sched other'", e);
                }
                LOG.log(System.Logger.Level.WARNING, "worker {0} stays SCHED_OTHER: {1} (configure ''sched other'' to"
                        + " silence this, or ''sched fifo N'' to make it a start-up error)", worker, e.getMessage());
            }
        } else if (fifoPriority == 0) {
            ThreadScheduling.other();
        }
    }
}
