package io.dataplane.control.command;

/**
 * What {@code type resilient [buckets B] [idle_timer S] [unbalanced_timer S]} said, as typed:
 * a null field was not given. On {@code add} the kernel's defaults fill the timers (idle 120 s,
 * unbalanced 0) and {@code buckets} is required; on {@code replace} whatever is not given is kept.
 */
public record ResilientArgs(Integer buckets, Long idleTimerSeconds, Long unbalancedTimerSeconds) {
}
