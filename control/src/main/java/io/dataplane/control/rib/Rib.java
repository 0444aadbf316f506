package io.dataplane.control.rib;

import io.dataplane.control.command.Command;
import io.dataplane.control.command.Command.*;
import io.dataplane.control.command.CommandException;
import io.dataplane.control.command.IpAddress;
import io.dataplane.control.command.PortSpec;
import io.dataplane.control.command.Prefix;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.MacAddress;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.RouteTarget;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The routing information base: the rich, on-heap model of ports, neighbours, nexthop objects
 * and routes, and the table slots they occupy. Owned by the control thread alone.
 *
 * <p>Changes happen inside a transaction: {@link #apply} validates a command against the current
 * state, then mutates the model while journalling how to undo each step; {@link #commit()} returns
 * the {@link TableDelta} for the forwarding tables, {@link #rollback()} restores the model exactly.
 *
 * <p>Slots: a route {@code via ADDR dev PORT} shares one nexthop slot with every other route through
 * the same gateway; a route with several gateways owns a group slot, which a replace rewrites in
 * place so that traffic sees the whole old group or the whole new one. Nexthop objects ({@code id})
 * own their slot; replacing one rewrites it in place.
 */
public final class Rib {

    /** A declared port: its spec, table index, source MAC and MTU, and admin state. */
    public record PortEntry(int index, PortSpec spec, long mac, int mtu, boolean up) {
        public String name() {
            return spec.name();
        }
    }

    /** What a nexthop slot holds: the gateway and the rewrite data derived from port and neighbour. */
    public record SlotNexthop(IpAddress via, int port, long dstMac, long srcMac, int mtu, boolean alive, boolean resolved) {
    }

    /** A nexthop object created with {@code nexthop add id ID}. */
    public sealed interface NexthopObject {
        int id();
    }

    /** {@code nexthop add id ID via ADDR dev PORT}: owns nexthop slot {@code slot}. */
    public record GatewayObject(int id, IpAddress via, int port, int slot) implements NexthopObject {
    }

    /** {@code nexthop add id ID group ...}: owns group slot {@code slot}. */
    public record GroupObject(int id, List<Member> members, MultipathAlgorithm mpalgo, int slot) implements NexthopObject {
    }

    /** A gateway of a route, resolved to a port index, with its weight. */
    public record RouteHop(IpAddress via, int port, int weight) {
    }

    /**
     * A route: inline gateways ({@code hops}, with {@code mpalgo} when there are several) or a
     * nexthop object ({@code nhid} &gt; 0); {@code target} is what the LPM entry holds and
     * {@code ownGroup} the group slot this route owns (-1 if none).
     */
    public record Route(Prefix prefix, List<RouteHop> hops, MultipathAlgorithm mpalgo, int nhid, int target, int ownGroup) {
    }

    private record GatewayKey(IpAddress via, int port) {
    }

    private record SharedSlot(int slot, int users) {
    }

    /** The algorithm a multipath route or group uses when none is named (the kernel's default policy). */
    public static final MultipathAlgorithm DEFAULT_MPALGO = MultipathAlgorithm.L3;

    private final SlotAllocator nexthopSlotAlloc;
    private final SlotAllocator groupSlotAlloc;
    private final Journal journal = new Journal();

    private final List<PortEntry> ports = new ArrayList<>();
    private final Map<GatewayKey, Long> neighbours = new HashMap<>();
    /** Neighbours the kernel resolved (ARP/ND) on the ports' devices; static entries win over them. */
    private final Map<GatewayKey, Long> learned = new HashMap<>();
    /** Ports whose device reported no carrier (link down in the kernel). */
    private final java.util.Set<Integer> noCarrier = new java.util.HashSet<>();
    private final TreeMap<Integer, NexthopObject> objects = new TreeMap<>();
    private final Map<Integer, Integer> objectRouteUsers = new HashMap<>();
    private final Map<GatewayKey, SharedSlot> sharedSlots = new HashMap<>();
    private final Map<Prefix, Route> routes = new HashMap<>();
    private final Map<Integer, SlotNexthop> nexthopSlots = new HashMap<>();
    private final Map<Integer, GroupSpec> groupSlots = new HashMap<>();
    private io.dataplane.ffi.dpdk.EalOptions dpdkEal;
    private int hashSeed;

    // What the published tables held before the open transaction touched an entry (null = absent).
    private final Map<Prefix, Integer> routeBefore = new HashMap<>();
    private final Map<Integer, SlotNexthop> nexthopBefore = new HashMap<>();
    private final Map<Integer, GroupSpec> groupBefore = new HashMap<>();
    private Integer hashSeedBefore;

    public Rib(int nexthopSlots, int groupSlots) {
        this.nexthopSlotAlloc = new SlotAllocator("nexthop", nexthopSlots);
        this.groupSlotAlloc = new SlotAllocator("group", groupSlots);
    }

    // ---------------------------------------------------------------- transactions

    /**
     * Applies one state-changing command to the model, inside the open transaction. Throws
     * {@link CommandException} for anything wrong; the caller then rolls the transaction back.
     */
    public void apply(Command c) {
        switch (c) {
            case RouteSet r -> routeSet(r);
            case RouteDel r -> routeDel(r);
            case NexthopSet n -> nexthopSet(n);
            case NexthopDel n -> nexthopDel(n);
            case NeighAdd n -> neighAdd(n);
            case NeighDel n -> neighDel(n);
            case LinkSet l -> linkSet(l);
            case SetHashSeed s -> {
                int before = hashSeed;
                if (hashSeedBefore == null) {
                    hashSeedBefore = before;
                }
                hashSeed = s.seed();
                journal.undo(() -> hashSeed = before);
            }
            case PortAdd p -> portAdd(p.port());
            case DpdkEal d -> {
                if (dpdkEal != null) {
                    throw new CommandException("'dpdk eal' is given twice; put every EAL argument on one 'dpdk eal ...' line");
                }
                dpdkEal = d.options();
                journal.undo(() -> dpdkEal = null);
            }
            default -> throw new IllegalArgumentException(c + " does not change the RIB");
        }
    }

    /**
     * What the tables must change for the open transaction, to be published as one version. The
     * transaction stays open: {@link #commit()} ends it once the tables accepted the change, and
     * {@link #rollback()} if they did not.
     */
    public TableDelta prepare() {
        var nhs = new TreeMap<Integer, SlotNexthop>();
        var nhDel = new TreeSet<Integer>();
        nexthopBefore.forEach((slot, before) -> {
            SlotNexthop now = nexthopSlots.get(slot);
            if (now == null) {
                if (before != null) {
                    nhDel.add(slot);
                }
            } else if (!now.equals(before)) {
                nhs.put(slot, now);
            }
        });
        var grs = new TreeMap<Integer, GroupSpec>();
        var grDel = new TreeSet<Integer>();
        groupBefore.forEach((slot, before) -> {
            GroupSpec now = groupSlots.get(slot);
            if (now == null) {
                if (before != null) {
                    grDel.add(slot);
                }
            } else if (!now.equals(before)) {
                grs.put(slot, now);
            }
        });
        var rts = new LinkedHashMap<Prefix, Integer>();
        routeBefore.forEach((prefix, before) -> {
            Route now = routes.get(prefix);
            int was = before == null ? RouteTarget.NONE : before;
            int is = now == null ? RouteTarget.NONE : now.target();
            if (was != is) {
                rts.put(prefix, is);
            }
        });
        Integer seed = hashSeedBefore != null && hashSeedBefore != hashSeed ? hashSeed : null;
        return new TableDelta(nhs, nhDel, grs, grDel, seed, rts);
    }

    /** Ends the transaction: its changes are published and its released slots become reusable. */
    public void commit() {
        clearTransaction();
        nexthopSlotAlloc.commit();
        groupSlotAlloc.commit();
    }

    /** Ends the transaction, undoing every change it made. */
    public void rollback() {
        journal.rollback();
        clearTransaction();
    }

    private void clearTransaction() {
        journal.forget();
        routeBefore.clear();
        nexthopBefore.clear();
        groupBefore.clear();
        hashSeedBefore = null;
    }

    /** Everything the tables should hold, as one delta from empty tables (for a fresh Forwarding). */
    public TableDelta fullState() {
        var rts = new LinkedHashMap<Prefix, Integer>();
        routes.values().forEach(r -> rts.put(r.prefix(), r.target()));
        return new TableDelta(new TreeMap<>(nexthopSlots), new TreeSet<>(), new TreeMap<>(groupSlots), new TreeSet<>(),
                hashSeed, rts);
    }

    // ---------------------------------------------------------------- routes

    private void routeSet(RouteSet r) {
        Route old = routes.get(r.prefix());
        if (r.op() == Op.ADD && old != null) {
            throw new CommandException("route " + r.prefix() + " already exists (" + describe(old)
                    + "); use 'route replace' to change it");
        }
        Route next = switch (r.spec()) {
            case Gateways g -> {
                List<RouteHop> hops = resolveHops(g.hops(), r.prefix());
                if (g.mpalgo() != null && hops.size() < 2) {
                    throw new CommandException("mpalgo needs a multipath route (two or more 'nexthop via ...'); "
                            + r.prefix() + " has one gateway");
                }
                MultipathAlgorithm algo = g.mpalgo() == null ? DEFAULT_MPALGO : g.mpalgo();
                int[] slots = new int[hops.size()];
                for (int i = 0; i < hops.size(); i++) {
                    slots[i] = acquireShared(hops.get(i).via(), hops.get(i).port());
                }
                if (hops.size() == 1) {
                    yield new Route(r.prefix(), hops, null, 0, RouteTarget.nexthop(slots[0]), -1);
                }
                int group = old != null && old.ownGroup() >= 0 ? old.ownGroup() : groupSlotAlloc.allocate(journal);
                int[] weights = hops.stream().mapToInt(RouteHop::weight).toArray();
                putGroupSlot(group, new GroupSpec(slots, weights, algo));
                yield new Route(r.prefix(), hops, algo, 0, RouteTarget.group(group), group);
            }
            case NexthopRef ref -> {
                NexthopObject o = objects.get(ref.id());
                if (o == null) {
                    throw new CommandException("nexthop id " + ref.id() + " does not exist; create it with 'nexthop add id "
                            + ref.id() + " ...' first");
                }
                int users = objectRouteUsers.getOrDefault(ref.id(), 0);
                mapPut(objectRouteUsers, ref.id(), users + 1);
                int target = o instanceof GatewayObject gw ? RouteTarget.nexthop(gw.slot()) : RouteTarget.group(((GroupObject) o).slot());
                yield new Route(r.prefix(), List.of(), null, ref.id(), target, -1);
            }
        };
        if (old != null) {
            releaseRoute(old, next.ownGroup() == old.ownGroup());
        }
        putRoute(r.prefix(), next);
    }

    private void routeDel(RouteDel d) {
        Route old = routes.get(d.prefix());
        if (old == null) {
            throw new CommandException("no route " + d.prefix() + " to delete; 'route show' lists the routes");
        }
        if (d.spec() != null && !matches(old, d.spec())) {
            throw new CommandException("route " + d.prefix() + " is '" + describe(old)
                    + "', which does not match the given gateways; give just the prefix to delete it");
        }
        releaseRoute(old, false);
        putRoute(d.prefix(), null);
    }

    private boolean matches(Route r, RouteSpec spec) {
        return switch (spec) {
            case NexthopRef ref -> r.nhid() == ref.id();
            case Gateways g -> {
                if (r.nhid() != 0 || g.hops().size() != r.hops().size()) {
                    yield false;
                }
                for (Hop h : g.hops()) {
                    PortEntry p = port(h.dev(), null);
                    if (p == null || r.hops().stream().noneMatch(x -> x.via().equals(h.via()) && x.port() == p.index())) {
                        yield false;
                    }
                }
                yield true;
            }
        };
    }

    private List<RouteHop> resolveHops(List<Hop> hops, Prefix where) {
        List<RouteHop> out = new ArrayList<>();
        for (Hop h : hops) {
            PortEntry p = port(h.dev(), "route " + where);
            RouteHop rh = new RouteHop(h.via(), p.index(), h.weight());
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
    private void releaseRoute(Route r, boolean keepGroup) {
        for (RouteHop h : r.hops()) {
            releaseShared(h.via(), h.port());
        }
        if (r.ownGroup() >= 0 && !keepGroup) {
            putGroupSlot(r.ownGroup(), null);
            groupSlotAlloc.release(r.ownGroup(), journal);
        }
        if (r.nhid() != 0) {
            int users = objectRouteUsers.get(r.nhid());
            mapPut(objectRouteUsers, r.nhid(), users == 1 ? null : users - 1);
        }
    }

    private int acquireShared(IpAddress via, int port) {
        GatewayKey k = new GatewayKey(via, port);
        SharedSlot s = sharedSlots.get(k);
        if (s != null) {
            mapPut(sharedSlots, k, new SharedSlot(s.slot(), s.users() + 1));
            return s.slot();
        }
        int slot = nexthopSlotAlloc.allocate(journal);
        putNexthopSlot(slot, gateway(via, port));
        mapPut(sharedSlots, k, new SharedSlot(slot, 1));
        return slot;
    }

    private void releaseShared(IpAddress via, int port) {
        GatewayKey k = new GatewayKey(via, port);
        SharedSlot s = sharedSlots.get(k);
        if (s.users() > 1) {
            mapPut(sharedSlots, k, new SharedSlot(s.slot(), s.users() - 1));
            return;
        }
        mapPut(sharedSlots, k, null);
        putNexthopSlot(s.slot(), null);
        nexthopSlotAlloc.release(s.slot(), journal);
    }

    // ---------------------------------------------------------------- nexthop objects

    private void nexthopSet(NexthopSet n) {
        NexthopObject old = objects.get(n.id());
        if (n.op() == Op.ADD && old != null) {
            throw new CommandException("nexthop id " + n.id() + " already exists; use 'nexthop replace id " + n.id()
                    + " ...' to change it or pick another id");
        }
        if (old != null && (old instanceof GroupObject) != n.isGroup()) {
            throw new CommandException("nexthop id " + n.id() + " is a " + (n.isGroup() ? "single nexthop" : "group")
                    + " and cannot be replaced by a " + (n.isGroup() ? "group" : "single nexthop")
                    + "; delete it (after moving its users) and add it again");
        }
        if (!n.isGroup()) {
            PortEntry p = port(n.hop().dev(), "nexthop id " + n.id());
            int slot = old != null ? ((GatewayObject) old).slot() : nexthopSlotAlloc.allocate(journal);
            putNexthopSlot(slot, gateway(n.hop().via(), p.index()));
            mapPut(objects, n.id(), new GatewayObject(n.id(), n.hop().via(), p.index(), slot));
            return;
        }
        int[] slots = new int[n.members().size()];
        int[] weights = new int[slots.length];
        for (int i = 0; i < slots.length; i++) {
            Member m = n.members().get(i);
            NexthopObject o = objects.get(m.id());
            if (o == null) {
                throw new CommandException("group " + n.id() + " names nexthop " + m.id()
                        + ", which does not exist; add it with 'nexthop add id " + m.id() + " via ADDR dev PORT' first");
            }
            if (o instanceof GroupObject) {
                throw new CommandException("group " + n.id() + " names nexthop " + m.id()
                        + ", which is itself a group; groups cannot contain groups");
            }
            if (m.id() == n.id()) {
                throw new CommandException("group " + n.id() + " cannot contain itself");
            }
            slots[i] = ((GatewayObject) o).slot();
            weights[i] = m.weight();
        }
        MultipathAlgorithm algo = n.mpalgo() == null ? DEFAULT_MPALGO : n.mpalgo();
        int slot = old != null ? ((GroupObject) old).slot() : groupSlotAlloc.allocate(journal);
        putGroupSlot(slot, new GroupSpec(slots, weights, algo));
        mapPut(objects, n.id(), new GroupObject(n.id(), List.copyOf(n.members()), algo, slot));
    }

    private void nexthopDel(NexthopDel d) {
        NexthopObject o = objects.get(d.id());
        if (o == null) {
            throw new CommandException("nexthop id " + d.id() + " does not exist; 'nexthop show' lists them");
        }
        int users = objectRouteUsers.getOrDefault(d.id(), 0);
        if (users > 0) {
            Prefix example = routes.values().stream().filter(r -> r.nhid() == d.id()).map(Route::prefix).findFirst().orElseThrow();
            throw new CommandException("nexthop id " + d.id() + " is used by " + users + " route" + (users == 1 ? "" : "s")
                    + " (e.g. " + example + "); point them elsewhere or delete them first");
        }
        for (NexthopObject g : objects.values()) {
            if (g instanceof GroupObject grp && grp.members().stream().anyMatch(m -> m.id() == d.id())) {
                throw new CommandException("nexthop id " + d.id() + " is a member of group " + grp.id()
                        + "; replace the group without it ('nexthop replace id " + grp.id() + " group ...') first");
            }
        }
        switch (o) {
            case GatewayObject gw -> {
                putNexthopSlot(gw.slot(), null);
                nexthopSlotAlloc.release(gw.slot(), journal);
            }
            case GroupObject grp -> {
                putGroupSlot(grp.slot(), null);
                groupSlotAlloc.release(grp.slot(), journal);
            }
        }
        mapPut(objects, d.id(), null);
    }

    // ---------------------------------------------------------------- neighbours, links, ports

    private void neighAdd(NeighAdd n) {
        PortEntry p = port(n.dev(), "neigh " + n.address());
        if (n.mac() == 0 || (n.mac() & 0x0100_0000_0000L) != 0) {
            throw new CommandException("lladdr " + MacAddress.format(n.mac()) + " for neighbour " + n.address()
                    + " is " + (n.mac() == 0 ? "all zeros" : "a multicast address") + "; give the neighbour's unicast MAC");
        }
        mapPut(neighbours, new GatewayKey(n.address(), p.index()), n.mac());
        refreshSlots(s -> s.via().equals(n.address()) && s.port() == p.index());
    }

    private void neighDel(NeighDel n) {
        PortEntry p = port(n.dev(), "neigh " + n.address());
        GatewayKey k = new GatewayKey(n.address(), p.index());
        if (!neighbours.containsKey(k)) {
            throw new CommandException("no neighbour " + n.address() + " on " + n.dev() + " to delete; 'neigh show' lists them");
        }
        mapPut(neighbours, k, null);
        refreshSlots(s -> s.via().equals(n.address()) && s.port() == p.index());
    }

    private void linkSet(LinkSet l) {
        PortEntry p = port(l.dev(), "link set");
        if (p.up() == l.up()) {
            return;
        }
        PortEntry before = p;
        ports.set(p.index(), new PortEntry(p.index(), p.spec(), p.mac(), p.mtu(), l.up()));
        journal.undo(() -> ports.set(before.index(), before));
        refreshSlots(s -> s.port() == before.index());
    }

    private void portAdd(PortSpec spec) {
        if (port(spec.name(), null) != null) {
            throw new CommandException("port " + spec.name() + " is already declared; each port is declared once");
        }
        int index = ports.size();
        // Memory ports have no device to ask for a MAC: a locally administered one per index.
        long mac = spec.mac() >= 0 ? spec.mac() : 0x02_00_00_00_00_00L | (index + 1);
        ports.add(new PortEntry(index, spec, mac, spec.mtu(), true));
        journal.undo(() -> ports.remove(index));
    }

    /** Recomputes the rewrite data of every nexthop slot that matches (neighbour or port changed). */
    private void refreshSlots(java.util.function.Predicate<SlotNexthop> affected) {
        List<Integer> slots = new ArrayList<>();
        nexthopSlots.forEach((slot, s) -> {
            if (affected.test(s)) {
                slots.add(slot);
            }
        });
        for (int slot : slots) {
            SlotNexthop s = nexthopSlots.get(slot);
            putNexthopSlot(slot, gateway(s.via(), s.port()));
        }
    }

    private SlotNexthop gateway(IpAddress via, int portIndex) {
        PortEntry p = ports.get(portIndex);
        GatewayKey k = new GatewayKey(via, portIndex);
        Long mac = neighbours.get(k);
        if (mac == null) {
            mac = learned.get(k);
        }
        boolean alive = p.up() && !noCarrier.contains(portIndex);
        return new SlotNexthop(via, portIndex, mac == null ? 0 : mac, p.mac(), p.mtu(), alive, mac != null);
    }

    // ---------------------------------------------------------------- what the devices report

    /**
     * The device behind a port was opened: its real MAC and MTU replace the declared ones (the
     * source MAC of every rewrite and the MTU checked per packet). Inside a transaction.
     */
    public void device(int port, long mac, int mtu) {
        PortEntry p = ports.get(port);
        if (p.mac() == mac && p.mtu() == mtu) {
            return;
        }
        ports.set(port, new PortEntry(p.index(), p.spec(), mac, mtu, p.up()));
        journal.undo(() -> ports.set(p.index(), p));
        refreshSlots(s -> s.port() == port);
    }

    /** The kernel resolved ({@code mac >= 0}) or lost ({@code mac < 0}) a neighbour on a port's device. Inside a transaction. */
    public void learnNeighbour(IpAddress address, int port, long mac) {
        GatewayKey k = new GatewayKey(address, port);
        Long now = mac < 0 ? null : mac;
        if (java.util.Objects.equals(learned.get(k), now)) {
            return;
        }
        mapPut(learned, k, now);
        refreshSlots(s -> s.via().equals(address) && s.port() == port);
    }

    /** Carrier of a port's device as the kernel reports it; without it the port's nexthops are dead. Inside a transaction. */
    public void carrier(int port, boolean up) {
        if (up != noCarrier.contains(port)) {
            return;
        }
        if (up) {
            noCarrier.remove(port);
            journal.undo(() -> noCarrier.add(port));
        } else {
            noCarrier.add(port);
            journal.undo(() -> noCarrier.remove(port));
        }
        refreshSlots(s -> s.port() == port);
    }

    public boolean carrier(int port) {
        return !noCarrier.contains(port);
    }

    /** Gateways in use whose link-layer address is unknown: the daemon asks the kernel to resolve them. */
    public List<Neighbour> unresolvedGateways() {
        List<Neighbour> out = new ArrayList<>();
        for (SlotNexthop s : nexthopSlots.values()) {
            if (!s.resolved()) {
                out.add(new Neighbour(s.via(), s.port(), -1));
            }
        }
        return out;
    }

    /** The port named {@code name}; throws naming {@code where} when unknown (returns null if where is null). */
    private PortEntry port(String name, String where) {
        for (PortEntry p : ports) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        if (where == null) {
            return null;
        }
        throw new CommandException("unknown device '" + name + "' in " + where + "; declared ports: "
                + (ports.isEmpty() ? "none (add 'port add dev NAME ...' to the configuration)"
                : String.join(", ", ports.stream().map(PortEntry::name).toList())));
    }

    // ---------------------------------------------------------------- journalled writes

    private <K, V> void mapPut(Map<K, V> map, K key, V value) {
        V prev = value == null ? map.remove(key) : map.put(key, value);
        journal.undo(() -> {
            if (prev == null) {
                map.remove(key);
            } else {
                map.put(key, prev);
            }
        });
    }

    private void putRoute(Prefix p, Route r) {
        if (!routeBefore.containsKey(p)) {
            Route was = routes.get(p);
            routeBefore.put(p, was == null ? null : was.target());
        }
        mapPut(routes, p, r);
    }

    private void putNexthopSlot(int slot, SlotNexthop s) {
        if (!nexthopBefore.containsKey(slot)) {
            nexthopBefore.put(slot, nexthopSlots.get(slot));
        }
        mapPut(nexthopSlots, slot, s);
    }

    private void putGroupSlot(int slot, GroupSpec g) {
        if (!groupBefore.containsKey(slot)) {
            groupBefore.put(slot, groupSlots.get(slot));
        }
        mapPut(groupSlots, slot, g);
    }

    // ---------------------------------------------------------------- reads

    public List<PortEntry> ports() {
        return Collections.unmodifiableList(ports);
    }

    public PortEntry portByName(String name) {
        return port(name, "this command");
    }

    public String portName(int index) {
        return ports.get(index).name();
    }

    /** The configuration's {@code dpdk eal} options, or null if it has none. */
    public io.dataplane.ffi.dpdk.EalOptions dpdkEal() {
        return dpdkEal;
    }

    public int hashSeed() {
        return hashSeed;
    }

    public int routeCount() {
        return routes.size();
    }

    public Route route(Prefix p) {
        return routes.get(p);
    }

    /** Routes in address order, IPv4 first. */
    public List<Route> routesSorted() {
        List<Route> list = new ArrayList<>(routes.values());
        list.sort((a, b) -> a.prefix().compareTo(b.prefix()));
        return list;
    }

    /** Longest-prefix match in the RIB (the route the tables should also find). */
    public Route lookup(IpAddress a) {
        for (int len = a.bits(); len >= 0; len--) {
            Route r = routes.get(new Prefix(a.mask(len), len));
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    public Map<Integer, NexthopObject> objects() {
        return Collections.unmodifiableMap(objects);
    }

    /** A static neighbour entry: the MAC of {@code address} on port {@code port}. */
    public record Neighbour(IpAddress address, int port, long mac) {
    }

    /** Neighbours sorted by port, then address. */
    public List<Neighbour> neighbours() {
        List<Neighbour> out = new ArrayList<>();
        neighbours.forEach((k, mac) -> out.add(new Neighbour(k.via(), k.port(), mac)));
        out.sort((a, b) -> {
            int c = Integer.compare(a.port(), b.port());
            return c != 0 ? c : a.address().compareTo(b.address());
        });
        return out;
    }

    public SlotNexthop nexthopSlot(int slot) {
        return nexthopSlots.get(slot);
    }

    public GroupSpec groupSlot(int slot) {
        return groupSlots.get(slot);
    }

    public int nexthopSlotsInUse() {
        return nexthopSlotAlloc.inUse();
    }

    public int groupSlotsInUse() {
        return groupSlotAlloc.inUse();
    }

    /** True while a transaction holds uncommitted changes. */
    public boolean dirty() {
        return !journal.isEmpty();
    }

    /** One-line description of what a route points at, for messages and 'route show'. */
    public String describe(Route r) {
        if (r.nhid() != 0) {
            return "nhid " + r.nhid();
        }
        if (r.hops().size() == 1) {
            RouteHop h = r.hops().get(0);
            return "via " + h.via() + " dev " + portName(h.port());
        }
        StringBuilder sb = new StringBuilder();
        for (RouteHop h : r.hops()) {
            sb.append(sb.isEmpty() ? "" : " ").append("nexthop via ").append(h.via()).append(" dev ").append(portName(h.port()))
                    .append(" weight ").append(h.weight());
        }
        return sb.append(" mpalgo ").append(r.mpalgo().keyword()).toString();
    }

    @Override
    public String toString() {
        return "Rib[" + routes.size() + " routes, " + objects.size() + " nexthop objects, " + ports.size() + " ports]";
    }

    /** A fingerprint of the whole model, for tests that prove a failed command changed nothing. */
    public String fingerprint() {
        return Objects.hash(ports, neighbours, learned, noCarrier, objects, objectRouteUsers, sharedSlots, routes, nexthopSlots, groupSlots,
                dpdkEal, hashSeed) + "/" + routes.size() + "/" + nexthopSlotAlloc.inUse() + "/" + groupSlotAlloc.inUse();
    }
}
