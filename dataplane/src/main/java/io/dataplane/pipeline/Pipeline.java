package io.dataplane.pipeline;

import io.dataplane.tables.FlowHash;
import io.dataplane.tables.GroupTable;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.NexthopTable;
import io.dataplane.tables.RouteTarget;
import io.dataplane.tables.Snapshot;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The match-action pipeline, run in place on frames in port memory: parse Ethernet (one 802.1Q
 * tag at most) and IPv4/IPv6; validate; LPM; multipath selection; rewrite the MACs and decrement
 * TTL / hop limit (IPv4 checksum updated incrementally, RFC 1624). Each frame gets exactly one
 * verdict: its egress port, or a {@link Verdict} code.
 *
 * <p>One instance per thread: it keeps the per-packet algorithm's positions (so per-packet
 * spreading needs no shared atomics) and the details of the last decision, which
 * {@link #trace} reports. Hot path: no allocation, no exceptions, no locks; every read is
 * bounded by lengths checked before it.
 */
public final class Pipeline {
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

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
    private static final int PUNT = Verdict.PUNT.code;

    private static final int PER_PACKET = MultipathAlgorithm.PER_PACKET.ordinal();
    private static final int ETHERNET = 14;
    private static final int IPV6_HEADER = 40;

    private final int[] perPacketPosition;

    // The last decision, for trace() and the per-nexthop counters. Plain fields: one thread only.
    private long l3;
    private boolean v6;
    private int target;
    private int algorithm;
    private int hash;
    private int nexthop;

    /** @param groupSlots the forwarding state's group capacity (per-packet positions are kept per group) */
    public Pipeline(int groupSlots) {
        perPacketPosition = new int[groupSlots];
    }

    /** Decides and rewrites every frame of the batch; all frames live in {@code m}. */
    public void process(Snapshot s, MemorySegment m, PacketBatch batch) {
        int n = batch.count();
        for (int i = 0; i < n; i++) {
            long frame = batch.data[i];
            int verdict = classify(s, m, frame, batch.length[i]);
            if (verdict >= 0) {
                rewrite(s.nexthops, m, frame);
            }
            batch.verdict[i] = verdict;
            batch.nexthop[i] = nexthop;
        }
    }

    /**
     * What the pipeline does with one frame, without rewriting it: the same decision code as
     * {@link #process}. For {@code route get}; per-packet groups advance this instance's position.
     */
    public Trace trace(Snapshot s, MemorySegment m, long offset, int length) {
        int verdict = classify(s, m, offset, length);
        MultipathAlgorithm alg = algorithm < 0 ? null : MultipathAlgorithm.values()[algorithm];
        return new Trace(verdict, target, alg, hash, nexthop, verdict >= 0 ? verdict : -1);
    }

    /** The decision for one frame, reported by {@link #trace}. */
    public record Trace(int verdict, int routeTarget, MultipathAlgorithm algorithm, int hash, int nexthop, int egressPort) {
        public boolean forwarded() {
            return verdict >= 0;
        }
    }

    int classify(Snapshot s, MemorySegment m, long frame, int length) {
        target = RouteTarget.NONE;
        algorithm = -1;
        hash = -1;
        nexthop = -1;
        if (length < ETHERNET) {
            return TRUNCATED;
        }
        int type = m.get(BE16, frame + 12) & 0xffff;
        long ip = frame + ETHERNET;
        if (type == Frames.ETH_VLAN) {
            if (length < ETHERNET + 4) {
                return TRUNCATED;
            }
            type = m.get(BE16, frame + 16) & 0xffff;
            ip += 4;
        }
        l3 = ip;
        int avail = (int) (frame + length - ip);
        if (type == Frames.ETH_IPV4) {
            v6 = false;
            return ipv4(s, m, ip, avail);
        }
        if (type == Frames.ETH_IPV6) {
            v6 = true;
            return ipv6(s, m, ip, avail);
        }
        return type == 0x0806 ? PUNT : UNSUPPORTED_ETHERTYPE;
    }

    private int ipv4(Snapshot s, MemorySegment m, long ip, int avail) {
        if (avail < 20) {
            return TRUNCATED;
        }
        // The fixed header in three loads; every field and the checksum come from these words.
        long w0 = m.get(BE64, ip);      // version+IHL, TOS, total length, identification, flags+offset
        long w1 = m.get(BE64, ip + 8);  // TTL, protocol, checksum, source
        int dst = m.get(BE32, ip + 16);
        int versionIhl = (int) (w0 >>> 56);
        if ((versionIhl >>> 4) != 4) {
            return BAD_VERSION;
        }
        int ihl = (versionIhl & 0x0f) << 2;
        if (ihl < 20) {
            return BAD_HEADER_LENGTH;
        }
        if (ihl > avail) {
            return TRUNCATED;
        }
        int total = (int) (w0 >>> 32) & 0xffff;
        if (total < ihl || total > avail) {
            return BAD_TOTAL_LENGTH;
        }
        long sum = (w0 >>> 32) + (w0 & 0xffffffffL) + (w1 >>> 32) + (w1 & 0xffffffffL) + (dst & 0xffffffffL);
        for (int i = 20; i < ihl; i += 4) {
            sum += m.get(BE32, ip + i) & 0xffffffffL;
        }
        if (!checksumOk(sum)) {
            return BAD_CHECKSUM;
        }
        int src = (int) w1;
        if ((src >>> 28) == 0xe || src == -1 || (src >>> 24) == 127 || (dst >>> 24) == 127 || dst == 0) {
            return BAD_ADDRESS;
        }
        if ((dst >>> 28) == 0xe || dst == -1) {
            return PUNT;
        }
        if ((int) (w1 >>> 56) <= 1) {
            return TTL_EXPIRED;
        }
        int t = s.lpm4.lookup(dst);
        target = t;
        if (t == RouteTarget.NONE) {
            return NO_ROUTE;
        }
        int nh = t;
        if (RouteTarget.isGroup(t)) {
            GroupTable groups = s.groups;
            int group = RouteTarget.index(t);
            int block = groups.block(group);
            if (block < 0) {
                return NO_ROUTE;
            }
            int alg = groups.algorithm(block);
            algorithm = alg;
            if (alg == PER_PACKET) {
                nh = nextPerPacket(groups, group, block);
            } else {
                int h = FlowHash.ipv4(m, ip, ihl, total, (int) (w1 >>> 48) & 0xff, (int) w0 & 0xffff,
                        Integer.reverseBytes(src), Integer.reverseBytes(dst), alg, s.hashSeed);
                hash = h;
                nh = groups.selectByHash(block, h);
            }
            if (nh < 0) {
                return NEXTHOP_DEAD;
            }
        }
        return toNexthop(s.nexthops, nh, total);
    }

    private int ipv6(Snapshot s, MemorySegment m, long ip, int avail) {
        if (avail < IPV6_HEADER) {
            return TRUNCATED;
        }
        if ((m.get(ValueLayout.JAVA_BYTE, ip) & 0xf0) != 0x60) {
            return BAD_VERSION;
        }
        int total = IPV6_HEADER + (m.get(BE16, ip + 4) & 0xffff);
        if (total > avail) {
            return BAD_TOTAL_LENGTH;
        }
        long srcHi = m.get(BE64, ip + 8);
        long srcLo = m.get(BE64, ip + 16);
        long dstHi = m.get(BE64, ip + 24);
        long dstLo = m.get(BE64, ip + 32);
        if ((srcHi >>> 56) == 0xff || srcHi == 0 && srcLo == 1 || dstHi == 0 && (dstLo == 1 || dstLo == 0)) {
            return BAD_ADDRESS;
        }
        if ((dstHi >>> 56) == 0xff || (dstHi >>> 54) == 0x3fa) {
            return PUNT; // multicast and link-local destinations are not routed
        }
        if ((m.get(ValueLayout.JAVA_BYTE, ip + 7) & 0xff) <= 1) {
            return TTL_EXPIRED;
        }
        int t = s.lpm6.lookup(dstHi, dstLo);
        target = t;
        if (t == RouteTarget.NONE) {
            return NO_ROUTE;
        }
        int nh = RouteTarget.isGroup(t) ? selectMember6(s, RouteTarget.index(t), m, ip, total) : t;
        return nh < 0 ? nh : toNexthop(s.nexthops, nh, total);
    }

    /** The group member's nexthop slot for an IPv6 packet, or a negative verdict. */
    private int selectMember6(Snapshot s, int group, MemorySegment m, long ip, int ipLength) {
        GroupTable groups = s.groups;
        int block = groups.block(group);
        if (block < 0) {
            return NO_ROUTE;
        }
        int alg = groups.algorithm(block);
        algorithm = alg;
        int nh;
        if (alg == PER_PACKET) {
            nh = nextPerPacket(groups, group, block);
        } else {
            int h = FlowHash.ipv6(m, ip, ipLength, alg, s.hashSeed);
            hash = h;
            nh = groups.selectByHash(block, h);
        }
        return nh < 0 ? NEXTHOP_DEAD : nh;
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

    private int toNexthop(NexthopTable nexthops, int nh, int ipLength) {
        nexthop = nh;
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
        if (ipLength > nexthops.mtu(nh)) {
            return MTU_EXCEEDED;
        }
        return (int) portAndFlags;
    }

    /** MACs from the nexthop entry; TTL - 1 with the RFC 1624 checksum update, or hop limit - 1. */
    private void rewrite(NexthopTable nexthops, MemorySegment m, long frame) {
        MemorySegment table = nexthops.segment();
        long entry = (long) nexthop * NexthopTable.ENTRY_BYTES + NexthopTable.MACS;
        m.set(ValueLayout.JAVA_LONG_UNALIGNED, frame, table.get(ValueLayout.JAVA_LONG_UNALIGNED, entry));
        m.set(ValueLayout.JAVA_INT_UNALIGNED, frame + 8, table.get(ValueLayout.JAVA_INT_UNALIGNED, entry + 8));
        if (v6) {
            long hop = l3 + 7;
            m.set(ValueLayout.JAVA_BYTE, hop, (byte) (m.get(ValueLayout.JAVA_BYTE, hop) - 1));
        } else {
            int old = m.get(BE16, l3 + 8) & 0xffff; // TTL and protocol
            int updated = old - 0x0100;
            int sum = (~m.get(BE16, l3 + 10) & 0xffff) + (~old & 0xffff) + updated; // HC' = ~(~HC + ~m + m')
            sum = (sum & 0xffff) + (sum >>> 16);
            sum = (sum & 0xffff) + (sum >>> 16);
            m.set(BE16, l3 + 8, (short) updated);
            m.set(BE16, l3 + 10, (short) ~sum);
        }
    }

    /** A header's 32-bit-word sum, folded to 16 bits, is 0xffff exactly when its checksum verifies. */
    private static boolean checksumOk(long sum) {
        sum = (sum & 0xffffffffL) + (sum >>> 32);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return sum == 0xffff;
    }
}
