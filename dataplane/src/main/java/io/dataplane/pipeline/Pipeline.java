package io.dataplane.pipeline;

import io.dataplane.tables.AddressSpace;
import io.dataplane.tables.BucketActivity;
import io.dataplane.tables.FlowHash;
import io.dataplane.tables.FlowKeys;
import io.dataplane.tables.GroupTable;
import io.dataplane.tables.KernelHash;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.NexthopTable;
import io.dataplane.tables.ResilientGroup;
import io.dataplane.tables.RouteTarget;
import io.dataplane.tables.Snapshot;
import io.dataplane.tables.packet.Checksum;
import io.dataplane.tables.packet.Ethernet;
import io.dataplane.tables.packet.Ipv4;
import io.dataplane.tables.packet.Ipv6;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;

/**
 * The match-action pipeline, run in place on frames in port memory: parse Ethernet (one 802.1Q
 * tag at most) and IPv4/IPv6; validate (the address rules are {@link Ipv4}'s and {@link Ipv6}'s);
 * LPM; multipath selection; check the egress port; rewrite the MACs and decrement TTL / hop limit
 * (IPv4 checksum updated incrementally, RFC 1624). Each frame gets exactly one verdict, decided
 * here: its egress port, or a {@link Verdict} code. The one verdict decided later is
 * {@link Verdict#TX_FULL}, by the worker when the egress ring refuses the frame.
 *
 * <p>What the pipeline learns about a frame goes into the batch's columns ({@link PacketBatch}):
 * {@link #process} decides every frame, then rewrites it from its columns alone. One instance per
 * thread: besides the ports it may send to, it keeps only the per-packet algorithm's positions
 * (so per-packet spreading needs no shared atomics) and the kernel hash's scratch {@link FlowKeys}. Hot path: no allocation, no exceptions, no
 * locks; every read is bounded by lengths checked before it.
 */
public final class Pipeline {
    private static final int NO_ROUTE = Verdict.NO_ROUTE.code;
    private static final int TTL_EXPIRED = Verdict.TTL_EXPIRED.code;
    private static final int TRUNCATED = Verdict.TRUNCATED.code;
    private static final int UNSUPPORTED_ETHERTYPE = Verdict.UNSUPPORTED_ETHERTYPE.code;
    private static final int BAD_VERSION = Verdict.BAD_VERSION.code;
    private static final int BAD_HEADER_LENGTH = Verdict.BAD_HEADER_LENGTH.code;
    private static final int BAD_TOTAL_LENGTH = Verdict.BAD_TOTAL_LENGTH.code;
    private static final int BAD_CHECKSUM = Verdict.BAD_CHECKSUM.code;
    private static final int NEXTHOP_DEAD = Verdict.NEXTHOP_DEAD.code;
    private static final int BAD_ADDRESS = Verdict.BAD_ADDRESS.code;
    private static final int NEIGHBOUR_UNRESOLVED = Verdict.NEIGHBOUR_UNRESOLVED.code;
    private static final int MTU_EXCEEDED = Verdict.MTU_EXCEEDED.code;
    private static final int NO_EGRESS_PORT = Verdict.NO_EGRESS_PORT.code;
    private static final int NOT_ROUTED = Verdict.NOT_ROUTED.code;
    private static final int NEEDS_FRAGMENTATION = Verdict.NEEDS_FRAGMENTATION.code;
    private static final int BLACKHOLE = Verdict.BLACKHOLE.code;
    private static final int UNREACHABLE = Verdict.UNREACHABLE.code;
    private static final int PROHIBITED = Verdict.PROHIBITED.code;

    private static final int PER_PACKET = MultipathAlgorithm.PER_PACKET.ordinal();
    private static final int NONE = PacketBatch.NONE;
    /** Port indices are bits of a long: the worker's egress set and the down mask. */
    private static final int MAX_PORTS = 64;

    private final int[] perPacketPosition;
    /** The kernel hash's scratch flow keys (one per pipeline, so per worker: no allocation per packet). */
    private final FlowKeys keys = new FlowKeys();
    /** Bit p set when this pipeline's worker can transmit on port p (set per burst by a worker whose ports change). */
    private long egressPorts;
    /** {@link #egressPorts} less the ports that are administratively down, set per burst like the snapshot. */
    private long sendable;
    /** This pipeline's worker slot in every {@link BucketActivity}, or -1 (route get, benchmarks): record nothing. */
    private final int worker;
    /** The burst's time for resilient buckets' last use: read at the first resilient packet of a burst, 0 before. */
    private long burstTime;
    /**
     * The group whose header ({@link #readGroup}) the fields below hold, or -1. A burst's frames
     * mostly name one group, and its header is the same for all of them: read once per burst, it
     * saved 1.5-3 ns a frame over DPDK (of the group's 8). Forgotten at every burst and trace, since
     * a commit may have replaced the table (whose versions are immutable) in between.
     */
    private int lastGroup = -1;
    private int lastBlock;
    private int lastAlgorithm;
    private int lastMembers;
    private int lastBuckets;

