package io.dataplane.control.rib;

import io.dataplane.control.command.Command;
import io.dataplane.control.command.Command.*;
import io.dataplane.control.command.CommandException;
import io.dataplane.control.command.IpAddress;
import io.dataplane.control.command.Prefix;
import io.dataplane.control.command.RouteSelector;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.HashConfiguration;
import io.dataplane.tables.MultipathAlgorithm;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The routing information base: the rich, on-heap model of ports, neighbours, nexthop objects
 * and routes, and the table slots they occupy. Owned by the control thread alone.
 *
 * <p>This class holds the ports and their devices and hands every other command to the part of the
 * model it concerns: {@link Routes} (with the gateways' shared slots, {@link GatewaySlots}),
 * {@link NexthopObjects}, {@link Neighbours}; {@link TableSlots} is what the table slots hold.
 * Every change happens inside the open {@link Transaction}, which knows how to undo it and what
 * the tables must change.
 */
public final class Rib {

    /**
     * A port as the routing model sees it: its name and table index, source MAC and MTU, and admin
     * state. How the port is made is the daemon's business; {@code details} is what it says about
     * that (type, mode, queues, cpu), shown by {@code link show} as given, in its order.
     */
    public record PortEntry(int index, String name, long mac, int mtu, boolean up, Map<String, Object> details) {
        public PortEntry {
            details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
        }

        PortEntry with(long mac, int mtu, boolean up) {
            return new PortEntry(index, name, mac, mtu, up, details);
        }
    }

    /** A neighbour on a port: the MAC of {@code address} ({@code -1} while unresolved). */
    public record Neighbour(IpAddress address, int port, long mac) {
    }

    /** The algorithm a multipath route or group uses when none is named (the kernel's default policy). */
    public static final MultipathAlgorithm DEFAULT_MPALGO = MultipathAlgorithm.L3;

    private final Journal journal = new Journal();
    private final TableSlots slots;
    private final Neighbours neighbours = new Neighbours(journal);
    private final GatewaySlots gateways;
    private final NexthopObjects objects;
    private final Routes routes;
    private final Transaction transaction;

    private final List<PortEntry> ports = new ArrayList<>();
    /** Ports whose device reported no carrier (link down in the kernel). */
    private final Set<Integer> noCarrier = new HashSet<>();
    private HashConfiguration hash = HashConfiguration.DEFAULT;
    /** Monotonic nanoseconds for resilient groups' timers: the workers' clock (System.nanoTime); tests set their own. */
    private java.util.function.LongSupplier clock = System::nanoTime;
    /** The routing sources followed, by name ("kernel", "fpm"), in the order they were started. */
    private final Map<String, FollowedRoutes> followed = new LinkedHashMap<>();

    public Rib(int nexthopSlots, int groupSlots) {
        slots = new TableSlots(journal, nexthopSlots, groupSlots);
        gateways = new GatewaySlots(journal, slots, this);
        objects = new NexthopObjects(journal, slots, this);
        routes = new Routes(journal, slots, gateways, objects, this);
        transaction = new Transaction(journal, slots, routes.routes, () -> hash);
    }

    /** The open transaction: every {@link #apply} and device report changes the RIB inside it. */
    public Transaction transaction() {
        return transaction;
    }

    /**
     * Applies one state-changing command to the model, inside the open transaction. Throws
     * {@link CommandException} for anything wrong; the caller then rolls the transaction back.
     */
    public void apply(Command c) {
        switch (c) {
            case RouteSet r -> {
                if (r.spec() instanceof Gateways g) {
                    refuseHashAlgorithmInKernelMode(g.mpalgo(), "route " + r.prefix());
                }
                routes.set(r);
            }
            case RouteDel r -> {
                routes.delete(r);
                for (FollowedRoutes f : followed.values()) {
                    f.reoffer(r.prefix());
                }
            }
            case RouteFlush f -> {
                // a followed route is its source's to remove; flush takes only the routes configured here
                for (Route r : routes(f.selector())) {
                    if (r.followed()) {
                        continue;
                    }
                    routes.delete(new RouteDel(r.prefix(), null));
                    for (FollowedRoutes source : followed.values()) {
                        source.reoffer(r.prefix());
                    }
                }
            }
            case NexthopSet n -> {
                refuseHashAlgorithmInKernelMode(n.mpalgo(), "nexthop id " + n.id());
                NexthopObject before = objects.byId().get(n.id());
                boolean hadIpv4 = before != null && routes.ipv4Gateway(before) != null;
                objects.set(n);
                if (before != null && !hadIpv4 && routes.ipv4Gateway(objects.byId().get(n.id())) != null) {
                    routes.refuseIpv4GatewaysOnIpv6Routes(); // rare (a replace that changes family): a scan is fine
                }
            }
            case NexthopDel n -> objects.delete(n.id(), routes);
            case NeighAdd n -> {
                int port = portIndex(n.dev(), "neigh " + n.address());
                Long existing = neighbours.staticMac(n.address(), port);
                if (existing != null && !n.replace()) {
                    throw new CommandException("neighbour " + n.address() + " on " + n.dev() + " already exists (lladdr "
                            + io.dataplane.tables.MacAddress.format(existing) + "); 'neigh replace' changes it");
                }
                if (existing == null && n.mustExist()) {
                    throw new CommandException("no neighbour " + n.address() + " on " + n.dev()
                            + " to change ('neigh change' changes an existing entry, as in ip); 'neigh add' or 'neigh replace' creates it");
                }
                neighbours.addStatic(n.address(), port, n.mac());
                refreshGateway(n.address(), port);
            }
            case NeighDel n -> {
                int port = portIndex(n.dev(), "neigh " + n.address());
                neighbours.removeStatic(n.address(), port, n.dev());
                refreshGateway(n.address(), port);
            }
            case LinkSet l -> linkSet(l);
            case SetHashSeed s -> setHash(hash.withSeed(s.seed()));
            case SetHashFunction f -> {
                if (f.kernel()) {
                    refuseKernelModeWithL4();
                }
                setHash(hash.withKernel(f.kernel()));
            }
            case SetHashPolicy p -> setHash(hash.withPolicy(p.ipv6(), p.policy()));
            case SetHashFields f -> setHash(hash.withFields(f.ipv6(), f.fields()));
            default -> throw new IllegalArgumentException(c + " does not change the RIB");
        }
    }

    // ---------------------------------------------------------------- the multipath hash

    private void setHash(HashConfiguration next) {
        transaction.hashChanging();
        HashConfiguration before = hash;
        hash = next;
        journal.undo(() -> hash = before);
    }

    /** In kernel mode the family's policy picks the hash: a named l3 or l4 would be a promise not kept. */
    private void refuseHashAlgorithmInKernelMode(MultipathAlgorithm named, String what) {
        if (hash.kernel() && named != null && named != MultipathAlgorithm.PER_PACKET) {
            throw new CommandException(what + ": mpalgo " + named.keyword() + " is refused with hash-function kernel: "
                    + "like the kernel, which has no per-route algorithm, 'set hash-policy ipv4|ipv6 0..3' decides; "
                    + "leave mpalgo out (or use per-packet)");
        }
    }

    /**
     * Switching to the kernel hash while routes or groups ask for mpalgo l4 is refused, naming
     * them: the policy would silently override what they asked for. l3 is the default every
     * multipath route gets when it names none, so those follow the policy.
     */
    private void refuseKernelModeWithL4() {
        List<String> l4 = new ArrayList<>();
        for (Route r : routes.sorted()) {
            if (r.mpalgo() == MultipathAlgorithm.L4) {
                l4.add("route " + r.prefix());
            }
        }
        for (NexthopObject o : objects.byId().values()) {
            if (o instanceof NexthopObject.GroupObject g && g.mpalgo() == MultipathAlgorithm.L4) {
                l4.add("nexthop id " + g.id());
            }
        }
        if (!l4.isEmpty()) {
            throw new CommandException("hash-function kernel refused: mpalgo l4 is set on " + String.join(", ", l4)
                    + "; in kernel mode 'set hash-policy ipv4|ipv6 0..3' decides for every route, as in the kernel: "
                    + "replace them without mpalgo first (routes and groups with the default l3 follow the policy)");
        }
    }

    // ---------------------------------------------------------------- followed routing sources

    /**
     * Starts mirroring a routing source named {@code name} ({@code description} is how messages
     * name it, e.g. "the kernel's table 254"): its routes of {@code table} (only those of {@code
     * protocols} unless empty). Not journalled: the source is registered once, before its first
     * update. Throws if the name is taken.
     */
    public FollowedRoutes follow(String name, String description, int table, Set<Integer> protocols) {
        if (followed.containsKey(name)) {
            throw new CommandException("routes from " + followed.get(name).description() + " are already followed; "
                    + "'rib follow show' shows them (restart the daemon to follow another table)");
        }
        FollowedRoutes f = new FollowedRoutes(name, description, table, protocols, journal, routes, this);
        followed.put(name, f);
        return f;
    }

    /** Applies what source {@code name} reported, inside the open transaction. */
    public void followedUpdate(String name, List<FollowedRoutes.Update> updates) {
        followed.get(name).apply(updates);
    }

    /** Replaces what source {@code name} gave with a fresh dump of it, inside the open transaction. */
    public void followedResync(String name, List<FollowedRoutes.SourceNexthop> nexthops, List<FollowedRoutes.SourceRoute> routes) {
        followed.get(name).resync(nexthops, routes);
    }

    /** Notes that the tables refused an update of source {@code name} (shown by {@code rib follow show}). */
    public void followedError(String name, String error) {
        followed.get(name).lastError(error);
    }

    /** The followed sources, in the order they were started. */
    public List<FollowedRoutes> followedSources() {
        return List.copyOf(followed.values());
    }

    // ---------------------------------------------------------------- ports and their devices

    private void linkSet(LinkSet l) {
        PortEntry p = port(l.dev(), "link set");
        if (p.up() == l.up()) {
            return;
        }
        PortEntry before = p;
        ports.set(p.index(), p.with(p.mac(), p.mtu(), l.up()));
        journal.undo(() -> ports.set(before.index(), before));
        refreshPort(before.index());
    }

    /**
     * Registers a port the daemon declared (admin state up), inside a transaction; returns its
     * table index, the next free one. Routes, nexthops and neighbours name it from then on.
     */
    public int addPort(String name, long mac, int mtu, Map<String, Object> details) {
        if (port(name, null) != null) {
            throw new CommandException("port " + name + " is already declared; each port is declared once");
        }
        int index = ports.size();
        ports.add(new PortEntry(index, name, mac, mtu, true, details));
        journal.undo(() -> ports.remove(index));
        return index;
    }

    /**
     * The device behind a port was opened: its real MAC and MTU replace the declared ones (the
     * source MAC of every rewrite and the MTU checked per packet). Inside a transaction.
     */
    public void device(int port, long mac, int mtu) {
        PortEntry p = ports.get(port);
        if (p.mac() == mac && p.mtu() == mtu) {
            return;
        }
        ports.set(port, p.with(mac, mtu, p.up()));
        journal.undo(() -> ports.set(p.index(), p));
        refreshPort(port);
    }

    /** The kernel resolved ({@code mac >= 0}) or lost ({@code mac < 0}) a neighbour on a port's device. Inside a transaction. */
    public void learnNeighbour(IpAddress address, int port, long mac) {
        if (neighbours.learn(address, port, mac)) {
            refreshGateway(address, port);
        }
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
        refreshPort(port);
    }

    public boolean carrier(int port) {
        return !noCarrier.contains(port);
    }

    /** What a nexthop slot for gateway {@code via} on port {@code portIndex} holds now. */
    SlotNexthop rewrite(IpAddress via, int portIndex) {
        PortEntry p = ports.get(portIndex);
        Long mac = neighbours.mac(via, portIndex);
        boolean alive = p.up() && !noCarrier.contains(portIndex);
        return new SlotNexthop(via, portIndex, mac == null ? 0 : mac, p.mac(), p.mtu(), alive, mac != null);
    }

    private void refreshPort(int port) {
        slots.refresh(s -> s.port() == port, s -> rewrite(s.via(), s.port()));
        objects.resilient().followMembers(now());
    }

    // ---------------------------------------------------------------- resilient groups' time

    /** Replaces the clock of resilient groups' timers (tests drive time by hand); the workers must record the same clock. */
    public void clock(java.util.function.LongSupplier clock) {
        this.clock = clock;
    }

    /** Now, on the clock of resilient groups' timers. */
    public long now() {
        return clock.getAsLong();
    }

    /**
     * Runs the resilient groups' due upkeep at {@code now} (idle and unbalanced timers), inside the
     * open transaction; the caller publishes it, so each migration is one table version.
     */
    public void resilientUpkeep(long now) {
        objects.resilient().upkeep(now);
    }

    private void refreshGateway(IpAddress via, int port) {
        slots.refresh(s -> s.via().equals(via) && s.port() == port, s -> rewrite(s.via(), s.port()));
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

    /** The index of the port named {@code name}; throws naming {@code where} when unknown (-1 if where is null). */
    int portIndex(String name, String where) {
        PortEntry p = port(name, where);
        return p == null ? -1 : p.index();
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

    public int hashSeed() {
        return hash.seed();
    }

    /** The whole multipath hash configuration ({@code show hash}). */
    public HashConfiguration hash() {
        return hash;
    }

    /** Gateways in use whose link-layer address is unknown: the daemon asks the kernel to resolve them. */
    public List<Neighbour> unresolvedGateways() {
        List<Neighbour> out = new ArrayList<>();
        for (SlotNexthop s : slots.nexthops.values()) {
            if (!s.resolved()) {
                out.add(new Neighbour(s.via(), s.port(), -1));
            }
        }
        return out;
    }

    /** Static neighbours sorted by port, then address. */
    public List<Neighbour> neighbours() {
        return neighbours.statics();
    }

    public int routeCount() {
        return routes.size();
    }

    public Route route(Prefix p) {
        return routes.get(p);
    }

    /** Routes in address order, IPv4 first. */
    public List<Route> routesSorted() {
        return routes.sorted();
    }

    /** The routes {@code selector} picks ({@code route show|flush}), in address order, IPv4 first. */
    public List<Route> routes(RouteSelector selector) {
        return RouteSelection.select(this, routes.sorted(), selector);
    }

    /** The routing protocol {@code ip route} shows for a route, by name ({@code proto} selector): boot unless it was given. */
    public String protocolOf(Route r) {
        return io.dataplane.control.command.RouteProtocol.name(r.protocol());
    }

    /** Longest-prefix match in the RIB (the route the tables should also find). */
    public Route lookup(IpAddress a) {
        return routes.lookup(a);
    }

    /** One-line description of what a route points at, for messages and 'route show'. */
    public String describe(Route r) {
        return routes.describe(r);
    }

    public Map<Integer, NexthopObject> objects() {
        return objects.byId();
    }

    public SlotNexthop nexthopSlot(int slot) {
        return slots.nexthop(slot);
    }

    public GroupSpec groupSlot(int slot) {
        return slots.group(slot);
    }

    public int nexthopSlotsInUse() {
        return slots.nexthopsInUse();
    }

    public int groupSlotsInUse() {
        return slots.groupsInUse();
    }

    @Override
    public String toString() {
        return "Rib[" + routes.size() + " routes, " + objects.size() + " nexthop objects, " + ports.size() + " ports]";
    }
}
