package io.dataplane.control.command;

import io.dataplane.tables.ResilientGroup;

/**
 * Parses the arguments after {@code type resilient}, as iproute2's parse_nh_group_type_res does:
 * {@code buckets}, {@code idle_timer} and {@code unbalanced_timer} in any order, each once, with
 * the kernel's limits (buckets 1..65535; timers whole seconds below {@code UINT32_MAX / 100}, as
 * iproute2 sends them in hundredths). Stops at the first other word, which the caller handles.
 */
final class ResilientArguments {
    private ResilientArguments() {
    }

    /** True for the words that belong to {@code type resilient}. */
    static boolean isArgument(String word) {
        return "buckets".equals(word) || "idle_timer".equals(word) || "unbalanced_timer".equals(word);
    }

    static ResilientArgs parse(Tokens tokens) {
        Integer buckets = null;
        Long idle = null;
        Long unbalanced = null;
        while (isArgument(tokens.peek())) {
            String k = tokens.next();
            switch (k) {
                case "buckets" -> {
                    once(tokens, k, buckets);
                    buckets = tokens.number("buckets", "a number of buckets 1.." + ResilientGroup.MAX_BUCKETS,
                            1, ResilientGroup.MAX_BUCKETS);
                }
                case "idle_timer" -> {
                    once(tokens, k, idle);
                    idle = timer(tokens, k);
                }
                default -> {
                    once(tokens, k, unbalanced);
                    unbalanced = timer(tokens, k);
                }
            }
        }
        return new ResilientArgs(buckets, idle, unbalanced);
    }

    private static long timer(Tokens tokens, String name) {
        return tokens.number(name, "whole seconds 0.." + ResilientGroup.MAX_TIMER_SECONDS
                + (name.equals("idle_timer") ? " (default 120)" : " (default 0: never force a rebalance)"),
                0, (int) ResilientGroup.MAX_TIMER_SECONDS);
    }

    private static void once(Tokens tokens, String word, Object seen) {
        if (seen != null) {
            throw tokens.error(word, "each of 'buckets', 'idle_timer', 'unbalanced_timer' once (this one is given twice)");
        }
    }
}
