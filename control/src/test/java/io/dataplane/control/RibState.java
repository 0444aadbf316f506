package io.dataplane.control;

import io.dataplane.control.rib.Rib;
import io.dataplane.control.rib.Route;
import io.dataplane.tables.RouteTarget;
import java.util.List;

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
        sb.append("nexthop slots");
        for (int slot = 0, seen = 0; seen < rib.nexthopSlotsInUse(); slot++) {
            if (rib.nexthopSlot(slot) != null) {
                sb.append(' ').append(slot).append('=').append(rib.nexthopSlot(slot));
                seen++;
            }
        }
        sb.append("\ngroup slots");
        for (int slot = 0, seen = 0; seen < rib.groupSlotsInUse(); slot++) {
            if (rib.groupSlot(slot) != null) {
                sb.append(' ').append(slot).append('=').append(rib.groupSlot(slot));
                seen++;
            }
        }
        sb.append("\nhash ").append(rib.hash()).append('\n');
        for (Route r : rib.routesSorted()) {
            sb.append("route ").append(r.prefix()).append(" -> ").append(RouteTarget.toString(r.target())).append('\n');
        }
        return sb.toString();
    }
}
