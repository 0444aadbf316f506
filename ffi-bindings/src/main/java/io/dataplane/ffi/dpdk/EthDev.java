package io.dataplane.ffi.dpdk;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One DPDK ethdev port on the control path: probing a virtual device or a PCI function, queue
 * setup, start, stop and close. Errors name the device and what to check.
 */
public final class EthDev implements AutoCloseable {
    private static final Pattern PCI = Pattern.compile("(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-1][0-9a-fA-F])\\.([0-7])");

    private final String deviceName;
    /** True when this object created the device (a vdev it probed) and so removes it on close. */
    private final boolean virtual;
    private final short portId;
    private boolean started;
    private boolean closed;

    private EthDev(String deviceName, boolean virtual, short portId) {
        this.deviceName = deviceName;
        this.virtual = virtual;
        this.portId = portId;
    }

    /**
     * Creates a virtual device from a {@code --vdev} style spec, {@code DRIVERn[,key=value...]}, e.g.
     * {@code net_ring0} or {@code net_af_xdp0,iface=eth1}.
     */
    public static EthDev probeVdev(String spec) {
        Eal.require();
        int comma = spec.indexOf(',');
        String name = (comma < 0 ? spec : spec.substring(0, comma)).strip();
        String args = comma < 0 ? "" : spec.substring(comma + 1);
        if (name.isEmpty() || !name.matches("[A-Za-z0-9_]+")) {
            throw new IllegalArgumentException("vdev '" + spec + "': the device name (before the first comma) must be a "
                    + "driver name and an instance number, e.g. net_ring0 or net_af_xdp0,iface=eth1");
        }
        if (portIdOf(name) >= 0) {
            throw new DpdkException("vdev " + name + " exists already in this process; every DPDK port needs its own "
                    + "device name (e.g. " + name.replaceAll("[0-9]*$", "") + "1)");
        }
        int rc;
        try (Arena arena = Arena.ofConfined()) {
            rc = Dpdk.vdevInit(arena.allocateFrom(name), arena.allocateFrom(args));
        }
        if (rc != 0) {
            // DPDK 22.11 answers -1 both for "no driver matches" and for some driver failures, so
            // the driver directory decides which message helps.
            boolean known = rc > 0 ? false : installedNetDrivers().stream().anyMatch(name::startsWith);
            if (!known) {
                throw new DpdkException("vdev '" + spec + "': no DPDK driver matches '" + name + "'. " + installedDrivers());
            }
            throw new DpdkException("vdev '" + spec + "': the driver failed to create the device (" + Dpdk.strerror(-rc)
                    + "). Check its arguments (e.g. that iface= names an existing interface and that this runs as root); "
                    + "DPDK's log lines above on stderr say what the driver disliked");
        }
        int port = portIdOf(name);
        if (port < 0) {
            uninit(name);
            throw new DpdkException("vdev '" + spec + "' was created but is not an ethernet device (no ethdev named "
                    + name + "); use a net_* driver. " + installedDrivers());
        }
        return new EthDev(name, true, (short) port);
    }

    /**
     * Probes a PCI function bound to a DPDK-capable driver (vfio-pci), by address
     * {@code [DDDD:]BB:DD.F}.
     */
    public static EthDev probePci(String address) {
        Eal eal = Eal.require();
        String full = normalisePci(address);
        if (eal.options().noPci()) {
            throw new DpdkException("PCI port " + full + ": DPDK was started with --no-pci; remove it from the "
                    + "'dpdk eal' line (and restart the dataplane) to use PCI devices");
        }
        int port = portIdOf(full);
        if (port < 0) {
            int rc;
            try (Arena arena = Arena.ofConfined()) {
                rc = Dpdk.devProbe(arena.allocateFrom(full));
            }
            if (rc < 0) {
                throw new DpdkException("PCI port " + full + ": DPDK cannot probe it (" + Dpdk.strerror(-rc) + "). Check that "
                        + "the device exists ('lspci -s " + full + "') and is bound to vfio-pci "
                        + "('dpdk-devbind.py --bind=vfio-pci " + full + "'), and that hugepages are reserved");
            }
            port = portIdOf(full);
            if (port < 0) {
                throw new DpdkException("PCI device " + full + " was probed but is not an ethernet port");
            }
        }
        return new EthDev(full, false, (short) port);
    }

    /**
     * Opens an ethdev that exists already in this process under DPDK name {@code name} (made by
     * code such as {@link RingCable}, or probed by EAL from its own options). Closing it stops and
     * closes the port but leaves removing the device to whoever created it.
     */
    public static EthDev attach(String name) {
        Eal.require();
        int port = portIdOf(name);
        if (port < 0) {
            throw new DpdkException("no DPDK ethdev named '" + name + "' exists in this process; create it first "
                    + "(or use 'vdev SPEC' / 'pci ADDR' to have the port create its device)");
        }
        return new EthDev(name, false, (short) port);
    }

