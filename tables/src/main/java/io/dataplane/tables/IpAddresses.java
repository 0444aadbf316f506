package io.dataplane.tables;

import java.util.Locale;

/**
 * Parsing and formatting of IPv4 and IPv6 addresses and prefixes for the control path. IPv4
 * addresses are ints (first octet most significant), IPv6 addresses two longs (hi = first 8 bytes).
 * Formatting follows RFC 5952 (lower case, longest zero run compressed), as iproute2 prints.
 */
public final class IpAddresses {
    private IpAddresses() {
    }

    public static boolean isIpv6(String text) {
        return text.indexOf(':') >= 0;
    }

    /** Parses dotted-quad IPv4; throws naming what is wrong. */
    public static int parse4(String text) {
        // One pass over the characters, no split: a full table is a million of these.
        int dots = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '.') {
                dots++;
            }
        }
        if (dots != 3) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (expected four dotted decimal octets, e.g. 192.0.2.1)");
        }
        int addr = 0;
        int start = 0;
        for (int octet = 0; octet < 4; octet++) {
            int end = octet == 3 ? text.length() : text.indexOf('.', start);
            int v = 0;
            boolean digits = end > start && end - start <= 3;
            for (int i = start; digits && i < end; i++) {
                char c = text.charAt(i);
                digits = c >= '0' && c <= '9';
                v = v * 10 + (c - '0');
            }
            if (!digits) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (octet '" + text.substring(start, end) + "' is not a number 0..255)");
            }
            if (v > 255) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (octet " + v + " is above 255)");
            }
            addr = (addr << 8) | v;
            start = end + 1;
        }
        return addr;
    }

    /** ASCII 0-9 only: {@code Character.isDigit} and {@code parseInt} also accept other scripts' digits. */
    public static boolean asciiDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean asciiHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
                return false;
            }
        }
        return true;
    }

    /** Parses IPv6 text (with :: compression and an optional trailing dotted IPv4) into {hi, lo}. */
    public static long[] parse6(String text) {
        String bad = "'" + text + "' is not an IPv6 address";
        int dbl = text.indexOf("::");
        if (dbl >= 0 && text.indexOf("::", dbl + 1) >= 0) {
            throw new IllegalArgumentException(bad + " ('::' may appear only once)");
        }
        String head = dbl >= 0 ? text.substring(0, dbl) : text;
        String tail = dbl >= 0 ? text.substring(dbl + 2) : "";
        int[] h = groups(head, bad);
        int[] t = groups(tail, bad);
        int total = h.length + t.length;
        if (dbl < 0 && total != 8 || dbl >= 0 && total > 7) {
            throw new IllegalArgumentException(bad + " (expected 8 groups of hex digits, or '::' for a run of zeros)");
        }
        int[] all = new int[8];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(t, 0, all, 8 - t.length, t.length);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 4; i++) {
            hi = (hi << 16) | all[i];
            lo = (lo << 16) | all[i + 4];
        }
        return new long[] {hi, lo};
    }

    private static int[] groups(String part, String bad) {
        if (part.isEmpty()) {
            return new int[0];
        }
        String[] g = part.split(":", -1);
        boolean v4Tail = g[g.length - 1].indexOf('.') >= 0;
        int[] out = new int[g.length + (v4Tail ? 1 : 0)];
        for (int i = 0; i < g.length; i++) {
            if (v4Tail && i == g.length - 1) {
                int v4;
                try {
                    v4 = parse4(g[i]);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(bad + " (embedded IPv4 part '" + g[i] + "' is invalid)", e);
                }
                out[i] = v4 >>> 16;
                out[i + 1] = v4 & 0xffff;
                break;
            }
            if (g[i].isEmpty() || g[i].length() > 4 || !asciiHex(g[i])) {
                throw new IllegalArgumentException(bad + " (group '" + g[i] + "' is not 1-4 hex digits)");
            }
            out[i] = Integer.parseInt(g[i], 16);
        }
        return out;
    }

    public static String format4(int addr) {
        return (addr >>> 24) + "." + ((addr >>> 16) & 0xff) + "." + ((addr >>> 8) & 0xff) + "." + (addr & 0xff);
    }

    public static String format6(long hi, long lo) {
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
            g[i + 4] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
        }
        int bestStart = -1;
        int bestLen = 1;
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
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append(i == 0 ? "::" : ":");
                i += bestLen - 1;
                continue;
            }
            sb.append(Integer.toHexString(g[i]));
            if (i < 7) {
                sb.append(':');
            }
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }

    /**
     * Refuses an IPv4 prefix with bits set after {@code length}, naming the network it likely
     * means. The one wording of this rule: the command grammar ({@code Prefix}) and the LPM tables
     * both apply it.
     */
    public static void requireNetwork4(int prefix, int length) {
        int network = prefix & mask4(length);
        if (network != prefix) {
            throw new IllegalArgumentException(hostBits(format4(prefix), format4(network), length));
        }
    }

    /** As {@link #requireNetwork4} for an IPv6 prefix (hi, lo). */
    public static void requireNetwork6(long hi, long lo, int length) {
        long nh = hi & mask6Hi(length);
        long nl = lo & mask6Lo(length);
        if (nh != hi || nl != lo) {
            throw new IllegalArgumentException(hostBits(format6(hi, lo), format6(nh, nl), length));
        }
    }

    private static String hostBits(String prefix, String network, int length) {
        return prefix + "/" + length + " has host bits set beyond /" + length + "; did you mean " + network + "/" + length + "?";
    }

    /** Network mask of an IPv4 prefix length. */
    public static int mask4(int length) {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    /** Network mask of an IPv6 prefix length for the high or low half. */
    public static long mask6Hi(int length) {
        return length == 0 ? 0 : length >= 64 ? -1L : -1L << (64 - length);
    }

    public static long mask6Lo(int length) {
        return length <= 64 ? 0 : length == 128 ? -1L : -1L << (128 - length);
    }
}
