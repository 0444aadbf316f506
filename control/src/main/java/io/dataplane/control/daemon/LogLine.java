package io.dataplane.control.daemon;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.text.MessageFormat;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * The daemon's one log line: {@code 2026-12-02T01:09:30.123Z INFO AfXdpPort: message}, UTC time,
 * level, component (the logger's last name), message. Numbers in messages are written as Java
 * writes them, never with the locale's digit grouping ({@code MTU 1500}, not {@code MTU 1,500}),
 * so scripts can read them. A record's exception follows on the next lines.
 */
final class LogLine extends Formatter {
    /** The parent of every dataplane logger (held here: java.util.logging keeps loggers only weakly, and with them their level). */
    private static final Logger OURS = Logger.getLogger("io.dataplane");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** The {@code --log-level} word for a level, or IllegalArgumentException naming the choices. */
    static Level level(String word) {
        return switch (word) {
            case "error" -> Level.SEVERE;
            case "warn" -> Level.WARNING;
            case "info" -> Level.INFO;
            case "debug" -> Level.FINE;
            default -> throw new IllegalArgumentException("unknown log level '" + word + "'; use error, warn, info or debug");
        };
    }

    /**
     * Sends every log record of this JVM to {@code out} in this format, in place of the root
     * logger's handlers: the dataplane's own records at {@code level} and above, the JDK's at
     * {@code level} but never below info (its debug records are about the JDK, not the daemon).
     * Closing restores the previous handlers and levels.
     */
    static AutoCloseable install(PrintStream out, Level level) {
        Logger root = Logger.getLogger("");
        Handler[] previous = root.getHandlers();
        Level previousRoot = root.getLevel();
        Level previousOurs = OURS.getLevel();
        Handler h = new StreamHandler(out, new LogLine()) {
            @Override
            public synchronized void publish(LogRecord r) {
                super.publish(r);
                flush(); // a daemon's log is read while it runs
            }

            @Override
            public synchronized void close() {
                flush(); // not StreamHandler's close: java.util.logging's shutdown hook would close stderr with it
            }
        };
        h.setLevel(level);
        for (Handler p : previous) {
            root.removeHandler(p);
        }
        root.addHandler(h);
        root.setLevel(level.intValue() < Level.INFO.intValue() ? Level.INFO : level);
        OURS.setLevel(level);
        return () -> {
            h.flush();
            root.removeHandler(h);
            for (Handler p : previous) {
                root.addHandler(p);
            }
            root.setLevel(previousRoot);
            OURS.setLevel(previousOurs);
        };
    }

    /**
     * Writes one line straight to {@code out}, bypassing the handlers: for the last lines of a
     * stopping daemon, because java.util.logging's own shutdown hook removes every handler as soon
     * as the JVM begins to exit (SIGTERM), and a line logged after that would be lost.
     */
    static void print(PrintStream out, Level level, String component, String message) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName(component);
        out.print(new LogLine().format(r));
        out.flush();
    }

    @Override
    public String format(LogRecord r) {
        StringBuilder s = new StringBuilder(128)
                .append(TIME.format(r.getInstant())).append(' ')
                .append(levelName(r.getLevel())).append(' ')
                .append(component(r.getLoggerName())).append(": ")
                .append(message(r)).append('\n');
        if (r.getThrown() != null) {
            StringWriter trace = new StringWriter();
            r.getThrown().printStackTrace(new PrintWriter(trace));
            s.append(trace);
        }
        return s.toString();
    }

    private static String levelName(Level l) {
        int v = l.intValue();
        return v >= Level.SEVERE.intValue() ? "ERROR" : v >= Level.WARNING.intValue() ? "WARN"
                : v >= Level.INFO.intValue() ? "INFO" : v >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
    }

    /** "io.dataplane.port.AfXdpPort" -> "AfXdpPort"; a short name stays as it is. */
    private static String component(String logger) {
        if (logger == null || logger.isEmpty()) {
            return "-";
        }
        return logger.substring(logger.lastIndexOf('.') + 1);
    }

    /** The message with its {0}-style parameters; numbers go in as their plain text (MessageFormat would group digits). */
    private static String message(LogRecord r) {
        String m = String.valueOf(r.getMessage());
        Object[] params = r.getParameters();
        if (params == null || params.length == 0 || !m.contains("{")) {
            return m;
        }
        Object[] text = new Object[params.length];
        for (int i = 0; i < params.length; i++) {
            text[i] = String.valueOf(params[i]);
        }
        try {
            return MessageFormat.format(m, text);
        } catch (IllegalArgumentException e) {
            return m; // a message that only looks like a pattern
        }
    }
}