    /** A pipeline that may send to every port index (for {@code route get} and benchmarks). */
    public Pipeline(int groupSlots) {
        this(groupSlots, -1L);
    }

    /**
     * @param groupSlots the forwarding state's group capacity (per-packet positions are kept per group)
     * @param egressPorts bit p set when the worker owning this pipeline can transmit on port p;
     *                    a route to any other port gets {@link Verdict#NO_EGRESS_PORT}
     */
    public Pipeline(int groupSlots, long egressPorts) {
        this(groupSlots, egressPorts, -1);
    }

    /**
     * As {@link #Pipeline(int, long)}, for the worker registered as {@code worker} (its
     * quiescence slot): the resilient buckets it uses are recorded in that worker's own row of
     * each group's {@link BucketActivity}, which the control thread merges for the idle timer.
     */
    public Pipeline(int groupSlots, long egressPorts, int worker) {
        perPacketPosition = new int[groupSlots];
        this.egressPorts = egressPorts;
        this.worker = worker;
    }

    /** Decides and rewrites every frame of the batch with every port up; all frames live in {@code m}. */
    public void process(Snapshot s, MemorySegment m, PacketBatch batch) {
        process(s, m, batch, 0L);
    }

    /**
     * Decides and rewrites every frame of the batch; all frames live in {@code m}.
     *
     * @param down bit p set when port p is down: its routes get {@link Verdict#NEXTHOP_DEAD}
     */
    public void process(Snapshot s, MemorySegment m, PacketBatch batch, long down) {
        process(s, m, batch, down, egressPorts);
    }

    /**
     * As {@link #process(Snapshot, MemorySegment, PacketBatch, long)}, for a worker whose ports
     * change at runtime: {@code egress} (bit p: it can transmit on port p now) replaces the set
     * given at construction, from this burst on.
     */
    public void process(Snapshot s, MemorySegment m, PacketBatch batch, long down, long egress) {
        egressPorts = egress;
        sendable = egressPorts & ~down;
        burstTime = 0;
        lastGroup = -1;
        int n = batch.count();
        NexthopTable nexthops = s.nexthops;
        for (int i = 0; i < n; i++) {
            int verdict = classify(s, m, batch, i, false);
            batch.verdict[i] = verdict;
            if (verdict >= 0) {
                // The rewrite, from the frame's columns: MACs from its nexthop entry; TTL - 1 with the
                // RFC 1624 checksum update, or hop limit - 1. Written out here rather than in a method
                // of its own: a per-frame method is compiled on its own before this loop is, and once
                // its code is big the JIT no longer inlines it, which costs a call and reloads per frame.
                rewriteMacs(nexthops, m, batch.data[i], batch.nexthop[i]);
                if (batch.ipVersion[i] == 6) {
                    Ipv6.decrementHopLimit(m, batch.l3[i]);
                } else {
                    Ipv4.decrementTtl(m, batch.l3[i]);
                }
            }
        }
        // The tables are read at absolute addresses (AddressSpace): their versions must stay
        // reachable until the last read, even if a commit replaced the snapshot meanwhile.
        Reference.reachabilityFence(s);
    }

    /**
     * What the pipeline does with one frame, without rewriting it: the same decision code as
     * {@link #process}, for {@code route get}, which describes a packet this router would send: so
     * an unspecified source (no {@code from}) is accepted, as in the kernel's output route lookup.
     * Per-packet groups advance this instance's position. Control path: it allocates.
     */
    public Trace trace(Snapshot s, MemorySegment m, long offset, int length) {
        PacketBatch b = new PacketBatch(1);
        b.add(0, offset, length);
        b.routeTarget[0] = RouteTarget.NONE;
        b.algorithm[0] = NONE;
        b.hash[0] = NONE;
        sendable = egressPorts;
        lastGroup = -1;
        int verdict = classify(s, m, b, 0, true);
        Reference.reachabilityFence(s); // as in process
        MultipathAlgorithm alg = b.algorithm[0] < 0 ? null : MultipathAlgorithm.values()[b.algorithm[0]];
        return new Trace(verdict, b.routeTarget[0], alg, b.hash[0], b.nexthop[0], verdict >= 0 ? verdict : -1);
    }

