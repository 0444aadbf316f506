package io.dataplane.control;

import io.dataplane.control.rib.Rib;
import io.dataplane.control.rib.Rib.PortEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * A port's link flags and operational state as {@code ip link} prints them ({@code
 * <BROADCAST,MULTICAST,UP,LOWER_UP>}, {@code state UP}). A port on a kernel device (AF_XDP) shows
 * the kernel's flags and operstate for the device, less {@code UP} and {@code LOWER_UP} while the
 * port is set down ({@code link set dev P down} stops the port, not the device); a memory or DPDK
 * port shows what an Ethernet device in its state would: up with carrier, up without carrier
 * ({@code NO-CARRIER}), or down.
 */
final class LinkFlags {
    // <linux/if.h>
    private static final int IFF_UP = 0x1, IFF_BROADCAST = 0x2, IFF_RUNNING = 0x40, IFF_MULTICAST = 0x1000,
            IFF_LOWER_UP = 0x10000;
    /** The flags ip names, in the order iproute2's print_link_flags prints them. */
    private static final int[] BITS = {0x8, 0x2, 0x10, 0x1000, 0x80, 0x200, 0x100, 0x400, 0x800, 0x4, 0x8000, 0x4000, 0x2000,
        0x20, 0x1, 0x10000, 0x20000, 0x40000};
    private static final String[] NAMES = {"LOOPBACK", "BROADCAST", "POINTOPOINT", "MULTICAST", "NOARP", "ALLMULTI", "PROMISC",
        "MASTER", "SLAVE", "DEBUG", "DYNAMIC", "AUTOMEDIA", "PORTSEL", "NOTRAILERS", "UP", "LOWER_UP", "DORMANT", "ECHO"};
    /** IF_OPER_* (RFC 2863), as ip names them. */
    private static final String[] OPER_STATES = {"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"};
    private static final int OPER_DOWN = 2, OPER_UP = 6;

    private final int flags;
    private final int operState;

    private LinkFlags(int flags, int operState) {
        this.flags = flags;
        this.operState = operState;
    }

    /** The port's flags and state now. */
    static LinkFlags of(Rib rib, PortEntry p) {
        int kernel = rib.kernelLinkFlags(p.index());
        if (kernel >= 0) {
            return p.up() ? new LinkFlags(kernel, rib.kernelOperState(p.index()))
                    : new LinkFlags(kernel & ~(IFF_UP | IFF_RUNNING | IFF_LOWER_UP), OPER_DOWN);
        }
        int ethernet = IFF_BROADCAST | IFF_MULTICAST;
        if (!p.up()) {
            return new LinkFlags(ethernet, OPER_DOWN);
        }
        return rib.carrier(p.index()) ? new LinkFlags(ethernet | IFF_UP | IFF_RUNNING | IFF_LOWER_UP, OPER_UP)
                : new LinkFlags(ethernet | IFF_UP, OPER_DOWN);
    }

    /** The flags' names as ip prints them ({@code NO-CARRIER} first when up without carrier; an unnamed rest in hex). */
    List<String> names() {
        List<String> out = new ArrayList<>();
        if ((flags & IFF_UP) != 0 && (flags & IFF_RUNNING) == 0) {
            out.add("NO-CARRIER");
        }
        int rest = flags & ~IFF_RUNNING;
        for (int i = 0; i < BITS.length; i++) {
            if ((rest & BITS[i]) != 0) {
                out.add(NAMES[i]);
                rest &= ~BITS[i];
            }
        }
        if (rest != 0) {
            out.add(Integer.toHexString(rest));
        }
        return out;
    }

    /** {@code <A,B,C>} */
    String text() {
        return "<" + String.join(",", names()) + ">";
    }

    /** The operational state's name ({@code UP}, {@code DOWN}, {@code LOWERLAYERDOWN}...). */
    String state() {
        return operState >= 0 && operState < OPER_STATES.length ? OPER_STATES[operState] : Integer.toString(operState);
    }
}
