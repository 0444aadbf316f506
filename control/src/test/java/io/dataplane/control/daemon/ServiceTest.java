package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dataplane.ffi.NotifyListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Running under systemd: the daemon's notifications on a NOTIFY_SOCKET the test listens on, as
 * systemd would, for start, reload and stop; and the unit in the repository passes
 * {@code systemd-analyze verify}.
 */
class ServiceTest {
    /** The repository's unit, found from the module directory the tests run in. */
    private static final Path UNIT = Path.of("..", "docs", "systemd", "dataplane.service");

    @TempDir
    Path dir;

    @Test
    void theDaemonNotifiesReadyReloadingAndStopping() throws Exception {
        String address = "@dataplane-service-test-" + ProcessHandle.current().pid();
        try (NotifyListener systemd = new NotifyListener(address);
             DaemonProcess d = new DaemonProcess(null, List.of("port add dev p0 type memory"), List.of(),
                     Map.of("NOTIFY_SOCKET", address))) {
            String ready = systemd.receive(120_000);
            assertNotNull(ready, d::output);
            assertTrue(ready.startsWith("READY=1\nSTATUS=serving "), ready);
            assertTrue(d.output().contains("serving"), "READY only once the socket serves: " + d.output());

            d.signal("HUP");
            String reloading = systemd.receive(120_000);
            assertNotNull(reloading, d::output);
            assertTrue(reloading.matches("(?s)RELOADING=1\nMONOTONIC_USEC=\\d+\nSTATUS=.*"), reloading);
            String readyAgain = systemd.receive(120_000);
            assertNotNull(readyAgain, d::output);
            assertTrue(readyAgain.startsWith("READY=1\nSTATUS=serving, configuration reloaded"), readyAgain);

            assertTrue(d.terminate(), "stopped by SIGTERM");
            assertEquals("STOPPING=1\nSTATUS=stopping", systemd.receive(5_000));
            assertEquals(143, d.exitValue());
            assertNull(systemd.receive(200), "nothing after STOPPING");
        }
    }

    @Test
    void theUnitHasWhatTheServiceNeeds() throws IOException {
        String unit = Files.readString(UNIT, StandardCharsets.UTF_8);
        for (String line : List.of("Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure",
                "RuntimeDirectory=dataplane", "RuntimeDirectoryPreserve=restart", "SuccessExitStatus=143",
                "ExecStart=/opt/dataplane/bin/dataplane run --config /etc/dataplane/router.conf --socket /run/dataplane/dataplane.sock")) {
            assertTrue(unit.lines().anyMatch(line::equals), line + " in " + UNIT);
        }
    }

    @Test
    void systemdAnalyzeAcceptsTheUnit() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        boolean ci = "true".equals(System.getenv("CI"));
        assumeTrue(ci || Files.isExecutable(analyze), "systemd-analyze is not installed (Debian package systemd); CI runs this test");
        assertTrue(Files.isExecutable(analyze), "systemd-analyze must be installed in CI (Debian package systemd)");
        // verify checks that ExecStart exists: point it at this checkout's bin/dataplane.
        Path repo = Path.of("..").toRealPath();
        Path copy = dir.resolve("dataplane.service");
        Files.writeString(copy, Files.readString(UNIT).replace("/opt/dataplane/", repo + "/"));
        Process p = new ProcessBuilder(analyze.toString(), "verify", copy.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        // verify only warns (exit 0) for a key it cannot parse, so a warning about the unit fails too
        assertFalse(out.contains("dataplane.service"), out);
    }
}
