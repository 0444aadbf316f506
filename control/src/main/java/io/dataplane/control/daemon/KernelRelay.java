package io.dataplane.control.daemon;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.command.IpAddress;
import io.dataplane.ffi.Rtnetlink;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Relays what the kernel reports about the ports' devices to the control thread, as RIB changes:
 * neighbours it resolved or lost, carrier and the devices' link flags. It keeps no state of its own: the RIB owns the
 * neighbour model (static entries win over learned ones) and ignores reports that change nothing.
 */
final class KernelRelay implements KernelFollower.Listener {
    private final ControlPlane plane;
    private final Executor controlThread;
    private final Map<Integer, Integer> portOfIfindex;

    /**
     * @param controlThread runs tasks on the control thread (the RIB's single writer)
     * @param portOfIfindex the port index of each followed device; other devices are ignored. The
     *                      daemon changes it as ports are added and removed (a concurrent map, written
     *                      on the control thread, where each report is checked against it again)
     */
    KernelRelay(ControlPlane plane, Executor controlThread, Map<Integer, Integer> portOfIfindex) {
        this.plane = plane;
        this.controlThread = controlThread;
        this.portOfIfindex = portOfIfindex;
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
