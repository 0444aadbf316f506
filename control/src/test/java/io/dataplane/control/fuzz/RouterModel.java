package io.dataplane.control.fuzz;

import io.dataplane.control.fuzz.ModelCommand.*;
import io.dataplane.tables.HashField;
import io.dataplane.tables.Jenkins;
import io.dataplane.tables.KernelHash;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * What the router should hold after a sequence of commands, written for obviousness from the
 * README's command reference and ip's semantics (not from the daemon's code): maps of routes (one
 * per prefix), nexthop objects, static neighbours and port states, and how each command changes
 * them or is refused. It renders what {@code route show}, {@code nexthop show} and {@code neigh
 * show} must print and predicts what {@code route get} answers.
 */
final class RouterModel {
    static final List<String> PORTS = List.of("p0", "p1", "p2");

    /** A route: its target and its protocol as shown (null: boot, not shown). */
    record Route(Target target, String proto) {
    }

    sealed interface Obj {
    }

    record GatewayObj(Gw gw) implements Obj {
    }

    /** A group; {@code resilient} has every field set for a resilient group, null for mpath. */
    record GroupObj(List<Member> members, String mpalgo, Resilient resilient) implements Obj {
    }

    record NeighKey(String addr, String dev) {
    }

    /** How a command went in the model: accepted, refused (why), or not specified (either is right; why). */
    record Outcome(Kind kind, String why) {
        enum Kind { OK, REFUSED, UNSPECIFIED }

        static final Outcome OK = new Outcome(Kind.OK, "");

        static Outcome refused(String why) {
            return new Outcome(Kind.REFUSED, why);
        }

        static Outcome unspecified(String why) {
            return new Outcome(Kind.UNSPECIFIED, why);
        }
    }

    private final Map<Net, Route> routes;
    private final TreeMap<Integer, Obj> objects;
    private final Map<NeighKey, String> neighbours;
    private final Map<String, Boolean> up;
    /** The multipath hash: seed, function (kernel or Jenkins), and the kernel mode's policies and fields per family. */
    record Hash(long seed, boolean kernel, int policy4, int fields4, int policy6, int fields6) {
        static final Hash DEFAULT = new Hash(0, false, 0, HashField.DEFAULT, 0, HashField.DEFAULT);
    }

    private Hash hash;

    RouterModel() {
        this(new HashMap<>(), new TreeMap<>(), new HashMap<>(), new HashMap<>(), Hash.DEFAULT);
        PORTS.forEach(p -> up.put(p, true));
    }

    private RouterModel(Map<Net, Route> routes, TreeMap<Integer, Obj> objects, Map<NeighKey, String> neighbours,
            Map<String, Boolean> up, Hash hash) {
        this.routes = routes;
        this.objects = objects;
        this.neighbours = neighbours;
        this.up = up;
        this.hash = hash;
    }

    RouterModel copy() {
        return new RouterModel(new HashMap<>(routes), new TreeMap<>(objects), new HashMap<>(neighbours), new HashMap<>(up), hash);
    }

    /** {@code show hash}'s first line: function and seed. */
    String hashLine() {
        return "hash-function " + (hash.kernel() ? "kernel" : "jenkins") + " seed " + hash.seed();
    }

    Map<Net, Route> routes() {
        return routes;
    }

    Map<Integer, Obj> objects() {
        return objects;
    }

    Map<NeighKey, String> neighbours() {
        return neighbours;
    }

    // ------------------------------------------------------------------ commands

