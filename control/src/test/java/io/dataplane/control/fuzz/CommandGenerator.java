package io.dataplane.control.fuzz;

import io.dataplane.control.fuzz.ModelCommand.*;
import io.dataplane.tables.IpAddresses;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Picks the next command from a small universe (three ports, a handful of nested IPv4 and IPv6
 * prefixes, gateways, ids 1..9) so that commands collide: routes over each other's prefixes,
 * groups over objects that come and go, deletes of things in use. Mostly well-formed commands,
 * right or wrong for the state; sometimes a line broken in a way that must be refused whatever
 * the state ({@link Malformed}).
 */
final class CommandGenerator {
    static final List<Net> PREFIXES4 = List.of(net("0.0.0.0", 0), net("10.0.0.0", 8), net("10.1.0.0", 16), net("10.1.2.0", 24),
            net("10.1.2.128", 25), net("10.1.2.3", 32), net("192.168.0.0", 16), net("172.16.5.0", 24));
    static final List<Net> PREFIXES6 = List.of(net("::", 0), net("2001:db8:1::", 48), net("2001:db8:1:2::", 64),
            net("2001:db8:1:2::5", 128), net("fd00::", 8), net("2001:db8:1:2:8000::", 65));
    static final List<String> GATEWAYS4 = List.of("192.0.2.1", "192.0.2.2", "192.0.2.3", "198.51.100.7");
    static final List<String> GATEWAYS6 = List.of("2001:db8::1", "2001:db8::2", "fe80::1");
    static final List<String> DESTINATIONS = List.of("10.1.2.3", "10.1.2.200", "10.1.2.7", "10.1.5.5", "10.9.9.9", "192.168.3.4",
            "172.16.5.1", "8.8.8.8", "2001:db8:1:2::5", "2001:db8:1:2::9", "2001:db8:1:3::1", "2001:db8:1:2:8000::1", "fd12::1", "2001:db9::1");
    private static final List<String> MACS = List.of("02:00:00:00:00:01", "02:00:00:00:00:02", "02:aa:bb:cc:dd:0e", "02:AA:BB:CC:DD:0F",
            "00:00:00:00:00:00", "01:00:5e:00:00:01");
    private static final List<String> PROTOS = List.of("static", "bgp", "ospf", "zebra", "4", "186", "200", "boot");
    private static final List<String> TYPES = List.of("blackhole", "unreachable", "prohibit", "throw");
    private static final int[] ROUTE_WEIGHTS = {1, 1, 1, 2, 3, 7, 100, 256};
    private static final int[] GROUP_WEIGHTS = {1, 1, 2, 3, 10, 255, 65535};

    private final RandomGenerator random;
    private final CommandWriter writer;

    CommandGenerator(RandomGenerator random) {
        this.random = random;
        this.writer = new CommandWriter(random);
    }

    CommandWriter writer() {
        return writer;
    }

    static Net net(String addr, int len) {
        try {
            return new Net(addr.contains(":"), new BigInteger(1, InetAddress.getByName(addr).getAddress()), len, addr);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(addr, e);
        }
    }

    private <T> T pick(List<T> l) {
        return l.get(random.nextInt(l.size()));
    }

    private boolean chance(int percent) {
        return random.nextInt(100) < percent;
    }

    /** The next state-changing command: well-formed (right or wrong for {@code model}) or, sometimes, malformed. */
    ModelCommand next(RouterModel model) {
        return next(model, 12);
    }

    /** {@code malformedPercent}: how often the line is broken (batches use fewer, so that some commit). */
    ModelCommand next(RouterModel model, int malformedPercent) {
        ModelCommand c = wellFormed(model);
        return chance(malformedPercent) ? malformed(c) : c;
    }

