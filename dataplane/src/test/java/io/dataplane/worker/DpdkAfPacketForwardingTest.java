package io.dataplane.worker;

import io.dataplane.port.DpdkVethWire;

/**
 * The forwarding contract over DPDK's net_af_packet driver on veth pairs in a namespace: the same
 * cases as over in-memory ports (weighted split 1:2, TTL, MACs and checksum rewritten, order kept,
 * drops counted), through the kernel's links.
 */
class DpdkAfPacketForwardingTest extends ForwardingContractTest {
    @Override
    protected TestWire openWire() {
        return new DpdkVethWire();
    }
}
