package io.dataplane.control.daemon;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.command.IpAddress;
import io.dataplane.control.command.Prefix;
import io.dataplane.control.rib.FollowedRoutes;
import io.dataplane.control.rib.FollowedRoutes.Path;
import io.dataplane.control.rib.FollowedRoutes.SourceNexthop;
import io.dataplane.control.rib.FollowedRoutes.SourceRoute;
import io.dataplane.control.rib.FollowedRoutes.Update;
import io.dataplane.ffi.Libc;
import io.dataplane.ffi.RouteMessages;
import io.dataplane.ffi.Rtnetlink;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Relays the route and nexthop messages of one routing source (the kernel's FIB, or FPM) to the
 * control thread as updates of its {@link FollowedRoutes}: converts them to the RIB's terms (our
 * port names for the devices), gathers what arrives while a control task is pending, and hands
 * it over as one transaction, so a burst of a million routes is a few publications, not a million.
 * A dump replaces everything gathered before it (a resynchronisation).
 */
final class RouteRelay implements KernelFollower.Listener {
    private static final System.Logger LOG = System.getLogger(RouteRelay.class.getName());
    private static final String[] TYPES = {"unspec", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole",
            "unreachable", "prohibit", "throw", "nat", "xresolve"};

    private final ControlPlane plane;
    private final Executor controlThread;
    private final String source;
    private final int table;
    private final Map<Integer, String> portOfIfindex;
    /** One instance per gateway, shared by the routes through it (a full table has few gateways). */
    private final Map<Path, Path> paths = new HashMap<>();
    private final Map<Path, List<Path>> singlePaths = new HashMap<>();
    /** The last path made and its raw gateway (reader thread): a full table's routes come through one gateway after another. */
    private Path lastPath;
    private byte[] lastGateway;
    private List<Path> lastSingle;

    private final Object lock = new Object();
    private List<Update> pending = new ArrayList<>();
    private Resync resync;
    private boolean scheduled;
    /**
     * What arrived since the last {@link #drained()} (reader thread only): handed over whole, so
     * messages the source sent together (FPM's delete-then-add of a replace) land in one transaction.
     */
    private List<Update> gathering = new ArrayList<>();
    /** Gathering a dump (reader thread only). */
    private List<SourceNexthop> dumpNexthops;
    private List<SourceRoute> dumpRoutes;
    private volatile long applied;

    private record Resync(List<SourceNexthop> nexthops, List<SourceRoute> routes) {
    }

    /**
     * @param source        the name the source was registered under in the RIB ("kernel", "fpm")
     * @param table         the routing table followed (messages of others are dropped here)
     * @param portOfIfindex our ports' names by their kernel ifindex
     */
    RouteRelay(ControlPlane plane, Executor controlThread, String source, int table, Map<Integer, String> portOfIfindex) {
        this.plane = plane;
        this.controlThread = controlThread;
        this.source = source;
        this.table = table;
        this.portOfIfindex = Map.copyOf(portOfIfindex);
    }

    /** Messages handed to the control thread and applied so far. */
    long applied() {
        return applied;
    }

    @Override
    public void onLink(Rtnetlink.Link link, boolean deleted) {
    }

    @Override
    public void onNeighbour(Rtnetlink.Neighbour neighbour, boolean deleted) {
    }

    @Override
    public void onRoute(RouteMessages.Route r, boolean deleted) {
        if (r.table() != table) {
            return;
        }
        SourceRoute sr = route(r);
        if (dumpRoutes != null) {
            if (!deleted) {
                dumpRoutes.add(sr);
            }
            return;
        }
        gathering.add(new FollowedRoutes.RouteUpdate(sr, deleted));
    }

    @Override
    public void onNexthop(RouteMessages.Nexthop n, boolean deleted) {
        SourceNexthop sn = nexthop(n);
        if (dumpNexthops != null) {
            if (!deleted) {
                dumpNexthops.add(sn);
            }
            return;
        }
        gathering.add(new FollowedRoutes.NexthopUpdate(sn, deleted));
    }

    @Override
    public void dumpBegins() {
        dumpNexthops = new ArrayList<>();
        dumpRoutes = new ArrayList<>();
    }

    /** Routes gathered by the dump in progress (0 when none is). Reader thread. */
    int dumpRoutes() {
        return dumpRoutes == null ? 0 : dumpRoutes.size();
    }

    @Override
    public void dumpEnded() {
        synchronized (lock) {
            resync = new Resync(dumpNexthops, dumpRoutes);
            pending.clear(); // the dump is newer than anything gathered before it
        }
        gathering.clear();
        dumpNexthops = null;
        dumpRoutes = null;
        drained();
    }

