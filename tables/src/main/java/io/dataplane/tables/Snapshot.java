package io.dataplane.tables;

/**
 * One published version of the forwarding state. Workers load the current snapshot once per burst
 * (one acquire load) and use only it for that burst, so a packet sees a whole old or a whole new
 * nexthop and group table, never a mix. The LPM tables are shared between versions and updated in
 * place entry by entry (each entry store is atomic), as the kernel's and DPDK's are.
 */
public final class Snapshot {
    public final long version;
    public final int hashSeed;
    /** The whole hash configuration; the fields below are its hot-path copies. */
    public final HashConfiguration hash;
    /** True when groups hash with {@link KernelHash} instead of {@link FlowHash}. */
    public final boolean kernelHash;
    /** {@link FlowKeys#key} of the seed, derived once per snapshot rather than per packet. */
    public final long kernelKey;
    public final int policy4;
    public final int fields4;
    public final int policy6;
    public final int fields6;
    public final NexthopTable nexthops;
    public final GroupTable groups;
    public final Lpm4 lpm4;
    public final Lpm6 lpm6;

    Snapshot(long version, HashConfiguration hash, NexthopTable nexthops, GroupTable groups, Lpm4 lpm4, Lpm6 lpm6) {
        this.version = version;
        this.hash = hash;
        this.hashSeed = hash.seed();
        this.kernelHash = hash.kernel();
        this.kernelKey = FlowKeys.key(hash.seed());
        this.policy4 = hash.policy4();
        this.fields4 = hash.fields4();
        this.policy6 = hash.policy6();
        this.fields6 = hash.fields6();
        this.nexthops = nexthops;
        this.groups = groups;
        this.lpm4 = lpm4;
        this.lpm6 = lpm6;
    }

    public long version() {
        return version;
    }

    public int hashSeed() {
        return hashSeed;
    }

    public HashConfiguration hash() {
        return hash;
    }

    /** The route target for an IPv4 destination, or {@link RouteTarget#NONE}. */
    public int route4(int dst) {
        return lpm4.lookup(dst);
    }

    /** The route target for an IPv6 destination (big-endian halves), or {@link RouteTarget#NONE}. */
    public int route6(long hi, long lo) {
        return lpm6.lookup(hi, lo);
    }
}
