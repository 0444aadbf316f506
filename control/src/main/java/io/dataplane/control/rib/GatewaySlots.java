package io.dataplane.control.rib;

import io.dataplane.control.command.IpAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The nexthop slots of routes' inline gateways: every route {@code via ADDR dev PORT} shares one
 * slot with the other routes through the same gateway, so a neighbour change rewrites one slot,
 * not a slot per route. The slot lives while at least one route uses it.
 */
final class GatewaySlots {
    private record Gateway(IpAddress via, int port) {
        // written out: a full table looks its gateway up twice per route, and the record's
        // generated methods stay slow until the JIT is done with them
        @Override
        public boolean equals(Object o) {
            return o instanceof Gateway g && g.port == port && g.via.v6() == via.v6() && g.via.lo() == via.lo() && g.via.hi() == via.hi();
        }

        @Override
        public int hashCode() {
            return Long.hashCode(via.lo() * 31 + via.hi()) * 31 + port;
        }
    }

    /**
     * A gateway's slot and how many routes use it. The count changes in place and is journalled
     * once per transaction (its value when the transaction first touched it): a table of a
     * million routes through a few gateways would otherwise log a million undo steps.
     */
    private static final class Shared {
        final int slot;
        int users;
        long touchedIn = -1;
        /** The hops of a route through this gateway alone (immutable, so every such route holds the same list). */
        List<RouteHop> alone;

        Shared(int slot, int users) {
            this.slot = slot;
            this.users = users;
        }
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
        if (s == null) {
            s = new Shared(slots.addNexthop(rib.rewrite(via, port)), 1);
            s.touchedIn = journal.transaction(); // new in this transaction: undone by removing it
            journal.put(shared, k, s);
        } else {
            count(s, +1);
        }
        acquiredKey = k;
        acquired = s;
        return s.slot;
    }

    /**
     * What the last {@link #acquire} found or made, handed to the {@link #alone} that follows it
     * (once): a full table's route would otherwise look its gateway up twice.
     */
    private Gateway acquiredKey;
    private Shared acquired;

    /**
     * {@code hop} as the one-element hops list the gateway's single-path routes share: a full
     * table through one gateway then holds one list, not a million equal ones. The gateway must
     * be acquired.
     */
    List<RouteHop> alone(RouteHop hop) {
        Shared s = acquiredKey != null && acquiredKey.port() == hop.port() && acquiredKey.via().equals(hop.via())
                ? acquired : shared.get(new Gateway(hop.via(), hop.port()));
        acquiredKey = null;
        acquired = null;
        if (s.alone == null || !s.alone.getFirst().equals(hop)) { // weight and onlink too
            s.alone = List.of(hop);
        }
        return s.alone;
    }

    /** One route less uses the gateway; the last one frees its slot. */
    void release(IpAddress via, int port) {
        Gateway k = new Gateway(via, port);
        Shared s = shared.get(k);
        count(s, -1);
        if (s.users == 0) {
            journal.put(shared, k, null);
            slots.removeNexthop(s.slot);
        }
    }

    private void count(Shared s, int delta) {
        long tx = journal.transaction();
        if (s.touchedIn != tx) {
            int was = s.users;
            journal.undo(() -> s.users = was);
            s.touchedIn = tx;
        }
        s.users += delta;
    }
}