    /** Applies {@code c}; on a refusal the model may be half-changed: callers apply to a {@link #copy}. */
    Outcome apply(ModelCommand c) {
        return switch (c) {
            case RouteSet r -> routeSet(r);
            case RouteDel d -> routeDel(d);
            case RouteFlush f -> {
                if (f.selector().dev() != null && !PORTS.contains(f.selector().dev())) {
                    yield Outcome.refused("unknown device " + f.selector().dev());
                }
                routes.entrySet().removeIf(e -> selects(f.selector(), e.getKey(), e.getValue()));
                yield Outcome.OK;
            }
            case NexthopGateway n -> nexthopGateway(n);
            case NexthopGroup g -> nexthopGroup(g);
            case NexthopDel d -> nexthopDel(d.id());
            case NeighSet n -> neighSet(n);
            case NeighDel n -> {
                if (!PORTS.contains(n.dev())) {
                    yield Outcome.refused("unknown device " + n.dev());
                }
                yield neighbours.remove(new NeighKey(n.addr(), n.dev())) == null ? Outcome.refused("no such neighbour") : Outcome.OK;
            }
            case LinkSet l -> {
                if (!PORTS.contains(l.dev())) {
                    yield Outcome.refused("unknown device " + l.dev());
                }
                up.put(l.dev(), l.up());
                yield Outcome.OK;
            }
            case HashSeed h -> {
                hash = new Hash(h.seed(), hash.kernel(), hash.policy4(), hash.fields4(), hash.policy6(), hash.fields6());
                yield Outcome.OK;
            }
            case HashFunction f -> {
                if (f.kernel() && usesL4()) {
                    yield Outcome.refused("kernel mode while a route or group has mpalgo l4 (README)");
                }
                hash = new Hash(hash.seed(), f.kernel(), hash.policy4(), hash.fields4(), hash.policy6(), hash.fields6());
                yield Outcome.OK;
            }
            case HashPolicy p -> {
                hash = p.v6() ? new Hash(hash.seed(), hash.kernel(), hash.policy4(), hash.fields4(), p.policy(), hash.fields6())
                        : new Hash(hash.seed(), hash.kernel(), p.policy(), hash.fields4(), hash.policy6(), hash.fields6());
                yield Outcome.OK;
            }
            case HashFields f -> {
                int mask = 0;
                for (String name : f.fields()) {
                    mask |= HashField.parse(name);
                }
                hash = f.v6() ? new Hash(hash.seed(), hash.kernel(), hash.policy4(), hash.fields4(), hash.policy6(), mask)
                        : new Hash(hash.seed(), hash.kernel(), hash.policy4(), mask, hash.policy6(), hash.fields6());
                yield Outcome.OK;
            }
            case Malformed m -> Outcome.refused(m.why());
        };
    }

    /** Whether a route or a group asks for mpalgo l4. */
    private boolean usesL4() {
        return routes.values().stream().anyMatch(r -> r.target() instanceof Gateways g && "l4".equals(g.mpalgo()))
                || objects.values().stream().anyMatch(o -> o instanceof GroupObj g && g.mpalgo().equals("l4"));
    }

    /** README: in kernel mode the policy decides, so a named l3 or l4 is refused (per-packet keeps working). */
    private boolean namesHashInKernelMode(String mpalgo) {
        return hash.kernel() && ("l3".equals(mpalgo) || "l4".equals(mpalgo));
    }

    private Outcome routeSet(RouteSet r) {
        if (r.verb().equals("append") || r.verb().equals("prepend")) {
            return Outcome.refused("one route per prefix (README: append/prepend are refused)");
        }
        if (r.target() instanceof Gateways g && namesHashInKernelMode(g.mpalgo())) {
            return Outcome.refused("mpalgo " + g.mpalgo() + " in kernel mode");
        }
        Outcome t = checkTarget(r.prefix(), r.target());
        if (t.kind() == Outcome.Kind.REFUSED) {
            return t;
        }
        boolean exists = routes.containsKey(r.prefix());
        if (r.verb().equals("add") && exists) {
            return Outcome.refused("route exists");
        }
        if (r.verb().equals("change") && !exists) {
            return Outcome.refused("no route to change");
        }
        routes.put(r.prefix(), new Route(r.target(), protoShown(r.proto())));
        return t;
    }