    /** The decision for one frame, reported by {@link #trace}. */
    public record Trace(int verdict, int routeTarget, MultipathAlgorithm algorithm, int hash, int nexthop, int egressPort) {
        public boolean forwarded() {
            return verdict >= 0;
        }
    }

    /** Parses frame {@code i} of the batch, fills its columns and returns its verdict. */
    private int classify(Snapshot s, MemorySegment m, PacketBatch b, int i, boolean probe) {
        // Each column is written once, where its value becomes known (PacketBatch says which are
        // valid for which verdicts): resetting all of them up front costs stores on every frame.
        b.nexthop[i] = NONE;
        long frame = b.data[i];
        int length = b.length[i];
        if (length < Ethernet.HEADER) {
            return TRUNCATED;
        }
        int type = Ethernet.type(m, frame);
        long ip = frame + Ethernet.HEADER;
        if (type == Ethernet.TYPE_VLAN) {
            if (length < Ethernet.TAGGED_HEADER) {
                return TRUNCATED;
            }
            type = Ethernet.taggedType(m, frame);
            ip = frame + Ethernet.TAGGED_HEADER;
        }
        b.l3[i] = ip;
        int avail = (int) (frame + length - ip);
        if (type == Ethernet.TYPE_IPV4) {
            b.ipVersion[i] = 4;
            return ipv4(s, m, ip, avail, b, i, probe);
        }
        if (type == Ethernet.TYPE_IPV6) {
            b.ipVersion[i] = 6;
            return ipv6(s, m, ip, avail, b, i, probe);
        }
        b.ipVersion[i] = 0;
        return type == Ethernet.TYPE_ARP ? NOT_ROUTED : UNSUPPORTED_ETHERTYPE;
    }

    private int ipv4(Snapshot s, MemorySegment m, long ip, int avail, PacketBatch b, int i, boolean probe) {
        if (avail < Ipv4.HEADER) {
            return TRUNCATED;
        }
        // The fixed header in three loads; every field and the checksum come from these words.
        long w0 = Ipv4.word0(m, ip);
        long w1 = Ipv4.word1(m, ip);
        int dst = Ipv4.destination(m, ip);
        int versionIhl = Ipv4.versionIhl(w0);
        if ((versionIhl >>> 4) != 4) {
            return BAD_VERSION;
        }
        int ihl = (versionIhl & 0x0f) << 2;
        if (ihl < Ipv4.HEADER) {
            return BAD_HEADER_LENGTH;
        }
        if (ihl > avail) {
            return TRUNCATED;
        }
        int total = Ipv4.totalLength(w0);
        if (total < ihl || total > avail) {
            return BAD_TOTAL_LENGTH;
        }
        if (!Checksum.ipv4HeaderValid(m, ip, ihl, w0, w1, dst)) {
            return BAD_CHECKSUM;
        }
        int src = Ipv4.source(w1);
        int addresses = addressVerdict4(src, dst, probe);
        if (addresses != 0) {
            return addresses;
        }
        // Options are the kernel's next check (ip_rcv_options), before TTL and route (out of line: rare).
        if (ihl > Ipv4.HEADER) {
            int options = Ipv4Options.verdict(m, ip, ihl);
            if (options != 0) {
                return options;
            }
        }
        if (Ipv4.ttl(w1) <= 1) {
            return TTL_EXPIRED;
        }
        int t = s.lpm4.lookup(dst);
        b.routeTarget[i] = t;
        // Written before any verdict that follows the lookup, no route and route types included
        // (PacketBatch: these columns are valid for NO_ROUTE and every verdict after it).
        b.algorithm[i] = NONE;
        b.hash[i] = NONE;
        if (t == RouteTarget.NONE) {
            return NO_ROUTE;
        }
        if (RouteTarget.isType(t)) {
            return typeVerdict(t);
        }
        // The group's member selection is out of line: it keeps this method, the common path of
        // every IPv4 frame, small enough for the JIT to inline into the burst loop.
        int nh = RouteTarget.isGroup(t) ? selectMember4(s, t, m, ip, ihl, total, w0, w1, src, dst, b, i) : t;
        if (nh < 0) {
            return nh;
        }
        b.nexthop[i] = nh;
        // DF clear: too big is not an error, the worker fragments it (ip_forward, then ip_fragment).
        return toPort(s.nexthops, nh, total, !Ipv4.dontFragment(Ipv4.flagsFragment(w0)));
    }