    /** A dump that will not be completed (the FPM peer left mid-replay): what it gave becomes updates, nothing is removed. */
    void dumpAborted() {
        for (SourceNexthop n : dumpNexthops) {
            gathering.add(new FollowedRoutes.NexthopUpdate(n, false));
        }
        for (SourceRoute r : dumpRoutes) {
            gathering.add(new FollowedRoutes.RouteUpdate(r, false));
        }
        dumpNexthops = null;
        dumpRoutes = null;
        drained();
    }

    @Override
    public void drained() {
        synchronized (lock) {
            if (!gathering.isEmpty()) {
                pending.addAll(gathering);
                gathering = new ArrayList<>();
            }
            if (scheduled || (resync == null && pending.isEmpty())) {
                return;
            }
            scheduled = true;
        }
        controlThread.execute(this::apply);
    }

    /** Control thread: everything gathered so far, as one transaction. */
    private void apply() {
        Resync full;
        List<Update> updates;
        synchronized (lock) {
            full = resync;
            updates = pending;
            resync = null;
            pending = new ArrayList<>();
            scheduled = false;
        }
        try {
            plane.applyReported(rib -> {
                if (full != null) {
                    rib.followedResync(source, full.nexthops(), full.routes());
                }
                if (!updates.isEmpty()) {
                    rib.followedUpdate(source, updates);
                }
            });
        } catch (RuntimeException e) {
            String why = (full != null ? "a resynchronisation of " + full.routes().size() + " routes" : updates.size() + " updates")
                    + " not applied: " + e.getMessage();
            plane.rib().followedError(source, why);
            LOG.log(System.Logger.Level.ERROR, "routes from " + source + ": " + why);
        }
        applied += updates.size() + (full == null ? 0 : full.routes().size() + full.nexthops().size());
    }

    // ---------------------------------------------------------------- conversions

    private SourceRoute route(RouteMessages.Route r) {
        IpAddress dst = KernelAddresses.ipAddress(r.dst());
        Prefix prefix = new Prefix(dst.mask(r.dstLength()), r.dstLength());
        String unsupported = null;
        if (r.type() != RouteMessages.RTN_UNICAST) {
            unsupported = "type " + (r.type() < TYPES.length ? TYPES[r.type()] : Integer.toString(r.type())) + " (only unicast routes are followed)";
        } else if (r.via()) {
            unsupported = "a gateway of another address family (RTA_VIA)";
        }
        List<Path> ps;
        if (r.paths().size() == 1) {
            RouteMessages.Path p = r.paths().getFirst();
            Path one = path(p.gateway(), p.ifindex(), p.weight());
            if (lastSingle == null || lastSingle.getFirst() != one) {
                lastSingle = singlePaths.computeIfAbsent(one, List::of);
            }
            ps = lastSingle;
        } else {
            List<Path> list = new ArrayList<>(r.paths().size());
            for (RouteMessages.Path p : r.paths()) {
                list.add(path(p.gateway(), p.ifindex(), p.weight()));
            }
            ps = List.copyOf(list);
        }
        return new SourceRoute(prefix, r.table(), r.protocol(), r.priority(), r.nhid(), ps, unsupported);
    }

    private SourceNexthop nexthop(RouteMessages.Nexthop n) {
        String unsupported = n.other();
        if (n.blackhole()) {
            unsupported = "a blackhole nexthop";
        } else if (n.group() && n.groupType() == RouteMessages.GROUP_RESILIENT) {
            unsupported = "a resilient group (not followed yet)";
        }
        if (n.group()) {
            return new SourceNexthop(n.id(), null, n.groupIds(), n.groupWeights(), unsupported);
        }
        return new SourceNexthop(n.id(), path(n.gateway(), n.ifindex(), 1), null, null, unsupported);
    }

    private Path path(byte[] gateway, int ifindex, int weight) {
        if (lastPath != null && lastPath.ifindex() == ifindex && lastPath.weight() == weight && Arrays.equals(lastGateway, gateway)) {
            return lastPath;
        }
        IpAddress via = gateway == null ? null : KernelAddresses.ipAddress(gateway);
        Path p = new Path(via, portOfIfindex.get(ifindex), ifindex, weight);
        lastPath = paths.computeIfAbsent(p, k -> k);
        lastGateway = gateway;
        return lastPath;
    }

    /** Our ports that are kernel devices, by ifindex (memory ports and DPDK ports have none). */
    static Map<Integer, String> portsByIfindex(List<String> portNames) {
        Map<Integer, String> out = new HashMap<>();
        for (String name : portNames) {
            try {
                out.put(Libc.ifNameToIndex(name), name);
            } catch (RuntimeException e) {
                // not a kernel device: no route can go through it
            }
        }
        return out;
    }
}
