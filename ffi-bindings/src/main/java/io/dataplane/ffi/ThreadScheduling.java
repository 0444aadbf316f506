package io.dataplane.ffi;

/**
 * The calling thread's scheduling policy through {@code sched_setscheduler(2)}: SCHED_OTHER (the
 * time-shared default) or SCHED_FIFO at a real-time priority. Linux policies are per thread, so
 * like {@link CpuAffinity#pin(int)} this acts on the thread that calls it.
 */
public final class ThreadScheduling {
    /** {@code SCHED_OTHER} and {@code SCHED_FIFO} from {@code include/uapi/linux/sched.h}. */
    public static final int SCHED_OTHER = 0, SCHED_FIFO = 1;
    /** SCHED_FIFO priorities Linux accepts ({@code sched_get_priority_min/max}). */
    public static final int MIN_FIFO = 1, MAX_FIFO = 99;

    private ThreadScheduling() {
    }

    /**
     * Makes the calling thread SCHED_FIFO at {@code priority}. Throws a {@link NativeException}
     * whose text says what to do when the process may not (EPERM: no CAP_SYS_NICE and RLIMIT_RTPRIO
     * below the priority).
     */
    public static void fifo(int priority) {
        if (priority < MIN_FIFO || priority > MAX_FIFO) {
            throw new IllegalArgumentException("SCHED_FIFO priority must be " + MIN_FIFO + ".." + MAX_FIFO + ", was " + priority);
        }
        int rc = Libc.schedSetscheduler(0, SCHED_FIFO, priority);
        if (rc == -Errno.EPERM) {
            throw new NativeException("sched_setscheduler", "SCHED_FIFO " + priority + " for thread " + Libc.gettid(), Errno.EPERM,
                    "run as root or with CAP_SYS_NICE, or raise RLIMIT_RTPRIO (ulimit -r) to at least " + priority);
        }
        if (rc < 0) {
            throw new NativeException("sched_setscheduler", "SCHED_FIFO " + priority + " for thread " + Libc.gettid(), -rc);
        }
    }

    /** Makes the calling thread SCHED_OTHER (always permitted). */
    public static void other() {
        int rc = Libc.schedSetscheduler(0, SCHED_OTHER, 0);
        if (rc < 0) {
            throw new NativeException("sched_setscheduler", "SCHED_OTHER for thread " + Libc.gettid(), -rc);
        }
    }

    /** The calling thread's policy: {@link #SCHED_OTHER}, {@link #SCHED_FIFO} or another of Linux's. */
    public static int policy() {
        int rc = Libc.schedGetscheduler(0);
        if (rc < 0) {
            throw new NativeException("sched_getscheduler", "thread " + Libc.gettid(), -rc);
        }
        return rc;
    }
}
