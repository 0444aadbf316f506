package io.dataplane.control.command;

import io.dataplane.tables.IpAddresses;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The words of one command line and a cursor over them, with the grammar's common token forms
 * (keywords, numbers, port names, parsed values) and its error wording: every message names the
 * offending token, its position and what was expected there. Shared by the routing grammar
 * ({@link CommandParser}) and the daemon's configuration grammar, so both speak alike.
 */
public final class Tokens {
    private final List<String> words = new ArrayList<>(12);
    private int pos;

    /** Splits {@code line} at spaces and tabs. */
    public Tokens(String line) {
        // one pass over the characters (a full table is a million lines through here)
        int n = line.length();
        int start = -1;
        for (int i = 0; i < n; i++) {
            char c = line.charAt(i);
            boolean blank = c == ' ' || c == '\t';
            if (blank && start >= 0) {
                words.add(line.substring(start, i));
                start = -1;
            } else if (!blank && start < 0) {
                start = i;
            }
        }
        if (start >= 0) {
            words.add(line.substring(start, n));
        }
    }

    /** The first token of {@code line}, null when it has none: what {@code new Tokens(line).peek()} is, without splitting the rest. */
    public static String firstWord(String line) {
        int start = wordStart(line, 0);
        int end = wordEnd(line, start);
        return end > start ? line.substring(start, end) : null;
    }

    /** Whether the first token of {@code line} is {@code word}: {@code word.equals(firstWord(line))}, without the copy. */
    public static boolean firstWordIs(String line, String word) {
        int start = wordStart(line, 0);
        int end = wordEnd(line, start);
        return end - start == word.length() && line.startsWith(word, start);
    }

    private static int wordStart(String line, int i) {
        while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static int wordEnd(String line, int i) {
        while (i < line.length() && line.charAt(i) != ' ' && line.charAt(i) != '\t') {
            i++;
        }
        return i;
    }

    /** The next token, not consumed; null at the end. */
    public String peek() {
        return pos < words.size() ? words.get(pos) : null;
    }

    /** Consumes the next token (there must be one: check {@link #peek()} first). */
    public String next() {
        return words.get(pos++);
    }

    /** Un-consumes the last token. */
    public void back() {
        pos--;
    }

    /** How many tokens are consumed: the 1-based position of the last one, for messages. */
    public int position() {
        return pos;
    }

    /** Consumes the rest of the line. */
    public List<String> rest() {
        List<String> rest = List.copyOf(words.subList(pos, words.size()));
        pos = words.size();
        return rest;
    }

    /** Consumes the next token, or fails saying {@code what} was expected. */
    public String expect(String what) {
        if (pos >= words.size()) {
            throw missing(what);
        }
        return next();
    }

    /** Consumes keyword {@code k}, or fails. */
    public void keyword(String k) {
        String t = expect("'" + k + "'");
        if (!t.equals(k)) {
            throw error(t, "'" + k + "'");
        }
    }

    /** Fails unless every token is consumed. */
    public void end() {
        if (pos < words.size()) {
            throw error(next(), "the end of the command");
        }
    }

    /** A port (device) name: 1..15 of the characters Linux allows in interface names. */
    public String devName() {
        String t = expect("a port name");
        if (t.length() > 15 || !portNameChars(t)) {
            throw new CommandException("bad port name '" + t + "' (token " + pos + "): expected 1..15 letters, digits, '-', '_' or '.'");
        }
        return t;
    }

    private static boolean portNameChars(String t) {
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    /** The next token through {@code parser}; its IllegalArgumentException becomes the message. */
    public <T> T parseWith(String after, String what, Function<String, T> parser) {
        String t = expect(what);
        try {
            return parser.apply(t);
        } catch (IllegalArgumentException e) {
            throw new CommandException("bad " + after + " '" + t + "' (token " + pos + "): " + e.getMessage());
        }
    }

    /** The next token as a number in [min, max], decimal or 0x hex. */
    public int number(String after, String what, int min, int max) {
        String t = expect(what);
        return (int) parseLong(t, min, max, "bad " + after + " '" + t + "' (token " + pos + "): expected " + what);
    }

    /** Decimal or 0x-hex; anything else or out of range fails with the caller's message. */
    public static long parseLong(String t, long min, long max, String message) {
        long v;
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) {
                v = Long.parseLong(t.substring(2), 16);
            } else if (!t.isEmpty() && IpAddresses.asciiDigits(t) && t.length() <= 18) {
                v = Long.parseLong(t);
            } else {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new CommandException(message);
        }
        if (v < min || v > max) {
            throw new CommandException(message + " (" + v + " is out of range)");
        }
        return v;
    }

    /** The token just consumed was wrong. */
    public CommandException error(String token, String expected) {
        return new CommandException("unexpected '" + token + "' (token " + pos + " of '" + String.join(" ", words) + "'): expected " + expected);
    }

    /** The line ended where {@code expected} should have come. */
    public CommandException missing(String expected) {
        return new CommandException("incomplete command '" + String.join(" ", words) + "': expected " + expected + " after token " + pos);
    }
}
