package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** The daemon's log line: time, level, component, message, and numbers without digit grouping. */
class LogLineTest {
    static final String LINE = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (ERROR|WARN|INFO|DEBUG) \\S+: .+";

    @Test
    void aParameterisedRecordBecomesOneLineWithoutDigitGrouping() {
        Locale before = Locale.getDefault(Locale.Category.FORMAT);
        Locale.setDefault(Locale.Category.FORMAT, Locale.US); // the locale that printed "MTU 1,500"
        try {
            LogRecord r = new LogRecord(Level.INFO, "port {0}: queue {1} bound, MTU {2}");
            r.setLoggerName("io.dataplane.port.AfXdpPort");
            r.setParameters(new Object[] {"eth0", 0, 1500});
            r.setInstant(java.time.Instant.parse("2026-12-02T01:09:30.123456Z"));
            assertEquals("2026-12-02T01:09:30.123Z INFO AfXdpPort: port eth0: queue 0 bound, MTU 1500\n", new LogLine().format(r));
        } finally {
            Locale.setDefault(Locale.Category.FORMAT, before);
        }
    }

    @Test
    void levelsAreNamedAsTheLogLevelOptionNamesThem() {
        for (String word : new String[] {"error", "warn", "info", "debug"}) {
            LogRecord r = new LogRecord(LogLine.level(word), "m");
            r.setLoggerName("x");
            assertTrue(new LogLine().format(r).matches(LINE.replace("(ERROR|WARN|INFO|DEBUG)", word.toUpperCase(Locale.ROOT)) + "\n"), word);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogLine.level("loud"));
        assertEquals("unknown log level 'loud'; use error, warn, info or debug", e.getMessage());
    }

    @Test
    void installedItCarriesSystemLoggerRecordsAtTheChosenLevelAndClosingRestores() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.Logger log = System.getLogger("io.dataplane.test.Component");
        try (AutoCloseable installed = LogLine.install(new PrintStream(out, true, StandardCharsets.UTF_8), Level.WARNING)) {
            log.log(System.Logger.Level.INFO, "not shown at warn");
            log.log(System.Logger.Level.WARNING, "{0} frames not returned", 12345);
            log.log(System.Logger.Level.ERROR, "failed", new IllegalStateException("why"));
        }
        log.log(System.Logger.Level.ERROR, "after close: not ours");
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertTrue(lines[0].matches(LINE) && lines[0].endsWith(" WARN Component: 12345 frames not returned"), lines[0]);
        assertTrue(lines[1].endsWith(" ERROR Component: failed"), lines[1]);
        assertEquals("java.lang.IllegalStateException: why", lines[2], "the exception follows its line");
        assertFalse(out.toString(StandardCharsets.UTF_8).contains("not shown") || out.toString(StandardCharsets.UTF_8).contains("after close"));
    }
}
