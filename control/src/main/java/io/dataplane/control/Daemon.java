package io.dataplane.control;

/**
 * The running dataplane behind the control plane: builds the ports the configuration declared,
 * starts the workers and connects the RIB to the forwarding tables.
 */
final class Daemon {
    int nexthopSlots() {
        return 65536;
    }

    int groupSlots() {
        return 4096;
    }

    void start(ControlPlane plane) {
        // wired to io.dataplane.worker.Dataplane once it lands
    }

    void stop() {
    }
}
