package io.dataplane.control;

import io.dataplane.control.command.PortSpec;
import io.dataplane.control.rib.Rib;
import io.dataplane.port.MemoryPort;
import io.dataplane.port.MemoryUmem;
import io.dataplane.tables.Forwarding;
import io.dataplane.tables.ForwardingLimits;
import io.dataplane.worker.Dataplane;

/**
 * The running dataplane behind the control plane: builds the ports the configuration declared,
 * starts the workers and connects the RIB to the forwarding tables. With no ports declared it
 * keeps just the tables, so routes can be configured and {@code route get} queried anywhere.
 */
final class Daemon {
    private final ForwardingLimits limits = ForwardingLimits.defaults();
    private Dataplane dataplane;
    private MemoryUmem umem;
    private Forwarding tablesOnly;

    int nexthopSlots() {
        return limits.nexthops();
    }

    int groupSlots() {
        return limits.groups();
    }

    /** Builds and starts what the RIB's ports describe, then publishes the RIB into it. */
    void start(ControlPlane plane) {
        Rib rib = plane.rib();
        if (rib.ports().isEmpty()) {
            tablesOnly = new Forwarding(limits);
            plane.attach(new ForwardingTables(tablesOnly));
            return;
        }
        for (Rib.PortEntry p : rib.ports()) {
            if (p.spec().type() != PortSpec.Type.MEMORY) {
                throw new IllegalStateException("port " + p.name() + ": type " + p.spec().type().label()
                        + " is not available in this daemon yet (only 'type memory'); declare it as memory to try the configuration");
            }
        }
        // One worker over all memory ports, sharing one frame memory: forwarding moves descriptors.
        umem = new MemoryUmem(8192, 2048);
        Dataplane.Builder b = Dataplane.builder().limits(limits);
        int cpu = -1;
        int[] all = new int[rib.ports().size()];
        for (Rib.PortEntry p : rib.ports()) {
            b.port(new MemoryPort(p.index(), p.name(), umem, 1024, p.mtu()));
            all[p.index()] = p.index();
            cpu = cpu < 0 ? p.spec().cpu() : cpu;
        }
        b.worker(cpu, all);
        dataplane = b.build();
        plane.attach(new DataplaneForwarding(dataplane));
        dataplane.start();
    }

    void stop() {
        if (dataplane != null) {
            dataplane.stop();
            dataplane.close();
            umem.close();
        }
        if (tablesOnly != null) {
            tablesOnly.close();
        }
    }
}
