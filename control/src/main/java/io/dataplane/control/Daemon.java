package io.dataplane.control;

import io.dataplane.control.command.IpAddress;
import io.dataplane.control.command.PortSpec;
import io.dataplane.control.rib.Rib;
import io.dataplane.ffi.Libc;
import io.dataplane.ffi.Rtnetlink;
import io.dataplane.ffi.dpdk.Eal;
import io.dataplane.ffi.dpdk.EalOptions;
import io.dataplane.neighbour.NeighbourFollower;
import io.dataplane.neighbour.NeighbourTable;
import io.dataplane.port.AfXdpPort;
import io.dataplane.port.DpdkPort;
import io.dataplane.port.MemoryPort;
import io.dataplane.port.MemoryUmem;
import io.dataplane.port.Port;
import io.dataplane.port.Umem;
import io.dataplane.port.VethChecksums;
import io.dataplane.tables.Forwarding;
import io.dataplane.tables.ForwardingLimits;
import io.dataplane.worker.Dataplane;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The running dataplane behind the control plane: opens the ports the configuration declared,
 * starts the workers, and connects the RIB to the forwarding tables. With no ports declared it
 * keeps just the tables, so routes can be configured and {@code route get} queried anywhere.
 *
 * <p>All ports are of one type, because a worker moves frames between its ports by descriptor:
 * memory ports share one in-process frame memory, AF_XDP ports of one queue share a UMEM, DPDK
 * ports hand mbufs to each other. AF_XDP ports with {@code queues N} get N workers; worker q owns
 * queue q of every port (its own UMEM) and is pinned to the first declared {@code cpu} plus q.
 * For kernel interfaces the daemon follows the kernel: each device's real MAC and MTU, its
 * addresses (the source of the router's ICMP errors), neighbours the kernel resolved, and carrier.
 */
final class Daemon {
    private static final System.Logger LOG = System.getLogger(Daemon.class.getName());
    /** Frames per AF_XDP UMEM (one per worker): twice the sum of the rings of three 1024-entry ports, and then some. */
    private static final int AFXDP_FRAMES = 8192;
    private static final int AFXDP_FRAME_SIZE = 4096;
    private static final int AFXDP_RING = 1024;

    private final ForwardingLimits limits = ForwardingLimits.defaults();
    private final List<AutoCloseable> resources = new ArrayList<>();
    /** How each port was bound (mode, queues, device), for the start-up report. */
    private final Map<Integer, String> bound = new HashMap<>();
    private Dataplane dataplane;
    private Forwarding tablesOnly;
    private NeighbourFollower follower;
    private ScheduledExecutorService resolver;

    int nexthopSlots() {
        return limits.nexthops();
    }

    int groupSlots() {
        return limits.groups();
    }

    /**
     * Opens and starts what the RIB's ports describe, then publishes the RIB into it. On failure
     * everything opened so far is closed again (nothing stays bound) and the exception says why.
     *
     * @param controlThread runs tasks on the control thread (the RIB's single writer)
     */
    void start(ControlPlane plane, Executor controlThread) {
        Rib rib = plane.rib();
        if (rib.ports().isEmpty()) {
            tablesOnly = new Forwarding(limits);
            plane.attach(new ForwardingTables(tablesOnly));
            return;
        }
        Set<PortSpec.Type> types = EnumSet.noneOf(PortSpec.Type.class);
        rib.ports().forEach(p -> types.add(p.spec().type()));
        if (types.size() > 1) {
            throw new IllegalStateException("ports of different types cannot share the dataplane (" + types
                    + "): a worker moves frames between its ports without copying, so they must live in one buffer memory;"
                    + " declare ports of one type");
        }
        try {
            Dataplane.Builder b = Dataplane.builder().limits(limits);
            switch (types.iterator().next()) {
                case MEMORY -> memoryPorts(rib, b);
                case AFXDP -> afXdpPorts(plane, b);
                case DPDK -> dpdkPorts(plane, b);
            }
            dataplane = b.build();
            plane.attach(new DataplaneForwarding(dataplane));
            if (types.contains(PortSpec.Type.AFXDP)) {
                followKernel(plane, controlThread);
            }
            dataplane.start();
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    /** One worker over all memory ports, sharing one frame memory. */
    private void memoryPorts(Rib rib, Dataplane.Builder b) {
        MemoryUmem umem = new MemoryUmem(8192, 2048);
        resources.add(umem);
        int[] all = new int[rib.ports().size()];
        for (Rib.PortEntry p : rib.ports()) {
            MemoryPort port = new MemoryPort(p.index(), p.name(), umem, 1024, p.mtu());
            resources.add(port);
            b.port(port);
            all[p.index()] = p.index();
        }
        b.worker(firstCpu(rib), all);
    }

    private void afXdpPorts(ControlPlane plane, Dataplane.Builder b) {
        Rib rib = plane.rib();
        int queues = rib.ports().getFirst().spec().queues();
        for (Rib.PortEntry p : rib.ports()) {
            if (p.spec().queues() != queues) {
                throw new IllegalStateException("every afxdp port needs the same 'queues N' (worker q owns queue q of every port): "
                        + rib.ports().getFirst().name() + " has " + queues + ", " + p.name() + " has " + p.spec().queues());
            }
        }
        // veth peers offload TX checksums by default, and AF_XDP would forward them unfinished.
        for (Rib.PortEntry p : rib.ports()) {
            VethChecksums.finishAtPeer(p.name()).ifPresent(resources::add);
        }
        int cpu = firstCpu(rib);
        for (int q = 0; q < queues; q++) {
            Umem umem = new Umem(AFXDP_FRAMES, AFXDP_FRAME_SIZE);
            resources.add(umem);
            Port[] table = new Port[rib.ports().size()];
            for (Rib.PortEntry p : rib.ports()) {
                AfXdpPort port = AfXdpPort.open(p.index(), p.name(), q, umem, p.spec().mode(), AFXDP_RING, 0);
                resources.add(port);
                table[p.index()] = port;
                if (q == 0) {
                    bound.put(p.index(), (port.zeroCopy() ? "zero-copy" : "copy") + " mode, " + queues + " queue(s)"
                            + (cpu < 0 ? "" : ", workers on CPU " + cpu + (queues > 1 ? "-" + (cpu + queues - 1) : "")));
                }
            }
            b.worker(cpu < 0 ? -1 : cpu + q, table);
        }
        // The devices' own MACs and MTUs replace the declared ones; their addresses source ICMP errors.
        plane.applyReported(r -> {
            for (Rib.PortEntry p : r.ports()) {
                try (Rtnetlink nl = Rtnetlink.open()) {
                    int ifindex = Libc.ifNameToIndex(p.name());
                    Rtnetlink.Link link = nl.link(ifindex);
                    r.device(p.index(), NeighbourTable.macOf(link.mac()), link.mtu());
                    r.carrier(p.index(), link.up());
                    icmpSource(b, p.index(), nl.addresses(ifindex));
                }
            }
        });
    }

    private static void icmpSource(Dataplane.Builder b, int port, List<Rtnetlink.Address> addresses) {
        int v4 = 0;
        long v6Hi = 0;
        long v6Lo = 0;
        for (Rtnetlink.Address a : addresses) {
            byte[] raw = a.address().getAddress();
            if (a.address() instanceof Inet4Address && v4 == 0) {
                v4 = ByteBuffer.wrap(raw).getInt();
            } else if (a.address() instanceof Inet6Address six && !six.isLinkLocalAddress() && v6Hi == 0 && v6Lo == 0) {
                ByteBuffer bb = ByteBuffer.wrap(raw);
                v6Hi = bb.getLong();
                v6Lo = bb.getLong();
            }
        }
        if (v4 != 0 || v6Hi != 0 || v6Lo != 0) {
            b.icmpSource(port, v4, v6Hi, v6Lo);
        }
    }

    /** DPDK ports: one EAL per process, one queue per port, one worker for them all. */
    private void dpdkPorts(ControlPlane plane, Dataplane.Builder b) {
        Rib rib = plane.rib();
        EalOptions eal = rib.dpdkEal() != null ? rib.dpdkEal() : EalOptions.NO_HUGEPAGES;
        Eal.current().orElseGet(() -> Eal.start(eal));
        Port[] table = new Port[rib.ports().size()];
        for (Rib.PortEntry p : rib.ports()) {
            if (p.spec().queues() != 1) {
                throw new IllegalStateException("port " + p.name() + ": DPDK ports run one queue for now; drop 'queues "
                        + p.spec().queues() + "'");
            }
            DpdkPort port = DpdkPort.open(p.index(), p.spec().dpdk());
            resources.add(port);
            bound.put(p.index(), p.spec().dpdk().device().name().toLowerCase(java.util.Locale.ROOT) + " " + p.spec().dpdk().spec());
            table[p.index()] = port;
        }
        b.worker(firstCpu(rib), table);
    }

    /** Learned neighbours and carrier from the kernel into the RIB; unresolved gateways get resolution asked once a second. */
    private void followKernel(ControlPlane plane, Executor controlThread) {
        Map<Integer, Integer> portOfIfindex = new HashMap<>();
        Map<Integer, Integer> ifindexOfPort = new HashMap<>();
        for (Rib.PortEntry p : plane.rib().ports()) {
            int ifindex = Libc.ifNameToIndex(p.name());
            portOfIfindex.put(ifindex, p.index());
            ifindexOfPort.put(p.index(), ifindex);
        }
        NeighbourTable table = new NeighbourTable();
        table.addListener(new NeighbourTable.Listener() {
            @Override
            public void onNeighbour(int ifindex, InetAddress address, long mac) {
                Integer port = portOfIfindex.get(ifindex);
                if (port != null) {
                    IpAddress a = ipAddress(address);
                    controlThread.execute(() -> plane.applyReported(r -> r.learnNeighbour(a, port, mac)));
                }
            }

            @Override
            public void onLink(int ifindex, boolean up) {
                Integer port = portOfIfindex.get(ifindex);
                if (port != null) {
                    controlThread.execute(() -> plane.applyReported(r -> r.carrier(port, up)));
                }
            }
        });
        follower = new NeighbourFollower(table, null);
        try {
            follower.awaitLoaded(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading the kernel's neighbour table", e);
        }
        resolver = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("neighbour-resolver").unstarted(r));
        resolver.scheduleWithFixedDelay(() -> controlThread.execute(() -> {
            for (Rib.Neighbour n : plane.rib().unresolvedGateways()) {
                Integer ifindex = ifindexOfPort.get(n.port());
                if (ifindex != null) {
                    follower.resolve(ifindex, inetAddress(n.address()));
                }
            }
        }), 0, 1, TimeUnit.SECONDS);
    }

    /** How port {@code index} was bound, e.g. "copy mode, 2 queue(s)"; empty for memory ports. */
    String bound(int index) {
        return bound.getOrDefault(index, "");
    }

    private static int firstCpu(Rib rib) {
        return rib.ports().stream().mapToInt(p -> p.spec().cpu()).filter(c -> c >= 0).findFirst().orElse(-1);
    }

    static IpAddress ipAddress(InetAddress a) {
        ByteBuffer bb = ByteBuffer.wrap(a.getAddress());
        return a instanceof Inet4Address ? IpAddress.v4(bb.getInt()) : new IpAddress(true, bb.getLong(), bb.getLong());
    }

    static InetAddress inetAddress(IpAddress a) {
        ByteBuffer bb = ByteBuffer.allocate(a.v6() ? 16 : 4);
        if (a.v6()) {
            bb.putLong(a.hi()).putLong(a.lo());
        } else {
            bb.putInt(a.v4Value());
        }
        try {
            return InetAddress.getByAddress(bb.array());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen for 4 or 16 bytes
        }
    }

    /** Stops the workers and closes every port (which detaches the XDP programs); idempotent. */
    void stop() {
        if (resolver != null) {
            resolver.shutdownNow();
            resolver = null;
        }
        if (follower != null) {
            follower.close();
            follower = null;
        }
        if (dataplane != null) {
            dataplane.close(); // stops the workers, closes the ports it holds
            dataplane = null;
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing " + resources.get(i) + ": " + e.getMessage());
            }
        }
        resources.clear();
        if (tablesOnly != null) {
            tablesOnly.close();
            tablesOnly = null;
        }
    }
}