    /** Whether a route to {@code prefix} may point at {@code target} now. */
    private Outcome checkTarget(Net prefix, Target target) {
        switch (target) {
            case TypeRoute t -> {
                return Outcome.OK;
            }
            case Gateways g -> {
                for (Hop h : g.hops()) {
                    if (!PORTS.contains(h.gw().dev())) {
                        return Outcome.refused("unknown device " + h.gw().dev());
                    }
                    if (prefix.v6() && !h.gw().v6()) {
                        return Outcome.refused("an IPv6 route over an IPv4 gateway (the kernel refuses it; IPv4 over IPv6 is RFC 5549)");
                    }
                }
                for (int i = 0; i < g.hops().size(); i++) {
                    for (int j = 0; j < i; j++) {
                        if (g.hops().get(i).gw().equals(g.hops().get(j).gw())) {
                            return Outcome.refused("the same gateway twice (README/grammar: list each once)");
                        }
                    }
                }
                if (g.mpalgo() != null && g.hops().size() == 1) {
                    return Outcome.refused("mpalgo on a single gateway");
                }
                return Outcome.OK;
            }
            case Nhid n -> {
                Obj o = objects.get(n.id());
                if (o == null) {
                    return Outcome.refused("nexthop " + n.id() + " does not exist");
                }
                return prefix.v6() && !familyOf(o).equals("6") ? Outcome.refused("an IPv6 route over an object with an IPv4 gateway") : Outcome.OK;
            }
        }
    }

    /** "4", "6" or "mixed": the families of an object's gateways. */
    private String familyOf(Obj o) {
        return switch (o) {
            case GatewayObj g -> g.gw().v6() ? "6" : "4";
            case GroupObj g -> {
                String f = null;
                for (Member m : g.members()) {
                    String mf = familyOf(objects.get(m.id()));
                    f = f == null || f.equals(mf) ? mf : "mixed";
                }
                yield f;
            }
        };
    }

    private static String protoShown(String proto) {
        if (proto == null) {
            return null;
        }
        String name = switch (proto) {
            case "4" -> "static";
            case "186" -> "bgp";
            case "3" -> "boot";
            default -> proto;
        };
        return name.equals("boot") ? null : name;
    }

    private Outcome routeDel(RouteDel d) {
        Route r = routes.get(d.prefix());
        if (r == null) {
            return Outcome.refused("no such route");
        }
        if (d.spec() != null) {
            Outcome match = matches(d.spec(), r.target());
            if (match.kind() != Outcome.Kind.OK) {
                return match;
            }
        }
        routes.remove(d.prefix());
        return Outcome.OK;
    }

    /** Whether a del's spec names {@code route}'s target: the same type, the same nhid, the same gateway(s). */
    private static Outcome matches(Target spec, Target route) {
        boolean same = switch (spec) {
            case TypeRoute t -> route instanceof TypeRoute r && r.type().equals(t.type());
            case Nhid n -> route instanceof Nhid r && r.id() == n.id();
            case Gateways g -> route instanceof Gateways r && (g.hops().size() == 1 && r.hops().size() == 1
                    ? g.hops().get(0).gw().equals(r.hops().get(0).gw()) : g.hops().equals(r.hops()));
        };
        if (same) {
            return Outcome.OK;
        }
        return spec instanceof Gateways && route instanceof Gateways r && r.hops().size() > 1
                ? Outcome.unspecified("del with a spec that is not the multipath route's whole list")
                : Outcome.refused("spec does not match the route");
    }

    private Outcome nexthopGateway(NexthopGateway n) {
        if (!PORTS.contains(n.gw().dev())) {
            return Outcome.refused("unknown device " + n.gw().dev());
        }
        Obj old = objects.get(n.id());
        if (old != null && n.verb().equals("add")) {
            return Outcome.refused("nexthop exists");
        }
        if (old instanceof GroupObj) {
            return Outcome.refused("a group cannot become a single nexthop");
        }
        objects.put(n.id(), new GatewayObj(n.gw()));
        return usersStillFit();
    }

