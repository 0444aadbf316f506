package io.dataplane.control.daemon;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.command.IpAddress;
import io.dataplane.control.command.Prefix;
import io.dataplane.control.rib.Rib;
import io.dataplane.ffi.Errno;
import io.dataplane.ffi.Libc;
import io.dataplane.ffi.NativeException;
import io.dataplane.ffi.Rtnetlink;
import io.dataplane.ffi.XdpAttachMode;
import io.dataplane.ffi.dpdk.Eal;
import io.dataplane.ffi.dpdk.EalOptions;
import io.dataplane.port.AfXdpPort;
import io.dataplane.port.DpdkPort;
import io.dataplane.port.MemoryPort;
import io.dataplane.port.MemoryUmem;
import io.dataplane.port.Port;
import io.dataplane.port.Umem;
import io.dataplane.port.VethChecksums;
import io.dataplane.worker.Workers;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Opens the ports the configuration declared and gives them and their workers to the dataplane
 * builder: the one place where a port is made and set up (per type below). It owns what it
 * opened until {@link #close()}.
 *
 * <p>All ports are of one type, because a worker moves frames between its ports by descriptor:
 * memory ports share one in-process frame memory, AF_XDP ports of one queue share a UMEM, DPDK
 * ports hand mbufs to each other. AF_XDP ports with {@code queues N} get N workers; worker q owns
 * queue q of every port (its own UMEM) and is pinned to the first declared {@code cpu} plus q.
 */
final class PortFactory implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PortFactory.class.getName());
    /** Frames per AF_XDP UMEM (one per worker): twice the sum of the rings of three 1024-entry ports, and then some. */
    private static final int AFXDP_FRAMES = 8192;
    private static final int AFXDP_FRAME_SIZE = 4096;
    private static final int AFXDP_RING = 1024;

    private final ControlPlane plane;
    private final PortConfiguration config;
    private final List<AutoCloseable> resources = new ArrayList<>();
    /** How each port was bound (mode, queues, device), for the start-up report. */
    private final Map<Integer, String> bound = new HashMap<>();

    PortFactory(ControlPlane plane, PortConfiguration config) {
        this.plane = plane;
        this.config = config;
    }

    /** The one type of all declared ports; throws if they mix types. The RIB must have ports. */
    PortSpec.Type type() {
        Set<PortSpec.Type> types = EnumSet.noneOf(PortSpec.Type.class);
        plane.rib().ports().forEach(p -> types.add(config.spec(p).type()));
        if (types.size() > 1) {
            throw new IllegalStateException("ports of different types cannot share the dataplane (" + types
                    + "): a worker moves frames between its ports without copying, so they must live in one buffer memory;"
                    + " declare ports of one type");
        }
        return types.iterator().next();
    }

    /** Opens every port and adds it with its workers to {@code b}; the caller closes this factory on failure. */
    void open(Workers.Builder b) {
        switch (type()) {
            case MEMORY -> memoryPorts(b);
            case AFXDP -> afXdpPorts(b);
            case DPDK -> dpdkPorts(b);
        }
    }

    /** How port {@code index} was bound, e.g. "copy mode, 2 queue(s)"; empty for memory ports. */
    String bound(int index) {
        return bound.getOrDefault(index, "");
    }

    /** One worker over all memory ports, sharing one frame memory. */
    private void memoryPorts(Workers.Builder b) {
        Rib rib = plane.rib();
        MemoryUmem umem = new MemoryUmem(8192, 2048);
        resources.add(umem);
        int[] all = new int[rib.ports().size()];
        for (Rib.PortEntry p : rib.ports()) {
            MemoryPort port = new MemoryPort(p.index(), p.name(), umem, 1024, p.mtu());
            resources.add(port);
            b.port(port);
            all[p.index()] = p.index();
        }
        b.worker(firstCpu(), all);
    }

    private void afXdpPorts(Workers.Builder b) {
        Rib rib = plane.rib();
        int queues = config.spec(rib.ports().getFirst()).queues();
        for (Rib.PortEntry p : rib.ports()) {
            if (config.spec(p).queues() != queues) {
                throw new IllegalStateException("every afxdp port needs the same 'queues N' (worker q owns queue q of every port): "
                        + rib.ports().getFirst().name() + " has " + queues + ", " + p.name() + " has " + config.spec(p).queues());
            }
        }
        // veth peers offload TX checksums by default, and AF_XDP would forward them unfinished.
        for (Rib.PortEntry p : rib.ports()) {
            VethChecksums.finishAtPeer(p.name()).ifPresent(resources::add);
        }
        int cpu = firstCpu();
        WorkerSpec workers = config.workers(rib);
        b.idle(workers.idleOrDefault()).scheduling(workers.schedulingOrDefault());
        String waits = "idle " + workers.idleOrDefault().text() + ", sched " + workers.schedulingOrDefault().text()
                + (workers.scheduling() == null && workers.schedulingOrDefault().fifoPriority() > 0 ? " if permitted" : "");
        for (int q = 0; q < queues; q++) {
            Umem umem = new Umem(AFXDP_FRAMES, AFXDP_FRAME_SIZE);
            resources.add(umem);
            Port[] table = new Port[rib.ports().size()];
            for (Rib.PortEntry p : rib.ports()) {
                AfXdpPort port = openAfXdp(p, q, umem);
                resources.add(port);
                table[p.index()] = port;
                if (q == 0) {
                    bound.put(p.index(), (port.zeroCopy() ? "zero-copy" : "copy") + " mode, " + queues + " queue(s)"
                            + (cpu < 0 ? "" : ", workers on CPU " + cpu + (queues > 1 ? "-" + (cpu + queues - 1) : ""))
                            + ", XDP " + config.spec(p).xdpMode().label() + ", " + waits);
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
                    r.device(p.index(), KernelAddresses.mac(link.mac()), link.mtu());
                    r.kernelIfindex(p.index(), ifindex);
                    r.carrier(p.index(), link.up());
                    List<Rtnetlink.Address> addresses = nl.addresses(ifindex);
                    icmpSource(b, p.index(), addresses);
                    for (Rtnetlink.Address a : addresses) {
                        // the subnets of the device's addresses are directly connected, as the kernel's routes say
                        IpAddress address = KernelAddresses.ipAddress(a.address());
                        r.connectedSubnet(p.index(), new Prefix(address.mask(a.prefixLength()), a.prefixLength()));
                    }
                }
            }
        });
    }

    /**
     * Opens queue {@code q} of an AF_XDP port in its configured XDP attach mode. A driver that
     * refuses native XDP (virtio-net on many cloud VMs, dummy, loopback) makes the daemon stop with
     * the line that works instead, rather than fall back silently to the slower generic mode.
     */
    private AfXdpPort openAfXdp(Rib.PortEntry p, int q, Umem umem) {
        PortSpec spec = config.spec(p);
        try {
            return AfXdpPort.open(p.index(), p.name(), q, umem, spec.mode(), AFXDP_RING, spec.xdpMode().flags());
        } catch (NativeException e) {
            boolean refusedNative = spec.xdpMode() == XdpAttachMode.NATIVE && e.syscall().equals("bpf(BPF_LINK_CREATE)")
                    && (e.errno() == Errno.EOPNOTSUPP || e.errno() == Errno.EINVAL || e.errno() == Errno.ERANGE);
            if (!refusedNative) {
                throw e;
            }
            throw new IllegalStateException("port " + p.name() + ": the driver refused native XDP (" + e.getMessage()
                    + "); attach in generic mode instead, which every device supports at some cost in speed: 'port add dev "
                    + p.name() + " xdp-mode generic'", e);
        }
    }

    /** The device's first IPv4 and first global IPv6 address become the source of the ICMP errors sent from the port. */
    private static void icmpSource(Workers.Builder b, int port, List<Rtnetlink.Address> addresses) {
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
    private void dpdkPorts(Workers.Builder b) {
        Rib rib = plane.rib();
        EalOptions eal = config.dpdkEal() != null ? config.dpdkEal() : EalOptions.NO_HUGEPAGES;
        Eal.current().orElseGet(() -> Eal.start(eal));
        Port[] table = new Port[rib.ports().size()];
        for (Rib.PortEntry p : rib.ports()) {
            PortSpec spec = config.spec(p);
            if (spec.queues() != 1) {
                throw new IllegalStateException("port " + p.name() + ": DPDK ports run one queue for now; drop 'queues "
                        + spec.queues() + "'");
            }
            DpdkPort port = DpdkPort.open(p.index(), spec.dpdk());
            resources.add(port);
            bound.put(p.index(), spec.dpdk().device().name().toLowerCase(Locale.ROOT) + " " + spec.dpdk().spec());
            table[p.index()] = port;
        }
        b.worker(firstCpu(), table);
    }

    private int firstCpu() {
        return plane.rib().ports().stream().mapToInt(p -> config.spec(p).cpu()).filter(c -> c >= 0).findFirst().orElse(-1);
    }

    /** Closes what was opened, last first. */
    @Override
    public void close() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing " + resources.get(i) + ": " + e.getMessage());
            }
        }
        resources.clear();
    }
}
