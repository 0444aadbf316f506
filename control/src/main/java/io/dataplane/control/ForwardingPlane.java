package io.dataplane.control;

import io.dataplane.control.command.Command.RouteGet;
import io.dataplane.tables.Change;
import java.util.Map;

/**
 * What the control thread needs from the running dataplane: a table change to publish as one
 * version, trace a packet through the real pipeline, read counters, and set port state. The
 * daemon implements it over {@code Fib}/{@code Workers}; tests can record calls.
 */
public interface ForwardingPlane {

    /**
     * The pipeline's decision for one packet, as {@code route get} reports it. {@code kernelHash}
     * and {@code hashPolicy} are the hash configuration of the snapshot that decided it (the
     * policy of the packet's family; meaningful in kernel mode only).
     */
    record RouteTrace(int verdict, int routeTarget, String algorithm, int hash, int nexthop, int egressPort,
                      boolean kernelHash, int hashPolicy) {
    }

    /**
     * Starts a change of the running tables. Its {@link Change#commit()} publishes it as one table
     * version, or throws IllegalArgumentException or IllegalStateException, with nothing applied,
     * when the tables reject it.
     */
    Change change();

    /** The version number of the published tables (changes exactly when a publish succeeds). */
    long version();

    /** Runs a packet built from the query through the pipeline's lookup and selection code. */
    RouteTrace trace(RouteGet query);

    /** Counters of one port by name (rx_packets, tx_packets, ...), in display order. */
    Map<String, Long> portCounters(int port);

    /** Drop counters by reason label, in display order. */
    Map<String, Long> dropCounters();

    /** {packets, bytes} forwarded through a nexthop slot. */
    long[] nexthopCounters(int slot);

    void setPortState(int port, boolean up);

    /** The workers' last-used times of a resilient group's buckets (group slot), or null (no such group, no workers). */
    default io.dataplane.tables.BucketActivity bucketActivity(int groupSlot) {
        return null;
    }

    /** Exceptions the workers reported (each worker keeps running after one); 0 without workers. */
    default long workerErrors() {
        return 0;
    }

    /** The last worker exception ("worker N: exception"), or null if none. */
    default String lastWorkerError() {
        return null;
    }

    /** The workers' counters, for the metrics; null without workers. */
    default io.dataplane.counters.CounterSums counters() {
        return null;
    }

    /** Copies the kernel's own port statistics (AF_XDP XDP_STATISTICS) into the counters now. */
    default void refreshKernelStatistics() {
    }

    /** Human label of a negative verdict code. */
    String verdictLabel(int verdict);
}
