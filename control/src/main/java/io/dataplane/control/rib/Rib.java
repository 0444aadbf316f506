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

    /**
     * A neighbour on a port: the MAC of {@code address} ({@code -1} while unresolved) and its NUD
     * state as the kernel's ({@link #PERMANENT} for a static entry, else what the kernel reported).
     */
    public record Neighbour(IpAddress address, int port, long mac, int state) {
        /** NUD_PERMANENT: a static entry ({@code neigh add}). */
        public static final int PERMANENT = 0x80;

        public Neighbour(IpAddress address, int port, long mac) {
            this(address, port, mac, PERMANENT);
        }

        /** The state's name as {@code ip neigh} prints it. */
        public String stateName() {
            return switch (state) {
                case 0x01 -> "INCOMPLETE";
                case 0x02 -> "REACHABLE";
                case 0x04 -> "STALE";
                case 0x08 -> "DELAY";
                case 0x10 -> "PROBE";
                case 0x20 -> "FAILED";
                case 0x40 -> "NOARP";
                case PERMANENT -> "PERMANENT";
                default -> "0x" + Integer.toHexString(state);
            };
        }
    }

    /** The algorithm a multipath route or group uses when none is named (the kernel's default policy). */
    public static final MultipathAlgorithm DEFAULT_MPALGO = MultipathAlgorithm.L3;

    private final Journal journal = new Journal();
    private final TableSlots slots;
    private final Neighbours neighbours = new Neighbours(journal);
    private final GatewaySlots gateways;
    private final NexthopObjects objects;
    private final Routes routes;
    private final ConnectedHosts connected;
    private final Transaction transaction;

    /** By port index; null where a port was removed (its index is given again once {@link #portIndexReleased}). */
    private final List<PortEntry> ports = new ArrayList<>();
    /** Indices of removed ports that the dataplane may still use: not given to a new port yet. */
    private final Set<Integer> retiredPorts = new HashSet<>();
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
        connected = new ConnectedHosts(journal, gateways, neighbours);
        routes = new Routes(journal, slots, gateways, objects, connected, this);
        transaction = new Transaction(journal, slots, routes.routes, connected.hosts, () -> hash);
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
                if (r.spec() instanceof Gateways g && g.mpalgo() != null) { // the message only when there is one: a million lines come here
                    refuseHashAlgorithmInKernelMode(g.mpalgo(), "route " + r.prefix());
                }
                Route installed = routes.get(r.prefix());
                if (installed != null && connectedSubnetOf(installed)) {
                    routes.unfollow(r.prefix()); // a route configured here wins, as when the file had it at start
                }
                routes.set(r);
            }
            case RouteDel r -> {
                routes.delete(r);
                for (FollowedRoutes f : followed.values()) {
                    f.reoffer(r.prefix());
                }
                reofferConnected(r.prefix());
            }
            case RouteFlush f -> {
                // a followed route is its source's to remove; flush takes only the routes configured here
                for (Route r : routes(f.selector())) {
                    if (r.followed()) {
                        continue;
                    }
                    routes.delete(new RouteDel(r.prefix(), null, Integer.toUnsignedLong(r.metric())));
                    for (FollowedRoutes source : followed.values()) {
                        source.reoffer(r.prefix());
                    }
                    reofferConnected(r.prefix());
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
                connected.neighbourChanged(n.address(), port);
            }
            case NeighFlush f -> {
                if (f.dev() != null) {
                    portIndex(f.dev(), "neigh flush");
                }
                // as ip: static (PERMANENT) entries only with 'nud permanent' or 'nud all'; the kernel's are flushed in the kernel
                if (f.permanent()) {
                    for (Neighbour n : neighbours.statics()) {
                        if (f.picks(n.address(), portName(n.port()))) {
                            neighbours.removeStatic(n.address(), n.port(), f.dev());
                            refreshGateway(n.address(), n.port());
                            connected.neighbourChanged(n.address(), n.port());
                        }
                    }
                }
            }
            case NeighDel n -> {
                int port = portIndex(n.dev(), "neigh " + n.address());
                neighbours.removeStatic(n.address(), port, n.dev());
                refreshGateway(n.address(), port);
                connected.neighbourChanged(n.address(), port);
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
        int index = nextPortIndex();
        PortEntry entry = new PortEntry(index, name, mac, mtu, true, details);
        if (index == ports.size()) {
            ports.add(entry);
            int added = index;
            journal.undo(() -> ports.remove(added));
        } else {
            ports.set(index, entry);
            int reused = index;
            journal.undo(() -> ports.set(reused, null));
        }
        return index;
    }

    /** The index {@link #addPort} gives the next port: the lowest free one. */
    public int nextPortIndex() {
        int index = 0;
        while (index < ports.size() && (ports.get(index) != null || retiredPorts.contains(index))) {
            index++;
        }
        return index;
    }

    /**
     * Runs {@code undo} if the open transaction is rolled back (after undoing what was changed
     * since): how the daemon takes back what it did outside the RIB for a command, such as a port
     * it opened.
     */
    public void undoOnRollback(Runnable undo) {
        journal.undo(undo);
    }

    /**
     * Removes the port named {@code name}, inside a transaction; returns its index, which is not
     * given to another port until {@link #portIndexReleased} says the dataplane stopped using it.
     * Refused, naming them, while routes, nexthop objects or static neighbours use the port (as
     * {@code ip} would have to delete them with it: here the operator does, first); what the
     * kernel taught about the port's neighbours goes with it.
     */
    public int removePort(String name) {
        PortEntry p = port(name, "port del");
        int index = p.index();
        List<String> users = new ArrayList<>();
        List<Prefix> connected = new ArrayList<>();
        for (Route r : routes.sorted()) {
            if (connectedSubnetOf(r) && Integer.valueOf(index).equals(connectedSubnets.get(r.prefix()))) {
                connected.add(r.prefix()); // goes with the device's addresses, as in the kernel
            } else if (r.hops().stream().anyMatch(h -> h.port() == index)) {
                users.add("route " + r.prefix());
            }
        }
        for (NexthopObject o : objects.byId().values()) {
            if (o instanceof NexthopObject.GatewayObject g && g.port() == index) {
                users.add("nexthop id " + g.id());
            }
        }
        for (Neighbour n : neighbours.statics()) {
            if (n.port() == index) {
                users.add("neighbour " + n.address());
            }
        }
        if (!users.isEmpty()) {
            throw new CommandException("port " + name + " is in use by " + String.join(", ", users.subList(0, Math.min(20, users.size())))
                    + (users.size() > 20 ? " and " + (users.size() - 20) + " more" : "")
                    + "; delete or move them first ('route show dev " + name + "', 'nexthop show dev " + name + "', 'neigh show dev " + name + "')");
        }
        connected.forEach(routes::unfollow);
        new ArrayList<>(connectedSubnets.entrySet()).stream().filter(e -> e.getValue() == index)
                .forEach(e -> journal.put(connectedSubnets, e.getKey(), null));
        neighbours.forgetLearned(index);
        journal.put(kernelLink, index, null); // an index given again may be a memory port's
        journal.put(kernelAddresses, index, null);
        journal.put(kernelIfindex, index, null);
        ports.set(index, null);
        retiredPorts.add(index);
        journal.undo(() -> {
            ports.set(index, p);
            retiredPorts.remove(index);
        });
        if (noCarrier.contains(index)) {
            noCarrier.remove(index);
            journal.undo(() -> noCarrier.add(index));
        }
        return index;
    }

    /** The dataplane no longer uses removed port index {@code index}: a port added later may take it. Outside transactions. */
    public void portIndexReleased(int index) {
        retiredPorts.remove(index);
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
        learnNeighbour(address, port, mac, 0x02); // NUD_REACHABLE
    }

    /** As {@link #learnNeighbour(IpAddress, int, long)}, with the NUD state the kernel reported ({@code neigh show} prints it). */
    public void learnNeighbour(IpAddress address, int port, long mac, int state) {
        if (neighbours.learn(address, port, mac, state)) {
            refreshGateway(address, port);
            connected.neighbourChanged(address, port);
        }
    }

    /** The subnets of the ports' addresses, and the port of each: what the connected routes are made of. */
    private final Map<Prefix, Integer> connectedSubnets = new java.util.HashMap<>();

    /** The kernel's addresses of each port's device, as opened and then followed: address to prefix length. */
    private final Map<Integer, Map<IpAddress, Integer>> kernelAddresses = new java.util.HashMap<>();

    /**
     * The kernel added ({@code present}) or removed address {@code a}/{@code length} on port
     * {@code port}'s device: the subnet's connected route comes with its first address and goes with
     * its last, as the kernel's own route does. Inside a transaction.
     */
    public void kernelAddress(int port, IpAddress a, int length, boolean present) {
        if (port < 0 || port >= ports.size() || ports.get(port) == null) {
            return;
        }
        Map<IpAddress, Integer> had = kernelAddresses.getOrDefault(port, Map.of());
        Map<IpAddress, Integer> next = new java.util.LinkedHashMap<>(had);
        if (present) {
            next.put(a, length);
        } else {
            next.remove(a);
        }
        // in the kernel's order: a connected route's source is the subnet's first address
        journal.put(kernelAddresses, port, next.isEmpty() ? null : java.util.Collections.unmodifiableMap(next));
        Prefix subnet = new Prefix(a.mask(length), length);
        if (present) {
            connectedSubnet(port, subnet);
            return;
        }
        for (Map.Entry<IpAddress, Integer> e : next.entrySet()) {
            if (e.getValue() == length && e.getKey().v6() == a.v6() && e.getKey().mask(length).equals(subnet.address())) {
                return; // another address of the device in the subnet keeps the route
            }
        }
        if (Integer.valueOf(port).equals(connectedSubnets.get(subnet))) {
            journal.put(connectedSubnets, subnet, null);
            Route r = routes.get(subnet);
            if (r != null && connectedSubnetOf(r)) {
                routes.unfollow(subnet);
            }
        }
    }

    /**
     * The preferred source the kernel shows on an IPv4 connected route ({@code src}): the first
     * address of the port's device in the subnet; null for other routes and for IPv6 (where the
     * kernel shows none).
     */
    public IpAddress preferredSource(Route r) {
        if (r.prefix().v6() || r.protocol() != io.dataplane.control.command.RouteProtocol.KERNEL || r.hops().size() != 1) {
            return null;
        }
        int port = r.hops().get(0).port();
        if (!connectedSubnetOf(r)) {
            return null;
        }
        for (Map.Entry<IpAddress, Integer> e : kernelAddresses(port).entrySet()) {
            if (e.getValue() == r.prefix().length() && !e.getKey().v6() && e.getKey().mask(e.getValue()).equals(r.prefix().address())) {
                return e.getKey();
            }
        }
        return null;
    }

    /** The kernel's addresses of port {@code port}'s device (address to prefix length), empty for memory and DPDK ports. */
    public Map<IpAddress, Integer> kernelAddresses(int port) {
        return kernelAddresses.getOrDefault(port, Map.of());
    }

    /**
     * The port's device has the address {@code subnet} (its prefix length included) in the kernel:
     * its subnet is directly connected, as the kernel's own {@code proto kernel scope link} route,
     * unless a route to the subnet is there already (one configured here wins, and when it is
     * deleted the connected route comes back). Host addresses (/32, /128) and IPv6 link-local
     * subnets make no route, as in the kernel's main table. Inside a transaction.
     */
    public void connectedSubnet(int port, Prefix subnet) {
        boolean linkLocal = subnet.v6() && (subnet.address().hi() >>> 54) == (0xfe80L >>> 6);
        if (subnet.length() == subnet.address().bits() || linkLocal) {
            return;
        }
        journal.put(connectedSubnets, subnet, port);
        reofferConnected(subnet);
    }

    /** Installs the connected route of {@code prefix} if it is a port's subnet and no other route holds it. */
    private void reofferConnected(Prefix prefix) {
        Integer port = connectedSubnets.get(prefix);
        if (port == null || routes.get(prefix) != null) {
            return;
        }
        // the kernel's metrics for the routes of its addresses: 0, and 256 for IPv6
        routes.follow(prefix, List.of(new Hop(null, portName(port), 1)), io.dataplane.control.command.RouteProtocol.KERNEL,
                prefix.v6() ? 256 : 0, prefix.v6() ? io.dataplane.control.command.RouteScope.GLOBAL : io.dataplane.control.command.RouteScope.LINK,
                CONNECTED_SOURCE + portName(port), 0);
    }

    private static final String CONNECTED_SOURCE = "the address of ";

    private static boolean connectedSubnetOf(Route r) {
        return r.protocol() == io.dataplane.control.command.RouteProtocol.KERNEL && r.source() != null
                && r.source().startsWith(CONNECTED_SOURCE);
    }

    /** The kernel's index of each port's device (kernel-backed ports only), as {@code ip -j link} names it. */
    private final Map<Integer, Integer> kernelIfindex = new java.util.HashMap<>();

    /** Port {@code port}'s device is the kernel's interface {@code ifindex}. Inside a transaction. */
    public void kernelIfindex(int port, int ifindex) {
        journal.put(kernelIfindex, port, ifindex);
    }

    /** The kernel's interface index of the port's device, or -1 (memory and DPDK ports have none). */
    public int kernelIfindex(int port) {
        return kernelIfindex.getOrDefault(port, -1);
    }

    /** The kernel's link flags ({@code IFF_*}) and operstate ({@code IF_OPER_*}) of each port's device (kernel-backed ports only). */
    private final Map<Integer, int[]> kernelLink = new java.util.HashMap<>();

    /** Port {@code port}'s device has these link flags and operational state, as the kernel reports them. Inside a transaction. */
    public void kernelLink(int port, int flags, int operState) {
        if (kernelLinkFlags(port) != flags || kernelOperState(port) != operState) {
            journal.put(kernelLink, port, new int[] {flags, operState});
        }
    }

    /** The kernel's link flags of the port's device, or -1 (memory and DPDK ports have none). */
    public int kernelLinkFlags(int port) {
        int[] l = kernelLink.get(port);
        return l == null ? -1 : l[0];
    }

    /** The kernel's operational state ({@code IF_OPER_*}) of the port's device, or -1. */
    public int kernelOperState(int port) {
        int[] l = kernelLink.get(port);
        return l == null ? -1 : l[1];
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
            if (p != null && p.name().equals(name)) {
                return p;
            }
        }
        if (where == null) {
            return null;
        }
        throw new CommandException("unknown device '" + name + "' in " + where + "; declared ports: "
                + (ports().isEmpty() ? "none (add 'port add dev NAME ...' to the configuration or with dpctl)"
                : String.join(", ", ports().stream().map(PortEntry::name).toList())));
    }

    /** The index of the port named {@code name}; throws naming {@code where} when unknown (-1 if where is null). */
    int portIndex(String name, String where) {
        PortEntry p = port(name, where);
        return p == null ? -1 : p.index();
    }

    // ---------------------------------------------------------------- reads

    /** The ports in index order (indices may have gaps where ports were removed). */
    public List<PortEntry> ports() {
        return ports.stream().filter(java.util.Objects::nonNull).toList();
    }

    public PortEntry portByName(String name) {
        return port(name, "this command");
    }

    /** The name of port {@code index}, or "#index" when no port has it (removed). */
    public String portName(int index) {
        PortEntry p = index >= 0 && index < ports.size() ? ports.get(index) : null;
        return p == null ? "#" + index : p.name();
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
            if (!s.resolved() && (s.via().hi() | s.via().lo()) != 0) { // the unspecified address: a connected route's own slot
                out.add(new Neighbour(s.via(), s.port(), -1));
            }
        }
        return out;
    }

    /**
     * The port on which {@code a} is a host of a connected route ({@code dev} without a gateway,
     * the route the RIB picks for it) and has no known link-layer address; -1 otherwise. The
     * daemon asks the kernel to resolve such a destination when the workers could not send to it.
     */
    public int unresolvedConnectedHost(IpAddress a) {
        Route best = routes.lookup(a);
        if (best == null || !Routes.connected(best) || best.prefix().length() == a.bits()) {
            return -1; // a /32 dev route's slot is a gateway: unresolvedGateways() has it
        }
        int port = best.hops().get(0).port();
        return neighbours.mac(a, port) == null ? port : -1;
    }

    /** Static neighbours sorted by port, then address. */
    public List<Neighbour> neighbours() {
        return neighbours.statics();
    }

    /** Static neighbours and those the kernel resolved on the ports' devices ({@code neigh show}), by port, then address. */
    public List<Neighbour> neighbourTable() {
        return neighbours.all();
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

    /** Every route to {@code p}, lowest metric (the one forwarding) first. */
    public List<Route> routesTo(Prefix p) {
        return routes.all(p);
    }

    /** Starts or stops recording which prefixes' routes change ({@link #takeChangedRoutes}), for {@code monitor}. */
    public void watchRoutes(boolean on) {
        routes.watch(on);
    }

    /** The prefixes whose routes may have changed since the last call, while watched, each with the routes it had before. */
    public Map<Prefix, List<Route>> takeChangedRoutes() {
        return routes.takeTouched();
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
        return "Rib[" + routes.size() + " routes, " + objects.size() + " nexthop objects, " + ports().size() + " ports]";
    }
}
