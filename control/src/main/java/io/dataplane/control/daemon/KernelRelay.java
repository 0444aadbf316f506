package io.dataplane.control.daemon;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.command.IpAddress;
import io.dataplane.ffi.Rtnetlink;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Relays what the kernel reports about the ports' devices to the control thread, as RIB changes:
 * neighbours it resolved or lost, carrier and the devices' link flags, addresses added and
 * removed. It keeps no state of its own: the RIB owns the neighbour model (static entries win
 * over learned ones) and ignores reports that change nothing.
 */
final class KernelRelay implements KernelFollower.Listener {
    private final ControlPlane plane;
    private final Executor controlThread;
    private final Map<Integer, Integer> portOfIfindex;
    private final java.util.function.BiConsumer<Integer, Integer> addressesChanged;

    /**
     * @param controlThread runs tasks on the control thread (the RIB's single writer)
     * @param portOfIfindex the port index of each followed device; other devices are ignored. The
     *                      daemon changes it as ports are added and removed (a concurrent map, written
     *                      on the control thread, where each report is checked against it again)
     */
    KernelRelay(ControlPlane plane, Executor controlThread, Map<Integer, Integer> portOfIfindex) {
        this(plane, controlThread, portOfIfindex, (port, ifindex) -> { });
    }

    /**
     * @param addressesChanged told on the control thread, after the RIB took an address change of a
     *                         port's device (the port's ICMP source addresses come from them)
     */
    KernelRelay(ControlPlane plane, Executor controlThread, Map<Integer, Integer> portOfIfindex,
                java.util.function.BiConsumer<Integer, Integer> addressesChanged) {
        this.plane = plane;
        this.controlThread = controlThread;
        this.portOfIfindex = portOfIfindex;
        this.addressesChanged = addressesChanged;
    }

    /**
     * An address added to or removed from a port's device after it was opened: the subnet's
     * connected route follows, as the kernel's own route does, and so do the port's ICMP sources.
     */
    @Override
    public void onAddress(Rtnetlink.Address a, boolean deleted) {
        Integer port = portOfIfindex.get(a.ifindex());
        if (port == null) {
            return;
        }
        IpAddress address = KernelAddresses.ipAddress(a.address());
        int length = a.prefixLength();
        controlThread.execute(() -> {
            if (port.equals(portOfIfindex.get(a.ifindex()))) {
                plane.applyReported(r -> r.kernelAddress(port, address, length, !deleted));
                addressesChanged.accept(port, a.ifindex());
            }
        });
    }

    @Override
    public void onNeighbour(Rtnetlink.Neighbour n, boolean deleted) {
        Integer port = portOfIfindex.get(n.ifindex());
        if (port == null) {
            return;
        }
        IpAddress address = KernelAddresses.ipAddress(n.address());
        // FAILED, INCOMPLETE, or gone: sending to the old MAC could black-hole traffic.
        long mac = deleted || !n.usable() ? KernelAddresses.NO_MAC : KernelAddresses.mac(n.mac());
        int state = n.state();
        controlThread.execute(() -> {
            if (port.equals(portOfIfindex.get(n.ifindex()))) { // not removed meanwhile
                plane.applyReported(r -> r.learnNeighbour(address, port, mac, state));
            }
        });
    }

    @Override
    public void onLink(Rtnetlink.Link link, boolean deleted) {
        Integer port = portOfIfindex.get(link.index());
        if (port == null) {
            return;
        }
        boolean up = !deleted && link.up();
        controlThread.execute(() -> {
            if (port.equals(portOfIfindex.get(link.index()))) {
                plane.applyReported(r -> {
                    r.carrier(port, up);
                    r.kernelLink(port, link.flags(), link.operState());
                });
            }
        });
    }
}