    private Outcome nexthopGroup(NexthopGroup g) {
        if (namesHashInKernelMode(g.mpalgo())) {
            return Outcome.refused("mpalgo " + g.mpalgo() + " in kernel mode");
        }
        Obj old = objects.get(g.id());
        if (old != null && g.verb().equals("add")) {
            return Outcome.refused("nexthop exists");
        }
        if (old instanceof GatewayObj) {
            return Outcome.refused("a single nexthop cannot become a group");
        }
        for (Member m : g.members()) {
            if (!(objects.get(m.id()) instanceof GatewayObj)) {
                return Outcome.refused("member " + m.id() + " is not a single nexthop (missing, a group or itself)");
            }
        }
        GroupObj before = (GroupObj) old;
        Resilient res = null;
        if (g.resilient() != null) {
            if ("per-packet".equals(g.mpalgo())) {
                return Outcome.refused("per-packet on a resilient group");
            }
            if (before != null && before.resilient() == null) {
                return Outcome.refused("mpath cannot become resilient");
            }
            Resilient r = g.resilient();
            if (before == null) {
                if (r.buckets() == null) {
                    return Outcome.refused("buckets needed on add");
                }
                res = new Resilient(r.buckets(), r.idle() == null ? 120L : r.idle(), r.unbalanced() == null ? 0L : r.unbalanced());
            } else {
                Resilient o = before.resilient();
                if (r.buckets() != null && !r.buckets().equals(o.buckets())) {
                    return Outcome.refused("buckets cannot change");
                }
                res = new Resilient(o.buckets(), r.idle() == null ? o.idle() : r.idle(), r.unbalanced() == null ? o.unbalanced() : r.unbalanced());
            }
        } else if (before != null && before.resilient() != null) {
            return Outcome.refused("resilient cannot become mpath");
        }
        objects.put(g.id(), new GroupObj(List.copyOf(g.members()), g.mpalgo() == null ? "l3" : g.mpalgo(), res));
        return usersStillFit();
    }

    /** After an object changed: an IPv6 route over it must still have IPv6 gateways only. */
    private Outcome usersStillFit() {
        for (Map.Entry<Net, Route> e : routes.entrySet()) {
            if (e.getKey().v6() && e.getValue().target() instanceof Nhid n && !familyOf(objects.get(n.id())).equals("6")) {
                return Outcome.refused("the replace gives IPv6 route " + e.getKey().shown() + " an IPv4 gateway");
            }
        }
        return Outcome.OK;
    }

    private Outcome nexthopDel(int id) {
        if (!objects.containsKey(id)) {
            return Outcome.refused("no such nexthop");
        }
        for (Route r : routes.values()) {
            if (r.target() instanceof Nhid n && n.id() == id) {
                return Outcome.refused("in use by a route (README: dpctl refuses)");
            }
        }
        for (Obj o : objects.values()) {
            if (o instanceof GroupObj g && g.members().stream().anyMatch(m -> m.id() == id)) {
                return Outcome.refused("a member of a group");
            }
        }
        objects.remove(id);
        return Outcome.OK;
    }

    private Outcome neighSet(NeighSet n) {
        if (!PORTS.contains(n.dev())) {
            return Outcome.refused("unknown device " + n.dev());
        }
        String mac = n.mac().toLowerCase(java.util.Locale.ROOT);
        int first = Integer.parseInt(mac.substring(0, 2), 16);
        if (mac.equals("00:00:00:00:00:00") || (first & 1) != 0) {
            return Outcome.refused("not a unicast MAC");
        }
        NeighKey k = new NeighKey(n.addr(), n.dev());
        boolean exists = neighbours.containsKey(k);
        if (n.verb().equals("add") && exists) {
            return Outcome.refused("neighbour exists");
        }
        if (n.verb().equals("change") && !exists) {
            return Outcome.refused("neigh change of a missing entry (as ip)");
        }
        neighbours.put(k, mac);
        return Outcome.OK;
    }

    // ------------------------------------------------------------------ what the shows print

    /** {@code route show}: one block (a line and its nexthop lines) per route, IPv4 then IPv6. */
    List<List<String>> routeBlocks() {
        return routeBlocks(Selector.ALL);
    }

    /** {@code route show SELECTOR}. */
    List<List<String>> routeBlocks(Selector s) {
        List<Net> nets = new ArrayList<>(routes.keySet());
        nets.sort(Comparator.comparing(Net::v6).thenComparing(Net::value).thenComparing(Net::len));
        List<List<String>> out = new ArrayList<>();
        for (Net n : nets) {
            if (selects(s, n, routes.get(n))) {
                out.add(routeBlock(n, routes.get(n), s));
            }
        }
        return out;
    }

