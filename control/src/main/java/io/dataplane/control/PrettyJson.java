package io.dataplane.control;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code -j -p}: JSON laid out as iproute2's json_writer prints it (four spaces per level,
 * {@code [ {}, {} ]} and {@code "flags": [ ]} as ip writes them), so a diff against
 * {@code ip -j -p} output shows content, not layout.
 */
final class PrettyJson {
    private PrettyJson() {
    }

    /** The value as the lines ip -j -p would print. */
    static List<String> lines(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return List.of(sb.toString().split("\n", -1));
    }

    private static void write(StringBuilder sb, Object v, int depth) {
        switch (v) {
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    sb.append("{ }");
                    return;
                }
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    sb.append(first ? "" : ",");
                    first = false;
                    newline(sb, depth + 1);
                    sb.append(JsonWriter.write(String.valueOf(e.getKey()))).append(": ");
                    write(sb, e.getValue(), depth + 1);
                }
                newline(sb, depth);
                sb.append('}');
            }
            case List<?> l -> {
                if (l.isEmpty()) {
                    sb.append("[ ]");
                    return;
                }
                // ip opens an array with "[ " and puts objects after it on the same line, "},{" between them
                sb.append("[ ");
                for (int i = 0; i < l.size(); i++) {
                    sb.append(i == 0 ? "" : ",");
                    write(sb, l.get(i), depth + 1);
                }
                sb.append(" ]");
            }
            default -> sb.append(JsonWriter.write(v));
        }
    }

    private static void newline(StringBuilder sb, int depth) {
        sb.append('\n').append("    ".repeat(depth));
    }
}