    /** Validates a PCI address and returns it with its domain, e.g. {@code 0000:03:00.0}. */
    public static String normalisePci(String address) {
        Matcher m = PCI.matcher(address.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + address + "' is not a PCI address; expected [DDDD:]BB:DD.F in hex, "
                    + "e.g. 0000:03:00.0 (see 'lspci -D')");
        }
        String domain = m.group(1) == null ? "0000" : m.group(1);
        return (domain + ":" + m.group(2) + ":" + m.group(3) + "." + m.group(4)).toLowerCase(java.util.Locale.ROOT);
    }

    private static int portIdOf(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment id = arena.allocate(ValueLayout.JAVA_SHORT);
            int rc = Dpdk.portByName(arena.allocateFrom(name), id);
            return rc == 0 ? Short.toUnsignedInt(id.get(ValueLayout.JAVA_SHORT, 0)) : -1;
        }
    }

    private static void uninit(String name) {
        try (Arena arena = Arena.ofConfined()) {
            Dpdk.vdevUninit(arena.allocateFrom(name));
        }
    }

    /** The network drivers (PMDs) in EAL's driver directory, e.g. {@code net_ring}; empty when it cannot be read. */
    static List<String> installedNetDrivers() {
        try (Stream<Path> files = Files.list(Path.of(Dpdk.pmdPath()))) {
            return files.map(p -> p.getFileName().toString())
                    .filter(f -> f.startsWith("librte_net_") && f.endsWith(".so"))
                    .map(f -> "net_" + f.substring("librte_net_".length(), f.length() - 3))
                    .sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Names the installed network drivers, for error messages. */
    static String installedDrivers() {
        List<String> names = installedNetDrivers();
        if (names.isEmpty()) {
            return "No network drivers found in DPDK's driver directory " + Dpdk.pmdPath()
                    + ": install Debian's 'dpdk' package, which brings the librte-net-* drivers";
        }
        return "Installed network drivers (" + Dpdk.pmdPath() + "): " + String.join(", ", names)
                + "; others come as Debian packages librte-net-<driver>23";
    }

    public short portId() {
        return portId;
    }

    /** The DPDK device name: the vdev name (e.g. {@code net_ring0}) or the PCI address. */
    public String deviceName() {
        return deviceName;
    }

    /** Configures the port with default settings and the given queue counts, then sets up each queue. */
    public void configure(int rxQueues, int txQueues, int rxDescriptors, int txDescriptors, Mempool pool) {
        MemorySegment conf;
        int rc;
        try (Arena arena = Arena.ofConfined()) {
            conf = arena.allocate(MbufLayout.ETH_CONF_SIZE, 8); // zeroed: DPDK's defaults
            rc = Dpdk.devConfigure(portId, (short) rxQueues, (short) txQueues, conf);
        }
        check(rc, "configure " + rxQueues + " rx and " + txQueues + " tx queues");
        int socket = Dpdk.devSocketId(portId);
        for (int q = 0; q < rxQueues; q++) {
            check(Dpdk.rxQueueSetup(portId, (short) q, (short) rxDescriptors, socket, pool.segment()),
                    "set up rx queue " + q + " with " + rxDescriptors + " descriptors");
        }
        for (int q = 0; q < txQueues; q++) {
            check(Dpdk.txQueueSetup(portId, (short) q, (short) txDescriptors, socket),
                    "set up tx queue " + q + " with " + txDescriptors + " descriptors");
        }
    }

    public void start() {
        check(Dpdk.devStart(portId), "start");
        started = true;
        // Routers receive frames for other MACs too (e.g. on a shared segment); drivers without it are fine.
        Dpdk.promiscuousEnable(portId);
    }

    /** MTU in bytes (without the Ethernet header). */
    public int mtu() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mtu = arena.allocate(ValueLayout.JAVA_SHORT);
            check(Dpdk.getMtu(portId, mtu), "read the MTU");
            return Short.toUnsignedInt(mtu.get(ValueLayout.JAVA_SHORT, 0));
        }
    }

    /** Stops and closes the port, and removes a virtual device so its name can be used again. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (started) {
            Dpdk.devStop(portId);
        }
        Dpdk.devClose(portId);
        if (virtual) {
            uninit(deviceName);
        }
    }

    private void check(int rc, String what) {
        if (rc < 0) {
            throw new DpdkException("DPDK port " + deviceName + " (port id " + portId + "): cannot " + what + ": "
                    + Dpdk.strerror(-rc) + "; DPDK's log lines above on stderr give the driver's reason");
        }
    }
}
