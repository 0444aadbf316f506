package io.dataplane.control;

import io.dataplane.control.rib.Rib;
import io.dataplane.control.rib.TableDelta;
import java.util.List;
import java.util.TreeMap;

/**
 * Everything a RIB holds, as text, for tests that prove a failed or aborted command changed
 * nothing: what the operator sees ({@code route/nexthop/neigh/link show}), the ports, the slots
 * in use, the devices' carrier, and every entry the forwarding tables should hold.
 */
final class RibState {
    private RibState() {
    }

    static String of(ControlPlane plane) {
        Rib rib = plane.rib();
        Object reader = new Object();
        StringBuilder sb = new StringBuilder();
        for (String show : List.of("route show", "nexthop show", "neigh show", "link show")) {
            Reply r = plane.execute(reader, show);
            sb.append(show).append(": ").append(r.ok() ? r.output() : r.error()).append('\n');
        }
        sb.append("ports ").append(rib.ports()).append('\n');
        for (Rib.PortEntry p : rib.ports()) {
            sb.append("carrier ").append(p.name()).append(' ').append(rib.carrier(p.index())).append('\n');
        }
        sb.append("slots in use ").append(rib.nexthopSlotsInUse()).append('/').append(rib.groupSlotsInUse()).append('\n');
        sb.append("unresolved ").append(rib.unresolvedGateways()).append('\n');
        TableDelta all = rib.transaction().everything();
        sb.append("nexthop slots ").append(all.nexthops()).append('\n');
        sb.append("group slots ").append(all.groups()).append('\n');
        sb.append("hash seed ").append(all.hashSeed()).append('\n');
        sb.append("routes ").append(new TreeMap<>(all.routes())).append('\n');
        return sb.toString();
    }
}
