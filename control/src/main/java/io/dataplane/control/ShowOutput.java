package io.dataplane.control;

import io.dataplane.control.command.Command.Member;
import io.dataplane.control.command.Command.NeighShow;
import io.dataplane.control.command.IpAddress;
import io.dataplane.control.command.RouteSelector;
import io.dataplane.control.rib.NexthopObject;
import io.dataplane.control.rib.NexthopObject.GatewayObject;
import io.dataplane.control.rib.NexthopObject.GroupObject;
import io.dataplane.control.rib.Rib;
import io.dataplane.control.rib.Rib.PortEntry;
import io.dataplane.control.command.RouteProtocol;
import io.dataplane.control.command.RouteScope;
import io.dataplane.control.rib.Route;
import io.dataplane.control.rib.RouteHop;
import io.dataplane.control.rib.SlotNexthop;
import io.dataplane.tables.HashConfiguration;
import io.dataplane.tables.HashField;
import io.dataplane.tables.MacAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Text and JSON renderings of the RIB for the show commands, shaped like iproute2's
 * ({@code ip route}, {@code ip -j route}, {@code ip nexthop}, {@code ip neigh}, {@code ip link}).
 */
final class ShowOutput {
    private final Rib rib;
    private final ForwardingPlane forwarding; // null before the dataplane starts: no counters

    ShowOutput(Rib rib, ForwardingPlane forwarding) {
        this.rib = rib;
        this.forwarding = forwarding;
    }

    // ---- the multipath hash

    /** {@code show hash}: the function and seed, then one line per family (policy and fields are the kernel mode's). */
    static List<String> hashText(HashConfiguration h) {
        return List.of(
                "hash-function " + h.function() + " seed " + Integer.toUnsignedString(h.seed()),
                "ipv4 policy " + h.policy4() + " fields " + String.join(",", HashField.format(h.fields4()).split(" ")),
                "ipv6 policy " + h.policy6() + " fields " + String.join(",", HashField.format(h.fields6()).split(" ")));
    }

    static Map<String, Object> hashJson(HashConfiguration h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("function", h.function());
        m.put("seed", Integer.toUnsignedLong(h.seed()));
        m.put("ipv4", family(h.policy4(), h.fields4()));
        m.put("ipv6", family(h.policy6(), h.fields6()));
        return m;
    }

