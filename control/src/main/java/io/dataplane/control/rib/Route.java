package io.dataplane.control.rib;

import io.dataplane.control.command.Command.RouteSet;
import io.dataplane.control.command.Prefix;
import io.dataplane.control.command.RouteProtocol;
import io.dataplane.control.command.RouteScope;
import io.dataplane.tables.MultipathAlgorithm;
import java.util.List;

/**
 * A route as the RIB holds it: inline gateways ({@code hops}, with {@code mpalgo} when there are
 * several) or a nexthop object ({@code nhid} &gt; 0); {@code target} is what the LPM entry holds
 * ({@link io.dataplane.tables.RouteTarget} encoding) and {@code ownGroup} the group slot this route
 * owns (-1 if none). {@code protocol} is the kernel's rtm_protocol ({@link RouteProtocol}); {@code
 * source} says where a followed route comes from (e.g. "the kernel's table 254"), null for a route
 * configured here. {@code metric} (unsigned) tells routes to one prefix apart: the lowest is the
 * one the tables hold; {@code scope} is rtm_scope ({@link RouteScope}), shown as given.
 */
public record Route(Prefix prefix, List<RouteHop> hops, MultipathAlgorithm mpalgo, int nhid, int target, int ownGroup,
                    int protocol, String source, int metric, int scope) {

    /** A route configured here with the default protocol ({@code boot}, as {@code ip route add}). */
    public Route(Prefix prefix, List<RouteHop> hops, MultipathAlgorithm mpalgo, int nhid, int target, int ownGroup) {
        this(prefix, hops, mpalgo, nhid, target, ownGroup, RouteProtocol.BOOT, null, RouteSet.defaultMetric(prefix), RouteScope.GLOBAL);
    }

    /** ip's route type: {@code unicast}, or blackhole, unreachable, prohibit, throw. */
    public String type() {
        return io.dataplane.tables.RouteTarget.typeName(target);
    }

    /** Whether this route forwards nothing (a type other than unicast). */
    public boolean forwardsNothing() {
        return io.dataplane.tables.RouteTarget.isType(target);
    }

    /** Whether the route is followed from a routing source (the kernel's FIB, FPM) rather than configured here. */
    public boolean followed() {
        return source != null;
    }

    /** Whether the metric is the family's default, which {@code ip route show} prints for IPv6 only. */
    public boolean defaultMetric() {
        return metric == RouteSet.defaultMetric(prefix);
    }
}