    private ModelCommand wellFormed(RouterModel m) {
        int r = random.nextInt(100);
        if (r < 30) {
            return routeSet(m);
        }
        if (r < 42) {
            return routeDel(m);
        }
        if (r < 45) {
            Selector s = selector(m);
            return new RouteFlush(s.equals(Selector.ALL) ? new Selector(null, null, random.nextBoolean() ? 4 : 6, null, null, null, null) : s);
        }
        if (r < 57) {
            return new NexthopGateway(chance(50) ? "add" : "replace", id(), gateway(random.nextInt(4) == 0));
        }
        if (r < 69) {
            return group(m);
        }
        if (r < 75) {
            return new NexthopDel(chance(80) && !m.objects().isEmpty() ? pick(new ArrayList<>(m.objects().keySet())) : id());
        }
        if (r < 88) {
            String verb = pick(List.of("add", "add", "replace", "change"));
            boolean v6 = random.nextBoolean();
            return new NeighSet(verb, pick(v6 ? GATEWAYS6 : GATEWAYS4), pick(MACS), dev());
        }
        if (r < 94) {
            if (chance(80) && !m.neighbours().isEmpty()) {
                RouterModel.NeighKey k = pick(new ArrayList<>(m.neighbours().keySet()));
                return new NeighDel(k.addr(), k.dev());
            }
            return new NeighDel(pick(random.nextBoolean() ? GATEWAYS6 : GATEWAYS4), dev());
        }
        if (r < 96) {
            return new LinkSet(dev(), chance(60));
        }
        return switch (random.nextInt(4)) {
            case 0 -> new HashSeed(chance(50) ? random.nextInt(1000) : random.nextLong(0, 1L << 32));
            case 1 -> new HashFunction(chance(75));
            case 2 -> new HashPolicy(random.nextBoolean(), random.nextInt(4));
            default -> {
                List<String> all = new ArrayList<>(List.of("src-ip", "dst-ip", "ip-proto", "src-port", "dst-port", "inner-src-ip", "inner-dst-ip"));
                java.util.Collections.shuffle(all, random);
                yield new HashFields(random.nextBoolean(), List.copyOf(all.subList(0, 1 + random.nextInt(all.size()))));
            }
        };
    }

    /** Route selectors, each part sometimes. */
    Selector selector(RouterModel m) {
        String how = chance(50) ? pick(List.of("root", "match", "exact", "")) : null;
        Net prefix = null;
        if (how != null) {
            String d = pick(DESTINATIONS); // a host: what match is for
            prefix = chance(30) ? net(d, d.contains(":") ? 128 : 32) : prefix(m);
        }
        int family = chance(15) ? (random.nextBoolean() ? 4 : 6) : 0;
        String proto = chance(15) ? pick(PROTOS) : null;
        String type = chance(10) ? pick(List.of("blackhole", "unreachable", "prohibit", "throw", "unicast")) : null;
        String dev = chance(15) ? pick(RouterModel.PORTS) : null;
        String via = chance(10) ? pick(random.nextBoolean() ? GATEWAYS6 : GATEWAYS4) : null;
        return new Selector(how, prefix, family, proto, type, dev, via);
    }

    private int id() {
        return 1 + random.nextInt(9);
    }

    private String dev() {
        return chance(3) ? "p9" : pick(RouterModel.PORTS);
    }

    private Gw gateway(boolean v6) {
        return new Gw(pick(v6 ? GATEWAYS6 : GATEWAYS4), v6, dev());
    }

    private Net prefix(RouterModel m) {
        if (chance(60) && !m.routes().isEmpty()) {
            return pick(new ArrayList<>(m.routes().keySet()));
        }
        return pick(random.nextBoolean() ? PREFIXES6 : PREFIXES4);
    }

    private ModelCommand routeSet(RouterModel m) {
        String verb = pick(List.of("add", "add", "add", "replace", "replace", "change", "change", "append", "prepend"));
        Net prefix = verb.equals("add") ? pick(random.nextBoolean() ? PREFIXES6 : PREFIXES4) : prefix(m);
        return new RouteSet(verb, prefix, target(m, prefix.v6()), chance(20) ? pick(PROTOS) : null);
    }