    /**
     * ip's selection: root P (inside P), match P (covering P), exact or bare P; family; proto
     * (by name: 4 is static); type (unicast for gateways); dev and via against the route's one
     * gateway (ip's filter reads RTA_OIF and RTA_GATEWAY, which multipath routes do not have).
     */
    boolean selects(Selector s, Net n, Route r) {
        if (s.family() != 0 && n.v6() != (s.family() == 6)) {
            return false;
        }
        if (s.how() != null) {
            Net p = s.prefix();
            boolean in = switch (s.how()) {
                case "root" -> p.v6() == n.v6() && n.len() >= p.len() && p.contains(n);
                case "match" -> p.v6() == n.v6() && n.len() <= p.len() && n.contains(p);
                default -> p.equals(n);
            };
            if (!in) {
                return false;
            }
        }
        if (s.proto() != null && !String.valueOf(protoShown(s.proto())).equals(String.valueOf(r.proto()))) {
            return false;
        }
        if (s.type() != null && !s.type().equals(r.target() instanceof TypeRoute t ? t.type() : "unicast")) {
            return false;
        }
        if (s.dev() != null || s.via() != null) {
            Gw gw = oneGateway(r);
            return gw != null && (s.dev() == null || s.dev().equals(gw.dev())) && (s.via() == null || s.via().equals(gw.via()));
        }
        return true;
    }

    /** A route's one gateway: its single hop or its gateway object's; null for types, multipath routes and groups. */
    private Gw oneGateway(Route r) {
        return switch (r.target()) {
            case Gateways g -> g.hops().size() == 1 ? g.hops().get(0).gw() : null;
            case Nhid id -> objects.get(id.id()) instanceof GatewayObj o ? o.gw() : null;
            case TypeRoute t -> null;
        };
    }

    /**
     * As ip, what the selector fixed (dev, via, proto) is not repeated on the line. The route's
     * gateways, inline or its object's (a group's members), decide the form: one gateway on the
     * line (also a group of one, as the kernel's nexthop_is_multipath), more as nexthop lines.
     * Then proto, an IPv6 route's metric 1024 (the kernel's default, always shown), a lone
     * gateway's flags, and IPv6's pref medium.
     */
    private List<String> routeBlock(Net n, Route r, Selector s) {
        String proto = r.proto() == null || s.proto() != null ? "" : " proto " + r.proto();
        String metric = n.v6() ? " metric 1024" : "";
        String pref = n.v6() ? " pref medium" : "";
        List<String> lines = new ArrayList<>();
        if (r.target() instanceof TypeRoute t) {
            lines.add(t.type() + " " + n.shown() + proto + metric + pref);
            return lines;
        }
        List<Hop> hops = hops(r);
        StringBuilder line = new StringBuilder(n.shown());
        if (r.target() instanceof Nhid id) {
            line.append(" nhid ").append(id.id());
        } else if (hops.size() > 1) {
            Gateways g = (Gateways) r.target();
            line.append(" mpalgo ").append(g.mpalgo() == null ? "l3" : g.mpalgo());
        }
        if (hops.size() == 1) {
            line.append(gateway(hops.get(0).gw(), s));
        }
        line.append(proto).append(metric).append(hops.size() == 1 ? flags(hops.get(0).gw()) : "").append(pref);
        lines.add(line.toString());
        if (hops.size() > 1) {
            for (Hop h : hops) {
                lines.add("\tnexthop via " + h.gw().via() + " dev " + h.gw().dev() + " weight " + h.weight() + flags(h.gw()));
            }
        }
        return lines;
    }

    /** The route's gateways: inline, or its object's (a group's members with their weights). */
    private List<Hop> hops(Route r) {
        return switch (r.target()) {
            case Gateways g -> g.hops();
            case Nhid id -> switch (objects.get(id.id())) {
                case GatewayObj o -> List.of(new Hop(o.gw(), 1));
                case GroupObj o -> o.members().stream().map(m -> new Hop(((GatewayObj) objects.get(m.id())).gw(), m.weight())).toList();
            };
            case TypeRoute t -> List.of();
        };
    }

