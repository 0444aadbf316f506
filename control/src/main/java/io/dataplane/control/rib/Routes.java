package io.dataplane.control.rib;

import io.dataplane.control.command.Command.Gateways;
import io.dataplane.control.command.Command.Hop;
import io.dataplane.control.command.Command.Member;
import io.dataplane.control.command.Command.NexthopRef;
import io.dataplane.control.command.Command.Op;
import io.dataplane.control.command.Command.RouteDel;
import io.dataplane.control.command.Command.RouteSet;
import io.dataplane.control.command.Command.RouteSpec;
import io.dataplane.control.command.Command.RouteType;
import io.dataplane.control.command.CommandException;
import io.dataplane.control.command.IpAddress;
import io.dataplane.control.command.Prefix;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.RouteTarget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The routes by prefix, and what each holds: a route {@code via ADDR dev PORT} uses its gateway's
 * shared slot ({@link GatewaySlots}); a route with several gateways owns a group slot, which a
 * replace rewrites in place so that traffic sees the whole old group or the whole new one; a route
 * {@code nhid ID} points at the object's slot and counts as one of its users.
 */
final class Routes {
    private final Journal journal;
    private final TableSlots slots;
    private final GatewaySlots gateways;
    private final NexthopObjects objects;
    private final Rib rib;
    final TableEntries<Prefix, Route> routes;
    /** Routes pointing at each nexthop object, so an object in use cannot be deleted. */
    private final Map<Integer, Integer> objectUsers = new HashMap<>();

    Routes(Journal journal, TableSlots slots, GatewaySlots gateways, NexthopObjects objects, Rib rib) {
        this.journal = journal;
        this.slots = slots;
        this.gateways = gateways;
        this.objects = objects;
        this.rib = rib;
        this.routes = new TableEntries<>(journal, Route::target);
    }

    Route get(Prefix p) {
        return routes.get(p);
    }

    int size() {
        return routes.size();
    }

    /** Routes in address order, IPv4 first. */
    List<Route> sorted() {
        List<Route> list = new ArrayList<>(routes.values());
        list.sort(Routes::kernelOrder);
        return list;
    }

    /**
     * The order the kernel dumps routes in: IPv4 first, in address order with a prefix before
     * the prefixes inside it (fib_trie's walk); IPv6 after every prefix inside it, so default
     * last (fib6's walker visits a node's subtrees before the node): by last address, longer first.
     */
    private static int kernelOrder(Route x, Route y) {
        Prefix a = x.prefix();
        Prefix b = y.prefix();
        if (a.v6() != b.v6() || !a.v6()) {
            return a.compareTo(b);
        }
        int c = Long.compareUnsigned(lastHi(a), lastHi(b));
        if (c == 0) {
            c = Long.compareUnsigned(lastLo(a), lastLo(b));
        }
        return c != 0 ? c : Integer.compare(b.length(), a.length());
    }

    private static long lastHi(Prefix p) {
        return p.length() >= 64 ? p.address().hi() : p.address().hi() | (p.length() == 0 ? -1L : -1L >>> p.length());
    }

    private static long lastLo(Prefix p) {
        return p.length() <= 64 ? -1L : p.address().lo() | (p.length() == 128 ? 0 : -1L >>> (p.length() - 64));
    }

