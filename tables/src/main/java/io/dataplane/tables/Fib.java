package io.dataplane.tables;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.collections.Hashing;
import org.agrona.collections.Long2LongHashMap;

/**
 * The FIB: all forwarding state (LPM tables, nexthop and group tables, the published snapshot)
 * and its single writer's protocol. The control thread builds a
 * {@link Change} and commits it; workers read {@link #snapshot()} once per burst.
 *
 * <p>Commit order, so that no packet ever sees a route pointing at a slot its snapshot lacks, and
 * no replace ever shows "no route":
 * <ol>
 * <li>validate the whole change against the state it will produce; on error nothing changes;
 * <li>publish a snapshot with the new and replaced nexthops and groups (one release store);
 * <li>if routes will point at slots that did not exist before, wait until every worker has moved
 *     past its current burst ({@link Quiescence#synchronize()}), so every worker has that snapshot;
 * <li>write the LPM entries (each an atomic store; replaced in place, never deleted then added);
 * <li>publish a snapshot without the removed nexthops and groups (routes no longer reach them).
 * </ol>
 */
public final class Fib implements AutoCloseable {
    private final FibLimits limits;
    private final Quiescence quiescence;
    private final Lpm4 lpm4;
    private final Lpm6 lpm6;
    private final AtomicReference<Snapshot> current;
    /**
     * Routes pointing at each nexthop / group slot, so a slot still in use cannot be removed. The
     * RIB counts users too, but of its own things (routes per gateway and per nexthop object, to
     * share and free slots and to name the users in messages); this count is the tables' guard for
     * every writer (RIB, demo, benchmarks): workers read a route's slot without checking it exists.
     */
    private final int[] nexthopRoutes;
    private final int[] groupRoutes;

    public Fib(FibLimits limits) {
        this.limits = limits;
        this.quiescence = new Quiescence(limits.workers());
        this.lpm4 = new Lpm4(limits.lpm4Tbl8Groups(), quiescence);
        this.lpm6 = new Lpm6(limits.lpm6Groups(), quiescence);
        this.nexthopRoutes = new int[limits.nexthops()];
        this.groupRoutes = new int[limits.groups()];
        this.current = new AtomicReference<>(
                new Snapshot(1, HashConfiguration.DEFAULT, NexthopTable.empty(), GroupTable.empty(), lpm4, lpm6));
    }

    public FibLimits limits() {
        return limits;
    }

    /** The current version; workers call this once per burst. */
    public Snapshot snapshot() {
        return current.getAcquire();
    }

    public Quiescence quiescence() {
        return quiescence;
    }

    /** Starts a change; nothing happens until {@link Change#commit()}. */
    public Change change() {
        return new Change(this);
    }

    synchronized void commit(Change c) {
        Snapshot before = current.get();
        Validated v = validate(c, before);

        NexthopTable nexthops = before.nexthops;
        GroupTable groups = before.groups;
        if (!v.nexthopSets.isEmpty() || !v.groupSets.isEmpty()) {
            nexthops = nexthops.with(v.nexthopSets);
            groups = groups.with(v.groupSets, nexthops, limits.workers());
        }
        HashConfiguration hash = c.hash != null ? c.hash
                : c.hashSeed != null ? before.hash.withSeed(c.hashSeed) : before.hash;
        Snapshot added = before;
        if (nexthops != before.nexthops || !hash.equals(before.hash)) {
            added = publish(before, hash, nexthops, groups);
        }
        if (v.routesReachNewSlots) {
            quiescence.synchronize();
        }
        applyRoutes(c.routes, v.previousTargets, before, added);
        if (!v.nexthopRemovals.isEmpty() || !v.groupRemovals.isEmpty()) {
            NexthopTable fewer = nexthops.with(v.nexthopRemovals);
            publish(added, hash, fewer, groups.with(v.groupRemovals, fewer, limits.workers()));
        }
    }

    private Snapshot publish(Snapshot previous, HashConfiguration hash, NexthopTable nexthops, GroupTable groups) {
        Snapshot next = new Snapshot(previous.version + 1, hash, nexthops, groups, lpm4, lpm6);
        current.setRelease(next);
        return next;
    }

    /**
     * Writes route changes with an undo log, so a failure (LPM capacity, known only when an add
     * finds no free group) leaves the routes as they were. The RIB's journal cannot do this: it
     * undoes the RIB's model, while this undoes the LPM writes already made by this commit.
     * {@code was} holds the target each op replaces, as {@link #validate} found it.
     */
    private void applyRoutes(List<Change.RouteOp> ops, int[] was, Snapshot before, Snapshot added) {
        int applied = 0;
        try {
            for (Change.RouteOp op : ops) {
                int old = was[applied];
                op.apply(lpm4, lpm6);
                applied++;
                count(old, -1);
                count(op.target(), +1);
            }
        } catch (RuntimeException e) {
            for (int i = applied - 1; i >= 0; i--) {
                Change.RouteOp back = ops.get(i).withTarget(was[i]);
                int now = back.currentTarget(lpm4, lpm6);
                back.apply(lpm4, lpm6);
                count(now, -1);
                count(back.target(), +1);
            }
            if (added != before) {
                publish(added, before.hash, before.nexthops, before.groups);
            }
            throw e;
        }
    }

    private void count(int target, int delta) {
        if (target == RouteTarget.NONE || RouteTarget.isType(target)) {
            return;
        }
        int[] refs = RouteTarget.isGroup(target) ? groupRoutes : nexthopRoutes;
        refs[RouteTarget.index(target)] += delta;
    }

