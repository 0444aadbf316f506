package io.dataplane.control.rib;

import io.dataplane.control.command.IpAddress;
import io.dataplane.control.command.Prefix;
import io.dataplane.tables.RouteTarget;
import java.util.HashMap;
import java.util.Map;

/**
 * The host entries of directly connected routes ({@code route add PREFIX dev PORT}): there the
 * destination itself is the neighbour, and the tables have one nexthop per route, so every known
 * neighbour (static, or resolved by the kernel) inside such a prefix gets a host entry (/32,
 * /128) in the tables pointing at its own shared gateway slot ({@link GatewaySlots}). A
 * destination without a known neighbour takes the route itself, whose slot is unresolved: the
 * packet is dropped as unresolved, as the kernel queues it while it asks.
 *
 * <p>A host entry exists exactly when the route the RIB would pick for the neighbour's address is
 * a connected route on the neighbour's port: a more specific route (a /28 via a gateway, a /32
 * of an operator's) wins over it, as in the kernel. Host entries are not routes: {@code route show}
 * does not list them, as {@code ip route} does not list the neighbour cache. Nothing is kept or
 * looked at while there is no connected route.
 */
final class ConnectedHosts {
    private final Journal journal;
    private final GatewaySlots gateways;
    private final Neighbours neighbours;
    private Routes routes;
    /** Host prefix to its target (the gateway slot), mirrored into the tables. */
    final TableEntries<Prefix, Integer> hosts;
    /** The port of each host entry's slot. */
    private final Map<Prefix, Integer> portOf = new HashMap<>();
    /** The prefixes of the connected routes, each with how many routes (metrics) it has. */
    private final Map<Prefix, Integer> connectedRoutes = new HashMap<>();

    ConnectedHosts(Journal journal, GatewaySlots gateways, Neighbours neighbours) {
        this.journal = journal;
        this.gateways = gateways;
        this.neighbours = neighbours;
        this.hosts = new TableEntries<>(journal, t -> t);
    }

    void routes(Routes r) {
        routes = r;
    }

    /** A connected route to {@code p} was made ({@code +1}) or released ({@code -1}). */
    void counted(Prefix p, int delta) {
        int n = connectedRoutes.getOrDefault(p, 0) + delta;
        journal.put(connectedRoutes, p, n == 0 ? null : n);
    }

    /**
     * The routes to {@code p} changed: the neighbours inside it may gain or lose their host
     * entries. Only a prefix that overlaps a connected one can change what a neighbour's address
     * takes (a full BGP table next to a port's /24 costs nothing here).
     */
    void routeChanged(Prefix p) {
        if (!overlapsConnected(p)) {
            return;
        }
        for (Rib.Neighbour n : neighbours.all()) {
            if (n.address().v6() == p.v6() && p.contains(n.address())) {
                refresh(n.address(), n.port());
            }
        }
    }

    /** The neighbour {@code a} on {@code port} was learned, changed or lost. */
    void neighbourChanged(IpAddress a, int port) {
        if (!connectedRoutes.isEmpty() || hosts.size() > 0) {
            refresh(a, port);
        }
    }

    /** Whether {@code p} is inside, or contains, a connected route's prefix, or holds a host entry (its route may have gone). */
    private boolean overlapsConnected(Prefix p) {
        for (Prefix c : connectedRoutes.keySet()) {
            if (c.v6() == p.v6() && (c.contains(p.address()) || p.contains(c.address()))) {
                return true;
            }
        }
        for (Prefix h : portOf.keySet()) {
            if (h.v6() == p.v6() && p.contains(h.address())) {
                return true;
            }
        }
        return false;
    }

    private void refresh(IpAddress a, int port) {
        Prefix host = new Prefix(a, a.bits());
        Route best = routes.lookup(a);
        boolean wanted = best != null && best.prefix().length() < a.bits() && Routes.connected(best)
                && best.hops().get(0).port() == port && neighbours.mac(a, port) != null;
        Integer had = hosts.get(host);
        if (wanted && had == null) {
            hosts.put(host, RouteTarget.nexthop(gateways.acquire(a, port)));
            journal.put(portOf, host, port);
        } else if (!wanted && had != null) {
            gateways.release(a, portOf.get(host));
            hosts.put(host, null);
            journal.put(portOf, host, null);
        }
    }
}
