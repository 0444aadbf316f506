package io.dataplane.control.rib;

import io.dataplane.control.command.Prefix;
import io.dataplane.tables.MultipathAlgorithm;
import java.util.List;

/**
 * A route as the RIB holds it: inline gateways ({@code hops}, with {@code mpalgo} when there are
 * several) or a nexthop object ({@code nhid} &gt; 0); {@code target} is what the LPM entry holds
 * ({@link io.dataplane.tables.RouteTarget} encoding) and {@code ownGroup} the group slot this route
 * owns (-1 if none).
 */
public record Route(Prefix prefix, List<RouteHop> hops, MultipathAlgorithm mpalgo, int nhid, int target, int ownGroup) {

    /** ip's route type: {@code unicast}, or blackhole, unreachable, prohibit, throw. */
    public String type() {
        return io.dataplane.tables.RouteTarget.typeName(target);
    }

    /** Whether this route forwards nothing (a type other than unicast). */
    public boolean forwardsNothing() {
        return io.dataplane.tables.RouteTarget.isType(target);
    }
}
