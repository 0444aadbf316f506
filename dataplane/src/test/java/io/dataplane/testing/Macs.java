package io.dataplane.testing;

/** MAC addresses as the kernel prints them ("02:00:00:00:00:01") and as the nexthop table keeps them (the low 48 bits of a long). */
public final class Macs {
    private Macs() {
    }

    /** The 6 bytes of {@code text} ("aa:bb:cc:dd:ee:ff", surrounding white space allowed, as in /sys/class/net/DEV/address). */
    public static byte[] parse(String text) {
        String[] p = text.strip().split(":");
        if (p.length != 6) {
            throw new IllegalArgumentException("not a MAC address: " + text);
        }
        byte[] m = new byte[6];
        for (int i = 0; i < 6; i++) {
            m[i] = (byte) Integer.parseInt(p[i], 16);
        }
        return m;
    }

    /** The 6 bytes as one number, the first byte highest. */
    public static long value(byte[] m) {
        long v = 0;
        for (byte b : m) {
            v = v << 8 | (b & 0xff);
        }
        return v;
    }
}
