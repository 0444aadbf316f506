package io.dataplane.perf.vskernel;

/** One contender: brought up for a round on the router namespace's interfaces and taken down after it. */
interface RouterUnderTest extends AutoCloseable {
    /** "kernel" or "dataplane". */
    String name();

    /** Takes over forwarding in the router namespace. */
    void start();

    /** Takes the nexthop at {@code index} out of the multipath group while traffic flows. */
    void removeNexthop(int index);

    /** Stops forwarding and removes what {@link #start()} attached; puts every nexthop back. */
    void stop();

    /** One line on how it ran, for the report. */
    String describe();

    @Override
    default void close() {
        stop();
    }
}
