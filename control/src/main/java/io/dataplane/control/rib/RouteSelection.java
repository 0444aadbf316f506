package io.dataplane.control.rib;

import io.dataplane.control.command.Command.Member;
import io.dataplane.control.command.RouteSelector;
import java.util.ArrayList;
import java.util.List;

/**
 * The routes a {@link RouteSelector} picks, in {@code route show} order: prefix and family
 * first, then {@code dev} and {@code via} against any of the route's gateways (a nexthop
 * object's, or its group members'), as {@code ip route show dev|via} matches any nexthop.
 */
final class RouteSelection {
    private RouteSelection() {
    }

    static List<Route> select(Rib rib, List<Route> sorted, RouteSelector s) {
        List<Route> out = new ArrayList<>();
        Integer devPort = s.dev() == null ? null : rib.portByName(s.dev()).index();
        for (Route r : sorted) {
            if (!s.selectsPrefix(r.prefix())) {
                continue;
            }
            if (s.protocol() != null && !s.protocol().equals(rib.protocolOf(r))) {
                continue;
            }
            if (s.type() != null && !s.type().equals(r.type())) {
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

    /** The route's gateways: inline, or its nexthop object's (a group's members). */
    private static List<RouteHop> gateways(Rib rib, Route r) {
        if (r.nhid() == 0) {
            return r.hops();
        }
        List<RouteHop> out = new ArrayList<>();
        switch (rib.objects().get(r.nhid())) {
            case NexthopObject.GatewayObject g -> out.add(new RouteHop(g.via(), g.port(), 1));
            case NexthopObject.GroupObject g -> {
                for (Member m : g.members()) {
                    if (rib.objects().get(m.id()) instanceof NexthopObject.GatewayObject gw) {
                        out.add(new RouteHop(gw.via(), gw.port(), m.weight()));
                    }
                }
            }
            case null -> {
            }
        }
        return out;
    }
}
