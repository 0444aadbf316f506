package io.dataplane.control;

import io.dataplane.pipeline.Verdict;
import io.dataplane.worker.Dataplane;
import io.dataplane.worker.PortCounter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The running dataplane as the control plane sees it: its tables plus the workers' counters. */
public final class DataplaneForwarding extends ForwardingTables {
    private final Dataplane dataplane;

    public DataplaneForwarding(Dataplane dataplane) {
        super(dataplane.forwarding());
        this.dataplane = dataplane;
    }

    @Override
    public Map<String, Long> portCounters(int port) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (PortCounter c : PortCounter.values()) {
            m.put(c.name().toLowerCase(Locale.ROOT), dataplane.portCounter(port, c));
        }
        return m;
    }

    @Override
    public Map<String, Long> dropCounters() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Verdict v : Verdict.values()) {
            m.put(v.label(), dataplane.dropCounter(v));
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
        return new long[] {dataplane.nexthopPackets(slot), dataplane.nexthopBytes(slot)};
    }
}