    private Target target(RouterModel m, boolean v6) {
        int r = random.nextInt(100);
        if (r < 15) {
            return new TypeRoute(pick(TYPES));
        }
        if (r < 35) {
            return new Nhid(chance(85) && !m.objects().isEmpty() ? pick(new ArrayList<>(m.objects().keySet())) : id());
        }
        boolean multi = r >= 65;
        int n = multi ? 2 + random.nextInt(3) : 1;
        List<Hop> hops = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            hops.add(new Hop(gateway(chance(3) != v6), ROUTE_WEIGHTS[random.nextInt(ROUTE_WEIGHTS.length)]));
        }
        String mpalgo = chance(multi ? 50 : 5) ? pick(List.of("l3", "l4", "l4", "per-packet")) : null;
        return new Gateways(hops, mpalgo, multi || chance(15));
    }

    private ModelCommand routeDel(RouterModel m) {
        Net prefix = prefix(m);
        if (chance(70)) {
            return new RouteDel(prefix, null);
        }
        RouterModel.Route r = m.routes().get(prefix);
        if (r != null && chance(60)) {
            Target own = r.target() instanceof Gateways g ? new Gateways(g.hops(), null, g.nexthopForm()) : r.target();
            return new RouteDel(prefix, own); // the route's own spec: matches
        }
        Target t = target(m, prefix.v6());
        if (t instanceof Gateways g) {
            t = new Gateways(g.hops(), null, g.nexthopForm()); // a del names gateways, not an algorithm
        }
        if (r != null && r.target() instanceof Gateways g && g.hops().size() > 1 && t instanceof Gateways) {
            t = new TypeRoute(pick(TYPES));
        }
        return new RouteDel(prefix, t);
    }

    private ModelCommand group(RouterModel m) {
        List<Integer> gateways = m.objects().entrySet().stream().filter(e -> e.getValue() instanceof RouterModel.GatewayObj).map(java.util.Map.Entry::getKey).toList();
        int n = 1 + random.nextInt(4);
        List<Member> members = new ArrayList<>();
        while (members.size() < n) {
            int id = chance(85) && !gateways.isEmpty() ? pick(gateways) : id();
            if (members.stream().noneMatch(x -> x.id() == id)) {
                members.add(new Member(id, GROUP_WEIGHTS[random.nextInt(GROUP_WEIGHTS.length)]));
            } else if (chance(30)) {
                break;
            }
        }
        Resilient res = null;
        if (chance(35)) {
            res = new Resilient(chance(85) ? pick(List.of(1, 2, 3, 8, 16, 64, 128, 512)) : null,
                    chance(50) ? pick(List.of(0L, 1L, 60L, 120L, 42949671L)) : null, chance(40) ? pick(List.of(0L, 30L, 600L)) : null);
        }
        String mpalgo = chance(40) ? pick(List.of("l3", "l4", "per-packet")) : null;
        Integer existing = m.objects().keySet().stream().filter(id -> m.objects().get(id) instanceof RouterModel.GroupObj).findAny().orElse(null);
        int id = existing != null && chance(50) ? existing : id();
        return new NexthopGroup(chance(50) ? "add" : "replace", id, members, mpalgo, res);
    }

    /** {@code c} spelled out, then broken so that no state makes it right. */
    ModelCommand malformed(ModelCommand c) {
        String line = writer.write(c);
        List<String> t = new ArrayList<>(List.of(line.split(" ")));
        int first = t.get(0).startsWith("-") ? 1 : 0; // the object's position
        switch (random.nextInt(8)) {
            case 0 -> {
                t.add(first + 1 + random.nextInt(t.size() - first), "frob");
                return new Malformed(String.join(" ", t), "an unknown word");
            }
            case 1 -> {
                for (int i = t.size() - 1; i > first; i--) {
                    if (VALUE_WORDS.contains(t.get(i)) && chance(60)) {
                        return new Malformed(String.join(" ", t.subList(0, i + 1)), "'" + t.get(i) + "' without its value");
                    }
                }
            }
            case 2 -> {
                for (int i = first; i < t.size() - 1; i++) {
                    String bad = switch (t.get(i)) {
                        case "weight" -> pick(List.of("0", "257", "-1", "1.5"));
                        case "id" -> pick(List.of("2147483648", "x")); // 'nexthop add id 0' picks a free id, as the kernel
                        case "nhid" -> pick(List.of("0", "2147483648", "x"));
                        case "buckets" -> pick(List.of("0", "65536"));
                        case "idle_timer", "unbalanced_timer" -> pick(List.of("42949672", "-1", "1.5"));
                        case "hash-seed" -> pick(List.of("4294967296", "-1", "0xg"));
                        case "via" -> pick(List.of("192.0.2.256", "1.2.3", "2001:db8::zz", "2001:db8:::1"));
                        case "lladdr" -> pick(List.of("02:00:00:00:00", "02:00:00:00:00:0g", "02-00-00-00-00-01"));
                        case "mpalgo" -> pick(List.of("drr", "random", "wrandom", "l5"));
                        case "group" -> pick(List.of("1,,2", "1/", "/2", "3/3", "x", "1,0", "1,65536", "1,2,3"));
                        case "proto" -> pick(List.of("256", "-1", "frobnicate"));
                        case "type" -> "frob";
                        default -> null;
                    };
                    if (bad != null) {
                        t.set(i + 1, bad);
                        return new Malformed(String.join(" ", t), "a bad value after '" + t.get(i) + "'");
                    }
                }
            }
            case 3 -> {
                // ip lets a later show/flush selector override an earlier one: only commands' arguments count
                for (int i = first; i < t.size() - 1 && !(c instanceof RouteFlush); i++) {
                    if (ONCE_WORDS.contains(t.get(i)) && !(t.contains("nexthop") && t.get(i).equals("weight"))) {
                        List<String> twice = new ArrayList<>(t.subList(0, i + 2));
                        twice.addAll(t.subList(i, t.size()));
                        if (t.contains("nexthop") && (t.get(i).equals("via") || t.get(i).equals("dev"))) {
                            continue; // route ... nexthop via A nexthop via B: a second via belongs to the next clause only after 'nexthop'
                        }
                        return new Malformed(String.join(" ", twice), "'" + t.get(i) + "' twice");
                    }
                }
            }
            case 4 -> {
                return new Malformed("route add " + pick(List.of("local", "broadcast", "anycast", "multicast", "nat")) + " 10.9.0.0/24", "an unsupported route type");
            }
            case 5 -> {
                return new Malformed(pick(List.of("route add 10.1.2.1/24 via 192.0.2.1 dev p1", "route add 10.1.2.0/33 via 192.0.2.1 dev p1",
                        "route add 300.1.2.0/24 via 192.0.2.1 dev p1", "route add 2001:db8:1:2::/129 via 2001:db8::1 dev p1",
                        "route del 2001:db8:1:2::1/64", "route add 10.1.2.0/24", "route add 10.1.2.0/24 via 192.0.2.1",
                        "route add 10.1.2.0/24 dev p9", "nexthop add id 3 via 192.0.2.1 dev p1 weight 2", "nexthop add id 3",
                        "nexthop add id 3 group 1/2 type resilient", "neigh add 192.0.2.1 dev p1", "neigh add 192.0.2.1 lladdr 02:00:00:00:00:01",
                        "neigh del 192.0.2.1", "link set dev p1 sideways", "route flush", "address add 10.0.0.1/24 dev p1",
                        "rule add from 10.0.0.0/8 table 7", "route adx 10.1.2.0/24 via 192.0.2.1 dev p1", "route add 10.1.2.0/24 via 192.0.2.1 dev p1 metric x",
                        "batch frobnicate", "nexthop replace id 3 group 1/2 buckets 8", "route get 10.1.2.3 from 2001:db8::9",
                        "route get 10.1.2.3 flowlabel 5", "route add 10.1.2.0/24 nexthop via 192.0.2.1 dev p1 nexthop", "frob")), "a known-bad line");
            }
            case 6 -> {
                if (t.size() > first + 1) {
                    t.set(first + 1, t.get(first + 1) + "x");
                    return new Malformed(String.join(" ", t), "a misspelt verb");
                }
            }
            default -> {
                t.set(first, t.get(first) + "zz");
                return new Malformed(String.join(" ", t), "a misspelt object");
            }
        }
        t.add("frob");
        return new Malformed(String.join(" ", t), "an unknown word at the end");
    }

    private static final List<String> VALUE_WORDS = List.of("via", "dev", "weight", "nhid", "id", "group", "mpalgo", "proto",
            "buckets", "idle_timer", "unbalanced_timer", "type", "lladdr", "hash-seed", "root", "exact");
    private static final List<String> ONCE_WORDS = List.of("via", "dev", "weight", "proto", "mpalgo", "buckets", "idle_timer", "unbalanced_timer", "lladdr");

    /** A flow for route get: a destination from the pool or inside a route, with a random 5-tuple. */
    RouterModel.Flow flow(Net dst) {
        boolean v6 = dst.v6();
        Net src = chance(30) ? null : v6 ? net("2001:db8:ff::" + Integer.toHexString(1 + random.nextInt(0xfffe)), 128)
                : net("198.18." + random.nextInt(256) + "." + (1 + random.nextInt(254)), 32);
        int proto = pick(List.of(-1, 6, 6, 17, 17, v6 ? 58 : 1, 47));
        int sport = chance(20) ? -1 : random.nextInt(65536);
        int dport = chance(20) ? -1 : random.nextInt(65536);
        int flowlabel = v6 && chance(50) ? random.nextInt(0x100000) : -1;
        return new RouterModel.Flow(dst, src, proto, sport, dport, flowlabel);
    }

    /** A flow to a random host inside {@code n} (its network address for a host route; a pool address for a default). */
    RouterModel.Flow flowInside(Net n) {
        if (n.len() == 0) {
            return randomFlow();
        }
        BigInteger host = new BigInteger(n.bits() - n.len(), new java.util.Random(random.nextLong()));
        BigInteger v = n.value().or(host);
        return flow(new Net(n.v6(), v, n.bits(), text(n.v6(), v)));
    }

    /** An address as ip prints it (the project's formatter: the pools' hand-written addresses check it). */
    static String text(boolean v6, BigInteger v) {
        return v6 ? IpAddresses.format6(v.shiftRight(64).longValue(), v.longValue()) : IpAddresses.format4(v.intValue());
    }

    RouterModel.Flow randomFlow() {
        String d = pick(DESTINATIONS);
        return flow(net(d, d.contains(":") ? 128 : 32));
    }

    String write(ModelCommand c) {
        return writer.write(c);
    }
}
