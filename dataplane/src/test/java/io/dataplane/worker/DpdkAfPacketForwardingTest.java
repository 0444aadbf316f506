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

    /**
     * DPDK's net_af_packet joins its sockets to a PACKET_FANOUT group with
     * PACKET_FANOUT_FLAG_DEFRAG (rte_eth_af_packet.c), so the kernel reassembles IPv4 fragments
     * (ip_check_defrag) before the far side's port receives them: it sees the whole datagram
     * again. The router's port counters still show the three fragments it sent.
     */
    @Override
    protected boolean farSideSeesFragments() {
        return false;
    }
}
