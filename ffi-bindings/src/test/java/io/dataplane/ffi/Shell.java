package io.dataplane.ffi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Runs setup commands (ip, ethtool) for tests; a failure names the command and its output. */
public final class Shell {
    private Shell() {
    }

    public static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (rc != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited " + rc + ": " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Like {@link #run} but ignores failure (teardown). */
    public static void quiet(String... command) {
        try {
            run(command);
        } catch (RuntimeException ignored) {
            // teardown is best effort: the object may already be gone
        }
    }
}
