package io.dataplane.perf.vskernel;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A contender's process and its descendants ({@code taskset} and {@code ip netns exec} usually
 * exec the real program, but not always): their ids, for the per-round CPU accounting, and a
 * bounded wait for them to end after they were asked to stop.
 */
final class ProcessTree {
    private ProcessTree() {
    }

    /** The process's id and its descendants' (empty for null). */
    static Set<Integer> ids(Process process) {
        Set<Integer> ids = new HashSet<>();
        if (process != null) {
            ids.add((int) process.pid());
            process.descendants().forEach(h -> ids.add((int) h.pid()));
        }
        return ids;
    }

    /** Sends {@code signal} (e.g. "TERM", "INT") to the process's descendants, then to the process itself. */
    static void signal(Process process, String signal) {
        for (ProcessHandle h : process.descendants().toList()) {
            Shell.runQuietly("kill", "-" + signal, String.valueOf(h.pid()));
        }
        Shell.runQuietly("kill", "-" + signal, String.valueOf(process.pid()));
    }

    /** Waits up to {@code seconds} for a process asked to stop, then kills it and its descendants. */
    static void awaitOrKill(Process process, int seconds) {
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                kill(process);
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(process);
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
