package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.*;

import io.dataplane.control.daemon.Dpctl;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** dpctl against a live command server: output, exit status, batches, and a missing daemon. */
class DpctlTest {
    private final ServerHarness h;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    DpctlTest() throws Exception {
        h = new ServerHarness(CommandServer.Limits.defaults());
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    private int dpctl(String... args) {
        List<String> a = new ArrayList<>(List.of("--socket", h.socket.toString()));
        a.addAll(List.of(args));
        return Dpctl.run(a.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void commandSucceedsSilentlyAndShowPrintsItsOutput() {
        assertEquals(0, dpctl("route", "add", "10.50.0.0/16", "via", "192.0.2.1", "dev", "p1"));
        assertEquals("", out());
        assertEquals(0, dpctl("-j", "route", "show", "10.50.0.0/16"));
        assertEquals("[{\"dst\":\"10.50.0.0/16\",\"gateway\":\"192.0.2.1\",\"dev\":\"p1\",\"flags\":[]}]\n", out());
    }

    @Test
    void failingCommandPrintsTheErrorAndExitsNonZero() {
        assertEquals(1, dpctl("route", "add", "10.50.0.0/16", "via", "192.0.2.1", "dev", "nosuch"));
        assertTrue(err().startsWith("dpctl: unknown device 'nosuch'"), err());
    }

    @Test
    void batchFileIsAppliedAllOrNothingAndNamesTheBadLine() throws Exception {
        Path f = Files.createTempFile(h.dir, "routes", ".batch");
        Files.write(f, List.of("# comment", "route add 10.60.0.0/16 via 192.0.2.1 dev p1", "",
                "route add 10.61.0.0/16 via 192.0.2.1 dev p7", "route add 10.62.0.0/16 via 192.0.2.1 dev p1"));
        assertEquals(1, dpctl("-batch", f.toString()));
        assertTrue(err().startsWith("dpctl: " + f + ":4: unknown device 'p7'"), err());
        out.reset();
        assertEquals(0, dpctl("route", "show", "10.60.0.0/16"), "a selector that matches nothing succeeds, as in ip");
        assertEquals("", out(), "line 2 was not applied either");
        Files.write(f, List.of("route add 10.60.0.0/16 via 192.0.2.1 dev p1", "route add 10.62.0.0/16 via 192.0.2.1 dev p1"));
        err.reset();
        assertEquals(0, dpctl("-batch", f.toString()), err());
        assertEquals(0, dpctl("route", "show", "10.62.0.0/16"));
        Files.delete(f);
    }

    @Test
    void missingDaemonIsReportedClearly() {
        int rc = Dpctl.run(new String[] {"--socket", h.dir.resolve("absent.sock").toString(), "route", "show"},
                new PrintStream(out), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(3, rc);
        assertTrue(err().contains("the dataplane daemon is not running (no socket at"), err());
    }

    @Test
    void usageErrorsExitWithTwoAndHelpTellsTheGrammar() {
        assertEquals(2, Dpctl.run(new String[0], new PrintStream(out), new PrintStream(err)));
        out.reset();
        assertEquals(0, Dpctl.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err)));
        assertTrue(out().contains("-batch FILE"));
        assertTrue(out().contains("route get ADDR [from SRC] [ipproto tcp|udp|icmp|N]"));
    }

    @Test
    void batchFileWithItsOwnBatchLinesIsSentAsItIs() throws Exception {
        Path f = Files.createTempFile(h.dir, "own", ".batch");
        Files.write(f, List.of("batch begin", "route add 10.63.0.0/16 via 192.0.2.1 dev p1", "batch commit",
                "route show 10.63.0.0/16"));
        assertEquals(0, dpctl("-batch", f.toString()), err());
        assertEquals("10.63.0.0/16 via 192.0.2.1 dev p1\n", out());
        Files.delete(f);
    }

    @Test
    void unterminatedBatchInAFileIsAnErrorAndNothingOfItIsApplied() throws Exception {
        Path f = Files.createTempFile(h.dir, "open", ".batch");
        Files.write(f, List.of("batch begin", "route add 10.64.0.0/16 via 192.0.2.1 dev p1"));
        assertEquals(1, dpctl("-batch", f.toString()));
        assertTrue(err().contains(f + ":1: 'batch begin' is never followed by 'batch commit'"), err());
        out.reset();
        assertEquals(0, dpctl("route", "show", "10.64.0.0/16"));
        assertEquals("", out(), "nothing of the open batch was applied");
        Files.delete(f);
    }

    @Test
    void forceBatchGoesOnAfterABadLineAndReportsEveryOne() throws Exception {
        Path f = Files.createTempFile(h.dir, "force", ".batch");
        Files.write(f, List.of("route add 10.70.0.0/16 via 192.0.2.1 dev p1", "route add 10.71.0.0/16 via 192.0.2.1 dev p7",
                "route add 10.72.0.0/16 via 192.0.2.1 dev p1", "route frobnicate"));
        assertEquals(1, dpctl("-force", "-batch", f.toString()));
        assertTrue(err().contains(f + ":2: unknown device 'p7'"), err());
        assertTrue(err().contains(f + ":4: unexpected 'frobnicate'"), err());
        assertEquals(0, dpctl("route", "show", "root", "10.70.0.0/15"));
        assertEquals("10.70.0.0/16 via 192.0.2.1 dev p1\n", out(), "lines 1 and 3 were applied on their own");
        Files.delete(f);
    }

    @Test
    void optionsBeforeBatchApplyToEveryLineAndAreAbbreviatedAsIpDoes() throws Exception {
        Path f = Files.createTempFile(h.dir, "json", ".batch");
        Files.write(f, List.of("r a 10.73.0.0/16 via 192.0.2.1 dev p1", "r s 10.73.0.0/16"));
        assertEquals(0, dpctl("-j", "-b", f.toString()), err());
        assertEquals("[{\"dst\":\"10.73.0.0/16\",\"gateway\":\"192.0.2.1\",\"dev\":\"p1\",\"flags\":[]}]\n", out());
        assertEquals(2, dpctl("-force", "route", "show"), "-force without -batch is a usage error");
        Files.delete(f);
    }
    @Test
    void monitorPrintsEachChangeAsItComes() throws Exception {
        ByteArrayOutputStream events = new ByteArrayOutputStream();
        Thread monitor = Thread.ofPlatform().daemon().start(() -> Dpctl.run(
                new String[] {"--socket", h.socket.toString(), "mon", "r"}, new PrintStream(events, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        long deadline = System.nanoTime() + 10_000_000_000L;
        // until the subscription is in: a change made before it is not told
        while (!events.toString(StandardCharsets.UTF_8).contains("10.51.0.0/16") && System.nanoTime() < deadline) {
            dpctl("route", "replace", "10.51.0.0/16", "via", "192.0.2.1", "dev", "p1", "metric", Long.toString(System.nanoTime() % 1000));
            Thread.sleep(100);
        }
        assertEquals(0, dpctl("route", "add", "10.52.0.0/16", "via", "192.0.2.1", "dev", "p1"));
        assertEquals(0, dpctl("route", "del", "10.52.0.0/16"));
        while (!events.toString(StandardCharsets.UTF_8).contains("Deleted 10.52.0.0/16") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        String told = events.toString(StandardCharsets.UTF_8);
        assertTrue(told.contains("\n10.52.0.0/16 via 192.0.2.1 dev p1\nDeleted 10.52.0.0/16 via 192.0.2.1 dev p1\n"), told);
        assertTrue(monitor.isAlive(), "it goes on until interrupted (or the daemon goes: exit status 3)");
    }
}
