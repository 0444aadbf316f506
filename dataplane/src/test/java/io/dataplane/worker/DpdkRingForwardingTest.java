package io.dataplane.worker;

/**
 * The forwarding contract over DPDK ports (net_ring ethdevs joined by rings to the test), byte for
 * byte the same cases as over in-memory ports.
 */
class DpdkRingForwardingTest extends ForwardingContractTest {
    @Override
    protected TestWire openWire() {
        return new DpdkRingWire();
    }
}