    /** Longest-prefix match in the RIB (the route the tables should also find). */
    Route lookup(IpAddress a) {
        for (int len = a.bits(); len >= 0; len--) {
            Route r = routes.get(new Prefix(a.mask(len), len));
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    void set(RouteSet r) {
        Route old = routes.get(r.prefix());
        refuseIfFollowed(old, "changed");
        if (r.op() == Op.ADD && old != null) {
            throw new CommandException("route " + r.prefix() + " already exists (" + describe(old)
                    + "); use 'route replace' to change it");
        }
        if (r.mustExist() && old == null) {
            throw new CommandException("no route " + r.prefix() + " to change ('route change' changes an existing route, as in ip); "
                    + "'route add' or 'route replace' creates it");
        }
        Route next = switch (r.spec()) {
            case Gateways g -> viaGateways(r.prefix(), g, old);
            case RouteType t -> new Route(r.prefix(), List.of(), null, 0, targetOf(t), -1);
            case NexthopRef ref -> {
                NexthopObject o = objects.get(ref.id());
                if (o == null) {
                    throw new CommandException("nexthop id " + ref.id() + " does not exist; create it with 'nexthop add id "
                            + ref.id() + " ...' first");
                }
                refuseIpv4Gateway(r.prefix(), o);
                journal.put(objectUsers, ref.id(), objectUsers.getOrDefault(ref.id(), 0) + 1);
                yield new Route(r.prefix(), List.of(), null, ref.id(), NexthopObjects.target(o), -1);
            }
        };
        if (old != null) {
            release(old, next.ownGroup() == old.ownGroup());
        }
        routes.put(r.prefix(), withOrigin(next, r.protocol(), null));
    }

    /**
     * Sets the route a routing source gave for {@code prefix} ({@code source} says which, e.g.
     * "the kernel's table 254"), replacing the one it gave before; a multipath route keeps its
     * group slot, so the change is one group replace. The caller has checked that no route
     * configured here holds the prefix.
     */
    void follow(Prefix prefix, List<Hop> hops, int protocol, String source) {
        Route old = routes.get(prefix);
        Route next = viaGateways(prefix, new Gateways(hops, null), old);
        if (old != null) {
            release(old, next.ownGroup() == old.ownGroup());
        }
        routes.put(prefix, withOrigin(next, protocol, source));
    }

    /** Removes the route a routing source gave for {@code prefix}. */
    void unfollow(Prefix prefix) {
        Route old = routes.get(prefix);
        release(old, false);
        routes.put(prefix, null);
    }

    private static Route withOrigin(Route r, int protocol, String source) {
        return new Route(r.prefix(), r.hops(), r.mpalgo(), r.nhid(), r.target(), r.ownGroup(), protocol, source);
    }

    /** Operators change followed routes where they come from, not here: a change here would be undone by the next update. */
    private static void refuseIfFollowed(Route r, String how) {
        if (r != null && r.followed()) {
            throw new CommandException("route " + r.prefix() + " comes from " + r.source() + " (proto "
                    + io.dataplane.control.command.RouteProtocol.name(r.protocol()) + ") and cannot be " + how
                    + " here; change it at its source (ip route, or the routing daemon's configuration), "
                    + "or use a more specific prefix");
        }
    }

    private Route viaGateways(Prefix prefix, Gateways g, Route old) {
        List<RouteHop> hops = resolve(g.hops(), prefix);
        if (g.mpalgo() != null && hops.size() < 2) {
            throw new CommandException("mpalgo needs a multipath route (two or more 'nexthop via ...'); "
                    + prefix + " has one gateway");
        }
        MultipathAlgorithm algo = g.mpalgo() == null ? Rib.DEFAULT_MPALGO : g.mpalgo();
        int[] members = new int[hops.size()];
        for (int i = 0; i < hops.size(); i++) {
            members[i] = gateways.acquire(hops.get(i).via(), hops.get(i).port());
        }
        if (hops.size() == 1) {
            return new Route(prefix, hops, null, 0, RouteTarget.nexthop(members[0]), -1);
        }
        GroupSpec group = new GroupSpec(members, hops.stream().mapToInt(RouteHop::weight).toArray(), algo);
        int slot;
        if (old != null && old.ownGroup() >= 0) {
            slot = old.ownGroup();
            slots.setGroup(slot, group);
        } else {
            slot = slots.addGroup(group);
        }
        return new Route(prefix, hops, algo, 0, RouteTarget.group(slot), slot);
    }

    void delete(RouteDel d) {
        Route old = routes.get(d.prefix());
        if (old == null) {
            throw new CommandException("no route " + d.prefix() + " to delete; 'route show' lists the routes");
        }
        refuseIfFollowed(old, "deleted");
        if (d.spec() != null && !matches(old, d.spec())) {
            throw new CommandException("route " + d.prefix() + " is '" + describe(old)
                    + "', which does not match the given gateways; give just the prefix to delete it");
        }
        release(old, false);
        routes.put(d.prefix(), null);
    }

    /** Throws if a route points at nexthop object {@code id}, naming one of them. */
    void refuseIfUsing(int id) {
        int users = objectUsers.getOrDefault(id, 0);
        if (users > 0) {
            Prefix example = routes.values().stream().filter(r -> r.nhid() == id).map(Route::prefix).findFirst().orElseThrow();
            throw new CommandException("nexthop id " + id + " is used by " + users + " route" + (users == 1 ? "" : "s")
                    + " (e.g. " + example + "); point them elsewhere or delete them first");
        }
    }

    private static int targetOf(RouteType t) {
        return switch (t.type()) {
            case "blackhole" -> RouteTarget.BLACKHOLE;
            case "unreachable" -> RouteTarget.UNREACHABLE;
            case "prohibit" -> RouteTarget.PROHIBIT;
            default -> RouteTarget.THROW;
        };
    }

    private boolean matches(Route r, RouteSpec spec) {
        return switch (spec) {
            case RouteType t -> r.type().equals(t.type());
            case NexthopRef ref -> r.nhid() == ref.id();
            case Gateways g -> {
                if (r.nhid() != 0 || g.hops().size() != r.hops().size()) {
                    yield false;
                }
                for (Hop h : g.hops()) {
                    int port = rib.portIndex(h.dev(), null);
                    if (port < 0 || r.hops().stream().noneMatch(x -> x.via().equals(h.via()) && x.port() == port)) {
                        yield false;
                    }
                }
                yield true;
            }
        };
    }

    /**
     * As the kernel: an IPv6 route cannot use a nexthop object with an IPv4 gateway (an IPv4 route
     * may use an IPv6 one, RFC 5549). Checked when a route names the object and, through
     * {@link #refuseIpv4GatewaysOnIpv6Routes}, when an object is replaced.
     */
    private void refuseIpv4Gateway(Prefix where, NexthopObject o) {
        IpAddress v4 = where.v6() ? ipv4Gateway(o) : null;
        if (v4 != null) {
            throw new CommandException("route " + where + " is IPv6 and cannot use nexthop id " + o.id() + ", which has IPv4 gateway " + v4
                    + " (the kernel refuses it too: 'IPv6 routes can not use an IPv4 nexthop')");
        }
    }

    /** An IPv4 gateway of {@code o} (itself, or one of its members), or null. */
    IpAddress ipv4Gateway(NexthopObject o) {
        return switch (o) {
            case NexthopObject.GatewayObject g -> g.via().v6() ? null : g.via();
            case NexthopObject.GroupObject g -> {
                for (Member m : g.members()) {
                    IpAddress a = ipv4Gateway(objects.get(m.id()));
                    if (a != null) {
                        yield a;
                    }
                }
                yield null;
            }
        };
    }

    /** After a nexthop object gained an IPv4 gateway: refuses if an IPv6 route uses it (directly or through a group). */
    void refuseIpv4GatewaysOnIpv6Routes() {
        for (Route r : routes.values()) {
            if (r.nhid() != 0 && r.prefix().v6()) {
                refuseIpv4Gateway(r.prefix(), objects.get(r.nhid()));
            }
        }
    }

    private List<RouteHop> resolve(List<Hop> hops, Prefix where) {
        List<RouteHop> out = new ArrayList<>();
        for (Hop h : hops) {
            if (where.v6() && !h.via().v6()) {
                throw new CommandException("route " + where + " is IPv6 and cannot use IPv4 gateway " + h.via()
                        + " (the kernel refuses it too: 'IPv6 routes can not use an IPv4 nexthop'); give an IPv6 gateway");
            }
            RouteHop rh = new RouteHop(h.via(), rib.portIndex(h.dev(), "route " + where), h.weight());
            for (RouteHop e : out) {
                if (e.via().equals(rh.via()) && e.port() == rh.port()) {
                    throw new CommandException("route " + where + " names 'via " + h.via() + " dev " + h.dev()
                            + "' twice; list each gateway once and give it a weight instead");
                }
            }
            out.add(rh);
        }
        return out;
    }

    /** Releases what a route holds; {@code keepGroup} when a replace reuses its group slot in place. */
    private void release(Route r, boolean keepGroup) {
        for (RouteHop h : r.hops()) {
            gateways.release(h.via(), h.port());
        }
        if (r.ownGroup() >= 0 && !keepGroup) {
            slots.removeGroup(r.ownGroup());
        }
        if (r.nhid() != 0) {
            int users = objectUsers.get(r.nhid());
            journal.put(objectUsers, r.nhid(), users == 1 ? null : users - 1);
        }
    }

    /** One-line description of what a route points at, for messages and 'route show'. */
    String describe(Route r) {
        if (r.forwardsNothing()) {
            return r.type();
        }
        if (r.nhid() != 0) {
            return "nhid " + r.nhid();
        }
        if (r.hops().size() == 1) {
            RouteHop h = r.hops().get(0);
            return "via " + h.via() + " dev " + rib.portName(h.port());
        }
        StringBuilder sb = new StringBuilder();
        for (RouteHop h : r.hops()) {
            sb.append(sb.isEmpty() ? "" : " ").append("nexthop via ").append(h.via()).append(" dev ").append(rib.portName(h.port()))
                    .append(" weight ").append(h.weight());
        }
        return sb.append(" mpalgo ").append(r.mpalgo().keyword()).toString();
    }
}
