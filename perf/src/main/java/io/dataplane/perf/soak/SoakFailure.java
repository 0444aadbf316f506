package io.dataplane.perf.soak;

/** The soak cannot go on (set-up failed, the daemon refused a command); the message says what to do. */
final class SoakFailure extends RuntimeException {
    SoakFailure(String message) {
        super(message);
    }
}
