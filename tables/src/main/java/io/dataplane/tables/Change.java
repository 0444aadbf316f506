package io.dataplane.tables;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A set of forwarding-state changes committed together by the single writer. Slot indices and
 * targets are checked as they are added; {@link #commit()} then validates the whole change (and
 * each prefix) against the state it would produce, and applies it only if all of it is valid (see
 * {@link Fib} for the order).
 */
public final class Change {
    private final Fib forwarding;
    /** Slot to new value; a null value removes the slot. */
    final Map<Integer, Nexthop> nexthops = new LinkedHashMap<>();
    final Map<Integer, GroupSpec> groups = new LinkedHashMap<>();
    final List<RouteOp> routes = new ArrayList<>();
    Integer hashSeed;
    HashConfiguration hash;
    private boolean committed;

    Change(Fib forwarding) {
        this.forwarding = forwarding;
    }

    public Change nexthop(int index, Nexthop nexthop) {
        slot("nexthop", index, forwarding.limits().nexthops());
        nexthops.put(index, Objects.requireNonNull(nexthop, "nexthop"));
        return this;
    }

    public Change removeNexthop(int index) {
        slot("nexthop", index, forwarding.limits().nexthops());
        nexthops.put(index, null);
        return this;
    }

    public Change group(int index, GroupSpec group) {
        slot("group", index, forwarding.limits().groups());
        groups.put(index, Objects.requireNonNull(group, "group"));
        return this;
    }

    public Change removeGroup(int index) {
        slot("group", index, forwarding.limits().groups());
        groups.put(index, null);
        return this;
    }

    /** Sets the seed only, keeping the rest of the hash configuration. */
    public Change hashSeed(int seed) {
        if (hash != null) {
            hash = hash.withSeed(seed);
        } else {
            hashSeed = seed;
        }
        return this;
    }

    /** Sets the whole hash configuration (seed included), published in the same snapshot as the rest of the change. */
    public Change hash(HashConfiguration configuration) {
        hash = Objects.requireNonNull(configuration, "configuration");
        hashSeed = null;
        return this;
    }

    /** Adds or replaces an IPv4 route. */
    public Change route4(int prefix, int length, int target) {
        routes.add(RouteOp.of(RouteKey.v4(prefix, length), checkTarget(target)));
        return this;
    }

    public Change removeRoute4(int prefix, int length) {
        routes.add(RouteOp.of(RouteKey.v4(prefix, length), RouteTarget.NONE));
        return this;
    }

    /** Adds or replaces an IPv6 route. */
    public Change route6(long hi, long lo, int length, int target) {
        routes.add(RouteOp.of(RouteKey.v6(hi, lo, length), checkTarget(target)));
        return this;
    }

    public Change removeRoute6(long hi, long lo, int length) {
        routes.add(RouteOp.of(RouteKey.v6(hi, lo, length), RouteTarget.NONE));
        return this;
    }

    public boolean isEmpty() {
        return nexthops.isEmpty() && groups.isEmpty() && routes.isEmpty() && hashSeed == null && hash == null;
    }

    /** Validates and applies everything, or throws with nothing changed. A change commits once. */
    public void commit() {
        if (committed) {
            throw new IllegalStateException("this change was already committed");
        }
        committed = true;
        if (!isEmpty()) {
            forwarding.commit(this);
        }
    }

    private static void slot(String kind, int index, int limit) {
        if (index < 0 || index >= limit) {
            throw new IllegalArgumentException(kind + " slot " + index + " out of range 0.." + (limit - 1));
        }
    }

    private int checkTarget(int target) {
        if (target == RouteTarget.NONE) {
            throw new IllegalArgumentException("a route needs a nexthop or group target");
        }
        if (RouteTarget.isType(target)) {
            return target; // blackhole, unreachable, prohibit, throw: no slot behind them
        }
        int limit = RouteTarget.isGroup(target) ? forwarding.limits().groups() : forwarding.limits().nexthops();
        slot(RouteTarget.isGroup(target) ? "group" : "nexthop", RouteTarget.index(target), limit);
        return target;
    }

    /**
     * A route's identity: family, prefix and length. Host bits are not checked here: the commit's
     * validation reads every route's current entry from the LPM table, which refuses them first.
     */
    record RouteKey(boolean v6, long hi, long lo, int length) {
        static RouteKey v4(int prefix, int length) {
            if (length < 0 || length > 32) {
                throw new IllegalArgumentException("IPv4 prefix length " + length + " out of range 0..32");
            }
            return new RouteKey(false, prefix & 0xffffffffL, 0, length);
        }

        static RouteKey v6(long hi, long lo, int length) {
            if (length < 0 || length > 128) {
                throw new IllegalArgumentException("IPv6 prefix length " + length + " out of range 0..128");
            }
            return new RouteKey(true, hi, lo, length);
        }

        /**
         * Mixed explicitly: prefixes share their low (host) bits, which a record's default
         * 31-multiplier hash keeps, so a million /24s would crowd into few HashMap buckets.
         */
        @Override
        public int hashCode() {
            long h = (hi * 0x9E3779B97F4A7C15L) ^ (lo * 0xC2B2AE3D27D4EB4FL) ^ ((long) length << 1 | (v6 ? 1 : 0));
            h ^= h >>> 29;
            h *= 0xBF58476D1CE4E5B9L;
            return (int) (h ^ (h >>> 32));
        }

        @Override
        public String toString() {
            return (v6 ? IpAddresses.format6(hi, lo) : IpAddresses.format4((int) hi)) + "/" + length;
        }
    }

    /**
     * Set a route to {@code target}, or delete it when target is {@link RouteTarget#NONE}. The
     * key's fields are held here, not as a {@link RouteKey}: a full table is a million of these,
     * alive until the commit.
     */
    record RouteOp(boolean v6, long hi, long lo, int length, int target) {
        static RouteOp of(RouteKey key, int target) {
            return new RouteOp(key.v6(), key.hi(), key.lo(), key.length(), target);
        }

        RouteKey key() {
            return new RouteKey(v6, hi, lo, length);
        }

        int currentTarget(Lpm4 lpm4, Lpm6 lpm6) {
            return v6 ? lpm6.get(hi, lo, length) : lpm4.get((int) hi, length);
        }

        void apply(Lpm4 lpm4, Lpm6 lpm6) {
            if (v6) {
                if (target == RouteTarget.NONE) {
                    lpm6.delete(hi, lo, length);
                } else {
                    lpm6.add(hi, lo, length, target);
                }
            } else if (target == RouteTarget.NONE) {
                lpm4.delete((int) hi, length);
            } else {
                lpm4.add((int) hi, length, target);
            }
        }

        RouteOp withTarget(int other) {
            return new RouteOp(v6, hi, lo, length, other);
        }
    }
}
