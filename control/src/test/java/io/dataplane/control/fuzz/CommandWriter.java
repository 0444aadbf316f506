package io.dataplane.control.fuzz;

import io.dataplane.control.fuzz.ModelCommand.*;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Spells a {@link ModelCommand} out as an operator could type it: keywords abbreviated as ip
 * abbreviates them, clauses that may come in any order shuffled, optional words sometimes given,
 * {@code default} as a word or as 0.0.0.0/0, host routes with or without their length.
 */
final class CommandWriter {
    /** Spellings ip accepts for each word (iproute2's matches(): any prefix, with its precedence). */
    private static final Map<String, List<String>> SPELLINGS = Map.ofEntries(
            Map.entry("route", List.of("route", "ro", "rou", "r")),
            Map.entry("nexthop", List.of("nexthop", "nexth", "nh", "nex")),
            Map.entry("neigh", List.of("neigh", "n", "ne", "nei", "neighbor", "neighbour")),
            Map.entry("link", List.of("link", "l", "li")),
            Map.entry("route add", List.of("add", "a", "ad")),
            Map.entry("route replace", List.of("replace", "r", "rep", "repl")),
            Map.entry("route change", List.of("change", "c", "ch", "chg")),
            Map.entry("route append", List.of("append", "app")),
            Map.entry("route prepend", List.of("prepend", "p", "pre")),
            Map.entry("route del", List.of("del", "d", "delete", "de")),
            Map.entry("route flush", List.of("flush", "f", "fl")),
            Map.entry("nexthop add", List.of("add", "a")),
            Map.entry("nexthop replace", List.of("replace", "r", "rep")),
            Map.entry("nexthop del", List.of("del", "d", "delete")),
            Map.entry("neigh add", List.of("add", "a")),
            Map.entry("neigh replace", List.of("replace", "r", "repl")),
            Map.entry("neigh change", List.of("change", "c", "chg")),
            Map.entry("neigh del", List.of("del", "d", "delete")),
            Map.entry("link set", List.of("set", "s")));

    /** The words {@code spelling} abbreviates ({@code p}: prepend, ...). */
    static List<String> meanings(String spelling) {
        List<String> out = new ArrayList<>();
        SPELLINGS.forEach((word, spellings) -> {
            if (spellings.contains(spelling)) {
                out.add(word.substring(word.indexOf(' ') + 1));
            }
        });
        return out;
    }

    private final RandomGenerator random;

    CommandWriter(RandomGenerator random) {
        this.random = random;
    }

    private String word(String context, String w) {
        List<String> s = SPELLINGS.get(context.isEmpty() ? w : context + " " + w);
        return s == null || random.nextInt(3) == 0 ? w : s.get(random.nextInt(s.size()));
    }

    String write(ModelCommand c) {
        return switch (c) {
            case RouteSet r -> family(r.prefix(), r.target()) + word("", "route") + " " + word("route", r.verb()) + " " + routeBody(r.prefix(), r.target(), r.proto());
            case RouteDel d -> family(d.prefix(), d.spec()) + word("", "route") + " " + word("route", "del") + " "
                    + (d.spec() == null ? prefix(d.prefix()) : routeBody(d.prefix(), d.spec(), null));
            case RouteFlush f -> selector("flush", f.selector());
            case NexthopGateway n -> word("", "nexthop") + " " + word("nexthop", n.verb()) + " id " + n.id() + " "
                    + String.join(" ", shuffled(List.of("via " + n.gw().via(), "dev " + n.gw().dev())));
            case NexthopGroup g -> group(g);
            case NexthopDel d -> word("", "nexthop") + " " + word("nexthop", "del") + " id " + d.id();
            case NeighSet n -> word("", "neigh") + " " + word("neigh", n.verb()) + " " + n.addr() + " "
                    + String.join(" ", shuffled(List.of("lladdr " + n.mac(), "dev " + n.dev())));
            case NeighDel n -> word("", "neigh") + " " + word("neigh", "del") + " " + n.addr() + " dev " + n.dev();
            case LinkSet l -> word("", "link") + " " + word("link", "set") + (random.nextBoolean() ? " dev " : " ") + l.dev() + (l.up() ? " up" : " down");
            case HashSeed h -> "set hash-seed " + (random.nextBoolean() ? Long.toString(h.seed()) : "0x" + Long.toHexString(h.seed()));
            case HashFunction h -> "set hash-function " + (h.kernel() ? "kernel" : "jenkins");
            case HashPolicy h -> "set hash-policy " + (h.v6() ? "ipv6 " : "ipv4 ") + h.policy();
            case HashFields h -> "set hash-fields " + (h.v6() ? "ipv6 " : "ipv4 ") + String.join(",", h.fields());
            case Malformed m -> m.line();
        };
    }