    /** ip's flags for a gateway whose port is down: the kernel marks the path dead, and it has no carrier. */
    private String flags(Gw gw) {
        return up.get(gw.dev()) ? "" : " dead linkdown";
    }

    private static String gateway(Gw gw, Selector s) {
        return (s.via() == null ? " via " + gw.via() : "") + (s.dev() == null ? " dev " + gw.dev() : "");
    }

    /** {@code nexthop show} without counters and without a resilient group's unbalanced_time. */
    List<List<String>> nexthopBlocks() {
        return nexthopBlocks(null, false, null);
    }

    /** {@code nexthop show [id ID | group | dev PORT]}: that object, the groups, or the gateway objects on PORT. */
    List<List<String>> nexthopBlocks(Integer id, boolean groups, String dev) {
        List<List<String>> out = new ArrayList<>();
        for (Map.Entry<Integer, Obj> e : objects.entrySet()) {
            if (id != null && !id.equals(e.getKey()) || groups && !(e.getValue() instanceof GroupObj)
                    || dev != null && !(e.getValue() instanceof GatewayObj g && g.gw().dev().equals(dev))) {
                continue;
            }
            List<String> lines = new ArrayList<>();
            switch (e.getValue()) {
                case GatewayObj g -> lines.add("id " + e.getKey() + " via " + g.gw().via() + " dev " + g.gw().dev() + " scope link"
                        + flags(g.gw()) + (neighbours.containsKey(new NeighKey(g.gw().via(), g.gw().dev())) ? "" : " unresolved"));
                case GroupObj g -> {
                    StringBuilder sb = new StringBuilder("id " + e.getKey() + " group ");
                    for (int i = 0; i < g.members().size(); i++) {
                        Member m = g.members().get(i);
                        sb.append(i == 0 ? "" : "/").append(m.id()).append(m.weight() == 1 ? "" : "," + m.weight());
                    }
                    if (g.resilient() != null) {
                        sb.append(" type resilient buckets ").append(g.resilient().buckets()).append(" idle_timer ").append(seconds(g.resilient().idle()))
                                .append(" unbalanced_timer ").append(seconds(g.resilient().unbalanced()));
                    }
                    lines.add(sb.append(" mpalgo ").append(g.mpalgo()).toString());
                    for (Member m : g.members()) {
                        lines.add("\tmember id " + m.id() + " weight " + m.weight());
                    }
                }
            }
            out.add(lines);
        }
        return out;
    }

    /** iproute2's print of a timer in seconds: %g, six significant digits. */
    private static String seconds(long s) {
        return s < 1_000_000 ? Long.toString(s) : String.format(java.util.Locale.ROOT, "%.5e", (double) s)
                .replaceAll("0+e", "e").replace(".e", "e");
    }

    /** {@code neigh show}. */
    List<String> neighLines() {
        return neighLines(null, 0);
    }

    /** {@code [-4|-6] neigh show [dev PORT]}: as ip, the dev selected is not repeated. */
    List<String> neighLines(String dev, int family) {
        List<String> out = new ArrayList<>();
        neighbours.forEach((k, mac) -> {
            if ((dev == null || dev.equals(k.dev())) && (family == 0 || k.addr().contains(":") == (family == 6))) {
                out.add(k.addr() + (dev == null ? " dev " + k.dev() : "") + " lladdr " + mac + " PERMANENT");
            }
        });
        return out;
    }

    // ------------------------------------------------------------------ route get

    /** A flow for {@code route get}: src null, proto/ports/flowlabel -1 when not given. */
    record Flow(Net dst, Net src, int proto, int sport, int dport, int flowlabel) {
    }

    /**
     * What {@code route get} must say: refused (no route), or the route, the verdict, and where
     * known the gateway, device and hash; {@code choices} lists the gateways allowed when the model
     * names a set rather than one (per-packet), null otherwise.
     */
    record Answer(boolean refused, String route, String via, String dev, String verdict, Integer hash, List<Gw> choices, String kind) {
    }

    /** The longest prefix holding {@code dst}, or null. */
    Net lookup(Net dst) {
        Net best = null;
        for (Net n : routes.keySet()) {
            if (n.contains(dst) && (best == null || n.len() > best.len())) {
                best = n;
            }
        }
        return best;
    }

