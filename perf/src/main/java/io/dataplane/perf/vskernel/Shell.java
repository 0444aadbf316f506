package io.dataplane.perf.vskernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Runs the iproute2/sysctl commands that build and tear down the topology. */
final class Shell {
    private Shell() {
    }

    /** Runs a command and returns its output; a non-zero exit is an error naming the command and its output. */
    static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (rc != 0) {
                throw new BenchException(String.join(" ", command) + " exited " + rc + ": " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new BenchException("cannot run " + command[0] + " (" + e.getMessage() + "); the harness needs ip (iproute2),"
                    + " sysctl (procps), ethtool, taskset and chrt (util-linux): install the missing one");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while running " + String.join(" ", command));
        }
    }

    /** Cleanup: runs a command and ignores failure (the thing may already be gone). */
    static void runQuietly(String... command) {
        try {
            run(command);
        } catch (RuntimeException ignored) {
            // already gone, or we are shutting down
        }
    }
}