    /** {@code route show|flush} with ip's selectors, in any order. */
    String selector(String verb, Selector s) {
        List<String> parts = new ArrayList<>();
        boolean v6Default = s.prefix() != null && s.prefix().v6() && s.prefix().len() == 0;
        if (s.how() != null) {
            // 'default' under -6 is ::/0 (as ip): an IPv4 default there is spelt out
            String p = v6Default ? "::/0" : s.family() == 6 && s.prefix().len() == 0 ? "0.0.0.0/0" : prefix(s.prefix());
            parts.add(s.how().isEmpty() ? (random.nextBoolean() ? p : "to " + p) : (random.nextInt(4) == 0 ? "to " : "") + s.how() + " " + p);
        }
        if (s.proto() != null) {
            parts.add(pick(List.of("proto ", "protocol ", "pro ")) + s.proto());
        }
        if (s.type() != null) {
            parts.add("type " + s.type());
        }
        if (s.dev() != null) {
            parts.add(pick(List.of("dev ", "oif ")) + s.dev());
        }
        if (s.via() != null) {
            parts.add("via " + s.via());
        }
        String family = s.family() == 0 ? "" : s.family() == 6 ? pick(List.of("-6 ", "-f inet6 ")) : pick(List.of("-4 ", "-f inet "));
        return family + word("", "route") + " " + (verb.equals("show") ? pick(List.of("show", "s", "list", "ls", "l")) : word("route", verb))
                + (parts.isEmpty() ? "" : " " + String.join(" ", shuffled(parts)));
    }

    private String pick(List<String> l) {
        return l.get(random.nextInt(l.size()));
    }

    /** "-6 " where the line needs it (an IPv6 default route that names no IPv6 gateway), sometimes where it does not. */
    private String family(Net prefix, Target t) {
        boolean v6Gateway = t instanceof Gateways g && g.hops().get(0).gw().v6();
        if (prefix.v6() && prefix.len() == 0 && !v6Gateway) {
            return "-6 "; // 'default' alone is IPv4 (README), and the writer may spell ::/0 as default
        }
        if (random.nextInt(8) == 0) {
            return prefix.v6() ? "-6 " : "-4 ";
        }
        return "";
    }

    private String prefix(Net n) {
        return prefix(n, false);
    }

    /** {@code strict}: a default that must not be read as the other family (an IPv4 default over IPv6 gateways). */
    private String prefix(Net n, boolean strict) {
        if (n.len() == 0 && strict) {
            return n.v6() ? "::/0" : "0.0.0.0/0";
        }
        if (n.len() == 0) {
            return random.nextBoolean() ? "default" : n.v6() ? "::/0" : "0.0.0.0/0";
        }
        if (n.len() == n.bits() && random.nextBoolean()) {
            return n.addr();
        }
        return n.addr() + "/" + n.len();
    }

    private String routeBody(Net prefix, Target t, String proto) {
        String p = proto == null ? "" : " proto " + proto;
        return switch (t) {
            case TypeRoute r -> r.type() + " " + prefix(prefix) + p;
            case Nhid n -> prefix(prefix) + " nhid " + n.id() + p;
            case Gateways g -> {
                StringBuilder sb = new StringBuilder(prefix(prefix, !prefix.v6() && g.hops().get(0).gw().v6()));
                if (g.nexthopForm()) {
                    for (Hop h : g.hops()) {
                        sb.append(" nexthop ").append(hop(h, h.weight() != 1 || random.nextBoolean()));
                    }
                } else {
                    Hop h = g.hops().get(0);
                    sb.append(' ').append(hop(h, random.nextInt(4) == 0));
                }
                String mp = g.mpalgo() == null ? "" : " mpalgo " + g.mpalgo();
                yield sb.append(random.nextBoolean() ? mp + p : p + mp).toString();
            }
        };
    }

    private String hop(Hop h, boolean withWeight) {
        List<String> parts = new ArrayList<>(List.of("via " + h.gw().via(), "dev " + h.gw().dev()));
        if (withWeight) {
            parts.add("weight " + h.weight());
        }
        return String.join(" ", shuffled(parts));
    }

    private String group(NexthopGroup g) {
        StringBuilder sb = new StringBuilder(word("", "nexthop") + " " + word("nexthop", g.verb()) + " id " + g.id() + " group ");
        for (int i = 0; i < g.members().size(); i++) {
            Member m = g.members().get(i);
            sb.append(i == 0 ? "" : "/").append(m.id()).append(m.weight() == 1 && random.nextBoolean() ? "" : "," + m.weight());
        }
        List<String> tail = new ArrayList<>();
        if (g.resilient() != null) {
            List<String> args = new ArrayList<>();
            Resilient r = g.resilient();
            if (r.buckets() != null) {
                args.add("buckets " + r.buckets());
            }
            if (r.idle() != null) {
                args.add("idle_timer " + r.idle());
            }
            if (r.unbalanced() != null) {
                args.add("unbalanced_timer " + r.unbalanced());
            }
            tail.add(String.join(" ", prepend("type resilient", shuffled(args))));
        } else if (random.nextInt(4) == 0) {
            tail.add("type mpath");
        }
        if (g.mpalgo() != null) {
            tail.add("mpalgo " + g.mpalgo());
        }
        for (String t : shuffled(tail)) {
            sb.append(' ').append(t);
        }
        return sb.toString();
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> out = new ArrayList<>();
        out.add(first);
        out.addAll(rest);
        return out;
    }

    private List<String> shuffled(List<String> parts) {
        List<String> out = new ArrayList<>(parts);
        Collections.shuffle(out, random);
        return out;
    }
}