    private record Validated(Map<Integer, Nexthop> nexthopSets, Map<Integer, GroupSpec> groupSets,
                             Map<Integer, Nexthop> nexthopRemovals, Map<Integer, GroupSpec> groupRemovals,
                             boolean routesReachNewSlots, int[] previousTargets) {
    }

    private Validated validate(Change c, Snapshot s) {
        Map<Integer, Nexthop> nhSets = new java.util.HashMap<>();
        Map<Integer, Nexthop> nhRemovals = new java.util.HashMap<>();
        c.nexthops.forEach((i, nh) -> (nh == null ? nhRemovals : nhSets).put(i, nh));
        Map<Integer, GroupSpec> gSets = new java.util.HashMap<>();
        Map<Integer, GroupSpec> gRemovals = new java.util.HashMap<>();
        c.groups.forEach((i, g) -> (g == null ? gRemovals : gSets).put(i, g));

        for (int i : nhRemovals.keySet()) {
            if (s.nexthops.get(i) == null) {
                throw new IllegalArgumentException("nexthop slot " + i + " does not exist");
            }
        }
        for (int i : gRemovals.keySet()) {
            if (s.groups.get(i) == null) {
                throw new IllegalArgumentException("group slot " + i + " does not exist");
            }
        }
        // Every group of the resulting table must name only nexthops that will exist.
        int groupSlots = Math.max(s.groups.size(), gSets.keySet().stream().mapToInt(k -> k + 1).max().orElse(0));
        for (int g = 0; g < groupSlots; g++) {
            GroupSpec spec = c.groups.containsKey(g) ? c.groups.get(g) : s.groups.get(g);
            if (spec == null) {
                continue;
            }
            for (int nh : spec.nexthops()) {
                boolean exists = c.nexthops.containsKey(nh) ? c.nexthops.get(nh) != null : s.nexthops.get(nh) != null;
                if (!exists) {
                    throw new IllegalArgumentException("group slot " + g + " names nexthop slot " + nh
                            + (nhRemovals.containsKey(nh) ? ", which this change removes" : ", which does not exist"));
                }
            }
        }
        // Routes: each target must exist afterwards; count references as they will be.
        Map<Integer, Integer> refDelta = new java.util.HashMap<>();
        // Only removals need the counts: a table loaded in one change has none.
        boolean counting = !nhRemovals.isEmpty() || !gRemovals.isEmpty();
        // The target each route will have had before its op, for a route the change sets twice:
        // IPv4 keys in a primitive map (a full table is a million of them), IPv6 in a HashMap.
        // Sized for every op up front: grown step by step to a full table's million keys, it was rehashed at every doubling.
        Long2LongHashMap pending4 = new Long2LongHashMap(Math.max(8, (int) Math.min(1 << 29, c.routes.size() * 2L)),
                Hashing.DEFAULT_LOAD_FACTOR, Long.MIN_VALUE); // NONE (-1) is a value: a route deleted
        Map<Change.RouteKey, Integer> pending6 = new java.util.HashMap<>();
        int[] previous = new int[c.routes.size()]; // what each op replaces, for applyRoutes and its undo
        int opIndex = 0;
        boolean reachNew = false;
        for (Change.RouteOp op : c.routes) {
            Change.RouteKey key = op.v6() ? op.key() : null;
            long key4 = op.hi() << 6 | op.length(); // v4: the prefix above its length
            long seen4 = op.v6() ? Long.MIN_VALUE : pending4.get(key4);
            Integer seen6 = op.v6() ? pending6.get(key) : null;
            int old = seen6 != null ? seen6 : seen4 != Long.MIN_VALUE ? (int) seen4 : op.currentTarget(lpm4, lpm6);
            previous[opIndex++] = old;
            if (op.target() == RouteTarget.NONE && old == RouteTarget.NONE) {
                throw new IllegalArgumentException("route " + op.key() + " does not exist");
            }
            if (op.target() != RouteTarget.NONE && !RouteTarget.isType(op.target())) {
                int idx = RouteTarget.index(op.target());
                boolean group = RouteTarget.isGroup(op.target());
                boolean existsAfter = group
                        ? (c.groups.containsKey(idx) ? c.groups.get(idx) != null : s.groups.get(idx) != null)
                        : (c.nexthops.containsKey(idx) ? c.nexthops.get(idx) != null : s.nexthops.get(idx) != null);
                if (!existsAfter) {
                    throw new IllegalArgumentException("route " + op.key() + " points at " + RouteTarget.toString(op.target())
                            + ", which does not exist");
                }
                boolean existsBefore = group ? s.groups.get(idx) != null : s.nexthops.get(idx) != null;
                reachNew |= !existsBefore;
            }
            if (op.v6()) {
                pending6.put(key, op.target());
            } else {
                pending4.put(key4, op.target());
            }
            if (counting) {
                refDelta.merge(old, -1, Integer::sum);
                refDelta.merge(op.target(), 1, Integer::sum);
            }
        }
        for (int i : nhRemovals.keySet()) {
            int refs = nexthopRoutes[i] + refDelta.getOrDefault(RouteTarget.nexthop(i), 0);
            if (refs > 0) {
                throw new IllegalArgumentException("nexthop slot " + i + " is still used by " + refs + " route(s)");
            }
        }
        for (int i : gRemovals.keySet()) {
            int refs = groupRoutes[i] + refDelta.getOrDefault(RouteTarget.group(i), 0);
            if (refs > 0) {
                throw new IllegalArgumentException("group slot " + i + " is still used by " + refs + " route(s)");
            }
        }
        return new Validated(nhSets, gSets, nhRemovals, gRemovals, reachNew, previous);
    }

    @Override
    public void close() {
        lpm4.close();
        lpm6.close();
    }
}
