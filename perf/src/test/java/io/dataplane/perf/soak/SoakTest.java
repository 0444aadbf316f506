package io.dataplane.perf.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.ffi.Libc;
import io.dataplane.perf.vskernel.DaemonRouter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak for one minute, as {@code bin/bench soak --minutes 1} runs it (the AF_XDP daemon in
 * namespaces, group replaces, route and neighbour churn, port flaps every 15 s): no misroute, no
 * frame lost without a counter, no drop for want of a route or nexthop, and its summary must show
 * that the churn and the flaps happened. At half the ramp's carried rate (bin/bench uses 80%),
 * since the suite runs on whatever else the machine does; frames the receive ring had no room
 * for are tolerated here (counted, and reported; since the soak drains each veth ring on the CPU
 * that fills it and gives r0 32768-entry rings, no run here has had one), nothing else is. No timing threshold. Needs root and
 * AF_XDP: CI runs it as root; elsewhere it skips saying why.
 */
class SoakTest {
    private static final Pattern FRAMES = Pattern.compile(
            "frames: sent (\\d+), received (\\d+), .* unaccounted (\\d+), misrouted (\\d+), checksum failures (\\d+),"
            + " lost with no counter (\\d+)");
    private static final Pattern CHURN = Pattern.compile("churn: (\\d+) group replaces .* (\\d+) neighbour changes, (\\d+) port flaps");

    @Test
    void oneMinuteUnderChurnAccountsForEveryFrame(@TempDir Path dir) {
        boolean root = Libc.geteuid() == 0;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            assertTrue(root, "CI=true but the tests do not run as root: the soak needs namespaces, bpf(2) and AF_XDP");
            assertTrue(DaemonRouter.available(), "CI=true but DATAPLANE_HOME/bin/dataplane is not there (the build sets DATAPLANE_HOME)");
        }
        Assumptions.assumeTrue(root, "skipped: the soak needs root for namespaces, bpf(2) and AF_XDP (CI runs it as root)");
        Assumptions.assumeTrue(DaemonRouter.available(), "skipped: DATAPLANE_HOME/bin/dataplane not found");
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int rc;
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            rc = Soak.execute(out, "--minutes", "1", "--flap-period", "15", "--fraction", "0.5", "--out", dir.toString());
        }
        String text = buffer.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        // Not rc 0: a host that takes the router CPU for longer than r0's ring lasts overflows it (frames counted in r0's
        // rx_dropped, see the README's soak section), which bin/bench soak reports as a failure.
        // What must hold whatever the load: nothing misrouted, and every lost frame counted somewhere.
        assertTrue(rc == 0 || text.contains("r0 rx_dropped"), "the soak passed, or failed only on receive-ring drops: " + text);
        assertTrue(text.contains("minute 1: "), "a line per minute");
        Matcher frames = FRAMES.matcher(text);
        assertTrue(frames.find(), "the summary has the frames line: " + text);
        assertTrue(Long.parseLong(frames.group(1)) > 0 && Long.parseLong(frames.group(2)) > 0, "frames were sent and received");
        assertEquals("0", frames.group(4), "misrouted");
        assertEquals("0", frames.group(5), "checksum failures");
        Matcher flaps = CHURN.matcher(text);
        assertTrue(flaps.find(), "the churn line: " + text);
        // A frame in the sink veth's 256-entry ring when its link goes down is lost with no counter; nothing else may be.
        assertTrue(Long.parseLong(frames.group(6)) <= 256 * Long.parseLong(flaps.group(3)),
                "frames lost with no counter beyond what the flapped veth's ring held: " + frames.group(6));
        String verdict = text.lines().filter(l -> l.startsWith("soak: FAILED: ") || l.equals("soak: PASSED")).findFirst().orElse("");
        for (String problem : verdict.replace("soak: FAILED: ", "").split("; (?=\\d+ frames|live|native|file|threads|the )")) {
            assertTrue(verdict.equals("soak: PASSED") || problem.matches("\\d+ frames unaccounted .*"),
                    "the only failure allowed here is receive-ring overload: " + problem);
        }
        assertFalse(text.contains("drops.no_route") || text.contains("drops.nexthop_dead"),
                "no frame without a route or a live nexthop while routes and the group changed: " + text);
        Matcher churn = CHURN.matcher(text);
        assertTrue(churn.find(), "the summary has the churn line: " + text);
        assertTrue(Long.parseLong(churn.group(1)) > 1000, "the group was replaced (more than 1,000 times in a minute)");
        assertTrue(Long.parseLong(churn.group(2)) > 0, "neighbours changed");
        assertTrue(Long.parseLong(churn.group(3)) >= 3, "the port flapped every 15 s");
        assertTrue(text.contains("worst pause: safepoints"), "the pause line");
        assertTrue(Files.exists(dir.resolve("events.log")) && Files.exists(dir.resolve("summary.txt")), "event log and summary written");
        String namespaces = list();
        assertFalse(namespaces.contains(Soak.PREFIX + ProcessHandle.current().pid() + "-"), "namespaces removed: " + namespaces);
    }

    private static String list() {
        try {
            Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return s;
        } catch (Exception e) {
            throw new AssertionError("ip netns list: " + e.getMessage(), e);
        }
    }

    @Test
    void badOptionsAreRefusedWithTheReason() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(SoakOptions.BadUsage.class,
                () -> SoakOptions.parse("--sinks", "5"));
        assertTrue(e.getMessage().contains("--sinks must be between 2"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(SoakOptions.BadUsage.class,
                () -> SoakOptions.parse("--flap-period", "5", "--flap-hold", "5"));
        assertTrue(e.getMessage().contains("shorter"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(SoakOptions.BadUsage.class, () -> SoakOptions.parse("--collector", "cms"));
        assertTrue(e.getMessage().contains("g1"), e.getMessage());
        assertEquals(2, Soak.execute(new PrintStream(new ByteArrayOutputStream()), "--minutes"));
    }
}
