package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code dataplane run --config FILE} in a JVM of its own, as an operator starts it, optionally
 * inside a network namespace; its output goes to a log the test reads.
 */
final class DaemonProcess implements AutoCloseable {
    private final Path dir;
    private final Path log;
    private final Process process;

    /** Starts the daemon with {@code config} as its configuration file, in {@code namespace} (null: this one). */
    DaemonProcess(String namespace, List<String> config) throws IOException {
        this(namespace, config, List.of());
    }

    /** As above, with more {@code dataplane run} options (e.g. {@code --log-level debug}). */
    DaemonProcess(String namespace, List<String> config, List<String> options) throws IOException {
        this(namespace, config, options, java.util.Map.of());
    }

    /** As above, with variables added to the daemon's environment (e.g. {@code NOTIFY_SOCKET}). */
    DaemonProcess(String namespace, List<String> config, List<String> options, java.util.Map<String, String> environment)
            throws IOException {
        dir = Files.createTempDirectory("dp-daemon");
        Path file = dir.resolve("router.conf");
        Files.write(file, config);
        log = dir.resolve("daemon.log");
        List<String> command = new ArrayList<>();
        if (namespace != null) {
            command.addAll(List.of("ip", "netns", "exec", namespace));
        }
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(jvmArgs());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), DataplaneMain.class.getName(),
                "run", "--config", file.toString(), "--socket", socket().toString()));
        command.addAll(options);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(environment);
        process = pb.start();
    }

    /** The configuration file the daemon was started with (rewrite it, then {@link #signal} HUP). */
    Path configFile() {
        return dir.resolve("router.conf");
    }

    /** Sends {@code kill -SIGNAL} to the daemon ('ip netns exec' execs the JVM, so it is the same process). */
    void signal(String signal) throws IOException, InterruptedException {
        long pid = process.pid();
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed");
        }
    }

    /** Runs {@code dpctl ARGS...} against this daemon; returns its exit status and output (stdout, then stderr). */
    DpctlRun dpctl(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--socket", socket().toString()));
        all.addAll(List.of(args));
        int status = Dpctl.run(all.toArray(String[]::new), new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
        return new DpctlRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** What one dpctl call printed, and its exit status. */
    record DpctlRun(int status, String out, String err) {
        /** The output, failing the test with the error when the command failed. */
        String ok() {
            org.junit.jupiter.api.Assertions.assertEquals(0, status, () -> "dpctl failed: " + err + out);
            return out;
        }
    }

    /** Waits until the log contains {@code text} (120 s at most, while the daemon runs); true if it does. */
    boolean awaitLog(String text) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!output().contains(text) && System.nanoTime() < deadline && process.isAlive()) {
            Thread.sleep(50);
        }
        return output().contains(text);
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The flags of pom.xml's dataplane.jvm.args, which the build hands the tests as a system property. */
    static List<String> jvmArgs() {
        String args = System.getProperty("dataplane.jvm.args");
        if (args == null || args.isBlank()) {
            throw new IllegalStateException("system property dataplane.jvm.args is not set (the build sets it from pom.xml)");
        }
        return List.of(args.strip().split("\\s+"));
    }

    Path socket() {
        return dir.resolve("dp.sock");
    }

    /**
     * Waits until the daemon serves its socket; fails with its output if it exits or takes 120 s
     * (a bound for a machine loaded by parallel builds, where a JVM start took 29 s; not a measurement).
     */
    void awaitServing() throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!output().contains("serving") && System.nanoTime() < deadline) {
            assertTrue(process.isAlive(), () -> "the daemon exited: " + output());
            Thread.sleep(100);
        }
        assertTrue(output().contains("serving"), () -> "the daemon did not start: " + output());
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Sends SIGTERM and waits; true when the daemon exited within 20 s. */
    boolean terminate() throws InterruptedException {
        process.destroy();
        return process.waitFor(20, TimeUnit.SECONDS);
    }

    /** Waits for the daemon to exit by itself; true when it did within the time. */
    boolean waitFor(long time, TimeUnit unit) throws InterruptedException {
        return process.waitFor(time, unit);
    }

    /** The exit status, once {@link #terminate} returned true. */
    int exitValue() {
        return process.exitValue();
    }

    @Override
    public void close() throws IOException {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }
}
