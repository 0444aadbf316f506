package io.dataplane.control.command;

import io.dataplane.ffi.XskSocket;
import io.dataplane.port.DpdkPortConfig;

/**
 * A port as declared by {@code port add dev NAME ...}: a value object that the daemon hands to
 * whichever port implementation the type names. Fields a type does not use keep their defaults
 * ({@code -1} or null); the parser rejects options that do not belong to the type.
 *
 * <pre>
 * port add dev NAME type memory [mtu N] [address MAC]
 * port add dev IFNAME [type afxdp] [queues N] [mode auto|copy|zerocopy] [cpu N]
 * port add dev NAME type dpdk (vdev SPEC | pci ADDR) [rx-ring N] [tx-ring N] [mbufs N] [burst N] [cpu N]
 * </pre>
 *
 * @param dpdk for {@code type dpdk}: the DPDK port's validated configuration, else null
 */
public record PortSpec(String name, Type type, int queues, XskSocket.Mode mode, int cpu, DpdkPortConfig dpdk,
                       int mtu, long mac) {

    public enum Type {
        MEMORY, AFXDP, DPDK;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Default MTU when the configuration does not name one (memory ports have no device to ask). */
    public static final int DEFAULT_MTU = 1500;

    /** The AF_XDP bind mode as operators type it. */
    public static String label(XskSocket.Mode mode) {
        return mode.name().toLowerCase(java.util.Locale.ROOT);
    }
}
