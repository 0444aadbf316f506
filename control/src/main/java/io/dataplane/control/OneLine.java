package io.dataplane.control;

import io.dataplane.control.command.GlobalOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code -o}: each record on one line, as {@code ip -o} prints it: a record's continuation lines
 * (those that start with a tab or spaces, such as a multipath route's {@code nexthop} lines) are
 * joined to it with a backslash, so {@code grep} and {@code wc -l} see one line per record.
 */
final class OneLine {
    private OneLine() {
    }

    static List<String> apply(GlobalOptions options, List<String> lines) {
        if (!options.oneline()) {
            return lines;
        }
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            if (!out.isEmpty() && (l.startsWith("\t") || l.startsWith(" "))) {
                out.set(out.size() - 1, out.getLast() + " \\" + l);
            } else {
                out.add(l);
            }
        }
        return out;
    }
}
