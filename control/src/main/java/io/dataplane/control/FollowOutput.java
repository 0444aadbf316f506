package io.dataplane.control;

import io.dataplane.control.command.RouteProtocol;
import io.dataplane.control.rib.FollowedRoutes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code rib follow show}: each followed source, what it gave, and what was not followed and why (text and JSON). */
final class FollowOutput {
    private FollowOutput() {
    }

    static List<String> text(List<FollowedRoutes> sources, List<String> pending) {
        List<String> out = new ArrayList<>();
        for (String p : pending) {
            out.add(p + ": requested, starts with the dataplane");
        }
        for (FollowedRoutes f : sources) {
            int followed = f.followedRoutes();
            out.add(f.name() + ": " + f.description() + ", " + protocols(f));
            out.add("  routes " + f.givenRoutes() + " given, " + followed + " followed, " + (f.givenRoutes() - followed)
                    + " not followed; nexthop objects " + f.givenNexthops() + "; updates " + f.updates() + ", resyncs " + f.resyncs());
            for (FollowedRoutes.Reason r : f.notFollowed()) {
                out.add("  not followed: " + r.routes() + " route" + (r.routes() == 1 ? "" : "s") + ": " + r.reason()
                        + " (e.g. " + r.example() + ")");
            }
            if (f.lastError() != null) {
                out.add("  last error: " + f.lastError());
            }
        }
        if (out.isEmpty()) {
            out.add("no routing source is followed; 'rib follow kernel' or 'fpm listen' starts one");
        }
        return out;
    }

    static List<Object> json(List<FollowedRoutes> sources) {
        List<Object> out = new ArrayList<>();
        for (FollowedRoutes f : sources) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("source", f.name());
            m.put("description", f.description());
            m.put("table", Integer.toUnsignedLong(f.table()));
            m.put("protocols", f.protocols().stream().sorted().map(RouteProtocol::name).toList());
            m.put("given", f.givenRoutes());
            m.put("followed", f.followedRoutes());
            m.put("nexthop_objects", f.givenNexthops());
            m.put("updates", f.updates());
            m.put("resyncs", f.resyncs());
            List<Object> reasons = new ArrayList<>();
            for (FollowedRoutes.Reason r : f.notFollowed()) {
                Map<String, Object> rm = new LinkedHashMap<>();
                rm.put("reason", r.reason());
                rm.put("routes", r.routes());
                rm.put("example", r.example().toString());
                reasons.add(rm);
            }
            m.put("not_followed", reasons);
            if (f.lastError() != null) {
                m.put("last_error", f.lastError());
            }
            out.add(m);
        }
        return out;
    }

    private static String protocols(FollowedRoutes f) {
        return f.protocols().isEmpty() ? "all protocols"
                : "proto " + String.join(",", f.protocols().stream().sorted().map(RouteProtocol::name).toList());
    }
}
