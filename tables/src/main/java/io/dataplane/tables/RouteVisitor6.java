package io.dataplane.tables;

/** Receives one IPv6 rule per call from {@link Lpm6#forEach}; the prefix is (hi, lo), big-endian halves. */
@FunctionalInterface
public interface RouteVisitor6 {
    void visit(long hi, long lo, int length, int target);
}
