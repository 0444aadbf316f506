package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The demo's self-check and its script-readable summary lines, on a small run. */
class DemoTest {
    private static final Pattern SPLIT = Pattern.compile("split (\\S+) weights (\\d+):(\\d+) observed ([0-9.]+):([0-9.]+) lost (\\d+)");

    @Test
    void demoForwardsEverythingAndPrintsOneSplitLinePerRouteAndPhase() {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            status = Demo.run(new String[] {"--packets", "60000", "--flows", "4096", "--cpu", "-1"});
        } finally {
            System.setOut(original);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        original.print(text);
        assertEquals(0, status, text);
        List<String> lines = text.lines().filter(l -> l.startsWith("split ")).toList();
        assertEquals(6, lines.size(), text);
        for (String line : lines) {
            Matcher m = SPLIT.matcher(line);
            assertTrue(m.matches(), line);
            double want = Double.parseDouble(m.group(2)) / (Integer.parseInt(m.group(2)) + Integer.parseInt(m.group(3)));
            assertEquals(want, Double.parseDouble(m.group(4)), 0.03, line);
            assertEquals("0", m.group(6), line);
        }
        assertTrue(lines.get(3).contains("198.51.100.0/24 weights 3:1"), lines.get(3));
    }

    /** Runs the demo on a machine with CPUs 0 and 1; returns its exit status and what it printed on stderr. */
    private static String refused(String... args) {
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            java.util.BitSet two = new java.util.BitSet();
            two.set(0, 2);
            status = Demo.run(args, new UsableCpus(two));
        } finally {
            System.setErr(original);
        }
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, status, text);
        assertTrue(text.contains("usage: bin/dataplane demo"), text);
        assertFalse(text.contains("Exception") || text.contains("\tat "), "no stack trace: " + text);
        return text.lines().findFirst().orElseThrow();
    }

    @Test
    void badOptionsAreUsageErrorsWithStatus2AndNoStackTrace() {
        assertEquals("dataplane demo: --packets must be 1 or more, not 0", refused("--packets", "0"));
        assertEquals("dataplane demo: --flows needs a whole number, not 'many'", refused("--flows", "many"));
        assertEquals("dataplane demo: --cpu needs a value", refused("--cpu"));
        assertEquals("dataplane demo: --cpu must be -1 or more, not -2", refused("--cpu", "-2"));
        assertEquals("dataplane demo: unknown option '--fast'", refused("--fast"));
    }

    @Test
    void aCpuTheMachineDoesNotHaveIsRefusedBeforeAnythingStarts() {
        assertEquals("dataplane demo: --cpu 7: CPU 7 does not exist or is not usable by this process (usable: 0-1)", refused("--cpu", "7"));
    }
}
