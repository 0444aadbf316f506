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

    /** Formats a 48-bit MAC as {@code aa:bb:cc:dd:ee:ff}. */
    public static String macToString(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int i = 5; i >= 0; i--) {
            sb.append(String.format("%02x", (mac >>> (i * 8)) & 0xff));
            if (i > 0) {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff}; throws with the offending text otherwise. */
    public static long parseMac(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("bad MAC address '" + text + "': expected six hex octets like 02:00:00:00:00:01");
        }
        long mac = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 2) {
                throw new IllegalArgumentException("bad MAC address '" + text + "': expected six hex octets like 02:00:00:00:00:01");
            }
            try {
                mac = (mac << 8) | Integer.parseInt(p, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad MAC address '" + text + "': '" + p + "' is not a hex octet", e);
            }
        }
        return mac;
    }
}
