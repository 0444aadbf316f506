package io.dataplane.control.command;

import io.dataplane.tables.IpAddresses;

/** A route's destination: an address whose bits after {@code length} are zero. */
public record Prefix(IpAddress address, int length) implements Comparable<Prefix> {

    /**
     * A prefix never holds host bits: a RIB keyed by prefix would otherwise hold two entries for
     * one network. The LPM tables apply the same rule ({@link IpAddresses#requireNetwork4}) because
     * other code writes them too; here it gives the operator the message before anything runs.
     */
    public Prefix {
        if (length < 0 || length > address.bits()) {
            throw new IllegalArgumentException("prefix length " + length + " out of range 0.." + address.bits());
        }
        if (address.v6()) {
            IpAddresses.requireNetwork6(address.hi(), address.lo(), length);
        } else {
            IpAddresses.requireNetwork4(address.v4Value(), length);
        }
    }

    /**
     * Parses {@code ADDR[/LEN]} or {@code default} (IPv4 0.0.0.0/0; the parser makes it ::/0 where the family is IPv6). Host bits must be zero, as
     * iproute2 insists, so that a typo does not silently become another route.
     */
    public static Prefix parse(String s) {
        if (s.equals("default")) {
            return new Prefix(IpAddress.v4(0), 0);
        }
        int slash = s.indexOf('/');
        IpAddress a = IpAddress.parse(slash < 0 ? s : s.substring(0, slash));
        int len = a.bits();
        if (slash >= 0) {
            String l = s.substring(slash + 1);
            if (l.isEmpty() || l.length() > 3 || !IpAddresses.asciiDigits(l)) {
                throw new IllegalArgumentException("'" + s + "': prefix length '" + l + "' is not a number 0.." + a.bits());
            }
            len = Integer.parseInt(l);
            if (len > a.bits()) {
                throw new IllegalArgumentException("'" + s + "': prefix length " + len + " is above " + a.bits());
            }
        }
        return new Prefix(a, len);
    }

    public boolean v6() {
        return address.v6();
    }

    /**
     * Mixed well (a 64-bit finalizer) because a RIB holds a million prefixes whose low bits are
     * all zero; the record's default hash would pile them into a few HashMap buckets.
     */
    @Override
    public int hashCode() {
        long h = address.hi() * 0x9E3779B97F4A7C15L + address.lo();
        h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL + length + (address.v6() ? 0x100 : 0);
        h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return (int) (h ^ (h >>> 32));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Prefix p && p.length == length && p.address.equals(address);
    }

    public boolean contains(IpAddress a) {
        return a.v6() == address.v6() && a.mask(length).equals(address);
    }

    @Override
    public int compareTo(Prefix o) {
        int c = address.compareTo(o.address);
        return c != 0 ? c : Integer.compare(length, o.length);
    }

    /** As ip prints a route's destination: {@code default} for /0, a host route without its /32 or /128. */
    @Override
    public String toString() {
        if (length == 0) {
            return "default";
        }
        return length == address.bits() ? address.toString() : address + "/" + length;
    }
}