    private static Map<String, Object> family(int policy, int fields) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("policy", policy);
        String names = HashField.format(fields);
        m.put("fields", names.isEmpty() ? List.of() : List.of(names.split(" ")));
        return m;
    }

    // ---- routes

    List<String> routesText(List<Route> routes) {
        return routesText(routes, RouteSelector.ALL);
    }

    /**
     * As ip prints them: the type or prefix, the gateway, then {@code proto}, {@code scope},
     * {@code metric} (IPv4 when not 0, IPv6 always), the flags and IPv6's {@code pref medium};
     * a multipath route's (or group's) gateways on {@code nexthop} lines. What the selector fixed
     * ({@code dev}, {@code via}) is not repeated on each line.
     */
    List<String> routesText(List<Route> routes, RouteSelector selected) {
        List<String> out = new ArrayList<>();
        for (Route r : routes) {
            if (r.forwardsNothing()) {
                out.add(r.type() + " " + r.prefix() + attributesText(r, List.of(), selected, null)); // ip puts the type first: 'blackhole 10.9.0.0/24'
                continue;
            }
            List<RouteHop> hops = hops(r);
            StringBuilder line = new StringBuilder(r.prefix().toString());
            if (r.nhid() != 0) {
                line.append(" nhid ").append(r.nhid());
            } else if (hops.size() > 1) {
                line.append(" mpalgo ").append(r.mpalgo().keyword());
            }
            if (hops.size() == 1) {
                RouteHop h = hops.get(0);
                line.append(selected.via() == null && h.via() != null ? " via " + h.via() : "") // a connected route has no gateway
                        .append(selected.dev() == null ? " dev " + rib.portName(h.port()) : "");
            }
            out.add(line.append(attributesText(r, hops.size() == 1 ? flags(hops.get(0)) : List.of(), selected, rib.preferredSource(r)))
                    .toString());
            if (hops.size() > 1) {
                for (RouteHop h : hops) {
                    out.add("\tnexthop via " + h.via() + " dev " + rib.portName(h.port()) + " weight " + h.weight() + flagsText(flags(h)));
                }
            }
        }
        return out;
    }

    /** The route's gateways: inline, or its nexthop object's (a group's members with their weights). */
    private List<RouteHop> hops(Route r) {
        if (r.nhid() == 0) {
            return r.hops();
        }
        NexthopObject o = rib.objects().get(r.nhid());
        if (o == null) {
            return List.of(); // a route monitor tells deleted, whose object went in the same change
        }
        return switch (o) {
            case GatewayObject g -> List.of(new RouteHop(g.via(), g.port(), 1));
            case GroupObject g -> {
                List<RouteHop> out = new ArrayList<>();
                for (Member m : g.members()) {
                    GatewayObject gw = (GatewayObject) rib.objects().get(m.id());
                    out.add(new RouteHop(gw.via(), gw.port(), m.weight()));
                }
                yield out;
            }
        };
    }

    /**
     * A gateway's flags in ip's order: {@code dead} when its port is down (the kernel marks such
     * paths RTNH_F_DEAD), {@code onlink} as given, {@code linkdown} without carrier.
     */
    private List<String> flags(RouteHop h) {
        List<String> f = new ArrayList<>(2);
        PortEntry p = rib.ports().get(h.port());
        if (!p.up()) {
            f.add("dead");
        }
        if (h.onlink()) {
            f.add("onlink");
        }
        if (!p.up() || !rib.carrier(h.port())) {
            f.add("linkdown");
        }
        return f;
    }

    private static String flagsText(List<String> flags) {
        return flags.isEmpty() ? "" : " " + String.join(" ", flags);
    }

    /** {@code src}: the route's preferred source (a connected route's address, as the kernel's), or null. */
    private static String attributesText(Route r, List<String> flags, RouteSelector selected, IpAddress src) {
        StringBuilder sb = new StringBuilder();
        if (r.protocol() != RouteProtocol.BOOT && selected.protocol() == null) {
            sb.append(" proto ").append(RouteProtocol.name(r.protocol())); // left out for boot, the default of route add
        }
        if (r.scope() != RouteScope.GLOBAL && selected.scope() == null) {
            sb.append(" scope ").append(RouteScope.name(r.scope()));
        }
        if (src != null) {
            sb.append(" src ").append(src);
        }
        if (showsMetric(r) && selected.metric() == null) {
            sb.append(" metric ").append(Integer.toUnsignedString(r.metric()));
        }
        sb.append(flagsText(flags));
        if (r.prefix().v6()) {
            sb.append(" pref medium");
        }
        return sb.toString();
    }

    /** The kernel reports an IPv4 route's metric when it is not 0, an IPv6 route's always. */
    private static boolean showsMetric(Route r) {
        return r.prefix().v6() || r.metric() != 0;
    }

    /** {@code ip -j route}'s keys in ip's order, without what the selector fixed (as in text); {@code mpalgo} is ours. */
    List<Object> routesJson(List<Route> routes, RouteSelector selected) {
        List<Object> out = new ArrayList<>();
        for (Route r : routes) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (r.forwardsNothing()) {
                m.put("type", r.type());
            }
            m.put("dst", r.prefix().toString());
            List<RouteHop> hops = r.forwardsNothing() ? List.of() : hops(r);
            if (r.nhid() != 0) {
                m.put("nhid", r.nhid());
            } else if (hops.size() > 1) {
                m.put("mpalgo", r.mpalgo().keyword());
            }
            if (hops.size() == 1) {
                if (selected.via() == null && hops.get(0).via() != null) {
                    m.put("gateway", hops.get(0).via().toString());
                }
                if (selected.dev() == null) {
                    m.put("dev", rib.portName(hops.get(0).port()));
                }
            }
            if (r.protocol() != RouteProtocol.BOOT && selected.protocol() == null) {
                m.put("protocol", RouteProtocol.name(r.protocol()));
            }
            if (r.scope() != RouteScope.GLOBAL && selected.scope() == null) {
                m.put("scope", RouteScope.name(r.scope()));
            }
            IpAddress src = rib.preferredSource(r);
            if (src != null) {
                m.put("prefsrc", src.toString());
            }
            if (showsMetric(r) && selected.metric() == null) {
                m.put("metric", Integer.toUnsignedLong(r.metric()));
            }
            m.put("flags", hops.size() == 1 ? flags(hops.get(0)) : List.of());
            if (r.prefix().v6()) {
                m.put("pref", "medium");
            }
            if (hops.size() > 1) {
                List<Object> list = new ArrayList<>();
                for (RouteHop h : hops) {
                    Map<String, Object> hm = new LinkedHashMap<>();
                    hm.put("gateway", h.via().toString());
                    hm.put("dev", rib.portName(h.port()));
                    hm.put("weight", h.weight());
                    hm.put("flags", flags(h));
                    list.add(hm);
                }
                m.put("nexthops", list);
            }
            out.add(m);
        }
        return out;
    }

    // ---- nexthop objects

    List<String> nexthopsText(List<NexthopObject> objects) {
        List<String> out = new ArrayList<>();
        for (NexthopObject o : objects) {
            switch (o) {
                case GatewayObject g -> out.add("id " + g.id() + " via " + g.via() + " dev " + rib.portName(g.port())
                        + " scope link" + flagsText(flags(new RouteHop(g.via(), g.port(), 1))) + unresolved(g.slot()) + counters(g.slot()));
                case GroupObject g -> {
                    StringBuilder sb = new StringBuilder("id " + g.id() + " group ");
                    for (int i = 0; i < g.members().size(); i++) {
                        Member m = g.members().get(i);
                        sb.append(i == 0 ? "" : "/").append(m.id()).append(m.weight() == 1 ? "" : "," + m.weight());
                    }
                    if (g.resilient() != null) {
                        sb.append(' ').append(ResilientOutput.argumentsText(g.resilient(), rib.now()));
                    }
                    out.add(sb.append(" mpalgo ").append(g.mpalgo().keyword()).toString());
                    for (Member m : g.members()) {
                        GatewayObject gw = (GatewayObject) rib.objects().get(m.id());
                        out.add("\tmember id " + m.id() + " weight " + m.weight() + counters(gw.slot()));
                    }
                }
            }
        }
        return out;
    }

    List<Object> nexthopsJson(List<NexthopObject> objects) {
        List<Object> out = new ArrayList<>();
        for (NexthopObject o : objects) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", o.id());
            switch (o) {
                case GatewayObject g -> {
                    m.put("gateway", g.via().toString());
                    m.put("dev", rib.portName(g.port()));
                    m.put("scope", "link"); // as the kernel's: a gateway nexthop's scope
                    m.put("flags", flags(new RouteHop(g.via(), g.port(), 1)));
                    SlotNexthop s = rib.nexthopSlot(g.slot());
                    m.put("resolved", s != null && s.resolved());
                    countersJson(m, g.slot());
                }
                case GroupObject g -> {
                    List<Object> members = new ArrayList<>();
                    for (Member mem : g.members()) {
                        Map<String, Object> mm = new LinkedHashMap<>();
                        mm.put("id", mem.id());
                        if (mem.weight() != 1) {
                            mm.put("weight", mem.weight()); // as ip: a member's weight only when it is not 1
                        }
                        countersJson(mm, ((GatewayObject) rib.objects().get(mem.id())).slot());
                        members.add(mm);
                    }
                    m.put("group", members);
                    if (g.resilient() != null) {
                        m.put("type", "resilient"); // as ip: an mpath group has no type key
                        m.put("resilient_args", ResilientOutput.argumentsJson(g.resilient(), rib.now()));
                    }
                    m.put("mpalgo", g.mpalgo().keyword());
                    m.put("flags", List.of());
                }
            }
            out.add(m);
        }
        return out;
    }

    /** Ours: the gateway's link-layer address is not known yet. */
    private String unresolved(int slot) {
        SlotNexthop s = rib.nexthopSlot(slot);
        return s == null || s.resolved() ? "" : " unresolved";
    }

    private String counters(int slot) {
        if (forwarding == null) {
            return "";
        }
        long[] c = forwarding.nexthopCounters(slot);
        return " packets " + c[0] + " bytes " + c[1];
    }

    private void countersJson(Map<String, Object> m, int slot) {
        if (forwarding != null) {
            long[] c = forwarding.nexthopCounters(slot);
            m.put("packets", c[0]);
            m.put("bytes", c[1]);
        }
    }

    // ---- neighbours

    List<String> neighboursText(String dev) {
        return neighboursText(new NeighShow(dev));
    }

    /** The neighbours {@code show} picks: by port, address and family, as {@code ip neigh show}. */
    private boolean picks(NeighShow show, Rib.Neighbour n) {
        return (show.dev() == null || show.dev().equals(rib.portName(n.port())))
                && (show.address() == null || show.address().equals(n.address()))
                && (show.family() == 0 || (show.family() == 6) == n.address().v6());
    }

    List<String> neighboursText(NeighShow show) {
        String dev = show.dev();
        List<String> out = new ArrayList<>();
        for (Rib.Neighbour n : rib.neighbourTable()) {
            String port = rib.portName(n.port());
            if (picks(show, n)) {
                // as ip: filtered by dev, the dev is not repeated on each line
                out.add(n.address() + (dev == null ? " dev " + port : "") + " lladdr " + MacAddress.format(n.mac()) + " " + n.stateName());
            }
        }
        return out;
    }

    List<Object> neighboursJson(String dev) {
        return neighboursJson(new NeighShow(dev));
    }

    List<Object> neighboursJson(NeighShow show) {
        String dev = show.dev();
        List<Object> out = new ArrayList<>();
        for (Rib.Neighbour n : rib.neighbourTable()) {
            String port = rib.portName(n.port());
            if (picks(show, n)) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("dst", n.address().toString());
                if (dev == null) {
                    m.put("dev", port);
                }
                m.put("lladdr", MacAddress.format(n.mac()));
                m.put("state", List.of(n.stateName()));
                out.add(m);
            }
        }
        return out;
    }

    // ---- links and stats

    /**
     * {@code link show}; with {@code -s} ({@code stats} &gt; 0) ip's RX/TX table, then our own
     * counters on one {@code counters} line; {@code -br} one line per port as {@code ip -br link}.
     */
    List<String> linksText(List<PortEntry> ports, int stats, boolean brief) {
        List<String> out = new ArrayList<>();
        for (PortEntry p : ports) {
            LinkFlags flags = LinkFlags.of(rib, p);
            if (brief) {
                out.add(String.format("%-16s %-14s %s %s", p.name(), flags.state(), MacAddress.format(p.mac()), flags.text()));
                continue;
            }
            StringBuilder line = new StringBuilder(ifindex(p) + ": " + p.name() + ": " + flags.text() + " mtu " + p.mtu()
                    + " state " + flags.state());
            p.details().forEach((k, v) -> line.append(' ').append(k).append(' ').append(v));
            out.add(line.toString());
            out.add("    link/ether " + MacAddress.format(p.mac()));
            if (forwarding != null && stats > 0) {
                Map<String, Long> c = forwarding.portCounters(p.index());
                Map<String, Map<String, Long>> s64 = LinkStats.stats64(c);
                out.add("    RX:  bytes packets errors dropped  missed   mcast");
                out.add("    " + LinkStats.row(s64.get("rx").values()));
                out.add("    TX:  bytes packets errors dropped carrier collsns");
                out.add("    " + LinkStats.row(s64.get("tx").values()));
                StringBuilder sb = new StringBuilder("    counters");
                c.forEach((k, v) -> sb.append(' ').append(k).append(' ').append(v));
                out.add(sb.toString());
            }
        }
        return out;
    }

    /** {@code -j link show}: ip's keys; with {@code -s} ip's {@code stats64}; our own counters always, under {@code counters}. */
    List<Object> linksJson(List<PortEntry> ports, int stats) {
        List<Object> out = new ArrayList<>();
        for (PortEntry p : ports) {
            Map<String, Object> m = linkJson(p);
            if (forwarding != null) {
                Map<String, Long> c = forwarding.portCounters(p.index());
                if (stats > 0) {
                    m.put("stats64", LinkStats.stats64(c));
                }
                m.put("counters", new LinkedHashMap<>(c));
            }
            out.add(m);
        }
        return out;
    }

    private Map<String, Object> linkJson(PortEntry p) {
        Map<String, Object> m = new LinkedHashMap<>();
        // the kernel's index for a port on a kernel device (AF_XDP), ours otherwise; ours always as port_index
        m.put("ifindex", ifindex(p));
        m.put("ifname", p.name());
        LinkFlags flags = LinkFlags.of(rib, p);
        m.put("flags", flags.names());
        m.put("mtu", p.mtu());
        m.put("operstate", flags.state());
        m.put("link_type", "ether");
        m.put("address", MacAddress.format(p.mac()));
        m.putAll(p.details());
        m.put("port_index", p.index());
        return m;
    }

    private int ifindex(PortEntry p) {
        int kernel = rib.kernelIfindex(p.index());
        return kernel >= 0 ? kernel : p.index();
    }

    /** {@code stats}: per-port counters, drop reasons, per-nexthop-slot counters, worker errors. */
    Map<String, Object> stats(String what) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (what == null || what.equals("ports")) {
            Map<String, Object> ports = new LinkedHashMap<>();
            for (PortEntry p : rib.ports()) {
                ports.put(p.name(), forwarding == null ? Map.of() : forwarding.portCounters(p.index()));
            }
            m.put("ports", ports);
        }
        if (what == null || what.equals("drops")) {
            m.put("drops", forwarding == null ? Map.of() : forwarding.dropCounters());
        }
        if (what == null || what.equals("nexthops")) {
            List<Object> nhs = new ArrayList<>();
            for (int slot = 0, seen = 0; seen < rib.nexthopSlotsInUse() && slot <= io.dataplane.tables.RouteTarget.MAX_INDEX; slot++) {
                SlotNexthop s = rib.nexthopSlot(slot);
                if (s == null) {
                    continue;
                }
                seen++;
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("index", slot);
                e.put("gateway", s.via().toString());
                e.put("dev", rib.portName(s.port()));
                long[] c = forwarding == null ? new long[2] : forwarding.nexthopCounters(slot);
                e.put("packets", c[0]);
                e.put("bytes", c[1]);
                nhs.add(e);
            }
            m.put("nexthops", nhs);
        }
        if (what == null || what.equals("workers")) {
            // A worker keeps running after an exception; the count and the last one are how an
            // operator learns that something on the hot path failed.
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("errors", forwarding == null ? 0L : forwarding.workerErrors());
            String last = forwarding == null ? null : forwarding.lastWorkerError();
            if (last != null) {
                w.put("last_error", last);
            }
            m.put("workers", w);
        }
        return m;
    }

    static List<String> statsText(Map<String, Object> stats) {
        List<String> out = new ArrayList<>();
        stats.forEach((section, v) -> {
            out.add(section + ":");
            if (v instanceof Map<?, ?> map) {
                map.forEach((k, val) -> {
                    if (val instanceof Map<?, ?> inner) {
                        StringBuilder sb = new StringBuilder("  " + k + ":");
                        inner.forEach((ik, iv) -> sb.append(' ').append(ik).append(' ').append(iv));
                        out.add(sb.toString());
                    } else {
                        out.add("  " + k + " " + val);
                    }
                });
            } else if (v instanceof List<?> list) {
                for (Object o : list) {
                    Map<?, ?> e = (Map<?, ?>) o;
                    out.add("  nexthop " + e.get("index") + " via " + e.get("gateway") + " dev " + e.get("dev")
                            + " packets " + e.get("packets") + " bytes " + e.get("bytes"));
                }
            }
        });
        return out;
    }
}
