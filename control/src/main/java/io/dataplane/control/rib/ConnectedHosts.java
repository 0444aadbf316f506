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
    private int connectedRoutes;

    ConnectedHosts(Journal journal, GatewaySlots gateways, Neighbours neighbours) {
        this.journal = journal;
        this.gateways = gateways;
        this.neighbours = neighbours;
        this.hosts = new TableEntries<>(journal, t -> t);
    }

    void routes(Routes r) {
        routes = r;
    }

    /** A connected route was made ({@code +1}) or released ({@code -1}). */
    void counted(int delta) {
        connectedRoutes += delta;
        journal.undo(() -> connectedRoutes -= delta);
    }

    /** The routes to {@code p} changed: the neighbours inside it may gain or lose their host entries. */
    void routeChanged(Prefix p) {
        if (connectedRoutes == 0 && hosts.size() == 0) {
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
        if (connectedRoutes > 0 || hosts.size() > 0) {
            refresh(a, port);
        }
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
