package io.dataplane.port;

import io.dataplane.ffi.dpdk.EthDev;

/**
 * What {@code port add dev NAME type dpdk vdev SPEC} or {@code ... type dpdk pci ADDR} asks for,
 * validated, so the control plane can parse a line into it and {@link DpdkPort#open} needs nothing
 * else. Optional keywords (same names in the grammar): {@code rx-ring N}, {@code tx-ring N},
 * {@code mbufs N}, {@code burst N}. The EAL options are a separate line, {@code dpdk eal ...},
 * parsed by {@link io.dataplane.ffi.dpdk.EalOptions#parse}.
 *
 * @param name the port's name as operators and routes see it (like an interface name)
 * @param device whether {@code spec} is a virtual device spec, a PCI address or an existing ethdev's name
 * @param spec {@code DRIVERn[,key=value...]} for a vdev (e.g. {@code net_af_xdp0,iface=eth1}), or
 *     {@code [DDDD:]BB:DD.F} for PCI (normalised to include the domain)
 * @param rxDescriptors receive ring size, a power of two
 * @param txDescriptors transmit ring size, a power of two
 * @param mbufs buffers in the port's mempool; must cover both rings and the bursts in flight
 * @param burst frames per receive or transmit burst
 */
public record DpdkPortConfig(String name, Device device, String spec, int rxDescriptors, int txDescriptors, int mbufs,
                             int burst) {
    /** How the DPDK device is found. */
    public enum Device {
        /** A virtual device created by a driver (net_null, net_ring, net_af_packet, net_af_xdp, net_tap, ...). */
        VDEV,
        /** A PCI function bound to vfio-pci. */
        PCI,
        /**
         * An ethdev that already exists in the process, by its DPDK name (one made by code, such as a
         * {@code RingCable} end in tests); the port uses it and leaves removing it to its creator.
         */
        ETHDEV
    }

    public static final int DEFAULT_RING = 1024;
    public static final int DEFAULT_MBUFS = 4096;
    public static final int DEFAULT_BURST = 32;
    public static final int MAX_BURST = 256;

    public DpdkPortConfig {
        if (name == null || !name.matches("[A-Za-z0-9_.-]{1,15}")) {
            throw new IllegalArgumentException("port name '" + name + "': use 1-15 letters, digits, '_', '.' or '-'");
        }
        if (device == null || spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("port " + name + ": type dpdk needs 'vdev SPEC' or 'pci ADDR'");
        }
        if (device == Device.PCI) {
            spec = EthDev.normalisePci(spec);
        } else if (device == Device.ETHDEV) {
            if (!spec.matches("[A-Za-z0-9_:.-]+")) {
                throw new IllegalArgumentException("port " + name + ": ethdev '" + spec + "' is not a DPDK device name");
            }
        } else if (!spec.matches("[A-Za-z0-9_]+(,.*)?") || spec.contains(" ")) {
            throw new IllegalArgumentException("port " + name + ": vdev '" + spec + "' must be DRIVERn[,key=value...] "
                    + "without spaces, e.g. net_ring0 or net_af_xdp0,iface=eth1");
        }
        checkRing(name, "rx-ring", rxDescriptors);
        checkRing(name, "tx-ring", txDescriptors);
        if (burst < 1 || burst > MAX_BURST) {
            throw new IllegalArgumentException("port " + name + ": burst must be 1.." + MAX_BURST + ", was " + burst);
        }
        int needed = rxDescriptors + txDescriptors + 4 * burst;
        if (mbufs < needed) {
            throw new IllegalArgumentException("port " + name + ": mbufs " + mbufs + " cannot fill the rx ring and cover "
                    + "the tx ring and bursts in flight; use at least " + needed);
        }
    }

    private static void checkRing(String name, String what, int size) {
        if (size < 64 || size > 16384 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("port " + name + ": " + what + " must be a power of two in 64..16384, was " + size);
        }
    }

    /** {@code port add dev NAME type dpdk vdev SPEC} with default rings, mbufs and burst. */
    public static DpdkPortConfig vdev(String name, String spec) {
        return new DpdkPortConfig(name, Device.VDEV, spec, DEFAULT_RING, DEFAULT_RING, DEFAULT_MBUFS, DEFAULT_BURST);
    }

    /** {@code port add dev NAME type dpdk pci ADDR} with default rings, mbufs and burst. */
    public static DpdkPortConfig pci(String name, String address) {
        return new DpdkPortConfig(name, Device.PCI, address, DEFAULT_RING, DEFAULT_RING, DEFAULT_MBUFS, DEFAULT_BURST);
    }

    /** A port on an ethdev that exists already (see {@link Device#ETHDEV}), with default settings. */
    public static DpdkPortConfig ethdev(String name, String dpdkName) {
        return new DpdkPortConfig(name, Device.ETHDEV, dpdkName, DEFAULT_RING, DEFAULT_RING, DEFAULT_MBUFS, DEFAULT_BURST);
    }

    public DpdkPortConfig withRings(int rx, int tx) {
        return new DpdkPortConfig(name, device, spec, rx, tx, mbufs, burst);
    }

    public DpdkPortConfig withMbufs(int n) {
        return new DpdkPortConfig(name, device, spec, rxDescriptors, txDescriptors, n, burst);
    }

    public DpdkPortConfig withBurst(int n) {
        return new DpdkPortConfig(name, device, spec, rxDescriptors, txDescriptors, mbufs, n);
    }

    /** The configuration line that gives this port (defaults left out). */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("port add dev ").append(name).append(" type dpdk ")
                .append(device.name().toLowerCase(java.util.Locale.ROOT)).append(' ').append(spec);
        if (rxDescriptors != DEFAULT_RING) {
            s.append(" rx-ring ").append(rxDescriptors);
        }
        if (txDescriptors != DEFAULT_RING) {
            s.append(" tx-ring ").append(txDescriptors);
        }
        if (mbufs != DEFAULT_MBUFS) {
            s.append(" mbufs ").append(mbufs);
        }
        if (burst != DEFAULT_BURST) {
            s.append(" burst ").append(burst);
        }
        return s.toString();
    }
}