    /**
     * {@code buckets}: a resilient group's bucket table (index to member id), as {@code nexthop
     * bucket show} lists it; {@code reported}: the hash route get printed (null if none), used
     * where the model cannot compute it.
     */
    Answer routeGet(Flow f, IntFunction<Map<Integer, Integer>> buckets, Integer reported) {
        Net n = lookup(f.dst());
        if (n == null) {
            return new Answer(true, null, null, null, null, null, null, "no route");
        }
        String route = n.shown();
        Route r = routes.get(n);
        List<Hop> hops;
        String mpalgo;
        Integer resilientGroup = null;
        switch (r.target()) {
            case TypeRoute t -> {
                String verdict = switch (t.type()) {
                    case "blackhole" -> "blackhole";
                    case "unreachable" -> "unreachable";
                    case "prohibit" -> "prohibited";
                    default -> "no_route"; // throw: the lookup goes on in a table that has nothing
                };
                return new Answer(false, route, null, null, verdict, null, null, t.type());
            }
            case Gateways g -> {
                hops = g.hops();
                mpalgo = g.mpalgo() == null ? "l3" : g.mpalgo();
            }
            case Nhid id -> {
                switch (objects.get(id.id())) {
                    case GatewayObj o -> {
                        hops = List.of(new Hop(o.gw(), 1));
                        mpalgo = "l3";
                    }
                    case GroupObj o -> {
                        hops = new ArrayList<>();
                        for (Member m : o.members()) {
                            hops.add(new Hop(((GatewayObj) objects.get(m.id())).gw(), m.weight()));
                        }
                        mpalgo = o.mpalgo();
                        resilientGroup = o.resilient() == null ? null : id.id();
                    }
                }
            }
        }
        if (hops.size() == 1 && resilientGroup == null && !(r.target() instanceof Nhid nh && objects.get(nh.id()) instanceof GroupObj)) {
            Gw gw = hops.get(0).gw();
            return new Answer(false, route, gw.via(), gw.dev(), verdict(gw), null, null, "one gateway");
        }
        List<Hop> alive = hops.stream().filter(h -> up.get(h.gw().dev())).toList();
        if (alive.isEmpty()) {
            return new Answer(false, route, null, null, "nexthop_dead", null, null, "all dead");
        }
        if (mpalgo.equals("per-packet")) {
            return new Answer(false, route, null, null, null, null, alive.stream().map(Hop::gw).toList(), "per-packet");
        }
        boolean l4 = mpalgo.equals("l4");
        int proto = f.proto() < 0 ? 17 : f.proto();
        Integer h = hash.kernel() ? kernelHash(f, proto) : Integer.valueOf(hash(f, l4, proto));
        Integer expected = h;
        if (h == null) {
            // where the model cannot compute the hash, it still checks the selection with the one reported
            if (reported == null) {
                return new Answer(false, route, null, null, null, null, alive.stream().map(Hop::gw).toList(), "no hash");
            }
            h = reported;
        }
        String kind = (hash.kernel() ? "kernel" : "jenkins " + mpalgo) + (resilientGroup != null ? " resilient" : "")
                + (expected == null ? " (reported hash)" : "");
        Gw chosen;
        if (resilientGroup != null) {
            Map<Integer, Integer> table = buckets.apply(resilientGroup);
            Integer member = table.get(Integer.remainderUnsigned(h, table.size()));
            GatewayObj o = member == null ? null : (GatewayObj) objects.get(member);
            if (o == null || !up.get(o.gw().dev())) {
                return new Answer(false, route, "bucket of a live member", null, null, expected, null, kind);
            }
            chosen = o.gw();
        } else {
            chosen = select(alive, h);
        }
        return new Answer(false, route, chosen.via(), chosen.dev(), verdict(chosen), expected, null, kind);
    }

    /** Whether a gateway's port is up. */
    boolean alive(Gw gw) {
        return up.get(gw.dev());
    }

