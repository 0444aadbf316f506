package io.dataplane.control.rib;

import io.dataplane.control.command.Command.Hop;
import io.dataplane.control.command.IpAddress;
import io.dataplane.control.command.Prefix;
import io.dataplane.control.command.RouteProtocol;
import io.dataplane.control.command.RouteScope;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The routes one routing source gives (the kernel's FIB, FRR's FPM), kept as the source said them
 * and mirrored into the RIB's routes, inside the open transaction.
 *
 * <p>Which route the RIB holds for a prefix, written down:
 * <ul>
 *   <li>within the source, the lowest metric (the kernel's own lookup); its nexthop object is
 *       resolved to inline gateways, so a group change is a replace of each route's own group slot,
 *       all in the one transaction of the update: never delete-then-add;</li>
 *   <li>a route configured here (configuration file or {@code dpctl}) wins over a followed one for
 *       the same prefix; the followed one waits, shown as not followed, and is taken up when the
 *       configured route is deleted;</li>
 *   <li>between two sources, the one that gave the prefix first keeps it.</li>
 * </ul>
 * A route is followed only if every path goes through a gateway on one of our ports, or its one
 * path is one of our ports (a connected route: the destination is the neighbour); every other
 * route of the followed table is counted as not followed, with the reason.
 */
public final class FollowedRoutes {
    /** A path of a source's route: {@code dev} is our port's name, or null when the device ({@code ifindex}) is not a port of ours. */
    public record Path(IpAddress via, String dev, int ifindex, int weight) {
    }

    /**
     * A route as the source gave it: {@code nhid} &gt; 0 when it points at a nexthop object, else
     * {@code paths}; {@code unsupported} says why it cannot be followed whatever the ports (a
     * blackhole, a gateway of another family...), or is null.
     */
    public record SourceRoute(Prefix prefix, int table, int protocol, int metric, int nhid, List<Path> paths, String unsupported) {
    }

    /** A nexthop object as the source gave it: one gateway ({@code gateway}) or a group ({@code members} with {@code weights}). */
    public record SourceNexthop(int id, Path gateway, int[] members, int[] weights, String unsupported) {
        boolean group() {
            return members != null;
        }
    }

    /** One change the source reported. */
    public sealed interface Update {
    }

    public record RouteUpdate(SourceRoute route, boolean deleted) implements Update {
    }

    public record NexthopUpdate(SourceNexthop nexthop, boolean deleted) implements Update {
    }

    /** How many routes are not followed for one reason, with one of them as an example. */
    public record Reason(String reason, int routes, Prefix example) {
    }

    /**
     * The source's routes for one prefix, by metric: almost always one, held without a map (a
     * full table is a million prefixes); a TreeMap, lowest metric first, once a second metric comes.
     */
    private static final class ByMetric {
        private SourceRoute only;
        private TreeMap<Integer, SourceRoute> more;

        ByMetric(SourceRoute r) {
            only = r;
        }

        SourceRoute get(int metric) {
            return more != null ? more.get(metric) : only != null && only.metric() == metric ? only : null;
        }

        void put(SourceRoute r) {
            if (more != null) {
                more.put(r.metric(), r);
            } else if (only == null || only.metric() == r.metric()) {
                only = r;
            } else {
                more = new TreeMap<>();
                more.put(only.metric(), only);
                more.put(r.metric(), r);
                only = null;
            }
        }

        void remove(int metric) {
            if (more != null) {
                more.remove(metric);
            } else if (only != null && only.metric() == metric) {
                only = null;
            }
        }

        void removeIf(Predicate<SourceRoute> which) {
            if (more != null) {
                more.values().removeIf(which);
            } else if (only != null && which.test(only)) {
                only = null;
            }
        }

        boolean isEmpty() {
            return more != null ? more.isEmpty() : only == null;
        }

        /** The route of the lowest metric (there is one: empty entries are removed). */
        SourceRoute best() {
            return more != null ? more.firstEntry().getValue() : only;
        }

        Collection<SourceRoute> values() {
            return more != null ? more.values() : only == null ? List.of() : List.of(only);
        }
    }

    private final String name;
    private final String description;
    private final int table;
    private final Set<Integer> protocols;
    private final Journal journal;
    private final Routes routes;
    private final Rib rib;
    private final Map<Prefix, ByMetric> given = new HashMap<>();
    private final Map<Integer, SourceNexthop> nexthops = new HashMap<>();
    /** Prefixes with a route (any metric) pointing at each nexthop object. */
    private final Map<Integer, Set<Prefix>> users = new HashMap<>();
    /** Why the source's route for a prefix is not in the RIB (journalled with the RIB). */
    private final Map<Prefix, String> notFollowed = new HashMap<>();
    private long updates;
    private long resyncs;
    private String lastError;

    FollowedRoutes(String name, String description, int table, Set<Integer> protocols, Journal journal, Routes routes, Rib rib) {
        this.name = name;
        this.description = description;
        this.table = table;
        this.protocols = Set.copyOf(protocols);
        this.journal = journal;
        this.routes = routes;
        this.rib = rib;
    }

    /** The source's short name ("kernel", "fpm"). */
    public String name() {
        return name;
    }

    /** Where the routes come from, as messages say it ("the kernel's table 254"). */
    public String description() {
        return description;
    }

    public int table() {
        return table;
    }

    public Set<Integer> protocols() {
        return protocols;
    }

    /** Updates and full resynchronisations applied so far. */
    public long updates() {
        return updates;
    }

    public long resyncs() {
        return resyncs;
    }

    /** Routes of the source's table, at their best metric (followed or not). */
    public int givenRoutes() {
        return given.size();
    }

    public int givenNexthops() {
        return nexthops.size();
    }

    /** The last update the tables refused, or null. */
    public String lastError() {
        return lastError;
    }

    void lastError(String error) {
        lastError = error;
    }

    /** Routes in the RIB that came from this source. */
    public int followedRoutes() {
        int n = 0;
        for (Route r : routes.routes.values()) {
            if (description.equals(r.source())) {
                n++;
            }
        }
        return n;
    }

    /** The routes not followed, by reason (most frequent first). */
    public List<Reason> notFollowed() {
        Map<String, Reason> by = new HashMap<>();
        for (Map.Entry<Prefix, String> e : notFollowed.entrySet()) {
            Reason r = by.get(e.getValue());
            Prefix example = r == null || e.getKey().compareTo(r.example()) < 0 ? e.getKey() : r.example();
            by.put(e.getValue(), new Reason(e.getValue(), r == null ? 1 : r.routes() + 1, example));
        }
        List<Reason> out = new ArrayList<>(by.values());
        out.sort((a, b) -> a.routes() != b.routes() ? Integer.compare(b.routes(), a.routes()) : a.reason().compareTo(b.reason()));
        return out;
    }

    // ---------------------------------------------------------------- changes

    /** Applies what the source reported, in order, inside the open transaction. */
    void apply(List<Update> batch) {
        Set<Prefix> touched = new LinkedHashSet<>();
        for (Update u : batch) {
            switch (u) {
                case RouteUpdate ru -> route(ru.route(), ru.deleted(), touched);
                case NexthopUpdate nu -> nexthop(nu.nexthop(), nu.deleted(), touched);
            }
        }
        updates++;
        for (Prefix p : touched) {
            recompute(p);
        }
    }

    /**
     * Replaces everything the source gave with a fresh dump of it (after the source lost
     * notifications, or reconnected), inside the open transaction; routes that stay the same are
     * not touched.
     */
    void resync(List<SourceNexthop> allNexthops, List<SourceRoute> allRoutes) {
        Set<Prefix> touched = new HashSet<>(given.keySet());
        given.clear();
        nexthops.clear();
        users.clear();
        for (SourceNexthop n : allNexthops) {
            nexthops.put(n.id(), n);
        }
        for (SourceRoute r : allRoutes) {
            route(r, false, touched);
        }
        resyncs++;
        for (Prefix p : touched) {
            recompute(p);
        }
    }

    /** A route configured here for {@code prefix} was deleted: the source's route, if any, takes its place. */
    void reoffer(Prefix prefix) {
        if (given.containsKey(prefix)) {
            recompute(prefix);
        }
    }

    private void route(SourceRoute r, boolean deleted, Set<Prefix> touched) {
        if (r.table() != table) {
            return;
        }
        ByMetric byMetric = given.get(r.prefix());
        SourceRoute old = byMetric == null ? null : byMetric.get(r.metric());
        if (old != null && old.nhid() != 0) {
            Set<Prefix> u = users.get(old.nhid());
            if (u != null && (byMetric.values().stream().filter(x -> x.nhid() == old.nhid()).count() == 1)) {
                u.remove(r.prefix());
            }
        }
        if (deleted) {
            if (old == null) {
                return;
            }
            byMetric.remove(r.metric());
            if (byMetric.isEmpty()) {
                given.remove(r.prefix());
            }
        } else {
            if (byMetric == null) {
                given.put(r.prefix(), new ByMetric(r));
            } else {
                byMetric.put(r);
            }
            if (r.nhid() != 0) {
                users.computeIfAbsent(r.nhid(), k -> new HashSet<>()).add(r.prefix());
            }
        }
        touched.add(r.prefix());
    }

    private void nexthop(SourceNexthop n, boolean deleted, Set<Prefix> touched) {
        touched.addAll(affectedBy(n.id()));
        if (!deleted) {
            nexthops.put(n.id(), n);
            return;
        }
        // The kernel deletes the routes using a deleted nexthop, and shrinks the groups holding
        // it, without telling: do the same.
        nexthops.remove(n.id());
        forgetRoutesOf(n.id());
        for (SourceNexthop g : List.copyOf(nexthops.values())) {
            if (!g.group() || !contains(g.members(), n.id())) {
                continue;
            }
            int keep = g.members().length - 1;
            if (keep == 0) {
                nexthops.remove(g.id());
                forgetRoutesOf(g.id());
                continue;
            }
            int[] members = new int[keep];
            int[] weights = new int[keep];
            for (int i = 0, j = 0; i < g.members().length; i++) {
                if (g.members()[i] != n.id()) {
                    members[j] = g.members()[i];
                    weights[j++] = g.weights()[i];
                }
            }
            nexthops.put(g.id(), new SourceNexthop(g.id(), null, members, weights, g.unsupported()));
        }
    }

    /** The prefixes whose routes point at nexthop {@code id} or at a group holding it. */
    private Set<Prefix> affectedBy(int id) {
        Set<Prefix> out = new HashSet<>(users.getOrDefault(id, Set.of()));
        for (SourceNexthop g : nexthops.values()) {
            if (g.group() && contains(g.members(), id)) {
                out.addAll(users.getOrDefault(g.id(), Set.of()));
            }
        }
        return out;
    }

    private void forgetRoutesOf(int id) {
        Set<Prefix> u = users.remove(id);
        if (u == null) {
            return;
        }
        for (Prefix p : u) {
            ByMetric byMetric = given.get(p);
            if (byMetric != null) {
                byMetric.removeIf(r -> r.nhid() == id);
                if (byMetric.isEmpty()) {
                    given.remove(p);
                }
            }
        }
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    /** Makes the RIB's route for {@code p} what the source's best route says, or says why not. */
    private void recompute(Prefix p) {
        ByMetric byMetric = given.get(p);
        SourceRoute best = byMetric == null ? null : byMetric.best();
        Route current = routes.get(p);
        boolean ours = current != null && description.equals(current.source());
        if (best == null) {
            if (ours) {
                routes.unfollow(p);
            }
            setReason(p, null);
            return;
        }
        List<Path> paths = new ArrayList<>(2); // most routes have one or two paths
        String reason = resolve(best, paths);
        if (reason == null && current != null && !ours) {
            reason = current.followed() ? "the prefix is followed from " + current.source() + " already"
                    : "a route configured here for the prefix wins";
        }
        if (reason != null) {
            if (ours) {
                routes.unfollow(p);
            }
            setReason(p, reason);
            return;
        }
        setReason(p, null);
        List<Hop> hops = new ArrayList<>(paths.size());
        for (Path x : paths) {
            hops.add(new Hop(x.via(), x.dev(), x.weight()));
        }
        if (ours && current.protocol() == best.protocol() && current.metric() == best.metric() && sameHops(current, paths)
                && routes.sharesGroupOf(current, best.nhid())) {
            return;
        }
        // a path without a gateway is a connected route: the destination is the neighbour (IPv4: scope link)
        boolean connected = hops.size() == 1 && hops.get(0).via() == null && !p.v6();
        routes.follow(p, hops, best.protocol(), best.metric(), connected ? RouteScope.LINK : RouteScope.GLOBAL, description, best.nhid());
    }

    /** Fills {@code paths} with the route's gateways; returns why it cannot be followed, or null. */
    private String resolve(SourceRoute r, List<Path> paths) {
        if (!protocols.isEmpty() && !protocols.contains(r.protocol())) {
            return "proto " + RouteProtocol.name(r.protocol()) + " is not among the followed protocols";
        }
        if (r.unsupported() != null) {
            return r.unsupported();
        }
        if (r.nhid() == 0) {
            for (int i = 0; i < r.paths().size(); i++) {
                paths.add(r.paths().get(i)); // not addAll: its array copy was the largest garbage of a followed full table
            }
        } else {
            SourceNexthop n = nexthops.get(r.nhid());
            if (n == null) {
                return "nexthop id " + r.nhid() + " is not known";
            }
            if (n.unsupported() != null) {
                return "nexthop id " + n.id() + ": " + n.unsupported();
            }
            if (!n.group()) {
                paths.add(n.gateway());
            } else {
                for (int i = 0; i < n.members().length; i++) {
                    SourceNexthop m = nexthops.get(n.members()[i]);
                    if (m == null || m.group()) {
                        return "group " + n.id() + " member " + n.members()[i] + (m == null ? " is not known" : " is a group");
                    }
                    if (m.unsupported() != null) {
                        return "nexthop id " + m.id() + ": " + m.unsupported();
                    }
                    Path g = m.gateway();
                    paths.add(new Path(g.via(), g.dev(), g.ifindex(), n.weights()[i]));
                }
            }
        }
        if (paths.isEmpty()) {
            return "no live path (every nexthop is dead)";
        }
        Set<Path> seen = paths.size() > 1 ? new HashSet<>() : null; // one path cannot repeat: a full table is mostly such routes
        for (Path x : paths) {
            if (x.via() == null && paths.size() > 1) {
                return "a multipath route with a path without a gateway";
            }
            if (x.via() == null && r.prefix().v6() && (r.prefix().address().hi() >>> 54) == (0xfe80L >>> 6)) {
                return "an IPv6 link-local subnet (not forwarded)";
            }
            if (x.dev() == null) {
                return "device ifindex " + x.ifindex() + " is not a port of this dataplane";
            }
            if (x.via() != null && x.via().v6() != r.prefix().v6()) {
                return "a gateway of the other address family";
            }
            if (seen != null && !seen.add(new Path(x.via(), x.dev(), 0, 0))) {
                return "the same gateway twice";
            }
        }
        return null;
    }

    private boolean sameHops(Route current, List<Path> paths) {
        if (current.nhid() != 0 || current.hops().size() != paths.size()) {
            return false;
        }
        for (int i = 0; i < paths.size(); i++) {
            RouteHop h = current.hops().get(i);
            Path x = paths.get(i);
            if (!java.util.Objects.equals(h.via(), x.via()) || h.weight() != x.weight() || !rib.portName(h.port()).equals(x.dev())) {
                return false;
            }
        }
        return true;
    }

    private void setReason(Prefix p, String reason) {
        if (!java.util.Objects.equals(notFollowed.get(p), reason)) {
            journal.put(notFollowed, p, reason);
        }
    }
}
