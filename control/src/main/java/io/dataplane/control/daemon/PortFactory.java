package io.dataplane.control.daemon;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.command.CommandException;
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
import io.dataplane.port.VethChecksumLedger;
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
import java.util.function.Consumer;

/**
 * Opens the ports the configuration declared and gives them and their workers to the dataplane
 * builder: the one place where a port is made and set up (per type below). It owns what it
 * opened until {@link #close()}.
 *
 * <p>All ports are of one type, because a worker moves frames between its ports by descriptor:
 * memory ports share one in-process frame memory, AF_XDP ports of one queue share a UMEM, DPDK
 * ports hand mbufs to each other. AF_XDP ports with {@code queues N} get N workers; worker q owns
 * queue q of every port (its own UMEM) and is pinned to the first declared {@code cpu} plus q.
 *
 * <p>While the workers run it also makes the ports added with {@code port add} (over the socket or
 * by a reload), in the same buffer memories, and closes what it made for a removed port: see
 * {@link #addRunning} and {@link #removeRunning}.
 */
final class PortFactory implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PortFactory.class.getName());
    /** The AF_XDP UMEM's frame size (one UMEM per worker; its frame count: {@link #afXdpFrames}). */
    private static final int AFXDP_FRAME_SIZE = Umem.DEFAULT_FRAME_SIZE;

    private final ControlPlane plane;
    private final PortConfiguration config;
    private final List<AutoCloseable> resources = new ArrayList<>();
    /** How each port was bound (mode, queues, device), for the start-up report. */
    private final Map<Integer, String> bound = new HashMap<>();
    /** The ports' one type, and the buffer memories a port added at runtime joins (per worker). */
    private PortSpec.Type type;
    /** The CPU the workers were pinned from (worker q on it plus q), or -1. */
    private int workersCpu = -1;
    /** How the AF_XDP workers wait and are scheduled (null for other types): a port added later cannot say otherwise. */
    private WorkerSpec workersRun;
    private MemoryUmem memoryUmem;
    private final List<Umem> umems = new ArrayList<>();
    /** What was changed for a port besides its port objects (a veth peer's checksum offload), undone when it goes. */
    private final Map<Integer, AutoCloseable> deviceChanges = new HashMap<>();

    private final VethChecksumLedger vethChecksums;

    PortFactory(ControlPlane plane, PortConfiguration config, VethChecksumLedger vethChecksums) {
        this.plane = plane;
        this.config = config;
        this.vethChecksums = vethChecksums;
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

    /**
     * Opens every port of the RIB and adds it with its workers to {@code b}; the caller closes this
     * factory on failure. What the devices report (MAC, MTU, carrier) goes into the RIB through
     * {@code report}: published on its own at start, or, for the first port added while the daemon
     * runs, applied inside that command's transaction.
     */
    void open(Workers.Builder b, Consumer<Consumer<Rib>> report) {
        type = type();
        workersCpu = firstCpu();
        switch (type) {
            case MEMORY -> memoryPorts(b);
            case AFXDP -> afXdpPorts(b, report);
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
        memoryUmem = umem;
        int[] all = new int[rib.ports().size()];
        for (Rib.PortEntry p : rib.ports()) {
            MemoryPort port = new MemoryPort(p.index(), p.name(), umem, 1024, p.mtu());
            resources.add(port);
            b.port(port);
            all[p.index()] = p.index();
        }
        b.worker(firstCpu(), all);
    }

    private void afXdpPorts(Workers.Builder b, Consumer<Consumer<Rib>> report) {
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
            VethChecksums.finishAtPeer(p.name()).map(vethChecksums::track).ifPresent(c -> {
                resources.add(c);
                deviceChanges.put(p.index(), c);
            });
        }
        int cpu = firstCpu();
        WorkerSpec workers = config.workers(rib);
        workersRun = new WorkerSpec(workers.idleOrDefault(), workers.schedulingOrDefault());
        b.idle(workers.idleOrDefault()).scheduling(workers.schedulingOrDefault());
        String waits = "idle " + workers.idleOrDefault().text() + ", sched " + workers.schedulingOrDefault().text()
                + (workers.scheduling() == null && workers.schedulingOrDefault().fifoPriority() > 0 ? " if permitted" : "");
        int frames = afXdpFrames(rib);
        for (int q = 0; q < queues; q++) {
            Umem umem = new Umem(frames, AFXDP_FRAME_SIZE);
            resources.add(umem);
            umems.add(umem);
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
        report.accept(r -> {
            for (Rib.PortEntry p : r.ports()) {
                try (Rtnetlink nl = Rtnetlink.open()) {
                    int ifindex = Libc.ifNameToIndex(p.name());
                    Rtnetlink.Link link = nl.link(ifindex);
                    r.device(p.index(), KernelAddresses.mac(link.mac()), link.mtu());
                    r.kernelIfindex(p.index(), ifindex);
                    r.carrier(p.index(), link.up());
                    r.kernelLink(p.index(), link.flags(), link.operState());
                    List<Rtnetlink.Address> addresses = nl.addresses(ifindex);
                    icmpSource(b::icmpSource, p.index(), addresses);
                    connectedSubnets(r, p.index(), addresses);
                }
            }
        });
    }

    /**
     * Frames per UMEM: {@link Umem#DEFAULT_FRAMES} (five ports' default rings), or enough for every
     * declared port to keep its whole fill ring when their {@code rx-ring}s ask for more. A port
     * added while the daemon runs joins the UMEM as it is, and shares shrink if it is short.
     */
    private int afXdpFrames(Rib rib) {
        long entries = 0;
        for (Rib.PortEntry p : rib.ports()) {
            PortSpec spec = config.spec(p);
            entries += Math.max(spec.rxRing(), spec.txRing());
        }
        return Math.max(Umem.DEFAULT_FRAMES, Umem.framesForWholeRings(entries));
    }

    /**
     * Opens queue {@code q} of an AF_XDP port in its configured XDP attach mode. A driver that
     * refuses native XDP (virtio-net on many cloud VMs, dummy, loopback) makes the daemon stop with
     * the line that works instead, rather than fall back silently to the slower generic mode.
     */
    private AfXdpPort openAfXdp(Rib.PortEntry p, int q, Umem umem) {
        return openAfXdp(config.spec(p), p.index(), q, umem, true);
    }

    /** {@code prime} false: the worker fills the fill ring (a port added while it runs: the UMEM's free list is the worker's). */
    private static AfXdpPort openAfXdp(PortSpec spec, int index, int q, Umem umem, boolean prime) {
        try {
            return AfXdpPort.open(index, spec.name(), q, umem, spec.mode(), spec.rxRing(), spec.txRing(), spec.xdpMode().flags(),
                    prime);
        } catch (NativeException e) {
            boolean refusedNative = spec.xdpMode() == XdpAttachMode.NATIVE && e.syscall().equals("bpf(BPF_LINK_CREATE)")
                    && (e.errno() == Errno.EOPNOTSUPP || e.errno() == Errno.EINVAL || e.errno() == Errno.ERANGE);
            if (!refusedNative) {
                throw e;
            }
            throw new IllegalStateException("port " + spec.name() + ": the driver refused native XDP (" + e.getMessage()
                    + "); attach in generic mode instead, which every device supports at some cost in speed: 'port add dev "
                    + spec.name() + " xdp-mode generic'", e);
        }
    }

    /** The subnets of the device's addresses are directly connected, as the kernel's own routes for them say. */
    private static void connectedSubnets(Rib rib, int port, List<Rtnetlink.Address> addresses) {
        for (Rtnetlink.Address a : addresses) {
            rib.kernelAddress(port, KernelAddresses.ipAddress(a.address()), a.prefixLength(), true);
        }
    }

    /** Where a port's ICMP source addresses go: the builder's, or the running workers'. */
    interface IcmpSources {
        void source(int port, int ipv4, long ipv6Hi, long ipv6Lo);
    }

    /** The device's first IPv4 and first global IPv6 address become the source of the ICMP errors sent from the port. */
    static void icmpSource(IcmpSources b, int port, List<Rtnetlink.Address> addresses) {
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
            b.source(port, v4, v6Hi, v6Lo);
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

    /** Refuses, saying what to do, a port that can only be opened at start (DPDK: one EAL per process, started once). */
    static void refuseWhileRunning(PortSpec spec) {
        if (spec.type() == PortSpec.Type.DPDK) {
            throw new CommandException("port " + spec.name() + ": DPDK ports are opened when the daemon starts only (the EAL"
                    + " starts once per process): put the 'port add' line, and its 'dpdk eal' line, in the --config file and"
                    + " restart the daemon");
        }
    }

    /**
     * Makes port {@code spec} at RIB index {@code index} while the workers run, inside the
     * transaction that declares it: opens its device (AF_XDP: one socket per worker's queue, in
     * that worker's UMEM, and the XDP program), gives each worker its object, and reports the
     * device's MAC, MTU and carrier into the RIB. Throws, with everything it opened closed again
     * and no worker changed, when the port cannot be made; the message says what to do.
     */
    void addRunning(Rib rib, PortSpec spec, int index, Workers workers) {
        refuseWhileRunning(spec);
        if (spec.type() != type) {
            throw new CommandException("port " + spec.name() + " is of type " + spec.type().label() + " but the running ports are "
                    + type.label() + ": a worker moves frames between its ports without copying, so all share one type;"
                    + " the workers keep the type of their first port until the daemon restarts");
        }
        int cpu = workersCpu;
        if (spec.cpu() >= 0 && cpu >= 0 && spec.cpu() != cpu || spec.cpu() >= 0 && cpu < 0) {
            throw new CommandException("port " + spec.name() + ": 'cpu " + spec.cpu() + "' but the running workers are "
                    + (cpu < 0 ? "not pinned" : "on CPU " + cpu + (workers.workerCount() > 1 ? "-" + (cpu + workers.workerCount() - 1) : ""))
                    + "; every worker serves every port (worker q owns queue q of each), so leave 'cpu' out"
                    + (cpu < 0 ? "" : " or give cpu " + cpu));
        }
        if (workersRun != null && spec.worker().idle() != null && spec.worker().idle() != workersRun.idle()) {
            throw new CommandException("port " + spec.name() + ": 'idle " + spec.worker().idle().text() + "' but the running workers"
                    + " run 'idle " + workersRun.idle().text() + "' and serve every port: leave 'idle' out");
        }
        if (workersRun != null && spec.worker().scheduling() != null
                && !spec.worker().scheduling().text().equals(workersRun.scheduling().text())) {
            throw new CommandException("port " + spec.name() + ": 'sched " + spec.worker().scheduling().text() + "' but the running"
                    + " workers run 'sched " + workersRun.scheduling().text() + "' and serve every port: leave 'sched' out");
        }
        if (index >= io.dataplane.worker.WorkerCounters.MAX_PORTS) {
            throw new CommandException("port " + spec.name() + ": the dataplane has room for " + io.dataplane.worker.WorkerCounters.MAX_PORTS
                    + " ports (port indices are the bits of a 64-bit mask) and all are in use; remove a port first");
        }
        if (!workers.portIndexFree(index)) {
            throw new CommandException("port " + spec.name() + ": index " + index + " is still in use by the workers; try again");
        }
        Port[] perWorker = new Port[workers.workerCount()];
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            if (spec.type() == PortSpec.Type.MEMORY) {
                perWorker[0] = new MemoryPort(index, spec.name(), memoryUmem, 1024, spec.mtu());
                opened.add(perWorker[0]);
            } else {
                if (spec.queues() != umems.size()) {
                    throw new CommandException("port " + spec.name() + " has " + spec.queues() + " queue(s) but the workers serve "
                            + umems.size() + " (worker q owns queue q of every port): give 'queues " + umems.size() + "'");
                }
                try {
                    Libc.ifNameToIndex(spec.name());
                } catch (RuntimeException e) {
                    throw new CommandException("port " + spec.name() + ": no such network device in this namespace (" + e.getMessage()
                            + "); create it first ('ip link add ...'), then add the port");
                }
                VethChecksums.finishAtPeer(spec.name()).map(vethChecksums::track).ifPresent(opened::add);
                for (int q = 0; q < umems.size(); q++) {
                    perWorker[q] = openAfXdp(spec, index, q, umems.get(q), false);
                    opened.add(perWorker[q]);
                }
                try (Rtnetlink nl = Rtnetlink.open()) {
                    int ifindex = Libc.ifNameToIndex(spec.name());
                    Rtnetlink.Link link = nl.link(ifindex);
                    rib.device(index, KernelAddresses.mac(link.mac()), link.mtu());
                    rib.kernelIfindex(index, ifindex);
                    rib.carrier(index, link.up());
                    rib.kernelLink(index, link.flags(), link.operState());
                    List<Rtnetlink.Address> addresses = nl.addresses(ifindex);
                    icmpSource(workers::icmpSource, index, addresses);
                    connectedSubnets(rib, index, addresses);
                    // What the kernel resolved on the device already: no notification will tell it again.
                    for (Rtnetlink.Neighbour n : nl.neighbours()) {
                        if (n.ifindex() == ifindex && n.usable()) {
                            rib.learnNeighbour(KernelAddresses.ipAddress(n.address()), index, KernelAddresses.mac(n.mac()));
                        }
                    }
                }
            }
            workers.addPort(perWorker);
        } catch (RuntimeException e) {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception c) {
                    LOG.log(System.Logger.Level.WARNING, "closing " + opened.get(i) + ": " + c.getMessage());
                }
            }
            if (e instanceof CommandException) {
                throw e;
            }
            throw new CommandException("port " + spec.name() + " not added, nothing changed: " + e.getMessage());
        }
        for (AutoCloseable c : opened) {
            resources.add(c);
            if (!(c instanceof Port)) {
                deviceChanges.put(index, c);
            }
        }
        bound.put(index, spec.type() == PortSpec.Type.MEMORY ? "" : (((AfXdpPort) perWorker[0]).zeroCopy() ? "zero-copy" : "copy")
                + " mode, " + spec.queues() + " queue(s), XDP " + spec.xdpMode().label() + ", added while running");
        LOG.log(System.Logger.Level.INFO, "port " + index + " " + spec.name() + " added: " + workers.workerCount()
                + " worker(s) poll it" + (bound.get(index).isEmpty() ? "" : ", " + bound.get(index)));
    }

    /**
     * Takes port {@code index} away from the running workers (they stop using it, then its objects
     * are closed: the XDP program detached, the frames back in the UMEM) and undoes what was
     * changed on its device. Control thread, after the transaction that removed it was published.
     */
    void removeRunning(int index, String name, Workers workers) {
        List<Port> closed = workers.removePort(index);
        resources.removeAll(closed);
        AutoCloseable change = deviceChanges.remove(index);
        if (change != null) {
            resources.remove(change);
            try {
                change.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "port " + name + ": undoing " + change + ": " + e.getMessage());
            }
        }
        bound.remove(index);
        LOG.log(System.Logger.Level.INFO, "port " + index + " " + name + " removed: " + closed.size() + " port object(s) closed");
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
