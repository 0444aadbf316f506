package io.dataplane.tables;

/**
 * Ethernet addresses as the tables hold them ({@link Nexthop}): 48 bits in the low bits of a long,
 * first octet most significant; text is {@code aa:bb:cc:dd:ee:ff}, lower case.
 */
public final class MacAddress {
    private MacAddress() {
    }

    /** Parses six hex octets separated by colons; throws IllegalArgumentException naming what is wrong. */
    public static long parse(String s) {
        String[] parts = s.split(":", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("'" + s + "' is not a MAC address (expected six hex octets separated by ':', e.g. 02:00:00:00:00:01)");
        }
        long v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 2 || !p.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new IllegalArgumentException("'" + s + "' is not a MAC address (octet '" + p + "' is not 1-2 hex digits)");
            }
            v = (v << 8) | Integer.parseInt(p, 16);
        }
        return v;
    }

    public static String format(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int i = 5; i >= 0; i--) {
            int o = (int) (mac >>> (8 * i)) & 0xFF;
            sb.append(Character.forDigit(o >> 4, 16)).append(Character.forDigit(o & 15, 16));
            if (i > 0) {
                sb.append(':');
            }
        }
        return sb.toString();
    }
}