    private String verdict(Gw gw) {
        if (!up.get(gw.dev())) {
            return "nexthop_dead";
        }
        return neighbours.containsKey(new NeighKey(gw.via(), gw.dev())) ? "forward" : "neighbour_unresolved";
    }

    /** Hash-threshold, as the README gives it: bound_i = round_half_up(acc_i * 2^31 / total) - 1; the first bound >= hash. */
    static Gw select(List<Hop> alive, int hash) {
        long total = alive.stream().mapToLong(Hop::weight).sum();
        long acc = 0;
        for (Hop h : alive) {
            acc += h.weight();
            long bound = ((acc << 32) + total) / (2 * total) - 1; // round_half_up(acc * 2^31 / total) - 1
            if (bound >= hash) {
                return h.gw();
            }
        }
        return alive.get(alive.size() - 1).gw();
    }

    /**
     * Kernel mode (README: for IPv4, what ip route get hashes; for IPv6 the forwarded packet, which
     * is ip -6 route get's flow descriptor under policies 0 and 1): KernelHash's route-get helpers,
     * the hash's own implementation. Null where the model cannot say: IPv6 under policies 2 and 3,
     * and GRE (the dissector reads our probe's 4 bytes as a GRE header).
     */
    private Integer kernelHash(Flow f, int proto) {
        boolean ports = proto == 6 || proto == 17;
        int sport = ports ? max0(f.sport()) : 0;
        int dport = ports ? max0(f.dport()) : 0;
        if (proto == 47) {
            return null;
        }
        if (!f.dst().v6()) {
            int src = f.src() == null ? 0 : f.src().value().intValue();
            return KernelHash.routeGet4(src, f.dst().value().intValue(), proto, sport, dport, hash.policy4(), hash.fields4(), (int) hash.seed());
        }
        if (hash.policy6() > 1) {
            return null;
        }
        java.math.BigInteger s = f.src() == null ? java.math.BigInteger.ZERO : f.src().value();
        long[] src = {s.shiftRight(64).longValue(), s.longValue()};
        long[] dst = {f.dst().value().shiftRight(64).longValue(), f.dst().value().longValue()};
        return KernelHash.routeGet6(src, dst, proto, sport, dport, max0(f.flowlabel()), hash.policy6(), hash.fields6(), (int) hash.seed());
    }

    /** The README's hash: words are 4 packet bytes read little-endian; l3 / l4 keys per family; >> 1. */
    int hash(Flow f, boolean l4, int proto) {
        int s = (int) hash.seed();
        // ports: TCP's and UDP's first 4 bytes; 0 for the other protocols the fuzzer sends (ICMP, GRE).
        // The README does not say which protocols have ports; FlowHash's Javadoc does.
        boolean hasPorts = proto == 6 || proto == 17;
        int ports = !hasPorts ? 0 : le(new byte[] {(byte) (max0(f.sport()) >> 8), (byte) max0(f.sport()), (byte) (max0(f.dport()) >> 8), (byte) max0(f.dport())}, 0);
        if (!f.dst().v6()) {
            int src = f.src() == null ? 0 : le(bytes(f.src(), 4), 0);
            int dst = le(bytes(f.dst(), 4), 0);
            int h = l4 ? Jenkins.jhash2(new int[] {src, dst, ports, proto}, 4, s) : Jenkins.jhash2Words(src, dst, s);
            return h >>> 1;
        }
        byte[] src = f.src() == null ? new byte[16] : bytes(f.src(), 16);
        byte[] dst = bytes(f.dst(), 16);
        int[] k = new int[10];
        for (int i = 0; i < 4; i++) {
            k[i] = le(src, 4 * i);
            k[4 + i] = le(dst, 4 * i);
        }
        k[8] = l4 ? ports : max0(f.flowlabel());
        k[9] = proto;
        return Jenkins.jhash2(k, 10, s) >>> 1;
    }

    private static int max0(int v) {
        return Math.max(0, v);
    }

    private static byte[] bytes(Net n, int length) {
        byte[] raw = n.value().toByteArray();
        byte[] out = new byte[length];
        int copy = Math.min(raw.length, length);
        System.arraycopy(raw, raw.length - copy, out, length - copy, copy);
        return out;
    }

    private static int le(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
