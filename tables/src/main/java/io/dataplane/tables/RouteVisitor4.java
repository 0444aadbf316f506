package io.dataplane.tables;

/** Receives one IPv4 rule per call from {@link Lpm4#forEach}. */
@FunctionalInterface
public interface RouteVisitor4 {
    void visit(int prefix, int length, int target);
}
