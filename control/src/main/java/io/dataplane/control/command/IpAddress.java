package io.dataplane.control.command;

/**
 * An IPv4 or IPv6 address as two longs, the form the tables use: IPv4 in the low 32 bits of
 * {@code lo} (first octet most significant), IPv6 as {@code hi}/{@code lo} in network order.
 * Parsed by hand because {@code InetAddress.getByName} would resolve host names through DNS.
 */
public record IpAddress(boolean v6, long hi, long lo) implements Comparable<IpAddress> {

    public static IpAddress v4(int value) {
        return new IpAddress(false, 0, value & 0xFFFF_FFFFL);
    }

    public int bits() {
        return v6 ? 128 : 32;
    }

    public int v4Value() {
        return (int) lo;
    }

    /** Parses a literal address; throws IllegalArgumentException naming what is wrong. */
    public static IpAddress parse(String s) {
        if (s.indexOf(':') >= 0) {
            return parse6(s);
        }
        return v4(parse4(s));
    }

    private static int parse4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + s + "' is not an IPv4 address (expected four dotted decimal octets, e.g. 192.0.2.1)");
        }
        int v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("'" + s + "' is not an IPv4 address (octet '" + p + "' is not a number 0..255)");
            }
            int o = Integer.parseInt(p);
            if (o > 255) {
                throw new IllegalArgumentException("'" + s + "' is not an IPv4 address (octet " + o + " is above 255)");
            }
            v = (v << 8) | o;
        }
        return v;
    }

    private static IpAddress parse6(String s) {
        String bad = "'" + s + "' is not an IPv6 address";
        int dc = s.indexOf("::");
        if (dc >= 0 && s.indexOf("::", dc + 1) >= 0) {
            throw new IllegalArgumentException(bad + " ('::' may appear only once)");
        }
        int[] groups = new int[8];
        String head = dc >= 0 ? s.substring(0, dc) : s;
        String tail = dc >= 0 ? s.substring(dc + 2) : "";
        int[] h = groups6(head, bad, dc < 0 || tail.isEmpty());
        int[] t = dc >= 0 ? groups6(tail, bad, true) : new int[0];
        if (dc < 0 && h.length != 8) {
            throw new IllegalArgumentException(bad + " (expected 8 groups of hex digits or '::')");
        }
        if (dc >= 0 && h.length + t.length > 7) {
            throw new IllegalArgumentException(bad + " (too many groups around '::')");
        }
        System.arraycopy(h, 0, groups, 0, h.length);
        System.arraycopy(t, 0, groups, 8 - t.length, t.length);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 4; i++) {
            hi = (hi << 16) | groups[i];
            lo = (lo << 16) | groups[i + 4];
        }
        return new IpAddress(true, hi, lo);
    }

    /** Groups of one side of '::'; an embedded IPv4 address is allowed at the very end. */
    private static int[] groups6(String part, String bad, boolean last) {
        if (part.isEmpty()) {
            return new int[0];
        }
        String[] items = part.split(":", -1);
        int n = items.length;
        boolean v4Tail = last && items[n - 1].indexOf('.') >= 0;
        int[] out = new int[v4Tail ? n + 1 : n];
        for (int i = 0; i < n; i++) {
            String g = items[i];
            if (v4Tail && i == n - 1) {
                int v4;
                try {
                    v4 = parse4(g);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(bad + " (embedded IPv4 part '" + g + "' is invalid)");
                }
                out[i] = v4 >>> 16;
                out[i + 1] = v4 & 0xFFFF;
                continue;
            }
            if (g.isEmpty() || g.length() > 4 || !g.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new IllegalArgumentException(bad + " (group '" + g + "' is not 1-4 hex digits)");
            }
            out[i] = Integer.parseInt(g, 16);
        }
        return out;
    }

    /** The address with every bit after the first {@code length} cleared. */
    public IpAddress mask(int length) {
        if (!v6) {
            long m = length == 0 ? 0 : (0xFFFF_FFFFL << (32 - length)) & 0xFFFF_FFFFL;
            return new IpAddress(false, 0, lo & m);
        }
        long mh = length >= 64 ? -1L : length == 0 ? 0 : -1L << (64 - length);
        long ml = length <= 64 ? 0 : length == 128 ? -1L : -1L << (128 - length);
        return new IpAddress(true, hi & mh, lo & ml);
    }

    @Override
    public int compareTo(IpAddress o) {
        if (v6 != o.v6) {
            return v6 ? 1 : -1;
        }
        int c = Long.compareUnsigned(hi, o.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
    }

    /** Dotted quad, or RFC 5952 text (lower case, the longest run of zero groups as '::'). */
    @Override
    public String toString() {
        if (!v6) {
            return ((lo >>> 24) & 255) + "." + ((lo >>> 16) & 255) + "." + ((lo >>> 8) & 255) + "." + (lo & 255);
        }
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xFFFF;
            g[i + 4] = (int) (lo >>> (48 - 16 * i)) & 0xFFFF;
        }
        int bestStart = -1;
        int bestLen = 1; // RFC 5952: a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
