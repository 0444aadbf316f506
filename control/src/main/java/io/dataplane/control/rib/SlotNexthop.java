package io.dataplane.control.rib;

import io.dataplane.control.command.IpAddress;
import io.dataplane.tables.Nexthop;

/**
 * What a nexthop slot holds: the gateway, and the rewrite data derived from its port (source MAC,
 * MTU, admin state and carrier) and its neighbour (destination MAC, if resolved).
 */
public record SlotNexthop(IpAddress via, int port, long dstMac, long srcMac, int mtu, boolean alive, boolean resolved) {

    /** The slot as the tables hold it (the gateway's address is the RIB's alone). */
    public Nexthop nexthop() {
        return new Nexthop(port, dstMac, srcMac, mtu, alive, resolved);
    }
}
