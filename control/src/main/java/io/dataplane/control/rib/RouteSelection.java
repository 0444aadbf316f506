package io.dataplane.control.rib;

import io.dataplane.control.command.RouteProtocol;
import io.dataplane.control.command.RouteSelector;
import java.util.ArrayList;
import java.util.List;

/**
 * The routes a {@link RouteSelector} picks, in {@code route show} order: prefix and family
 * first, then {@code dev} and {@code via} against the route's one gateway (inline, or its
 * nexthop object's). As in ip, whose filter reads the route's RTA_OIF and RTA_GATEWAY, a
 * multipath route or a route to a group is not picked by {@code dev} or {@code via}.
 */
final class RouteSelection {
    private RouteSelection() {
    }

    static List<Route> select(Rib rib, List<Route> sorted, RouteSelector s) {
        List<Route> out = new ArrayList<>();
        Integer devPort = s.dev() == null ? null : rib.portByName(s.dev()).index();
        Integer protocol = s.protocol() == null ? null : RouteProtocol.parse(s.protocol());
        for (Route r : sorted) {
            if (!s.selectsPrefix(r.prefix())) {
                continue;
            }
            if (protocol != null && protocol != r.protocol()) {
                continue;
            }
            if (s.type() != null && !s.type().equals(r.type())) {
                continue;
            }
            if (s.metric() != null && Integer.toUnsignedLong(r.metric()) != s.metric()) {
                continue;
            }
            if (s.scope() != null && r.scope() != s.scope()) {
                continue;
            }
            if ((devPort != null || s.via() != null) && gateways(rib, r).stream()
                    .noneMatch(h -> (devPort == null || h.port() == devPort) && (s.via() == null || s.via().equals(h.via())))) {
                continue;
            }
            out.add(r);
        }
        return out;
    }

    /** The route's one gateway (inline, or its nexthop object's); none for multipath routes and groups. */
    private static List<RouteHop> gateways(Rib rib, Route r) {
        if (r.nhid() == 0) {
            return r.hops().size() == 1 ? r.hops() : List.of();
        }
        return rib.objects().get(r.nhid()) instanceof NexthopObject.GatewayObject g ? List.of(new RouteHop(g.via(), g.port(), 1)) : List.of();
    }
}
