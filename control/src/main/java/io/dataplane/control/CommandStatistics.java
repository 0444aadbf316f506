package io.dataplane.control;

import io.dataplane.control.command.Command;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many commands of each kind the control plane ran, how many failed, and how long they took
 * (a latency histogram in seconds), for the metrics. Control thread only, like the control plane
 * that records and renders it.
 */
public final class CommandStatistics {
    /** The kind of a line that did not parse. */
    public static final String INVALID = "invalid";
    /** Histogram bucket bounds in seconds: from a show of a small table to a million-route batch. */
    static final double[] BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
        1, 2.5, 5, 10};

    /** One kind's counts; {@code buckets[i]} counts the commands that took at most {@code BUCKETS[i]} seconds. */
    static final class Kind {
        long ok;
        long failed;
        double seconds;
        final long[] buckets = new long[BUCKETS.length];
    }

    private final Map<String, Kind> kinds = new TreeMap<>();

    /**
     * The kind of a parsed command as the metrics label it: the record's name in words
     * ({@code route get}, {@code batch commit}, {@code set hash seed}), with the operation for the
     * add/replace forms ({@code route add}, {@code nexthop replace}). A fixed, small set.
     */
    public static String kind(Command c) {
        if (c instanceof Command.RouteSet r) {
            return ROUTE_SET_KINDS[r.op().ordinal()];
        }
        if (c instanceof Command.NexthopSet n) {
            return NEXTHOP_SET_KINDS[n.op().ordinal()];
        }
        return CLASS_KINDS.get(c.getClass());
    }

    // Worked out once per class: a million-line batch asks for every line's kind.
    private static final ClassValue<String> CLASS_KINDS = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
            return type.getSimpleName().replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
        }
    };
    private static final String[] ROUTE_SET_KINDS = opKinds("route ");
    private static final String[] NEXTHOP_SET_KINDS = opKinds("nexthop ");

    private static String[] opKinds(String object) {
        Command.Op[] ops = Command.Op.values();
        String[] kinds = new String[ops.length];
        for (Command.Op op : ops) {
            kinds[op.ordinal()] = object + op.name().toLowerCase(Locale.ROOT);
        }
        return kinds;
    }

    /** Counts one command of {@code kind} that took {@code nanos}. */
    public void record(String kind, boolean ok, long nanos) {
        Kind k = kinds.computeIfAbsent(kind, x -> new Kind());
        if (ok) {
            k.ok++;
        } else {
            k.failed++;
        }
        double s = nanos / 1e9;
        k.seconds += s;
        for (int i = 0; i < BUCKETS.length; i++) {
            if (s <= BUCKETS[i]) {
                k.buckets[i]++;
            }
        }
    }

    /** Every kind seen so far, by name. */
    Map<String, Kind> kinds() {
        return kinds;
    }
}
