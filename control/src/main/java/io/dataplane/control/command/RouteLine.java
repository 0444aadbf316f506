package io.dataplane.control.command;

import io.dataplane.control.command.Command.Gateways;
import io.dataplane.control.command.Command.Hop;
import io.dataplane.control.command.Command.Op;
import io.dataplane.control.command.Command.RouteSet;
import java.util.List;

/**
 * The line a full table is made of, {@code route add|replace A.B.C.D/LEN via A.B.C.D dev PORT}
 * (single spaces, canonical decimal, no host bits), read in one pass over its characters into the
 * command {@link CommandParser} would build for it. A million of these is a full table: the
 * general grammar (tokens, keyword abbreviations, options) costs several microseconds a line, this
 * a fraction of one. Any other line, or a variation of this one (abbreviations, tabs, more
 * attributes, IPv6, leading zeros, a bad value), gets null and goes through the general parser,
 * which also words every error.
 */
final class RouteLine {
    private RouteLine() {
    }

    private static final String ROUTE_ADD = "route add ";
    private static final String ROUTE_REPLACE = "route replace ";
    private static final String VIA = " via ";
    private static final String DEV = " dev ";

    /** The command for {@code line} if it has exactly the common shape, else null. */
    static RouteSet parse(String line) {
        Op op;
        int i;
        if (line.startsWith(ROUTE_ADD)) {
            op = Op.ADD;
            i = ROUTE_ADD.length();
        } else if (line.startsWith(ROUTE_REPLACE)) {
            op = Op.REPLACE;
            i = ROUTE_REPLACE.length();
        } else {
            return null;
        }
        long dst = address(line, i);
        if (dst < 0) {
            return null;
        }
        i = (int) (dst >>> 32);
        if (i >= line.length() || line.charAt(i) != '/') {
            return null;
        }
        int length = 0;
        int digits = 0;
        for (i++; i < line.length() && line.charAt(i) >= '0' && line.charAt(i) <= '9'; i++, digits++) {
            length = length * 10 + line.charAt(i) - '0';
        }
        if (digits == 0 || digits > 2 || (digits == 2 && length < 10) || length > 32) {
            return null;
        }
        int network = (int) dst;
        if (length < 32 && (network & (-1 >>> length)) != 0) {
            return null; // host bits: the general parser says so
        }
        if (!line.startsWith(VIA, i)) {
            return null;
        }
        long via = address(line, i + VIA.length());
        if (via < 0) {
            return null;
        }
        i = (int) (via >>> 32);
        if (!line.startsWith(DEV, i)) {
            return null;
        }
        i += DEV.length();
        int nameLength = line.length() - i;
        if (nameLength < 1 || nameLength > 15) {
            return null;
        }
        for (int k = i; k < line.length(); k++) {
            char c = line.charAt(k);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                return null;
            }
        }
        Prefix prefix = new Prefix(IpAddress.v4(network), length);
        Hop hop = new Hop(IpAddress.v4((int) via), line.substring(i), 1, false);
        return new RouteSet(op, prefix, new Gateways(List.of(hop), null), false, RouteProtocol.BOOT,
                RouteSet.defaultMetric(prefix), RouteScope.GLOBAL);
    }

    /**
     * A canonical dotted-quad address at {@code from}: the index after it in the high 32 bits and
     * the address in the low ones, or -1 if there is none (a leading zero, an octet above 255).
     */
    private static long address(String line, int from) {
        int a = 0;
        int i = from;
        for (int octet = 0; octet < 4; octet++) {
            if (octet > 0) {
                if (i >= line.length() || line.charAt(i) != '.') {
                    return -1;
                }
                i++;
            }
            int start = i;
            int v = 0;
            while (i < line.length() && i - start < 4 && line.charAt(i) >= '0' && line.charAt(i) <= '9') {
                v = v * 10 + line.charAt(i) - '0';
                i++;
            }
            int n = i - start;
            if (n == 0 || n > 3 || v > 255 || (n > 1 && line.charAt(start) == '0')) {
                return -1;
            }
            a = a << 8 | v;
        }
        return (long) i << 32 | (a & 0xFFFF_FFFFL);
    }
}
