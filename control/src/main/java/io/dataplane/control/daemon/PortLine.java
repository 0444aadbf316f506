package io.dataplane.control.daemon;

import io.dataplane.ffi.XdpAttachMode;
import io.dataplane.ffi.XskSocket;
import io.dataplane.port.AfXdpPort;
import io.dataplane.port.DpdkPortConfig;
import io.dataplane.tables.MacAddress;
import java.util.Locale;

/**
 * A {@link PortSpec} written back as the {@code port add} line that declares it (for
 * {@code show running-config}): {@link PortGrammar} parses the result into an equal spec. Options
 * at their defaults are left out.
 */
final class PortLine {
    private PortLine() {
    }

    static String of(PortSpec s) {
        StringBuilder sb = new StringBuilder("port add dev ").append(s.name());
        switch (s.type()) {
            case MEMORY -> sb.append(" type memory");
            case AFXDP -> {
                if (s.mode() != null && s.mode() != XskSocket.Mode.AUTO) {
                    sb.append(" mode ").append(s.mode().name().toLowerCase(Locale.ROOT));
                }
                if (s.xdpMode() == XdpAttachMode.GENERIC) {
                    sb.append(" xdp-mode generic");
                }
                if (s.worker() != null && s.worker().idle() != null) {
                    sb.append(" idle ").append(s.worker().idle().text());
                }
                if (s.worker() != null && s.worker().scheduling() != null) {
                    sb.append(" sched ").append(s.worker().scheduling().text());
                }
                option(sb, "rx-ring", s.rxRing(), AfXdpPort.DEFAULT_RING_SIZE);
                option(sb, "tx-ring", s.txRing(), AfXdpPort.DEFAULT_RING_SIZE);
            }
            case DPDK -> {
                DpdkPortConfig d = s.dpdk();
                sb.append(" type dpdk ").append(d.device() == DpdkPortConfig.Device.PCI ? "pci " : "vdev ").append(d.spec());
                option(sb, "rx-ring", d.rxDescriptors(), DpdkPortConfig.DEFAULT_RING);
                option(sb, "tx-ring", d.txDescriptors(), DpdkPortConfig.DEFAULT_RING);
                option(sb, "mbufs", d.mbufs(), DpdkPortConfig.DEFAULT_MBUFS);
                option(sb, "burst", d.burst(), DpdkPortConfig.DEFAULT_BURST);
            }
        }
        option(sb, "queues", s.queues(), 1);
        option(sb, "cpu", s.cpu(), -1);
        option(sb, "mtu", s.mtu(), PortSpec.DEFAULT_MTU);
        if (s.mac() >= 0) {
            sb.append(" address ").append(MacAddress.format(s.mac()));
        }
        return sb.toString();
    }

    private static void option(StringBuilder sb, String name, int value, int defaultValue) {
        if (value != defaultValue) {
            sb.append(' ').append(name).append(' ').append(value);
        }
    }
}