    private int ipv6(Snapshot s, MemorySegment m, long ip, int avail, PacketBatch b, int i, boolean probe) {
        if (avail < Ipv6.HEADER) {
            return TRUNCATED;
        }
        if (Ipv6.version(m, ip) != 6) {
            return BAD_VERSION;
        }
        int total = Ipv6.HEADER + Ipv6.payloadLength(m, ip);
        if (total > avail) {
            return BAD_TOTAL_LENGTH;
        }
        long srcHi = Ipv6.sourceHi(m, ip);
        long srcLo = Ipv6.sourceLo(m, ip);
        long dstHi = Ipv6.destinationHi(m, ip);
        long dstLo = Ipv6.destinationLo(m, ip);
        boolean unspecifiedSource = srcHi == 0 && srcLo == 0;
        if (Ipv6.martianSource(srcHi, srcLo) && !(probe && unspecifiedSource) || Ipv6.martianDestination(dstHi, dstLo)) {
            return BAD_ADDRESS;
        }
        if (Ipv6.multicast(dstHi) || Ipv6.linkLocal(dstHi)) {
            return NOT_ROUTED;
        }
        if (Ipv6.hopLimit(m, ip) <= 1) {
            return TTL_EXPIRED;
        }
        int t = s.lpm6.lookup(dstHi, dstLo);
        b.routeTarget[i] = t;
        b.algorithm[i] = NONE;
        b.hash[i] = NONE;
        if (t == RouteTarget.NONE) {
            return NO_ROUTE;
        }
        if (RouteTarget.isType(t)) {
            return typeVerdict(t);
        }
        int nh = RouteTarget.isGroup(t) ? selectMember6(s, RouteTarget.index(t), m, ip, total, b, i) : t;
        if (nh < 0) {
            return nh;
        }
        b.nexthop[i] = nh;
        return toPort(s.nexthops, nh, total, false); // routers never fragment IPv6: Packet Too Big
    }

    /** The verdict of a route type (blackhole, unreachable, prohibit; throw ends the lookup with no route). */
    private static int typeVerdict(int target) {
        return target == RouteTarget.BLACKHOLE ? BLACKHOLE
                : target == RouteTarget.UNREACHABLE ? UNREACHABLE
                : target == RouteTarget.PROHIBIT ? PROHIBITED : NO_ROUTE;
    }

    /** BAD_ADDRESS or NOT_ROUTED for addresses a router does not forward between, else 0 (out of line, as {@link #selectMember4}). */
    private static int addressVerdict4(int src, int dst, boolean probe) {
        if (Ipv4.martianSource(src) && !(probe && src == 0) || Ipv4.martianDestination(dst)) {
            return BAD_ADDRESS;
        }
        return Ipv4.multicastOrBroadcast(dst) ? NOT_ROUTED : 0;
    }

    /** The group member's nexthop slot for an IPv4 packet, or a negative verdict. */
    private int selectMember4(Snapshot s, int target, MemorySegment m, long ip, int ihl, int total, long w0, long w1,
                              int src, int dst, PacketBatch b, int i) {
        GroupTable groups = s.groups;
        int group = RouteTarget.index(target);
        if (!readGroup(groups, group)) {
            return NO_ROUTE;
        }
        int block = lastBlock;
        int alg = lastAlgorithm;
        b.algorithm[i] = alg;
        int nh;
        if (alg == PER_PACKET) {
            nh = nextPerPacket(groups, group, block);
        } else {
            // In kernel mode the snapshot's policy decides, not the group's algorithm (the kernel has none per route).
            int h = s.kernelHash
                    ? KernelHash.ipv4(m, ip, total, s.policy4, s.fields4, s.kernelKey, keys)
                    : FlowHash.ipv4(m, ip, ihl, total, Ipv4.protocol(w1), Ipv4.flagsFragment(w0),
                            Integer.reverseBytes(src), Integer.reverseBytes(dst), alg, s.hashSeed);
            b.hash[i] = h;
            nh = selectByHash(groups, group, block, lastMembers, lastBuckets, h);
        }
        return nh < 0 ? NEXTHOP_DEAD : nh;
    }

    /** The group member's nexthop slot for an IPv6 packet, or a negative verdict. */
    private int selectMember6(Snapshot s, int group, MemorySegment m, long ip, int ipLength, PacketBatch b, int i) {
        GroupTable groups = s.groups;
        if (!readGroup(groups, group)) {
            return NO_ROUTE;
        }
        int block = lastBlock;
        int alg = lastAlgorithm;
        b.algorithm[i] = alg;
        int nh;
        if (alg == PER_PACKET) {
            nh = nextPerPacket(groups, group, block);
        } else {
            int h = s.kernelHash
                    ? KernelHash.ipv6(m, ip, ipLength, s.policy6, s.fields6, s.kernelKey, keys)
                    : FlowHash.ipv6(m, ip, ipLength, alg, s.hashSeed);
            b.hash[i] = h;
            nh = selectByHash(groups, group, block, lastMembers, lastBuckets, h);
        }
        return nh < 0 ? NEXTHOP_DEAD : nh;
    }

