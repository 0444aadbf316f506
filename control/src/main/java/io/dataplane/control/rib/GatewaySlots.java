package io.dataplane.control.rib;

import io.dataplane.control.command.IpAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * The nexthop slots of routes' inline gateways: every route {@code via ADDR dev PORT} shares one
 * slot with the other routes through the same gateway, so a neighbour change rewrites one slot,
 * not a slot per route. The slot lives while at least one route uses it.
 */
final class GatewaySlots {
    private record Gateway(IpAddress via, int port) {
    }

    private record Shared(int slot, int users) {
    }

    private final Journal journal;
    private final TableSlots slots;
    private final Rib rib;
    private final Map<Gateway, Shared> shared = new HashMap<>();

    GatewaySlots(Journal journal, TableSlots slots, Rib rib) {
        this.journal = journal;
        this.slots = slots;
        this.rib = rib;
    }

    /** The gateway's slot, taken (and filled) if no route used the gateway yet. */
    int acquire(IpAddress via, int port) {
        Gateway k = new Gateway(via, port);
        Shared s = shared.get(k);
        if (s != null) {
            journal.put(shared, k, new Shared(s.slot(), s.users() + 1));
            return s.slot();
        }
        int slot = slots.addNexthop(rib.rewrite(via, port));
        journal.put(shared, k, new Shared(slot, 1));
        return slot;
    }

    /** One route less uses the gateway; the last one frees its slot. */
    void release(IpAddress via, int port) {
        Gateway k = new Gateway(via, port);
        Shared s = shared.get(k);
        if (s.users() > 1) {
            journal.put(shared, k, new Shared(s.slot(), s.users() - 1));
            return;
        }
        journal.put(shared, k, null);
        slots.removeNexthop(s.slot());
    }
}
