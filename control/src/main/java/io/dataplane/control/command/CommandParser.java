package io.dataplane.control.command;

import io.dataplane.tables.MacAddress;
import io.dataplane.control.command.Command.*;
import io.dataplane.tables.HashField;
import io.dataplane.tables.MultipathAlgorithm;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses one line of the control grammar into a {@link Request}. The grammar follows iproute2
 * ({@code ip route}, {@code ip nexthop}, {@code ip neigh}, {@code ip link}) so that operators'
 * habits carry over; {@link #GRAMMAR} is the reference shown by {@code --help}.
 *
 * <p>Every error names the offending token, its position (token number, 1-based) and what was
 * expected there.
 */
public final class CommandParser {

    /** The grammar, one line per command form, as printed by {@code --help} and {@code help}. */
    public static final String GRAMMAR = String.join("\n",
            "route add|replace PREFIX via ADDR dev PORT [weight 1..256] [onlink]",
            "route add|replace PREFIX nexthop via ADDR dev PORT [weight 1..256] [onlink] nexthop ... [mpalgo l3|l4|per-packet]",
            "route add|replace PREFIX nhid ID   ('route change ...' as replace, but only an existing route)",
            "route add|replace PREFIX dev PORT   (directly connected: the destination is the neighbour; scope link)",
            "route add|replace blackhole|unreachable|prohibit|throw PREFIX",
            "  (any route add|replace may end in 'proto NAME|0..255' (default boot, not shown), 'metric|priority|preference 0..4294967295'",
            "   (default 0, IPv6 1024; routes to one prefix with different metrics coexist, the lowest forwards), 'scope global|N' and, IPv6, 'pref medium')",
            "route del PREFIX [via ADDR dev PORT | nexthop ... | nhid ID] [metric N]   (without a metric: the lowest that matches)",
            "route show|flush [[to] [root|match|exact] PREFIX] [dev PORT] [via ADDR] [proto P] [type T] [metric N] [scope S] [table main]   (flush needs a selector)",
            "route get ADDR [from SRC] [ipproto tcp|udp|icmp|N] [sport N] [dport N] [flowlabel N] [iif PORT]   (iif with from, as in ip)",
            "nexthop add|replace [id ID] via ADDR dev PORT   (without id, or id 0, a free id is picked as the kernel does)",
            "nexthop add|replace id ID group ID[,WEIGHT]/ID[,WEIGHT]/... [mpalgo l3|l4|per-packet]   (WEIGHT 1..65535)",
            "nexthop add|replace id ID group ID[,WEIGHT]/... type resilient buckets 1..65535 [idle_timer S] [unbalanced_timer S] [mpalgo l3|l4]",
            "   (defaults idle_timer 120, unbalanced_timer 0 = never force; on replace buckets cannot change and timers not given are kept)",
            "nexthop del id ID",
            "nexthop show [id ID | group | dev PORT]",
            "nexthop bucket show [id ID] [nhid ID]",
            "neigh add|replace ADDR lladdr MAC dev PORT   (add fails over an existing entry; replace changes it)",
            "neigh del ADDR dev PORT",
            "neigh show [[to] ADDR] [dev PORT]   (static entries, PERMANENT, and those the kernel resolved on the ports' devices)",
            "neigh flush [[to] PREFIX] [dev PORT] [nud STATE|all] | all   (as ip: static entries only with 'nud permanent' or 'nud all')",
            "link show [dev PORT]",
            "link set dev PORT up|down",
            "set hash-seed 0..4294967295   (in kernel mode: net.ipv4.fib_multipath_hash_seed)",
            "set hash-function jenkins|kernel   (default jenkins; kernel: Linux 6.11+ SipHash, the policy decides, no mpalgo l3|l4)",
            "set hash-policy ipv4|ipv6 0|1|2|3   (net.ipv4|ipv6.fib_multipath_hash_policy; kernel mode)",
            "set hash-fields ipv4|ipv6 FIELD[,FIELD...]   (policy 3: " + String.join(",", hashFieldNames()) + ")",
            "show hash",
            "show running-config   (the whole state as a configuration file: 'dataplane run --config' loads it as it is)",
            "stats [ports|drops|nexthops|workers]",
            "status   (uptime, configuration file, table version; each worker's CPU, ports, state, packets/s, errors)",
            "batch begin | batch commit | batch abort",
            "monitor [all | route|nexthop|neigh|link ...]   (streams every change from now on as 'ip monitor' prints it, 'Deleted ...' for removals, until interrupted)",
            "metrics listen ADDRESS:PORT   (Prometheus text format at http://ADDRESS:PORT/metrics; e.g. 127.0.0.1:9100, [::1]:9100)",
            RibGrammar.GRAMMAR,
            "Options before the object, as ip's: -j (JSON shaped like 'ip -j'), -p (pretty JSON), -4|-6, -o (one line per record), -s, -d, -br.",
            "Every keyword and option may be abbreviated as in ip, with ip's precedence: 'r s' is 'route show', 'n' is neigh, '-b' is -batch.",
            "PREFIX is ADDR[/LEN] or 'default' (0.0.0.0/0, or ::/0 with -6 or an IPv6 gateway); ADDR is IPv4 or IPv6; mpalgo drr|random|wrandom are reserved.");

    /** A parsed line: the command and the global options it came with ({@code -j}, {@code -4}, ...). */
    public record Request(GlobalOptions options, Command command) {
        /** Whether JSON output was asked for ({@code -j}). */
        public boolean json() {
            return options.json();
        }
    }

    private static final String OBJECT_LIST = "route, nexthop, neigh, link, monitor, set, show, stats, status, batch, metrics, rib, fpm";

    private final Tokens tokens;
    private int family; // -4 / -6 from the options: 0 when none was given
    /** The route's {@code proto}, {@code metric} and {@code scope}, set by {@link #attributes} while parsing a route add/replace/del. */
    private int protocol = RouteProtocol.BOOT;
    private boolean protocolGiven;
    /** Whether the last prefix was typed as the word {@code default}, whose family the gateways decide. */
    private boolean defaultWord;
    private Long metric;
    private Integer scope;
    /** The attributes of a route after its gateways, ip's keywords (metric, priority and preference are one). */
    private static final java.util.Set<String> ROUTE_ATTRIBUTES = java.util.Set.of("proto", "protocol", "metric", "priority", "preference",
            "scope", "pref");

    private CommandParser(String line) {
        tokens = new Tokens(line);
    }

    /** True for lines that carry no command: empty, blank, or a '#' comment. */
    public static boolean isBlank(String line) {
        String t = line.strip();
        return t.isEmpty() || t.startsWith("#");
    }

    public static Request parse(String line) {
        // a full table's lines skip the general grammar (RouteLine builds the same command)
        RouteSet route = RouteLine.parse(line);
        if (route != null) {
            return new Request(GlobalOptions.NONE, route);
        }
        return grammar(line);
    }

    /** {@code line} through the general grammar only (tests compare {@link RouteLine} with it). */
    static Request grammar(String line) {
        return new CommandParser(line).request();
    }

    private Request request() {
        GlobalOptions options = GlobalOptionsGrammar.parse(tokens);
        family = options.family();
        String typed = tokens.expect("an object: route, nexthop, neigh, link, set, show, stats, batch");
        String object = Keywords.OBJECTS.resolve(typed);
        Command c = switch (object) {
            case "route" -> route();
            case "nexthop" -> nexthop();
            case "neigh" -> neigh();
            case "link" -> link();
            case "set" -> set();
            case "show" -> show();
            case "stats" -> stats();
            case "batch" -> batch();
            case "metrics" -> MetricsGrammar.parse(tokens);
            case "rib", "fpm" -> RibGrammar.parse(object, tokens);
            case "monitor" -> monitor();
            case "status" -> {
                tokens.end();
                yield new Status();
            }
            default -> throw Keywords.IP_ONLY_OBJECTS.contains(object)
                    ? new CommandException("'" + typed + "' is ip's '" + object + "' object, which dpctl does not have; its objects are " + OBJECT_LIST)
                    : tokens.error(typed, "an object: " + OBJECT_LIST);
        };
        return new Request(options, c);
    }

    // ---- route ----

    private Command route() {
        String typed = tokens.peek() == null ? "show" : tokens.next();
        String verb = Keywords.ROUTE_VERBS.resolve(typed);
        return switch (verb) {
            case "add" -> routeSet(Op.ADD, false);
            case "replace" -> routeSet(Op.REPLACE, false);
            case "change" -> routeSet(Op.REPLACE, true);
            case "del" -> {
                RouteType type = routeType();
                Prefix p = prefix();
                attributes(false);
                RouteSpec spec = type != null ? type : tokens.peek() == null ? null : routeSpec(false);
                if (type != null) {
                    attributes(false);
                    tokens.end();
                }
                yield new RouteDel(inFamilyOf(p, spec), spec, metric == null ? RouteDel.ANY_METRIC : metric);
            }
            case "show" -> new RouteShow(RouteSelectorGrammar.parse(tokens, family));
            case "flush" -> {
                RouteSelector s = RouteSelectorGrammar.parse(tokens, family);
                if (s.equals(RouteSelector.ALL)) {
                    // ip refuses this too ("Flush requires arguments."): one typo away from an empty router
                    throw new CommandException("'route flush' needs a selector (a prefix, root/match, dev, via, proto, table main or -4/-6): it would remove every route");
                }
                yield new RouteFlush(s);
            }
            case "get" -> routeGet();
            case "prepend", "append" -> throw new CommandException("'route " + verb + "' adds a second route for the same prefix in the kernel; "
                    + "dpctl keeps one route per prefix and metric: give all its gateways at once with 'route replace PREFIX nexthop via ... nexthop via ...' "
                    + "or use a nexthop group ('nexthop replace id N group ...')");
            default -> throw tokens.error(typed, "a route command: add, change, replace, del, show, flush or get");
        };
    }

    /** {@code route add|replace|change}: {@code change} must find the route (iproute2's NLM_F_REPLACE without NLM_F_CREATE). */
    private Command routeSet(Op op, boolean mustExist) {
        RouteType type = routeType();
        Prefix p = prefix();
        attributes(true);
        RouteSpec spec = type != null ? type : routeSpec(true);
        if (type != null) {
            attributes(true);
            tokens.end();
        }
        Prefix prefix = inFamilyOf(p, spec);
        boolean connected = spec instanceof Gateways g && g.hops().size() == 1 && g.hops().get(0).via() == null;
        // the kernel's defaults: an IPv4 connected route is link scope, IPv6 routes have none to show
        int s = scope != null ? scope : connected && !prefix.v6() ? RouteScope.LINK : RouteScope.GLOBAL;
        if (spec instanceof Gateways && !connected && s >= RouteScope.LINK) {
            // the kernel: link scope leaves no route to reach a gateway by ("Nexthop has invalid gateway"), host scope has none
            throw new CommandException("route " + prefix + " with a gateway cannot have scope " + RouteScope.name(s)
                    + " (as in the kernel: a gateway route is global, or a number below 253); leave scope out");
        }
        return new RouteSet(op, prefix, spec, mustExist, protocol,
                metric == null ? RouteSet.defaultMetric(prefix) : (int) (long) metric, s);
    }

    /**
     * ip's {@code TYPE} before the prefix ({@code route add blackhole 10.0.0.0/8}): a type that
     * forwards nothing, null for none or {@code unicast}.
     */
    private RouteType routeType() {
        String t = tokens.peek();
        if (t == null) {
            return null;
        }
        if (t.equals("unicast")) {
            tokens.next();
            return null;
        }
        if (RouteType.NAMES.contains(t)) {
            tokens.next();
            return new RouteType(t);
        }
        if (t.equals("local") || t.equals("broadcast") || t.equals("anycast") || t.equals("multicast") || t.equals("nat")) {
            throw new CommandException("route type '" + t + "' is not supported: the dataplane forwards unicast and knows "
                    + String.join(", ", RouteType.NAMES) + "; the router's own addresses belong to the kernel");
        }
        return null;
    }

    /**
     * {@code default} is 0.0.0.0/0 or ::/0: ::/0 when -6 was given or the gateways are IPv6,
     * as ip takes the family from the gateway.
     */
    private Prefix inFamilyOf(Prefix p, RouteSpec spec) {
        if (p.length() != 0 || p.v6() || !defaultWord) { // 0.0.0.0/0 typed as such stays IPv4
            return p;
        }
        boolean v6 = family == 6 || spec instanceof Gateways g && !g.hops().isEmpty() && g.hops().get(0).via() != null && g.hops().get(0).via().v6();
        return v6 ? new Prefix(IpAddress.parse("::"), 0) : p;
    }

    private RouteSpec routeSpec(boolean required) {
        String first = tokens.peek();
        if (first == null) {
            throw tokens.missing("'via ADDR dev PORT', 'nexthop via ...' or 'nhid ID'");
        }
        if (first.equals("nhid")) {
            tokens.next();
            int id = tokens.number("nhid", "a nexthop id 1..2147483647", 1, Integer.MAX_VALUE);
            attributes(required);
            tokens.end();
            return new NexthopRef(id);
        }
        List<Hop> hops = new ArrayList<>();
        MultipathAlgorithm mpalgo = null;
        if (first.equals("nexthop")) {
            while (tokens.peek() != null && tokens.peek().equals("nexthop")) {
                tokens.next();
                hops.add(hop("nexthop", 256));
            }
            if (hops.size() < 2) {
                // one 'nexthop' clause is legal in iproute2 and means a single gateway
                hops = List.copyOf(hops);
            }
        } else if (first.equals("via") || first.equals("dev") || first.equals("weight") || first.equals("onlink")) {
            hops.add(hop("route", 256));
        } else {
            throw tokens.error(first, "'via ADDR dev PORT', 'nexthop via ...' or 'nhid ID'");
        }
        attributes(required);
        if (tokens.peek() != null && tokens.peek().equals("mpalgo")) {
            tokens.next();
            mpalgo = mpalgo();
        }
        attributes(required);
        tokens.end();
        if (!required && hops.isEmpty()) {
            return null;
        }
        return new Gateways(List.copyOf(hops), mpalgo);
    }

    /** {@code via ADDR dev PORT [weight W] [onlink]} in any order, up to the next 'nexthop', 'mpalgo' or route attribute. */
    private Hop hop(String where, int maxWeight) {
        IpAddress via = null;
        String dev = null;
        int weight = 1;
        boolean weightSet = false;
        boolean onlink = false;
        while (tokens.peek() != null && !tokens.peek().equals("nexthop") && !tokens.peek().equals("mpalgo")
                && !(maxWeight > 1 && ROUTE_ATTRIBUTES.contains(tokens.peek()))) {
            String k = tokens.next();
            switch (k) {
                case "via" -> {
                    if (via != null) {
                        throw tokens.error(k, "one 'via' per " + where + " (this one has two)");
                    }
                    via = address("via", "a gateway address (IPv4 or IPv6)");
                }
                case "dev" -> {
                    if (dev != null) {
                        throw tokens.error(k, "one 'dev' per " + where + " (this one has two)");
                    }
                    dev = tokens.devName();
                }
                case "weight" -> {
                    if (maxWeight == 1) {
                        throw tokens.error(k, "'via' or 'dev' (a nexthop object has no weight: weights belong to its groups, 'group ID,WEIGHT/...')");
                    }
                    if (weightSet) {
                        throw tokens.error(k, "one 'weight' per " + where + " (this one has two)");
                    }
                    String w = tokens.expect("a weight 1.." + maxWeight);
                    // ip's wording, then ours: the kernel takes route nexthop weights 1..256 (rtnh_hops + 1)
                    weight = (int) Tokens.parseLong(w, 1, maxWeight, "argument \"" + w + "\" is wrong: \"weight\" is invalid (token "
                            + tokens.position() + ": a route's nexthop weight is 1.." + maxWeight + ", as in the kernel)");
                    weightSet = true;
                }
                case "onlink" -> onlink = true;
                default -> throw tokens.error(k, "'via', 'dev', 'weight', 'onlink'" + (where.equals("nexthop") ? ", 'nexthop'" : "")
                        + (maxWeight > 1 ? ", 'mpalgo', 'proto', 'metric' or 'scope'" : ""));
            }
        }
        if (via == null && dev != null && where.equals("route")) {
            return new Hop(null, dev, weight, onlink); // 'route add PREFIX dev PORT': directly connected, the destination is the neighbour
        }
        if (via == null) {
            throw tokens.missing("'via ADDR' in the " + where + (where.equals("route") ? "" : " (a device-only path is a route of its own here: 'route add PREFIX dev PORT')"));
        }
        if (dev == null) {
            throw tokens.missing("'dev PORT' in the " + where + " after 'via " + via + "'");
        }
        return new Hop(via, dev, weight, onlink);
    }

    /**
     * The route attributes ip takes anywhere after the prefix, each once: {@code proto NAME|N}
     * (rtm_protocol), {@code metric|priority|preference N} (unsigned 32 bits), {@code scope S},
     * {@code pref medium} (IPv6 router preference: the only one there is without router
     * advertisements). {@code route del} takes only the metric ({@code all} false).
     */
    private void attributes(boolean all) {
        while (tokens.peek() != null && ROUTE_ATTRIBUTES.contains(tokens.peek())) {
            String k = tokens.next();
            if (!all && !k.equals("metric") && !k.equals("priority") && !k.equals("preference")) {
                throw tokens.error(k, "'metric N', the gateways or the end of the command (route del picks a route by prefix, gateways and metric)");
            }
            switch (k) {
                case "proto", "protocol" -> {
                    if (protocolGiven) {
                        throw tokens.error(k, "one 'proto' per route (this one has two)");
                    }
                    protocol = tokens.parseWith("proto", "a protocol name or 0..255", RouteProtocol::parse);
                    protocolGiven = true;
                }
                case "metric", "priority", "preference" -> {
                    if (metric != null) {
                        throw tokens.error(k, "one 'metric' per route (metric, priority and preference are the same)");
                    }
                    String t = tokens.expect("a metric 0..4294967295");
                    metric = Tokens.parseLong(t, 0, 0xFFFF_FFFFL, "bad metric '" + t + "' (token " + tokens.position()
                            + "): expected a number 0..4294967295");
                }
                case "scope" -> {
                    if (scope != null) {
                        throw tokens.error(k, "one 'scope' per route (this one has two)");
                    }
                    scope = tokens.parseWith("scope", "a scope: global, link, host or 0..255", RouteScope::parse);
                }
                default -> { // pref
                    String t = tokens.expect("an IPv6 router preference: medium");
                    if (!t.equals("medium")) {
                        throw new CommandException("pref " + t + " is not supported (token " + tokens.position()
                                + "): dpctl has no router advertisements, every IPv6 route is 'pref medium'; leave it out");
                    }
                }
            }
        }
    }

    private Command routeGet() {
        IpAddress dst = address("get", "the destination address to look up");
        IpAddress src = null;
        int proto = -1;
        int sport = -1;
        int dport = -1;
        int flowlabel = -1;
        String iif = null;
        while (tokens.peek() != null) {
            String k = Keywords.ROUTE_GET_ARGUMENTS.resolve(tokens.next());
            switch (k) {
                case "from" -> src = address("from", "a source address");
                case "iif" -> iif = tokens.devName();
                case "ipproto" -> proto = ipproto();
                case "sport" -> sport = tokens.number("sport", "a port 0..65535", 0, 65535);
                case "dport" -> dport = tokens.number("dport", "a port 0..65535", 0, 65535);
                case "flowlabel" -> flowlabel = tokens.number("flowlabel", "a flow label 0..1048575 (0xfffff)", 0, 0xFFFFF);
                default -> throw tokens.error(k, "'from', 'iif', 'ipproto', 'sport', 'dport' or 'flowlabel'");
            }
        }
        if (src != null && src.v6() != dst.v6()) {
            throw new CommandException("'from " + src + "' and destination " + dst + " are of different address families; give an IPv" + (dst.v6() ? 6 : 4) + " source");
        }
        if (iif != null && src == null) {
            // the kernel routes an arriving packet by its source too: without one it answers EINVAL
            throw new CommandException("'route get ... iif " + iif + "' needs 'from SRC', the source of the arriving packet (as in ip)");
        }
        if (flowlabel >= 0 && !dst.v6()) {
            throw new CommandException("'flowlabel' applies to IPv6 only, but " + dst + " is IPv4");
        }
        return new RouteGet(dst, src, proto, sport, dport, flowlabel, iif);
    }

    private int ipproto() {
        String t = tokens.expect("a protocol: tcp, udp, icmp, ipv6-icmp or a number 0..255");
        return switch (t.toLowerCase(Locale.ROOT)) {
            case "tcp" -> 6;
            case "udp" -> 17;
            case "icmp" -> 1;
            case "ipv6-icmp", "icmpv6", "icmp6" -> 58;
            default -> {
                tokens.back();
                yield tokens.number("ipproto", "a protocol: tcp, udp, icmp, ipv6-icmp or a number 0..255", 0, 255);
            }
        };
    }

    // ---- nexthop ----

    private Command nexthop() {
        String typed = tokens.peek() == null ? "show" : tokens.next();
        String verb = Keywords.NEXTHOP_VERBS.resolve(typed);
        return switch (verb) {
            case "add" -> nexthopSet(Op.ADD);
            case "replace" -> nexthopSet(Op.REPLACE);
            case "del" -> {
                tokens.keyword("id");
                int id = nexthopId();
                tokens.end();
                yield new NexthopDel(id);
            }
            case "show" -> {
                Integer id = null;
                boolean groups = false;
                String dev = null;
                while (tokens.peek() != null) {
                    String k = tokens.next();
                    switch (k) {
                        case "id" -> id = nexthopId();
                        case "group", "groups" -> groups = true;
                        case "dev" -> dev = tokens.devName();
                        default -> throw tokens.error(k, "'id ID', 'group' or 'dev PORT'");
                    }
                }
                yield new NexthopShow(id, groups, dev);
            }
            case "bucket" -> bucketShow();
            default -> throw tokens.error(typed, "a nexthop command: add, replace, del, show or bucket show");
        };
    }

    /** {@code nexthop add|replace [id ID] ...}: without an id, or with id 0, the RIB picks a free one, as the kernel. */
    private Command nexthopSet(Op op) {
        int id = 0;
        if ("id".equals(tokens.peek())) {
            tokens.next();
            id = tokens.number("id", "a nexthop id 0..2147483647 (0: pick a free one)", 0, Integer.MAX_VALUE);
        }
        String k = tokens.peek();
        if ("group".equals(k)) {
            tokens.next();
            String spec = tokens.expect("group members ID[,WEIGHT]/ID[,WEIGHT]/...");
            List<Member> members = members(spec);
            MultipathAlgorithm mpalgo = null;
            ResilientArgs resilient = null;
            while (tokens.peek() != null) {
                String w = tokens.next();
                switch (w) {
                    case "mpalgo" -> {
                        refuseTwice(w, mpalgo);
                        mpalgo = mpalgo();
                    }
                    case "type" -> resilient = groupType(op, id);
                    default -> throw tokens.error(w, ResilientArguments.isArgument(w)
                            ? "'type resilient' before '" + w + "' (only resilient groups have buckets and timers)"
                            : "'type mpath|resilient' or 'mpalgo'");
                }
            }
            if (resilient != null && mpalgo == MultipathAlgorithm.PER_PACKET) {
                throw new CommandException("nexthop id " + id + ": a resilient group picks its bucket from the flow hash; "
                        + "mpalgo per-packet does not apply (use l3 or l4, or leave mpalgo out)");
            }
            return new NexthopSet(op, id, null, List.copyOf(members), mpalgo, resilient);
        }
        if (k == null || !(k.equals("via") || k.equals("dev"))) {
            if (k == null) {
                throw tokens.missing("'via ADDR dev PORT' or 'group ID[,WEIGHT]/...'" + (id == 0 ? "" : " after 'id " + id + "'"));
            }
            throw tokens.error(k, "'via ADDR dev PORT' or 'group ID[,WEIGHT]/...'");
        }
        Hop hop = hop("nexthop", 1);
        if (tokens.peek() != null) {
            throw tokens.error(tokens.peek(), "the end of the command (a nexthop object has no weight or mpalgo; weights belong to groups)");
        }
        return new NexthopSet(op, id, hop, null, null);
    }

    /** {@code type mpath} (the default, null) or {@code type resilient ...} with its arguments. */
    private ResilientArgs groupType(Op op, int id) {
        String type = tokens.expect("a group type: mpath or resilient");
        return switch (type) {
            case "mpath" -> null;
            case "resilient" -> {
                ResilientArgs args = ResilientArguments.parse(tokens);
                if (op == Op.ADD && args.buckets() == null) {
                    // the kernel has no default: "Number of buckets not specified for nexthop group insertion"
                    throw new CommandException("nexthop add id " + id + " ... type resilient needs 'buckets 1.."
                            + io.dataplane.tables.ResilientGroup.MAX_BUCKETS + "' (the kernel has no default bucket count)");
                }
                yield args;
            }
            default -> throw tokens.error(type, "a group type: mpath or resilient");
        };
    }

    private List<Member> members(String spec) {
        int at = tokens.position(); // token number of the spec, for messages
        List<Member> out = new ArrayList<>();
        for (String m : spec.split("/", -1)) {
            String[] idw = m.split(",", -1);
            if (m.isEmpty() || idw.length > 2) {
                throw new CommandException("bad group member '" + m + "' in '" + spec + "' (token " + at + "): expected ID or ID,WEIGHT separated by '/'");
            }
            int id = parseInt(idw[0], 1, Integer.MAX_VALUE,
                    "bad group member id '" + idw[0] + "' in '" + spec + "' (token " + at + "): expected a nexthop id 1..2147483647");
            int w = idw.length == 2 ? parseInt(idw[1], 1, 65535, "argument \"" + idw[1] + "\" is wrong: \"weight\" is invalid (member " + id
                    + " in '" + spec + "', token " + at + ": a group weight is 1..65535, as in the kernel since 6.12; older iproute2 takes 1..256)") : 1;
            for (Member e : out) {
                if (e.id() == id) {
                    throw new CommandException("nexthop " + id + " appears twice in group '" + spec + "' (token " + at + "); list each member once and use its weight");
                }
            }
            out.add(new Member(id, w));
        }
        return out;
    }

    /** {@code nexthop bucket [show|list] [id ID] [nhid ID]}, as {@code ip nexthop bucket show}. */
    private Command bucketShow() {
        if (tokens.peek() != null && List.of("show", "list", "ls").contains(tokens.peek())) {
            tokens.next();
        }
        Integer id = null;
        Integer nhid = null;
        while (tokens.peek() != null) {
            String k = tokens.next();
            switch (k) {
                case "id" -> id = nexthopId();
                case "nhid" -> nhid = tokens.number("nhid", "a nexthop id 1..2147483647", 1, Integer.MAX_VALUE);
                default -> throw tokens.error(k, "'id ID' (the group) or 'nhid ID' (the member)");
            }
        }
        return new NexthopBucketShow(id, nhid);
    }

    private int nexthopId() {
        return tokens.number("id", "a nexthop id 1..2147483647", 1, Integer.MAX_VALUE);
    }

    // ---- neigh, link, set, stats, batch ----

    private Command neigh() {
        String typed = tokens.peek() == null ? "show" : tokens.next();
        String verb = Keywords.NEIGH_VERBS.resolve(typed);
        switch (verb) {
            case "add", "replace", "change" -> {
                IpAddress a = address(verb, "the neighbour's IP address");
                Long mac = null;
                String dev = null;
                while (tokens.peek() != null) {
                    String k = tokens.next();
                    switch (k) {
                        // as ip (duparg), a second lladdr or dev is refused rather than silently winning
                        case "lladdr" -> {
                            refuseTwice(k, mac);
                            mac = tokens.parseWith("lladdr", "a MAC address such as 02:00:00:00:00:01", MacAddress::parse);
                        }
                        case "dev" -> {
                            refuseTwice(k, dev);
                            dev = tokens.devName();
                        }
                        case "nud" -> tokens.expect("a state (accepted and ignored: static entries are permanent)");
                        default -> throw tokens.error(k, "'lladdr MAC' or 'dev PORT'");
                    }
                }
                if (mac == null) {
                    throw tokens.missing("'lladdr MAC' (the neighbour's link-layer address)");
                }
                if (dev == null) {
                    throw tokens.missing("'dev PORT' (the port the neighbour is on)");
                }
                return new NeighAdd(a, mac, dev, !verb.equals("add"), verb.equals("change"));
            }
            case "del" -> {
                IpAddress a = address(verb, "the neighbour's IP address");
                String dev = null;
                while (tokens.peek() != null) {
                    String k = tokens.next();
                    switch (k) {
                        case "dev" -> {
                            refuseTwice(k, dev);
                            dev = tokens.devName();
                        }
                        case "lladdr" -> tokens.parseWith("lladdr", "a MAC address", MacAddress::parse);
                        default -> throw tokens.error(k, "'dev PORT'");
                    }
                }
                if (dev == null) {
                    throw tokens.missing("'dev PORT' (the port the neighbour is on)");
                }
                return new NeighDel(a, dev);
            }
            case "show" -> {
                String dev = null;
                IpAddress address = null;
                while (tokens.peek() != null) {
                    String k = tokens.next();
                    switch (k) {
                        case "dev" -> dev = tokens.devName();
                        case "to" -> address = address("to", "a neighbour's address");
                        default -> {
                            tokens.back();
                            address = address("neigh show", "a neighbour's address or 'dev PORT'");
                        }
                    }
                }
                return new NeighShow(dev, address, family);
            }
            case "flush" -> {
                return neighFlush();
            }
            default -> throw tokens.error(typed, "a neigh command: add, replace, del, show or flush");
        }
    }

    /** {@code neigh flush}: ip's selectors, at least one ("Flush requires arguments"), {@code all} for every entry. */
    private Command neighFlush() {
        String dev = null;
        Prefix to = null;
        boolean permanent = false;
        boolean any = false;
        while (tokens.peek() != null) {
            String k = tokens.next();
            switch (k) {
                case "dev" -> dev = tokens.devName();
                case "all" -> any = true;
                case "nud" -> {
                    String state = tokens.expect("a state: permanent, all, reachable, stale, noarp, ...");
                    if (!List.of("permanent", "all", "noarp", "reachable", "stale", "none", "incomplete", "delay", "probe", "failed")
                            .contains(state)) {
                        throw tokens.error(state, "a neighbour state: permanent, all, noarp, reachable, stale, none, incomplete, delay, probe or failed");
                    }
                    permanent |= state.equals("permanent") || state.equals("all");
                    any = true;
                }
                case "to" -> to = prefix();
                default -> {
                    tokens.back();
                    to = tokens.parseWith("neigh flush", "a prefix or address, 'dev PORT', 'nud STATE' or 'all'", Prefix::parse);
                }
            }
        }
        if (dev == null && to == null && !any) {
            throw new CommandException("'neigh flush' needs a selector ('dev PORT', 'to PREFIX', 'nud STATE' or 'all'), as in ip (\"Flush requires arguments\")");
        }
        return new NeighFlush(dev, to, permanent, family);
    }

    /** {@code monitor [all | OBJECT...]}: every object dpctl has when none is named, as {@code ip monitor}. */
    private Command monitor() {
        java.util.Set<String> objects = new java.util.LinkedHashSet<>();
        boolean all = false;
        while (tokens.peek() != null) {
            String typed = tokens.next();
            String o = Keywords.MONITOR_OBJECTS.resolve(typed);
            if (o.equals("all")) {
                all = true;
            } else if (Monitor.OBJECTS.contains(o)) {
                objects.add(o);
            } else if (Keywords.MONITOR_OBJECTS.knows(o)) {
                throw new CommandException("'monitor " + typed + "' is ip's '" + o + "', which dpctl does not have; it monitors "
                        + String.join(", ", Monitor.OBJECTS) + " or all");
            } else {
                throw tokens.error(typed, "what to monitor: " + String.join(", ", Monitor.OBJECTS) + " or all");
            }
        }
        return new Monitor(all || objects.isEmpty() ? new java.util.LinkedHashSet<>(Monitor.OBJECTS) : objects, all);
    }

    private Command link() {
        String typed = tokens.peek() == null ? "show" : tokens.next();
        String verb = Keywords.LINK_VERBS.resolve(typed);
        switch (verb) {
            case "show" -> {
                String dev = null;
                if (tokens.peek() != null) {
                    if (tokens.peek().equals("dev")) {
                        tokens.next();
                    }
                    dev = tokens.devName();
                }
                tokens.end();
                return new LinkShow(dev);
            }
            case "set" -> {
                if (tokens.peek() != null && tokens.peek().equals("dev")) {
                    tokens.next();
                }
                String dev = tokens.devName();
                String state = tokens.expect("'up' or 'down'");
                boolean up = switch (state) {
                    case "up" -> true;
                    case "down" -> false;
                    default -> throw tokens.error(state, "'up' or 'down'");
                };
                tokens.end();
                return new LinkSet(dev, up);
            }
            default -> throw tokens.error(typed, "a link command: show or set");
        }
    }

    private Command set() {
        String what = Keywords.SET_OBJECTS.resolve(tokens.expect("'hash-seed', 'hash-function', 'hash-policy' or 'hash-fields'"));
        Command c = switch (what) {
            case "hash-seed" -> {
                String t = tokens.expect("a hash seed 0..4294967295");
                long v = Tokens.parseLong(t, 0, 0xFFFF_FFFFL, "bad hash seed '" + t + "' (token " + tokens.position() + "): expected a number 0..4294967295 (decimal or 0x hex)");
                yield new SetHashSeed((int) v);
            }
            case "hash-function" -> {
                String f = tokens.expect("'jenkins' or 'kernel'");
                yield switch (f) {
                    case "jenkins" -> new SetHashFunction(false);
                    case "kernel" -> new SetHashFunction(true);
                    default -> throw tokens.error(f, "'jenkins' or 'kernel'");
                };
            }
            case "hash-policy" -> {
                boolean v6 = family();
                yield new SetHashPolicy(v6, tokens.number("hash-policy " + (v6 ? "ipv6" : "ipv4"),
                        "a policy 0..3 (0 L3, 1 L4, 2 inner L3, 3 custom fields)", 0, 3));
            }
            case "hash-fields" -> {
                boolean v6 = family();
                yield new SetHashFields(v6, tokens.parseWith("hash-fields", "hash fields FIELD[,FIELD...]", CommandParser::hashFields));
            }
            default -> throw tokens.error(what, "'hash-seed', 'hash-function', 'hash-policy' or 'hash-fields'");
        };
        tokens.end();
        return c;
    }

    /** {@code ipv4} or {@code ipv6}: true for IPv6. */
    private boolean family() {
        String f = tokens.expect("'ipv4' or 'ipv6'");
        return switch (f) {
            case "ipv4" -> false;
            case "ipv6" -> true;
            default -> throw tokens.error(f, "'ipv4' or 'ipv6'");
        };
    }

    /** A comma-separated list of {@link HashField} keywords, each once, as their bit mask. */
    private static int hashFields(String list) {
        int mask = 0;
        for (String name : list.split(",", -1)) {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty field name; separate fields with single commas");
            }
            int bit = HashField.parse(name);
            if ((mask & bit) != 0) {
                throw new IllegalArgumentException("field " + name + " is named twice");
            }
            mask |= bit;
        }
        return mask;
    }

    private static List<String> hashFieldNames() {
        return java.util.Arrays.stream(HashField.values()).map(HashField::keyword).toList();
    }

    private Command show() {
        String what = Keywords.SHOW_OBJECTS.resolve(tokens.expect("'hash' or 'running-config'"));
        Command c = switch (what) {
            case "hash" -> new ShowHash();
            case "running-config" -> new ShowRunningConfig();
            default -> throw tokens.error(what, "'hash' or 'running-config'");
        };
        tokens.end();
        return c;
    }

    private Command stats() {
        String what = null;
        if (tokens.peek() != null) {
            what = Keywords.STATS_SECTIONS.resolve(tokens.next());
            if (!what.equals("ports") && !what.equals("drops") && !what.equals("nexthops") && !what.equals("workers")) {
                throw tokens.error(what, "'ports', 'drops', 'nexthops' or 'workers' (or nothing for all)");
            }
        }
        tokens.end();
        return new Stats(what);
    }

    private Command batch() {
        String verb = Keywords.BATCH_VERBS.resolve(tokens.expect("'begin', 'commit' or 'abort'"));
        Command c = switch (verb) {
            case "begin" -> new BatchBegin();
            case "commit" -> new BatchCommit();
            case "abort" -> new BatchAbort();
            default -> throw tokens.error(verb, "'begin', 'commit' or 'abort'");
        };
        tokens.end();
        return c;
    }

    // ---- shared pieces ----

    /** ip refuses an argument given twice (duparg) rather than let the second one win silently. */
    private void refuseTwice(String word, Object seen) {
        if (seen != null) {
            throw tokens.error(word, "one '" + word + "' (this command has two)");
        }
    }

    /** Parses {@code mpalgo NAME}'s value; the reserved algorithms get an error that says so. */
    private MultipathAlgorithm mpalgo() {
        String t = tokens.expect("an algorithm: l3, l4 or per-packet");
        try {
            return MultipathAlgorithm.parse(t);
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage() + " (token " + tokens.position() + ")");
        }
    }

    private Prefix prefix() {
        defaultWord = "default".equals(tokens.peek());
        return tokens.parseWith("prefix", "a prefix ADDR[/LEN] such as 10.0.0.0/24 or 2001:db8::/32, or 'default'", Prefix::parse);
    }

    private IpAddress address(String after, String what) {
        return tokens.parseWith(after, what, IpAddress::parse);
    }

    private static int parseInt(String t, int min, int max, String message) {
        return (int) Tokens.parseLong(t, min, max, message);
    }
}
