package io.dataplane.control;

import io.dataplane.counters.CounterSums;
import io.dataplane.counters.CounterType;
import io.dataplane.pipeline.Verdict;
import io.dataplane.worker.Workers;
import io.dataplane.worker.PortCounter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The forwarding plane with running workers, as the control plane sees it: the FIB plus the counters the workers
 * write into the dataplane's counter file, read through {@link CounterSums}.
 */
public final class WorkerPlane extends FibPlane {
    /** Counters only some port types keep (AF_XDP sockets, DPDK ports), in display order. */
    private static final CounterType[] PORT_OWN_COUNTERS = {CounterType.AFXDP_TX_RING_FULL, CounterType.AFXDP_KICK_ERRORS,
        CounterType.DPDK_MULTI_SEGMENT_DROPS};

    private final Workers dataplane;
    private final CounterSums counters;

    public WorkerPlane(Workers dataplane) {
        super(dataplane.fib());
        this.dataplane = dataplane;
        this.counters = dataplane.counters();
    }

    @Override
    public Map<String, Long> portCounters(int port) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (PortCounter c : PortCounter.values()) {
            m.put(c.name().toLowerCase(Locale.ROOT), counters.port(port, c.type));
        }
        for (CounterType t : PORT_OWN_COUNTERS) {
            if (counters.has(t, port)) {
                m.put(t.label, counters.port(port, t));
            }
        }
        // AF_XDP: the kernel's own counters for the port's sockets (one per queue), summed. They
        // show what never reached the worker: a full RX ring, an empty fill ring, bad descriptors.
        // Refreshed first, so that the operator sees them as of now, not of the last periodic copy.
        if (counters.has(CounterType.xdpStatistic(0), port)) {
            dataplane.refreshKernelStatistics();
            for (int i = 0; i < CounterType.xdpStatistics(); i++) {
                CounterType t = CounterType.xdpStatistic(i);
                m.put(t.label, counters.port(port, t));
            }
        }
        return m;
    }

    @Override
    public Map<String, Long> dropCounters() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Verdict v : Verdict.values()) {
            m.put(v.label(), counters.drops(v.code));
        }
        return m;
    }

    /** Stops receiving from and sending to the port; the RIB marks its nexthops dead as well. */
    @Override
    public void setPortState(int port, boolean up) {
        super.setPortState(port, up);
        dataplane.setPortState(port, up);
    }

    @Override
    public long[] nexthopCounters(int slot) {
        return new long[] {counters.nexthopPackets(slot), counters.nexthopBytes(slot)};
    }

    @Override
    public CounterSums counters() {
        return counters;
    }

    @Override
    public void refreshKernelStatistics() {
        dataplane.refreshKernelStatistics();
    }

    @Override
    public long workerErrors() {
        return dataplane.errorCount();
    }

    @Override
    public String lastWorkerError() {
        Throwable t = dataplane.lastError();
        return t == null ? null : "worker " + dataplane.lastErrorWorker() + ": " + t;
    }
}
