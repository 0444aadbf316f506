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
import io.dataplane.control.command.RouteScope;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.RouteTarget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The routes by prefix, and what each holds: a route {@code via ADDR dev PORT} uses its gateway's
 * shared slot ({@link GatewaySlots}); a route with several gateways owns a group slot, which a
 * replace rewrites in place so that traffic sees the whole old group or the whole new one; a route
 * {@code nhid ID} points at the object's slot and counts as one of its users.
 *
 * <p>As in the kernel, routes to one prefix that differ by metric coexist and the lowest metric
 * forwards: it is the one in {@link #routes} (what the tables hold); the others wait in
 * {@link #standby}, holding their slots, and the next lowest takes over when it is deleted.
 */
final class Routes {
    private final Journal journal;
    private final TableSlots slots;
    private final GatewaySlots gateways;
    private final SharedGroups sharedGroups;
    private final NexthopObjects objects;
    private final ConnectedHosts hosts;
    private final Rib rib;
    final TableEntries<Prefix, Route> routes;
    /** Routes with a higher metric than the one in {@link #routes} for their prefix, by metric (unsigned); never empty. */
    private final Map<Prefix, TreeMap<Integer, Route>> standby = new HashMap<>();
    private int standbyCount;
    /**
     * The routes each prefix had before it was first changed since {@link #takeTouched} (null while
     * nobody watches: {@code monitor}).
     */
    private Map<Prefix, List<Route>> touched;
    /** Routes pointing at each nexthop object, so an object in use cannot be deleted. */
    private final Map<Integer, Integer> objectUsers = new HashMap<>();

    Routes(Journal journal, TableSlots slots, GatewaySlots gateways, NexthopObjects objects, ConnectedHosts hosts, Rib rib) {
        this.hosts = hosts;
        hosts.routes(this);
        this.journal = journal;
        this.slots = slots;
        this.gateways = gateways;
        this.sharedGroups = new SharedGroups(journal, slots);
        this.objects = objects;
        this.rib = rib;
        this.routes = new TableEntries<>(Route::target);
    }

    Route get(Prefix p) {
        return routes.get(p);
    }

    int size() {
        return routes.size() + standbyCount;
    }

    /** Routes in address order, IPv4 first, then by metric (the kernel's order). */
    List<Route> sorted() {
        List<Route> list = new ArrayList<>(routes.values());
        standby.values().forEach(m -> list.addAll(m.values()));
        list.sort(Routes::kernelOrder);
        return list;
    }

    /** Every route to {@code p}, lowest metric (the one forwarding) first. */
    List<Route> all(Prefix p) {
        Route installed = routes.get(p);
        if (installed == null) {
            return List.of();
        }
        TreeMap<Integer, Route> more = standby.get(p);
        if (more == null) {
            return List.of(installed);
        }
        List<Route> out = new ArrayList<>(more.size() + 1);
        out.add(installed);
        out.addAll(more.values());
        return out;
    }

    /** The route to {@code p} with {@code metric}, or null. */
    private Route withMetric(Prefix p, int metric) {
        for (Route r : all(p)) {
            if (r.metric() == metric) {
                return r;
            }
        }
        return null;
    }

    /** Puts {@code r} into the standby routes (or, null, removes the one with {@code metric}), journalled. */
    private void putStandby(Prefix p, int metric, Route r) {
        TreeMap<Integer, Route> before = standby.get(p);
        TreeMap<Integer, Route> next = before == null ? new TreeMap<>(Integer::compareUnsigned) : new TreeMap<>(before);
        Route was = r == null ? next.remove(metric) : next.put(metric, r);
        int delta = (r == null ? 0 : 1) - (was == null ? 0 : 1);
        standbyCount += delta;
        journal.undo(() -> standbyCount -= delta);
        journal.put(standby, p, next.isEmpty() ? null : next);
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
            int c = a.compareTo(b);
            return c != 0 ? c : Integer.compareUnsigned(x.metric(), y.metric());
        }
        int c = Long.compareUnsigned(lastHi(a), lastHi(b));
        if (c == 0) {
            c = Long.compareUnsigned(lastLo(a), lastLo(b));
        }
        c = c != 0 ? c : Integer.compare(b.length(), a.length());
        return c != 0 ? c : Integer.compareUnsigned(x.metric(), y.metric());
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

    /** Starts ({@code on}) or stops recording which prefixes change, for {@code monitor}. */
    void watch(boolean on) {
        touched = on ? new HashMap<>() : null;
    }

    /**
     * The prefixes whose routes may have changed since the last call, each with the routes it had
     * before (the same after a rollback: then nothing changed).
     */
    Map<Prefix, List<Route>> takeTouched() {
        Map<Prefix, List<Route>> t = touched == null ? Map.of() : touched;
        if (touched != null) {
            touched = new HashMap<>();
        }
        return t;
    }

    /** Called before a prefix's routes change: remembers what they were, once per watch period. */
    private void touch(Prefix p) {
        if (touched != null && !touched.containsKey(p)) {
            touched.put(p, all(p));
        }
    }

    void set(RouteSet r) {
        touch(r.prefix());
        Route installed = routes.get(r.prefix());
        refuseIfFollowed(installed, "changed");
        Route old = withMetric(r.prefix(), r.metric());
        if (r.op() == Op.ADD && old != null) {
            throw new CommandException("route " + r.prefix() + metricText(old) + " already exists (" + describe(old)
                    + "); use 'route replace' to change it, or give another metric for a second route");
        }
        if (r.mustExist() && old == null) {
            throw new CommandException("no route " + r.prefix() + metricText(r.prefix(), r.metric())
                    + " to change ('route change' changes an existing route, as in ip, and the metric tells routes apart); "
                    + "'route add' or 'route replace' creates it");
        }
        Route next = switch (r.spec()) {
            case Gateways g -> viaGateways(r.prefix(), g, old, null);
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
        next = withOrigin(next, r.protocol(), null, r.metric(), r.scope());
        if (installed == null || old == installed) {
            routes.put(r.prefix(), next);
        } else if (Integer.compareUnsigned(r.metric(), installed.metric()) < 0) {
            // a lower metric takes over; the route forwarding until now waits
            putStandby(r.prefix(), installed.metric(), installed);
            routes.put(r.prefix(), next);
        } else {
            putStandby(r.prefix(), r.metric(), next);
        }
        hosts.routeChanged(r.prefix());
    }

    /** Whether {@code r} is a directly connected route ({@code dev PORT} without a gateway). */
    static boolean connected(Route r) {
        return r.hops().size() == 1 && r.hops().get(0).via() == null;
    }

    /**
     * The address whose slot a path uses: its gateway, or for a connected route the destination
     * itself when the prefix is one host, else the unspecified address (an unresolved slot that is
     * never asked for: its known hosts have entries of their own, {@link ConnectedHosts}).
     */
    private static IpAddress slotAddress(RouteHop h, Prefix p) {
        if (h.via() != null) {
            return h.via();
        }
        return p.length() == p.address().bits() ? p.address() : new IpAddress(p.v6(), 0, 0);
    }

    /** " metric M" for messages when the metric is not the family's default. */
    private static String metricText(Route r) {
        return metricText(r.prefix(), r.metric());
    }

    private static String metricText(Prefix p, int metric) {
        return metric == RouteSet.defaultMetric(p) ? "" : " metric " + Integer.toUnsignedString(metric);
    }

    /**
     * Sets the route a routing source gave for {@code prefix} ({@code source} says which, e.g.
     * "the kernel's table 254"), replacing the one it gave before. A multipath route shares its
     * group slot with the source's other routes of the same kernel nexthop group ({@code nhid}
     * &gt; 0), or else of the same gateways and weights ({@link SharedGroups}); a changed nexthop
     * group is rewritten in place, one group replace. The caller has checked that no route
     * configured here holds the prefix.
     */
    void follow(Prefix prefix, List<Hop> hops, int protocol, int metric, int scope, String source, int nhid) {
        touch(prefix);
        Route old = routes.get(prefix);
        Object shareKey = nhid != 0 ? new SharedGroups.NexthopGroup(source, nhid) : SHARE_BY_SPEC;
        Route next = viaGateways(prefix, new Gateways(hops, null), old, shareKey);
        if (old != null) {
            release(old, false); // after the acquire: a slot the route keeps never drops to no user
        }
        routes.put(prefix, withOrigin(next, protocol, source, metric, scope));
        hosts.routeChanged(prefix);
    }

    /**
     * Whether followed route {@code r} shares the group slot {@link #follow} would give it for
     * kernel nexthop {@code nhid} (always, when it has no group): a route that moved to another
     * nexthop group with the same gateways must move slots too, or the old group's next change
     * would be rewritten under it.
     */
    boolean sharesGroupOf(Route r, int nhid) {
        if (r.ownGroup() < 0) {
            return true;
        }
        Object key = sharedGroups.keyOf(r.ownGroup());
        return nhid != 0 ? new SharedGroups.NexthopGroup(r.source(), nhid).equals(key) : key instanceof GroupSpec;
    }

    /** Removes the route a routing source gave for {@code prefix}. */
    void unfollow(Prefix prefix) {
        touch(prefix);
        Route old = routes.get(prefix);
        release(old, false);
        routes.put(prefix, null);
        hosts.routeChanged(prefix);
    }

    private static Route withOrigin(Route r, int protocol, String source, int metric, int scope) {
        return new Route(r.prefix(), r.hops(), r.mpalgo(), r.nhid(), r.target(), r.ownGroup(), protocol, source, metric, scope);
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

    /** {@code viaGateways}' share key for a followed multipath route that names no nexthop group: its group spec. */
    private static final Object SHARE_BY_SPEC = new Object();

    /**
     * The route through {@code g}'s gateways. A multipath route configured here ({@code shareKey}
     * null) owns its group slot, rewritten in place on a replace; a followed one shares the slot
     * of {@code shareKey} ({@link #SHARE_BY_SPEC}: of its group spec).
     */
    private Route viaGateways(Prefix prefix, Gateways g, Route old, Object shareKey) {
        List<RouteHop> hops = resolve(g.hops(), prefix);
        if (g.mpalgo() != null && hops.size() < 2) {
            throw new CommandException("mpalgo needs a multipath route (two or more 'nexthop via ...'); "
                    + prefix + " has one gateway");
        }
        MultipathAlgorithm algo = g.mpalgo() == null ? Rib.DEFAULT_MPALGO : g.mpalgo();
        int[] members = new int[hops.size()];
        for (int i = 0; i < hops.size(); i++) {
            members[i] = gateways.acquire(slotAddress(hops.get(i), prefix), hops.get(i).port());
        }
        if (hops.size() == 1) {
            if (hops.get(0).via() == null) {
                hosts.counted(prefix, 1);
                return new Route(prefix, hops, null, 0, RouteTarget.nexthop(members[0]), -1);
            }
            return new Route(prefix, gateways.alone(hops.getFirst()), null, 0, RouteTarget.nexthop(members[0]), -1);
        }
        GroupSpec group = new GroupSpec(members, hops.stream().mapToInt(RouteHop::weight).toArray(), algo);
        int slot;
        if (shareKey != null) {
            slot = sharedGroups.acquire(shareKey == SHARE_BY_SPEC ? group : shareKey, group);
        } else if (old != null && old.ownGroup() >= 0) {
            slot = old.ownGroup();
            slots.setGroup(slot, group);
        } else {
            slot = slots.addGroup(group);
        }
        return new Route(prefix, hops, algo, 0, RouteTarget.group(slot), slot);
    }

    /** Deletes the lowest-metric route to the prefix that matches the gateways and metric given, as the kernel. */
    void delete(RouteDel d) {
        touch(d.prefix());
        Route installed = routes.get(d.prefix());
        if (installed == null) {
            throw new CommandException("no route " + d.prefix() + " to delete; 'route show' lists the routes");
        }
        refuseIfFollowed(installed, "deleted");
        Route old = null;
        for (Route r : all(d.prefix())) {
            if ((d.metric() == RouteDel.ANY_METRIC || r.metric() == (int) d.metric()) && (d.spec() == null || matches(r, d.spec()))) {
                old = r;
                break;
            }
        }
        if (old == null) {
            if (d.metric() != RouteDel.ANY_METRIC && withMetric(d.prefix(), (int) d.metric()) == null) {
                throw new CommandException("no route " + d.prefix() + " metric " + Long.toString(d.metric())
                        + " to delete; 'route show " + d.prefix() + "' lists its routes and their metrics");
            }
            throw new CommandException("route " + d.prefix() + " is '" + describe(installed)
                    + "', which does not match the given gateways; give just the prefix to delete it");
        }
        release(old, false);
        if (old != installed) {
            putStandby(d.prefix(), old.metric(), null);
            return;
        }
        TreeMap<Integer, Route> more = standby.get(d.prefix());
        Route next = more == null ? null : more.firstEntry().getValue();
        if (next != null) {
            putStandby(d.prefix(), next.metric(), null); // the next lowest metric forwards now
        }
        routes.put(d.prefix(), next);
        hosts.routeChanged(d.prefix());
    }

    /** Throws if a route points at nexthop object {@code id}, naming one of them. */
    void refuseIfUsing(int id) {
        int users = objectUsers.getOrDefault(id, 0);
        if (users > 0) {
            Prefix example = sorted().stream().filter(r -> r.nhid() == id).map(Route::prefix).findFirst().orElseThrow();
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
                    if (port < 0 || r.hops().stream().noneMatch(x -> java.util.Objects.equals(x.via(), h.via()) && x.port() == port)) {
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
        List<RouteHop> out = new ArrayList<>(hops.size());
        for (Hop h : hops) {
            if (where.v6() && h.via() != null && !h.via().v6()) {
                throw new CommandException("route " + where + " is IPv6 and cannot use IPv4 gateway " + h.via()
                        + " (the kernel refuses it too: 'IPv6 routes can not use an IPv4 nexthop'); give an IPv6 gateway");
            }
            int port = rib.portIndex(h.dev(), null);
            if (port < 0) {
                rib.portIndex(h.dev(), "route " + where); // throws, naming the route (built only then: a batch resolves a million)
            }
            RouteHop rh = new RouteHop(h.via(), port, h.weight(), h.onlink());
            for (RouteHop e : out) {
                if (java.util.Objects.equals(e.via(), rh.via()) && e.port() == rh.port()) {
                    throw new CommandException("route " + where + " names 'via " + h.via() + " dev " + h.dev()
                            + "' twice; list each gateway once and give it a weight instead");
                }
            }
            if (hops.size() == 1) {
                return List.of(rh); // what List.copyOf gives, without the list in between (a full table is a million single hops)
            }
            out.add(rh);
        }
        return List.copyOf(out);
    }

    /** Releases what a route holds; {@code keepGroup} when a replace reuses its group slot in place. */
    private void release(Route r, boolean keepGroup) {
        for (RouteHop h : r.hops()) {
            gateways.release(slotAddress(h, r.prefix()), h.port());
        }
        if (connected(r)) {
            hosts.counted(r.prefix(), -1);
        }
        if (r.ownGroup() >= 0 && sharedGroups.holds(r.ownGroup())) {
            sharedGroups.release(r.ownGroup());
        } else if (r.ownGroup() >= 0 && !keepGroup) {
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
            return (h.via() == null ? "" : "via " + h.via() + " ") + "dev " + rib.portName(h.port());
        }
        StringBuilder sb = new StringBuilder();
        for (RouteHop h : r.hops()) {
            sb.append(sb.isEmpty() ? "" : " ").append("nexthop via ").append(h.via()).append(" dev ").append(rib.portName(h.port()))
                    .append(" weight ").append(h.weight());
        }
        return sb.append(" mpalgo ").append(r.mpalgo().keyword()).toString();
    }
}
