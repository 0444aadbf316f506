package io.dataplane.perf.vskernel;

/** A problem the operator can fix; its message says what is wrong and what to do. */
final class BenchException extends RuntimeException {
    BenchException(String message) {
        super(message);
    }
}
