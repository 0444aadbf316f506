package io.dataplane.control;

import io.dataplane.ffi.XskSocket;
import io.dataplane.port.AfXdpPort;
import io.dataplane.port.Port;

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
        // AF_XDP: the kernel's own counters for the port's sockets (one per queue), summed. They
        // show what never reached the worker: a full RX ring, an empty fill ring, bad descriptors.
        long[] kernel = null;
        for (Port p : dataplane.ports()) {
            if (p.index() == port && p instanceof AfXdpPort x) {
                long[] s = x.kernelStatistics();
                if (kernel == null) {
                    kernel = s;
                } else {
                    for (int i = 0; i < s.length; i++) {
                        kernel[i] += s[i];
                    }
                }
            }
        }
        if (kernel != null) {
            for (int i = 0; i < kernel.length; i++) {
                m.put("xdp_" + XskSocket.STATISTICS_NAMES[i], kernel[i]);
            }
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
