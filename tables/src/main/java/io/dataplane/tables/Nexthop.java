package io.dataplane.tables;

/**
 * A nexthop as the fast path needs it: where to send (egress port) and how to rewrite the
 * Ethernet header (destination and source MAC), the egress MTU, and its state.
 *
 * @param port egress port index
 * @param dstMac neighbour's MAC, 48 bits in the low bits, first octet most significant
 * @param srcMac the egress port's own MAC, same encoding
 * @param mtu egress IP MTU in bytes
 * @param alive false when the link is down or the operator disabled it; dead nexthops leave their groups' hash space
 * @param resolved false while the neighbour's MAC is unknown; such packets are dropped with their own reason
 */
public record Nexthop(int port, long dstMac, long srcMac, int mtu, boolean alive, boolean resolved) {
    public Nexthop {
        if (port < 0) {
            throw new IllegalArgumentException("nexthop port index must be >= 0, was " + port);
        }
        if (mtu < 68 || mtu > 65535) {
            throw new IllegalArgumentException("nexthop MTU must be 68..65535, was " + mtu);
        }
        if ((dstMac >>> 48) != 0 || (srcMac >>> 48) != 0) {
            throw new IllegalArgumentException("MAC addresses are 48-bit values");
        }
    }

    public Nexthop withAlive(boolean isAlive) {
        return new Nexthop(port, dstMac, srcMac, mtu, isAlive, resolved);
    }
}
