package io.dataplane.control.rib;

import io.dataplane.control.command.IpAddress;

/**
 * What a nexthop slot holds: the gateway, and the rewrite data derived from its port (source MAC,
 * MTU, admin state and carrier) and its neighbour (destination MAC, if resolved).
 */
public record SlotNexthop(IpAddress via, int port, long dstMac, long srcMac, int mtu, boolean alive, boolean resolved) {
}