    /**
     * Makes the last-group fields hold group {@code group}'s header (block, algorithm, member and
     * bucket counts) unless they do already; false when the table has no such group.
     */
    private boolean readGroup(GroupTable groups, int group) {
        if (group == lastGroup) {
            return true;
        }
        int block = groups.block(group);
        if (block < 0) {
            return false;
        }
        lastBlock = block;
        lastAlgorithm = groups.algorithm(block);
        lastMembers = groups.members(block);
        lastBuckets = groups.buckets(block);
        lastGroup = group;
        return true;
    }

    /**
     * The member for a 31-bit hash: hash-threshold, or for a resilient group the kernel's bucket
     * {@code hash % buckets} (one load), whose use this worker records in its own memory.
     */
    private int selectByHash(GroupTable groups, int group, int block, int n, int buckets, int h) {
        if (buckets == 0) {
            return groups.selectByHash(block, n, h);
        }
        int bucket = ResilientGroup.bucket(h, buckets);
        if (worker >= 0) {
            if (burstTime == 0) {
                burstTime = System.nanoTime();
            }
            groups.activity(group).touch(worker, bucket, burstTime);
        }
        return groups.bucketNexthop(block, n, bucket);
    }

    /** Per-packet: the member at this worker's position for the group, then the position moves on. */
    private int nextPerPacket(GroupTable groups, int group, int block) {
        int total = groups.totalWeight(block);
        if (total == 0) {
            return -1;
        }
        int position = perPacketPosition[group];
        if (position >= total) {
            position %= total; // the group was replaced with a smaller total
        }
        int nh = groups.selectByPosition(block, position);
        position += groups.step(block);
        perPacketPosition[group] = position >= total ? position - total : position;
        return nh;
    }

    /**
     * The nexthop's egress port, or why the packet cannot leave through it.
     *
     * @param fragmentable whether a packet above the MTU may be fragmented: then it gets
     *                     {@link Verdict#NEEDS_FRAGMENTATION} when it may leave through the port
     */
    private int toPort(NexthopTable nexthops, int nh, int ipLength, boolean fragmentable) {
        long portAndFlags = nexthops.portAndFlags(nh);
        int flags = (int) (portAndFlags >>> 32);
        if ((flags & NexthopTable.FLAG_PRESENT) == 0) {
            return NO_ROUTE;
        }
        if ((flags & NexthopTable.FLAG_ALIVE) == 0) {
            return NEXTHOP_DEAD;
        }
        if ((flags & NexthopTable.FLAG_RESOLVED) == 0) {
            return NEIGHBOUR_UNRESOLVED;
        }
        boolean tooBig = ipLength > nexthops.mtu(nh);
        if (tooBig && !fragmentable) {
            return MTU_EXCEEDED;
        }
        int port = (int) portAndFlags;
        // One test on the hot path: the ports this worker may send on now (egress, less the down
        // ones). Which of the two failed is worked out only for the frames that fail.
        if (port >= MAX_PORTS || (sendable & (1L << port)) == 0) {
            return port >= MAX_PORTS || (egressPorts & (1L << port)) == 0 ? NO_EGRESS_PORT
                    : NEXTHOP_DEAD; // the port is down: as dead as a nexthop whose carrier is lost
        }
        return tooBig ? NEEDS_FRAGMENTATION : port;
    }

    /** The frame's destination and source MAC from nexthop {@code nh}'s entry (also the fragmenter's rewrite). */
    public static void rewriteMacs(NexthopTable nexthops, MemorySegment m, long frame, int nh) {
        MemorySegment table = AddressSpace.ALL;
        long entry = nexthops.entryAddress(nh) + NexthopTable.MACS; // nh is present: its port was chosen
        // The entry holds destination and source MAC as they go on the wire: 12 bytes, copied as they are.
        m.set(ValueLayout.JAVA_LONG_UNALIGNED, frame, table.get(ValueLayout.JAVA_LONG_UNALIGNED, entry));
        m.set(ValueLayout.JAVA_INT_UNALIGNED, frame + 8, table.get(ValueLayout.JAVA_INT_UNALIGNED, entry + 8));
    }
}
