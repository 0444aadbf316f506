package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dataplane run}: configuration errors name the line and leave nothing running or bound. */
class DataplaneMainTest {
    @TempDir
    Path dir;
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) throws Exception {
        return DataplaneMain.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void badConfigurationLineIsNamedAndNothingIsServed() throws Exception {
        Path conf = dir.resolve("bad.conf");
        Files.write(conf, List.of("port add dev p0 type memory", "# routes", "route add 10.0.0.0/8 via 192.0.2.1 dev p0 weight 300"));
        Path sock = dir.resolve("d.sock");
        assertEquals(1, run("--config", conf.toString(), "--socket", sock.toString()));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("configuration not loaded, nothing applied: " + conf + ":3: argument \"300\" is wrong: \"weight\" is invalid"), e);
        assertFalse(Files.exists(sock), "no socket for a daemon that did not start");
    }

    @Test
    void aPortThatCannotBeOpenedStopsTheDaemonWithNothingBound() throws Exception {
        Path conf = dir.resolve("xdp.conf");
        // A name no interface has: the test must never bind to a real NIC of the machine.
        Files.write(conf, List.of("port add dev dpnone0 queues 2 mode copy", "route add 10.0.0.0/8 via 192.0.2.1 dev dpnone0"));
        Path sock = dir.resolve("d.sock");
        assertEquals(1, run("--config", conf.toString(), "--socket", sock.toString()));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("cannot start the dataplane") && e.contains("dpnone0"), e);
        assertFalse(Files.exists(sock), "no socket for a daemon that did not start");
    }

    @Test
    void portsOfDifferentTypesAreRefused() throws Exception {
        Path conf = dir.resolve("mixed.conf");
        Files.write(conf, List.of("port add dev p0 type memory", "port add dev dpnone0"));
        assertEquals(1, run("--config", conf.toString(), "--socket", dir.resolve("m.sock").toString()));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("ports of different types cannot share the dataplane"), e);
    }

    @Test
    void unknownOptionIsAUsageError() throws Exception {
        assertEquals(2, run("--sockets", "x"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown option '--sockets'"));
    }

    @Test
    void missingConfigurationFileIsNamed() throws Exception {
        assertEquals(1, run("--config", dir.resolve("nope.conf").toString(), "--socket", dir.resolve("s").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("nope.conf does not exist"));
    }

    @Test
    void runHelpPrintsTheUsageWithEveryOption() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, DataplaneMain.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        String u = out.toString(StandardCharsets.UTF_8);
        for (String option : new String[] {"--config FILE", "--socket PATH", "--group NAME", "--log-level", "--version", "route add"}) {
            assertTrue(u.contains(option), option + " in:\n" + u);
        }
    }

    @Test
    void anUnknownLogLevelIsAUsageError() throws Exception {
        assertEquals(2, run("--log-level", "loud"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown log level 'loud'; use error, warn, info or debug"));
    }

    @Test
    void bothCommandsPrintTheProjectVersion() throws Exception {
        assertTrue(Version.number().matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), Version.number());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, Dpctl.run(new String[] {"--version"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
        assertEquals("dpctl " + Version.number(), out.toString(StandardCharsets.UTF_8).strip());
        PrintStream original = System.out;
        out.reset();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            DataplaneMain.main(new String[] {"--version"});
        } finally {
            System.setOut(original);
        }
        assertEquals("dataplane " + Version.number(), out.toString(StandardCharsets.UTF_8).strip());
    }

    @Test
    void aCpuThisMachineDoesNotHaveIsRefusedAtLoadWithItsLineInTheLogFormat() throws Exception {
        Path conf = dir.resolve("cpu.conf");
        Files.write(conf, List.of("port add dev p0 type memory", "port add dev p1 type memory cpu 4095"));
        Path sock = dir.resolve("c.sock");
        assertEquals(1, run("--config", conf.toString(), "--socket", sock.toString()));
        String e = err.toString(StandardCharsets.UTF_8).strip();
        assertTrue(e.matches(LogLineTest.LINE), e);
        assertTrue(e.contains(" ERROR dataplane: configuration not loaded, nothing applied: " + conf
                + ":2: port p1: CPU 4095 does not exist or is not usable by this process (usable: "), e);
        assertFalse(Files.exists(sock), "no socket for a daemon that did not start");
    }

    @Test
    void aRunningDaemonLogsEveryLineInTheOneFormatAndStopsOnSigterm() throws Exception {
        try (DaemonProcess d = new DaemonProcess(null, List.of("port add dev p0 type memory", "port add dev p1 type memory"),
                List.of("--log-level", "debug"))) {
            d.awaitServing();
            assertTrue(d.terminate(), d.output());
            assertEquals(143, d.exitValue(), "128 + SIGTERM, as the JVM exits on it: " + d.output());
            List<String> lines = d.output().lines().toList();
            for (String l : lines) {
                assertTrue(l.matches(LogLineTest.LINE), "not in the log format: " + l + "\nin:\n" + d.output());
            }
            assertTrue(lines.stream().anyMatch(l -> l.endsWith(" INFO dataplane: port 1 p1: type memory, mtu 1500, address 02:00:00:00:00:02")),
                    d.output());
            assertTrue(lines.getLast().endsWith(" INFO dataplane: stopped"), d.output());
        }
    }

    @Test
    void aWorkerThatCannotStartStopsTheDaemonWithStatus1AfterDetachingEverything() throws Exception {
        java.util.BitSet any = new java.util.BitSet();
        any.set(0, 4096);
        // The configuration check is told every CPU exists, so the worker meets the missing CPU when it pins itself.
        Path conf = dir.resolve("w.conf");
        Files.write(conf, List.of("port add dev p0 type memory cpu 4095"));
        Path sock = dir.resolve("w.sock");
        int status = DataplaneMain.run(new String[] {"--config", conf.toString(), "--socket", sock.toString()},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8),
                new PortConfiguration(new UsableCpus(any)));
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, status, e);
        assertTrue(e.contains(" ERROR dataplane: worker 0 stopped: ") && e.contains("4095")
                && e.contains("; stopping the daemon (--keep-running-on-worker-error would keep it serving)"), e);
        assertTrue(e.strip().endsWith(" INFO dataplane: stopped"), e);
        assertFalse(Files.exists(sock), "the socket is gone with the daemon");
    }

    @Test
    void keepRunningOnWorkerErrorIsAnOptionWithoutValue() throws Exception {
        assertEquals(2, run("--keep-running-on-worker-error", "--sockets"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown option '--sockets'"));
    }
}
