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
            "route add|replace PREFIX via ADDR dev PORT [weight 1..256]",
            "route add|replace PREFIX nexthop via ADDR dev PORT [weight 1..256] nexthop ... [mpalgo l3|l4|per-packet]",
            "route add|replace PREFIX nhid ID",
            "  (any route add|replace may end in 'proto NAME|0..255', shown by route show; default boot, not shown)",
            "route del PREFIX [via ADDR dev PORT | nexthop ... | nhid ID]",
            "route show [PREFIX]",
            "route get ADDR [from SRC] [ipproto tcp|udp|icmp|N] [sport N] [dport N] [flowlabel N]",
            "nexthop add|replace id ID via ADDR dev PORT",
            "nexthop add|replace id ID group ID[,WEIGHT]/ID[,WEIGHT]/... [mpalgo l3|l4|per-packet]   (WEIGHT 1..65535)",
            "nexthop del id ID",
            "nexthop show [id ID]",
            "neigh add ADDR lladdr MAC dev PORT",
            "neigh del ADDR dev PORT",
            "neigh show [dev PORT]",
            "link show [dev PORT]",
            "link set dev PORT up|down",
            "set hash-seed 0..4294967295   (in kernel mode: net.ipv4.fib_multipath_hash_seed)",
            "set hash-function jenkins|kernel   (default jenkins; kernel: Linux 6.11+ SipHash, the policy decides, no mpalgo l3|l4)",
            "set hash-policy ipv4|ipv6 0|1|2|3   (net.ipv4|ipv6.fib_multipath_hash_policy; kernel mode)",
            "set hash-fields ipv4|ipv6 FIELD[,FIELD...]   (policy 3: " + String.join(",", hashFieldNames()) + ")",
            "show hash",
            "stats [ports|drops|nexthops|workers]",
            "batch begin | batch commit | batch abort",
            RibGrammar.GRAMMAR,
            "Prefix '-j' to any show/get/stats command for JSON shaped like 'ip -j'.",
            "PREFIX is ADDR[/LEN] or 'default'; ADDR is IPv4 or IPv6; mpalgo drr|random|wrandom are reserved.");

    /** A parsed line: the command and whether JSON output was asked for ({@code -j}). */
    public record Request(boolean json, Command command) {
    }

    private final Tokens tokens;
    /** The route's {@code proto}, set by {@link #protocolClause} while parsing a route add/replace. */
    private int protocol = RouteProtocol.BOOT;
    private boolean protocolGiven;

    private CommandParser(String line) {
        tokens = new Tokens(line);
    }

    /** True for lines that carry no command: empty, blank, or a '#' comment. */
    public static boolean isBlank(String line) {
        String t = line.strip();
        return t.isEmpty() || t.startsWith("#");
    }

    public static Request parse(String line) {
        return new CommandParser(line).request();
    }

    private Request request() {
        boolean json = false;
        while (tokens.peek() != null && tokens.peek().startsWith("-")) {
            String opt = tokens.next();
            switch (opt) {
                case "-j", "-json" -> json = true;
                default -> throw tokens.error(opt, "an option (-j) or an object (route, nexthop, neigh, link, set, show, stats, batch)");
            }
        }
        String object = tokens.expect("an object: route, nexthop, neigh, link, set, show, stats, batch");
        Command c = switch (object) {
            case "route", "r", "ro" -> route();
            case "nexthop", "nh" -> nexthop();
            case "neigh", "neighbor", "neighbour", "n" -> neigh();
            case "link", "l" -> link();
            case "set" -> set();
            case "show" -> show();
            case "stats" -> stats();
            case "batch" -> batch();
            case "rib", "fpm" -> RibGrammar.parse(object, tokens);
            default -> throw tokens.error(object, "an object: route, nexthop, neigh, link, set, show, stats, batch");
        };
        return new Request(json, c);
    }

    // ---- route ----

    private Command route() {
        String verb = tokens.peek() == null ? "show" : tokens.next();
        return switch (verb) {
            case "add" -> new RouteSet(Op.ADD, prefix(), routeSpec(true), protocol);
            case "replace", "change" -> new RouteSet(Op.REPLACE, prefix(), routeSpec(true), protocol);
            case "del", "delete" -> {
                Prefix p = prefix();
                yield new RouteDel(p, tokens.peek() == null ? null : routeSpec(false));
            }
            case "show", "list", "ls", "lst" -> {
                Prefix p = tokens.peek() == null ? null : prefix();
                tokens.end();
                yield new RouteShow(p);
            }
            case "get" -> routeGet();
            default -> throw tokens.error(verb, "a route command: add, replace, del, show or get");
        };
    }

    private RouteSpec routeSpec(boolean required) {
        String first = tokens.peek();
        if (first == null) {
            throw tokens.missing("'via ADDR dev PORT', 'nexthop via ...' or 'nhid ID'");
        }
        if (first.equals("nhid")) {
            tokens.next();
            int id = tokens.number("nhid", "a nexthop id 1..2147483647", 1, Integer.MAX_VALUE);
            protocolClause(required);
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
        } else if (first.equals("via") || first.equals("dev") || first.equals("weight")) {
            hops.add(hop("route", 256));
        } else {
            throw tokens.error(first, "'via ADDR dev PORT', 'nexthop via ...' or 'nhid ID'");
        }
        protocolClause(required);
        if (tokens.peek() != null && tokens.peek().equals("mpalgo")) {
            tokens.next();
            mpalgo = mpalgo();
        }
        protocolClause(required);
        tokens.end();
        if (!required && hops.isEmpty()) {
            return null;
        }
        return new Gateways(List.copyOf(hops), mpalgo);
    }

    /** {@code via ADDR dev PORT [weight W]} in any order, up to the next 'nexthop' or 'mpalgo'. */
    private Hop hop(String where, int maxWeight) {
        IpAddress via = null;
        String dev = null;
        int weight = 1;
        boolean weightSet = false;
        while (tokens.peek() != null && !tokens.peek().equals("nexthop") && !tokens.peek().equals("mpalgo")
                && !tokens.peek().equals("proto")) {
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
                    weight = tokens.number("weight", "a weight 1.." + maxWeight, 1, maxWeight);
                    weightSet = true;
                }
                default -> throw tokens.error(k, "'via', 'dev', 'weight'" + (where.equals("nexthop") ? ", 'nexthop'" : "") + " or 'mpalgo'");
            }
        }
        if (via == null) {
            throw tokens.missing("'via ADDR' in the " + where + " (routes without a gateway are not supported: name the neighbour to forward to)");
        }
        if (dev == null) {
            throw tokens.missing("'dev PORT' in the " + where + " after 'via " + via + "'");
        }
        return new Hop(via, dev, weight);
    }

    /** {@code proto NAME|N} of route add/replace (rtm_protocol; once per route), into {@link #protocol}. */
    private void protocolClause(boolean allowed) {
        if (!allowed || tokens.peek() == null || !tokens.peek().equals("proto")) {
            return;
        }
        tokens.next();
        if (protocolGiven) {
            throw tokens.error("proto", "one 'proto' per route (this one has two)");
        }
        protocol = tokens.parseWith("proto", "a protocol name or 0..255", RouteProtocol::parse);
        protocolGiven = true;
    }

    private Command routeGet() {
        IpAddress dst = address("get", "the destination address to look up");
        IpAddress src = null;
        int proto = -1;
        int sport = -1;
        int dport = -1;
        int flowlabel = -1;
        while (tokens.peek() != null) {
            String k = tokens.next();
            switch (k) {
                case "from" -> src = address("from", "a source address");
                case "ipproto" -> proto = ipproto();
                case "sport" -> sport = tokens.number("sport", "a port 0..65535", 0, 65535);
                case "dport" -> dport = tokens.number("dport", "a port 0..65535", 0, 65535);
                case "flowlabel" -> flowlabel = tokens.number("flowlabel", "a flow label 0..1048575 (0xfffff)", 0, 0xFFFFF);
                default -> throw tokens.error(k, "'from', 'ipproto', 'sport', 'dport' or 'flowlabel'");
            }
        }
        if (src != null && src.v6() != dst.v6()) {
            throw new CommandException("'from " + src + "' and destination " + dst + " are of different address families; give an IPv" + (dst.v6() ? 6 : 4) + " source");
        }
        if (flowlabel >= 0 && !dst.v6()) {
            throw new CommandException("'flowlabel' applies to IPv6 only, but " + dst + " is IPv4");
        }
        return new RouteGet(dst, src, proto, sport, dport, flowlabel);
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
        String verb = tokens.peek() == null ? "show" : tokens.next();
        return switch (verb) {
            case "add" -> nexthopSet(Op.ADD);
            case "replace" -> nexthopSet(Op.REPLACE);
            case "del", "delete" -> {
                tokens.keyword("id");
                int id = nexthopId();
                tokens.end();
                yield new NexthopDel(id);
            }
            case "show", "list", "ls" -> {
                Integer id = null;
                if (tokens.peek() != null) {
                    tokens.keyword("id");
                    id = nexthopId();
                }
                tokens.end();
                yield new NexthopShow(id);
            }
            default -> throw tokens.error(verb, "a nexthop command: add, replace, del or show");
        };
    }

    private Command nexthopSet(Op op) {
        tokens.keyword("id");
        int id = nexthopId();
        String k = tokens.peek();
        if ("group".equals(k)) {
            tokens.next();
            String spec = tokens.expect("group members ID[,WEIGHT]/ID[,WEIGHT]/...");
            List<Member> members = members(spec);
            MultipathAlgorithm mpalgo = null;
            if (tokens.peek() != null) {
                tokens.keyword("mpalgo");
                mpalgo = mpalgo();
            }
            tokens.end();
            return new NexthopSet(op, id, null, List.copyOf(members), mpalgo);
        }
        if (k == null || !(k.equals("via") || k.equals("dev"))) {
            if (k == null) {
                throw tokens.missing("'via ADDR dev PORT' or 'group ID[,WEIGHT]/...' after 'id " + id + "'");
            }
            throw tokens.error(k, "'via ADDR dev PORT' or 'group ID[,WEIGHT]/...'");
        }
        Hop hop = hop("nexthop", 1);
        if (tokens.peek() != null) {
            throw tokens.error(tokens.peek(), "the end of the command (a nexthop object has no weight or mpalgo; weights belong to groups)");
        }
        return new NexthopSet(op, id, hop, null, null);
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
            int w = idw.length == 2 ? parseInt(idw[1], 1, 65535,
                    "bad weight '" + idw[1] + "' for member " + id + " in '" + spec + "' (token " + at + "): expected a weight 1..65535") : 1;
            for (Member e : out) {
                if (e.id() == id) {
                    throw new CommandException("nexthop " + id + " appears twice in group '" + spec + "' (token " + at + "); list each member once and use its weight");
                }
            }
            out.add(new Member(id, w));
        }
        return out;
    }

    private int nexthopId() {
        return tokens.number("id", "a nexthop id 1..2147483647", 1, Integer.MAX_VALUE);
    }

    // ---- neigh, link, set, stats, batch ----

    private Command neigh() {
        String verb = tokens.peek() == null ? "show" : tokens.next();
        switch (verb) {
            case "add", "replace" -> {
                IpAddress a = address(verb, "the neighbour's IP address");
                Long mac = null;
                String dev = null;
                while (tokens.peek() != null) {
                    String k = tokens.next();
                    switch (k) {
                        case "lladdr" -> mac = tokens.parseWith("lladdr", "a MAC address such as 02:00:00:00:00:01", MacAddress::parse);
                        case "dev" -> dev = tokens.devName();
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
                return new NeighAdd(a, mac, dev);
            }
            case "del", "delete" -> {
                IpAddress a = address(verb, "the neighbour's IP address");
                String dev = null;
                while (tokens.peek() != null) {
                    String k = tokens.next();
                    switch (k) {
                        case "dev" -> dev = tokens.devName();
                        case "lladdr" -> tokens.parseWith("lladdr", "a MAC address", MacAddress::parse);
                        default -> throw tokens.error(k, "'dev PORT'");
                    }
                }
                if (dev == null) {
                    throw tokens.missing("'dev PORT' (the port the neighbour is on)");
                }
                return new NeighDel(a, dev);
            }
            case "show", "list", "ls" -> {
                String dev = null;
                if (tokens.peek() != null) {
                    tokens.keyword("dev");
                    dev = tokens.devName();
                }
                tokens.end();
                return new NeighShow(dev);
            }
            default -> throw tokens.error(verb, "a neigh command: add, del or show");
        }
    }

    private Command link() {
        String verb = tokens.peek() == null ? "show" : tokens.next();
        switch (verb) {
            case "show", "list", "ls" -> {
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
            default -> throw tokens.error(verb, "a link command: show or set");
        }
    }

    private Command set() {
        String what = tokens.expect("'hash-seed', 'hash-function', 'hash-policy' or 'hash-fields'");
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
        String what = tokens.expect("'hash'");
        if (!what.equals("hash")) {
            throw tokens.error(what, "'hash'");
        }
        tokens.end();
        return new ShowHash();
    }

    private Command stats() {
        String what = null;
        if (tokens.peek() != null) {
            what = tokens.next();
            if (!what.equals("ports") && !what.equals("drops") && !what.equals("nexthops") && !what.equals("workers")) {
                throw tokens.error(what, "'ports', 'drops', 'nexthops' or 'workers' (or nothing for all)");
            }
        }
        tokens.end();
        return new Stats(what);
    }

    private Command batch() {
        String verb = tokens.expect("'begin', 'commit' or 'abort'");
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
        return tokens.parseWith("prefix", "a prefix ADDR[/LEN] such as 10.0.0.0/24 or 2001:db8::/32, or 'default'", Prefix::parse);
    }

    private IpAddress address(String after, String what) {
        return tokens.parseWith(after, what, IpAddress::parse);
    }

    private static int parseInt(String t, int min, int max, String message) {
        return (int) Tokens.parseLong(t, min, max, message);
    }
}
