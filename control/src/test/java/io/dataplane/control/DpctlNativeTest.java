package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.control.daemon.Dpctl;
import io.dataplane.ffi.Privileges;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The native dpctl ({@code src/main/c/dpctl.c}, what {@code bin/dpctl} runs) against the Java one
 * ({@link Dpctl}): the same command list, each client against its own daemon in the same state,
 * must print the same output, the same errors and exit with the same status. The cases the native
 * client hands to the Java one (help, version, batches, usage errors, other options) are in the
 * list too, so the hand-over is checked as well: arguments, standard input and exit status.
 */
class DpctlNativeTest {
    private static final Path NATIVE = Path.of("target/native/dpctl");

    private final ServerHarness javaDaemon;
    private final ServerHarness nativeDaemon;
    private final Path dir;

    DpctlNativeTest() throws Exception {
        javaDaemon = new ServerHarness(CommandServer.Limits.defaults());
        nativeDaemon = new ServerHarness(CommandServer.Limits.defaults());
        dir = Files.createTempDirectory("dpctl-native");
    }

    @AfterEach
    void close() throws Exception {
        javaDaemon.close();
        nativeDaemon.close();
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** One client run: exit status, standard output, standard error (socket paths replaced by SOCKET). */
    record Result(int status, String out, String err) {
    }

    /** A case: {@code args} with "SOCKET" standing for the daemon's socket, and what standard input gets. */
    record Case(String stdin, String... args) {
        String[] argsFor(ServerHarness h) {
            return java.util.Arrays.stream(args).map(a -> a.replace("SOCKET", h.socket.toString())).toArray(String[]::new);
        }
    }

    private Result java(Case c) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InputStream stdin = System.in;
        System.setIn(new ByteArrayInputStream(c.stdin().getBytes(StandardCharsets.UTF_8)));
        try {
            int status = Dpctl.run(c.argsFor(javaDaemon), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            return result(javaDaemon, status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(stdin);
        }
    }

    private Result nativeClient(Case c, Path javaClient) throws Exception {
        List<String> command = new ArrayList<>(List.of(NATIVE.toString()));
        command.addAll(List.of(c.argsFor(nativeDaemon)));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("DPCTL_JAVA", javaClient.toString());
        pb.redirectError(dir.resolve("stderr").toFile());
        Process p = pb.start();
        p.getOutputStream().write(c.stdin().getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the native dpctl did not exit: " + command);
        return result(nativeDaemon, p.exitValue(), out, Files.readString(dir.resolve("stderr")));
    }

    private Result result(ServerHarness h, int status, String out, String err) {
        return new Result(status, out.replace(h.socket.toString(), "SOCKET").replace(h.dir.toString(), "DIR"),
                err.replace(h.socket.toString(), "SOCKET").replace(h.dir.toString(), "DIR"));
    }

    /** What the native client hands over to: the Java client on this test's class path (bin/dpctl's role). */
    private Path javaClient() throws IOException {
        Path script = dir.resolve("dpctl-java");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Files.writeString(script, "#!/bin/sh\nexec '" + java + "' -cp '" + System.getProperty("java.class.path") + "' "
                + Dpctl.class.getName() + " \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    @Test
    void theNativeClientAnswersExactlyAsTheJavaClient() throws Exception {
        if (!Files.isExecutable(NATIVE)) {
            if (Privileges.inCi()) {
                throw new AssertionError(NATIVE + " was not built (gcc missing?): bin/test installs gcc");
            }
            Assumptions.abort("skipped: " + NATIVE + " was not built (no gcc); apt-get install gcc and rebuild");
        }
        Path good = dir.resolve("good.batch");
        Files.write(good, List.of("# two routes", "route add 10.70.0.0/16 via 192.0.2.1 dev p1", "",
                "route add 10.71.0.0/16 via 192.0.2.1 dev p1"));
        Path bad = dir.resolve("bad.batch");
        Files.write(bad, List.of("route add 10.72.0.0/16 via 192.0.2.1 dev p1", "route add 10.73.0.0/16 via 192.0.2.1 dev p9"));
        Path stale = dir.resolve("stale.sock");
        Files.writeString(stale, "not a socket");
        List<Case> cases = List.of(
                new Case("", "--socket", "SOCKET", "route", "show"),
                new Case("", "--socket", "SOCKET", "-j", "route", "show"),
                new Case("", "--socket", "SOCKET", "route", "add", "10.50.0.0/16", "via", "192.0.2.1", "dev", "p1"),
                new Case("", "--socket", "SOCKET", "route", "add", "10.50.0.0/16", "via", "192.0.2.1", "dev", "p1"),
                new Case("", "--socket", "SOCKET", "route", "add", "10.51.0.0/16", "via", "192.0.2.1", "dev", "nosuch"),
                new Case("", "--socket", "SOCKET", "route", "show", "10.50.0.0/16"),
                new Case("", "--socket", "SOCKET", "route", "get", "10.0.0.7", "from", "10.9.0.1", "ipproto", "tcp", "sport", "1", "dport", "2"),
                new Case("", "--socket", "SOCKET", "nexthop", "show"),
                new Case("", "--socket", "SOCKET", "-j", "nexthop", "show"),
                new Case("", "--socket", "SOCKET", "link", "show"),
                new Case("", "--socket", "SOCKET", "stats"),
                new Case("", "--socket", "SOCKET", "-j", "stats", "drops"),
                new Case("", "--socket", "SOCKET", "show", "hash"),
                new Case("", "--socket", "SOCKET", "no", "such", "command"),
                new Case("", "--socket", "SOCKET", "-j"),
                new Case("", "--socket", "SOCKET", "--socket", "SOCKET", "neigh", "show"),
                new Case("", "--socket", "SOCKET", "-j", "--socket", "SOCKET", "route", "show"),
                new Case("", "--socket", "SOCKET", "route", "add", "10.52.0.0/16", "via", "192.0.2.1", "dev", "p\u00e9"),
                new Case("", "--socket", "SOCKET", "-batch", good.toString()),
                new Case("", "--socket", "SOCKET", "route", "show", "10.71.0.0/16"),
                new Case("", "--socket", "SOCKET", "-batch", bad.toString()),
                new Case("", "--socket", "SOCKET", "route", "show", "10.72.0.0/16"),
                new Case("route add 10.74.0.0/16 via 192.0.2.1 dev p1\nroute show 10.74.0.0/16\n", "--socket", "SOCKET", "-batch", "-"),
                new Case("", "--socket", "SOCKET", "-batch", dir.resolve("absent.batch").toString()),
                new Case("", "--socket", "SOCKET", "-batch"),
                new Case("", "--socket", "SOCKET", "--help"),
                new Case("", "--version"),
                new Case("", "help"),
                new Case(""),
                new Case("", "--socket"),
                new Case("", "--socket", dir.resolve("absent.sock").toString(), "route", "show"),
                new Case("", "--socket", dir.resolve("absent.sock") + "/", "route", "show"),
                new Case("", "--socket", stale.toString(), "route", "show"));
        Path javaClient = javaClient();
        List<String> differences = new ArrayList<>();
        for (Case c : cases) {
            Result j = java(c);
            Result n = nativeClient(c, javaClient);
            if (!j.equals(n)) {
                differences.add(String.join(" ", c.args()) + "\n  java:   " + j + "\n  native: " + n);
            }
        }
        assertEquals(List.of(), differences);
    }
}
