package io.dataplane.control.command;

/**
 * A port as declared by {@code port add dev NAME ...}: a value object that the daemon hands to
 * whichever port implementation the type names. Fields that a type does not use keep their
 * defaults ({@code -1} or null); the parser rejects options that do not belong to the type.
 *
 * <pre>
 * port add dev NAME type memory [mtu N] [address MAC]
 * port add dev IFNAME [type afxdp] [queues N] [mode auto|copy|zerocopy] [cpu N]
 * port add dev NAME type dpdk (vdev SPEC | pci ADDR) [queues N] [cpu N]
 * </pre>
 */
public record PortSpec(String name, Type type, int queues, XdpMode mode, int cpu, String vdev, String pci,
                       int mtu, long mac) {

    public enum Type {
        MEMORY, AFXDP, DPDK;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** AF_XDP bind mode: zero-copy when the driver offers it ({@code auto}), or forced. */
    public enum XdpMode {
        AUTO, COPY, ZEROCOPY;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Default MTU when the configuration does not name one (memory ports have no device to ask). */
    public static final int DEFAULT_MTU = 1500;
}
