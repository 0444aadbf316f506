package io.dataplane.worker;

import io.dataplane.port.DpdkVethWire;

/**
 * The forwarding contract over DPDK's net_af_xdp driver on veth pairs in a namespace: the same
 * cases as over in-memory ports, through AF_XDP sockets that DPDK's driver (and libxdp) set up.
 */
class DpdkAfXdpForwardingTest extends ForwardingContractTest {
    @Override
    protected TestWire openWire() {
        return new DpdkVethWire("net_af_xdp", ",start_queue=0,queue_count=1");
    }
}
