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
        assertTrue(e.contains("configuration not loaded, nothing applied: " + conf + ":3: bad weight '300'"), e);
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
}
