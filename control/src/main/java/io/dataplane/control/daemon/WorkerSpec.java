package io.dataplane.control.daemon;

import io.dataplane.control.command.CommandException;
import io.dataplane.worker.WorkerScheduling;
import io.dataplane.worker.Workers;

/**
 * How a port's workers wait and are scheduled, from {@code port add ... [idle busy-spin|poll]
 * [sched other|fifo N]}: each field null when the line does not say. Every AF_XDP worker serves
 * every port (worker q owns queue q of each), so the lines that say must agree; the first that
 * says wins for the others, like {@code cpu}.
 *
 * <p>Defaults for AF_XDP ports: {@code idle poll}, and with it SCHED_FIFO 1 if the process may
 * (else SCHED_OTHER with a warning); {@code idle busy-spin} runs SCHED_OTHER. Measured on veth in
 * copy mode with the kernel's receive thread on the worker's core, poll at FIFO forwards most (README).
 */
public record WorkerSpec(Workers.Idle idle, WorkerScheduling scheduling) {
    static final WorkerSpec UNSAID = new WorkerSpec(null, null);
    /** The FIFO priority of the default: the lowest, above every SCHED_OTHER thread and below the kernel's own FIFO threads. */
    static final int DEFAULT_FIFO = 1;

    public WorkerSpec {
        if (idle == Workers.Idle.BUSY_SPIN && scheduling != null && scheduling.fifoPriority() > 0) {
            throw new CommandException("'idle busy-spin' with 'sched fifo " + scheduling.fifoPriority() + "' would never give"
                    + " the worker's CPU back: the kernel's threads there (receive, RCU, workqueues) would run only in the 5 %"
                    + " that real-time throttling leaves. Use 'sched other' with busy-spin, or 'idle poll' with fifo");
        }
    }

    /** What the workers of AF_XDP ports run with when no line says otherwise. */
    Workers.Idle idleOrDefault() {
        return idle != null ? idle : Workers.Idle.POLL;
    }

    WorkerScheduling schedulingOrDefault() {
        if (scheduling != null) {
            return scheduling;
        }
        return idleOrDefault() == Workers.Idle.POLL ? WorkerScheduling.fifo(DEFAULT_FIFO, false) : WorkerScheduling.OTHER;
    }

    /** This line's values where it has them, else {@code earlier}'s; refuses a value that differs from what an earlier line said. */
    WorkerSpec merge(WorkerSpec earlier, String port) {
        if (idle != null && earlier.idle != null && idle != earlier.idle) {
            throw new CommandException("port " + port + ": 'idle " + idle.text() + "' differs from 'idle " + earlier.idle.text()
                    + "' on an earlier port; the workers serve every port, so give the idle mode once or the same on each line");
        }
        if (scheduling != null && earlier.scheduling != null && !scheduling.equals(earlier.scheduling)) {
            throw new CommandException("port " + port + ": 'sched " + scheduling.text() + "' differs from 'sched "
                    + earlier.scheduling.text() + "' on an earlier port; the workers serve every port, so give it once or the same"
                    + " on each line");
        }
        return new WorkerSpec(idle != null ? idle : earlier.idle, scheduling != null ? scheduling : earlier.scheduling);
    }
}
