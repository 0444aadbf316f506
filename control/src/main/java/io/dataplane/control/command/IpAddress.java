package io.dataplane.control.command;

import io.dataplane.tables.IpAddresses;

/**
 * An IPv4 or IPv6 address as two longs, the form the tables use: IPv4 in the low 32 bits of
 * {@code lo} (first octet most significant), IPv6 as {@code hi}/{@code lo} in network order.
 * Parsed by {@link IpAddresses}, never by {@code InetAddress.getByName}, which would resolve host names through DNS.
 */
public record IpAddress(boolean v6, long hi, long lo) implements Comparable<IpAddress> {

    public static IpAddress v4(int value) {
        // A full table names one gateway a million times: the same (immutable) address, not a
        // million copies that the RIB keeps alive and the collector copies. A small direct-mapped
        // cache, so that the prefixes in between do not evict the gateway; a racy read is safe
        // (the fields are final).
        int i = (value * 0x9E3779B9) >>> (32 - V4_CACHE_BITS);
        IpAddress cached = V4_CACHE[i];
        if (cached != null && cached.lo == (value & 0xFFFF_FFFFL)) {
            return cached;
        }
        cached = new IpAddress(false, 0, value & 0xFFFF_FFFFL);
        V4_CACHE[i] = cached;
        return cached;
    }

    private static final int V4_CACHE_BITS = 8;
    /** IPv4 addresses {@link #v4} made recently, handed out again for the same value. */
    private static final IpAddress[] V4_CACHE = new IpAddress[1 << V4_CACHE_BITS];

    public int bits() {
        return v6 ? 128 : 32;
    }

    public int v4Value() {
        return (int) lo;
    }

    /** Parses a literal address (never a host name); throws IllegalArgumentException naming what is wrong. */
    public static IpAddress parse(String s) {
        if (IpAddresses.isIpv6(s)) {
            long[] a = IpAddresses.parse6(s);
            return new IpAddress(true, a[0], a[1]);
        }
        return v4(IpAddresses.parse4(s));
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
        return v6 ? IpAddresses.format6(hi, lo) : IpAddresses.format4((int) lo);
    }
}
