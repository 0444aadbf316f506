package io.dataplane.control;

import java.util.List;

/**
 * The answer to one command line, and how it travels on the socket: {@code ok}, or
 * {@code error: MESSAGE}, or output lines followed by the end marker {@code .} (output lines
 * that start with '.' are sent with one more '.', as SMTP does, so the marker stays unique).
 */
public record Reply(boolean ok, List<String> output, String error) {
    public static final String OK = "ok";
    public static final String ERROR_PREFIX = "error: ";
    public static final String END = ".";

    public static Reply success() {
        return new Reply(true, List.of(), null);
    }

    public static Reply output(List<String> lines) {
        return new Reply(true, List.copyOf(lines), null);
    }

    public static Reply error(String message) {
        return new Reply(false, List.of(), message.replace('\n', ' '));
    }

    /** The reply as it is written to the socket, newline-terminated. */
    public String wire() {
        if (!ok) {
            return ERROR_PREFIX + error + "\n";
        }
        if (output.isEmpty()) {
            return OK + "\n";
        }
        StringBuilder sb = new StringBuilder();
        for (String l : output) {
            sb.append(l.startsWith(".") ? "." : "").append(l).append('\n');
        }
        return sb.append(END).append('\n').toString();
    }
}
