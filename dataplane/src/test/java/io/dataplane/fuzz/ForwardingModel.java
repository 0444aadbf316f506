package io.dataplane.fuzz;

import io.dataplane.pipeline.Verdict;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.Jenkins;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The forwarding decision written for obviousness, not speed: a frame is a {@code byte[]}, every
 * field is read where it is used, the LPM is a list of prefixes scanned longest first, bounds are
 * recomputed per packet and the IPv4 checksum is recomputed from scratch. It follows the README
 * ("How a packet is forwarded", "The multipath hash, exactly", resilient groups, route types) and
 * the kernel reference ({@code shared/reference/kernel-multipath.md}: bounds and selection 1.3-1.4,
 * ICMP errors 3, fragments 4, resilient buckets 6.3) and, for IPv4 options, what
 * {@code KernelIpv4OptionsOracleTest} found the kernel does, not the pipeline's code; the only code it
 * shares with the pipeline is {@link Jenkins#jhash2}, the generic lookup3 loop that the pipeline's
 * unrolled hashes are tested against.
 *
 * <p>In kernel hash mode ({@code HashConfiguration.kernel()}) the SipHash over the kernel's flow
 * keys is not modelled: the model takes the pipeline's hash and checks everything decided from
 * it. {@code routeGet} makes it decide as {@code route get} does (an unspecified source allowed,
 * every port up).
 *
 * <p>Per-packet groups have no single right answer per packet (the README promises exact weights
 * over every window of sum-of-weights packets, not an order): {@link #decide} takes the member the
 * pipeline chose and accepts it if it is alive and still has a share left in the current window.
 */
final class ForwardingModel {
    /** What the model says happens to one frame: the verdict, the route and nexthop, and the frame as it leaves. */
    record Decision(int verdict, int routeTarget, int algorithm, int hash, int nexthop, byte[] frame, String why) {
        /** The same decision for a frame that is only looked at, not rewritten ({@code route get}). */
        Decision unchanged(byte[] received) {
            return new Decision(verdict, routeTarget, algorithm, hash, nexthop, received, why);
        }
    }

    private static final int NONE = -1;
    /** The route of a frame dropped before the lookup: the pipeline leaves that column unwritten. */
    static final int NOT_LOOKED_UP = Integer.MIN_VALUE;

    private final TableSet tables;
    /** As for {@code route get}: an unspecified source is accepted and ports count as up. */
    private final boolean routeGet;
    /** The decision's group algorithm ordinal and 31-bit hash, NONE until known. */
    private int algorithm;
    private int hash;
    private int kernelHash;
    private final List<TableSet.Route4> routes4;
    private final List<TableSet.Route6> routes6;
    /** Per group, per member: packets sent in the current per-packet window. */
    private final int[][] windowCount;
    private final int[] windowFill;

    ForwardingModel(TableSet tables, boolean routeGet) {
        this.tables = tables;
        this.routeGet = routeGet;
        routes4 = new ArrayList<>(tables.routes4);
        routes4.sort(Comparator.comparingInt(TableSet.Route4::length).reversed());
        routes6 = new ArrayList<>(tables.routes6);
        routes6.sort(Comparator.comparingInt(TableSet.Route6::length).reversed());
        windowCount = new int[tables.groups.length][];
        windowFill = new int[tables.groups.length];
        for (int g = 0; g < tables.groups.length; g++) {
            windowCount[g] = tables.groups[g] == null ? null : new int[tables.groups[g].size()];
        }
    }

    /**
     * The decision for {@code frame} as received.
     *
     * @param perPacketPick the nexthop slot the pipeline picked, consulted only for a per-packet group
     * @param kernelHash the pipeline's hash, taken as it is in kernel hash mode (not modelled here)
     */
    Decision decide(byte[] frame, int perPacketPick, int kernelHash) {
        this.kernelHash = kernelHash;
        parameterProblemPointer = -1;
        algorithm = NONE;
        hash = NONE;
        int length = frame.length;
        if (length < 14) {
            return drop(Verdict.TRUNCATED, frame, "shorter than an Ethernet header");
        }
        int type = be16(frame, 12);
        int l3 = 14;
        if (type == 0x8100) {
            if (length < 18) {
                return drop(Verdict.TRUNCATED, frame, "802.1Q tag cut");
            }
            type = be16(frame, 16);
            l3 = 18;
        }
        if (type == 0x0800) {
            return ipv4(frame, l3, perPacketPick);
        }
        if (type == 0x86dd) {
            return ipv6(frame, l3, perPacketPick);
        }
        return drop(type == 0x0806 ? Verdict.NOT_ROUTED : Verdict.UNSUPPORTED_ETHERTYPE, frame, "ethertype " + type);
    }

    private Decision ipv4(byte[] f, int ip, int perPacketPick) {
        int avail = f.length - ip;
        if (avail < 20) {
            return drop(Verdict.TRUNCATED, f, "IPv4 header cut");
        }
        if ((f[ip] & 0xff) >>> 4 != 4) {
            return drop(Verdict.BAD_VERSION, f, "version");
        }
        int ihl = (f[ip] & 0x0f) * 4;
        if (ihl < 20) {
            return drop(Verdict.BAD_HEADER_LENGTH, f, "IHL " + ihl);
        }
        if (ihl > avail) {
            return drop(Verdict.TRUNCATED, f, "options cut");
        }
        int total = be16(f, ip + 2);
        if (total < ihl || total > avail) {
            return drop(Verdict.BAD_TOTAL_LENGTH, f, "total length " + total);
        }
        if (onesComplementSum(f, ip, ihl) != 0xffff) {
            return drop(Verdict.BAD_CHECKSUM, f, "header checksum");
        }
        int src = be32(f, ip + 12);
        int dst = be32(f, ip + 16);
        // Martians (the kernel's ip_route_input_slow, before the TTL): source 0/8, 127/8, 224/4,
        // 255.255.255.255; destination 0/8, 127/8.
        int s8 = src >>> 24;
        int d8 = dst >>> 24;
        boolean unspecifiedSource = routeGet && src == 0;
        if (s8 == 0 && !unspecifiedSource || s8 == 127 || (s8 >= 224 && s8 <= 239) || src == 0xffffffff || d8 == 0 || d8 == 127) {
            return drop(Verdict.BAD_ADDRESS, f, "martian");
        }
        if ((d8 >= 224 && d8 <= 239) || dst == 0xffffffff) {
            return drop(Verdict.NOT_ROUTED, f, "multicast or broadcast destination");
        }
        // Options next, before the TTL and the route, as the kernel's ip_rcv_options.
        if (ihl > 20) {
            String problem = optionProblem(f, ip, ihl);
            if (problem != null) {
                return drop(Verdict.BAD_OPTIONS, f, problem + ": parameter problem, pointer " + parameterProblemPointer);
            }
            if (sourceRouted) {
                return drop(Verdict.SOURCE_ROUTED, f, "a source route option, accept_source_route is 0");
            }
        }
        int ttl = f[ip + 8] & 0xff;
        if (ttl <= 1) {
            return drop(Verdict.TTL_EXPIRED, f, "ttl " + ttl);
        }
        int target = lookup4(dst);
        if (target == NONE) {
            return decision(Verdict.NO_ROUTE.code, target, NONE, f, "no route");
        }
        if (RouteTarget.isType(target)) {
            return decision(typeVerdict(target), target, NONE, f, RouteTarget.typeName(target));
        }
        int flags = be16(f, ip + 6);
        boolean dontFragment = (flags & 0x4000) != 0;
        int nh = target;
        if (RouteTarget.isGroup(target)) {
            int g = RouteTarget.index(target);
            nh = member(g, () -> hash4(f, ip, ihl, total, tables.groups[g].algorithm()), perPacketPick);
            if (nh == -1) {
                return decision(Verdict.NEXTHOP_DEAD.code, target, NONE, f, "every member dead");
            }
        }
        // DF clear: a packet above the MTU is fragmented by the worker, not dropped.
        return leave(f, ip, 4, target, nh, total, !dontFragment);
    }

    private Decision ipv6(byte[] f, int ip, int perPacketPick) {
        int avail = f.length - ip;
        if (avail < 40) {
            return drop(Verdict.TRUNCATED, f, "IPv6 header cut");
        }
        if ((f[ip] & 0xff) >>> 4 != 6) {
            return drop(Verdict.BAD_VERSION, f, "version");
        }
        int total = 40 + be16(f, ip + 4);
        if (total > avail) {
            return drop(Verdict.BAD_TOTAL_LENGTH, f, "payload length");
        }
        byte[] src = Arrays.copyOfRange(f, ip + 8, ip + 24);
        byte[] dst = Arrays.copyOfRange(f, ip + 24, ip + 40);
        // Martians: source multicast, ::, ::1, ::ffff:0:0/96; destination :: and ::1.
        boolean srcV4Mapped = allZero(src, 0, 10) && (src[10] & 0xff) == 0xff && (src[11] & 0xff) == 0xff;
        boolean unspecifiedSource = routeGet && allZero(src, 0, 16);
        boolean srcMartian = (src[0] & 0xff) == 0xff || isUnspecifiedOrLoopback(src) && !unspecifiedSource || srcV4Mapped;
        if (srcMartian || isUnspecifiedOrLoopback(dst)) {
            return drop(Verdict.BAD_ADDRESS, f, "martian");
        }
        boolean multicast = (dst[0] & 0xff) == 0xff;
        boolean linkLocal = (dst[0] & 0xff) == 0xfe && (dst[1] & 0xc0) == 0x80;
        if (multicast || linkLocal) {
            return drop(Verdict.NOT_ROUTED, f, "multicast or link-local destination");
        }
        int hopLimit = f[ip + 7] & 0xff;
        if (hopLimit <= 1) {
            return drop(Verdict.TTL_EXPIRED, f, "hop limit " + hopLimit);
        }
        int target = lookup6(dst);
        if (target == NONE) {
            return decision(Verdict.NO_ROUTE.code, target, NONE, f, "no route");
        }
        if (RouteTarget.isType(target)) {
            return decision(typeVerdict(target), target, NONE, f, RouteTarget.typeName(target));
        }
        int nh = target;
        if (RouteTarget.isGroup(target)) {
            int g = RouteTarget.index(target);
            nh = member(g, () -> hash6(f, ip, total, tables.groups[g].algorithm()), perPacketPick);
            if (nh == -1) {
                return decision(Verdict.NEXTHOP_DEAD.code, target, NONE, f, "every member dead");
            }
        }
        return leave(f, ip, 6, target, nh, total, false); // routers never fragment IPv6
    }

    // ---- IPv4 options, as the kernel's ip_options_compile checks them ------------------------

    /** The last frame's malformed option: the ICMP parameter problem's pointer (offset in the IP header), else -1. */
    int parameterProblemPointer = -1;
    /** Whether the last frame's options, all well formed, hold a loose or strict source route. */
    private boolean sourceRouted;

    /**
     * Reads the options one by one; for the first malformed one, sets {@link #parameterProblemPointer}
     * to the byte the kernel points at and says what is wrong; null when all are well formed.
     * Option by option: EOL ends the list and NOOP is one byte; every other option has a type and
     * a length byte, its length at least 2 and within the header. Record route (7), timestamp (68)
     * and a source route (131 loose, 137 strict, together) may appear once each. Record route:
     * length >= 3, pointer >= 4, and unless the pointer is past the length (full) the 4-byte slot
     * at the pointer fits inside the option. Timestamp: length >= 4, pointer >= 5; not full: the
     * slot fits (8 bytes for flag 1 address+time and 3 prespecified, else 4); full and flag not 3:
     * the overflow nibble is not 15 yet (it could not count this router). Source route: length
     * >= 3, pointer >= 4 (and only then the "once" rule). Router alert (148): length >= 4. CIPSO
     * (134): always bad, no DOI is configured: length < 8 at the length byte, else at the DOI.
     * Everything else passes.
     */
    private String optionProblem(byte[] f, int ip, int ihl) {
        parameterProblemPointer = -1;
        sourceRouted = false;
        boolean sawRecordRoute = false;
        boolean sawTimestamp = false;
        int at = 20;
        while (at < ihl) {
            int type = f[ip + at] & 0xff;
            if (type == 0) {
                break;
            }
            if (type == 1) {
                at += 1;
                continue;
            }
            if (at + 1 >= ihl) {
                return bad(at, "option " + type + " has no length byte");
            }
            int length = f[ip + at + 1] & 0xff;
            if (length < 2) {
                return bad(at, "option length " + length);
            }
            if (at + length > ihl) {
                return bad(at, "option " + type + " runs past the header");
            }
            int pointer = length >= 3 ? f[ip + at + 2] & 0xff : -1;
            int flagsByte = length >= 4 ? f[ip + at + 3] & 0xff : -1;
            boolean full = pointer > length;
            if (type == 7) {
                if (sawRecordRoute) {
                    return bad(at, "a second record route");
                }
                if (length < 3) {
                    return bad(at + 1, "record route shorter than 3");
                }
                if (pointer < 4) {
                    return bad(at + 2, "record route pointer " + pointer);
                }
                if (!full && pointer + 4 - 1 > length) {
                    return bad(at + 2, "record route slot at " + pointer + " past length " + length);
                }
                sawRecordRoute = true;
            } else if (type == 68) {
                if (sawTimestamp) {
                    return bad(at, "a second timestamp");
                }
                if (length < 4) {
                    return bad(at + 1, "timestamp shorter than 4");
                }
                if (pointer < 5) {
                    return bad(at + 2, "timestamp pointer " + pointer);
                }
                int flag = flagsByte % 16;
                int overflow = flagsByte / 16;
                int slot = flag == 1 || flag == 3 ? 8 : 4;
                if (!full && pointer + slot - 1 > length) {
                    return bad(at + 2, "timestamp slot at " + pointer + " past length " + length);
                }
                if (full && flag != 3 && overflow == 15) {
                    return bad(at + 3, "timestamp overflow already 15");
                }
                sawTimestamp = true;
            } else if (type == 131 || type == 137) {
                if (length < 3) {
                    return bad(at + 1, "source route shorter than 3");
                }
                if (pointer < 4) {
                    return bad(at + 2, "source route pointer " + pointer);
                }
                if (sourceRouted) {
                    return bad(at, "a second source route");
                }
                sourceRouted = true;
            } else if (type == 148) {
                if (length < 4) {
                    return bad(at + 1, "router alert shorter than 4");
                }
            } else if (type == 134) {
                return length < 8 ? bad(at + 1, "CIPSO shorter than 8") : bad(at + 2, "CIPSO with no DOI configured");
            }
            at += length;
        }
        return null;
    }

    private String bad(int pointer, String why) {
        parameterProblemPointer = pointer;
        return why;
    }

    private static int typeVerdict(int target) {
        return switch (target) {
            case RouteTarget.BLACKHOLE -> Verdict.BLACKHOLE.code;
            case RouteTarget.UNREACHABLE -> Verdict.UNREACHABLE.code;
            case RouteTarget.PROHIBIT -> Verdict.PROHIBITED.code;
            default -> Verdict.NO_ROUTE.code; // throw, in the only table
        };
    }

    /** Longest match: the routes sorted longest first, the first that covers the address. */
    private int lookup4(int dst) {
        for (TableSet.Route4 r : routes4) {
            if ((dst & TableSet.mask4(r.length())) == r.prefix()) {
                return r.target();
            }
        }
        return NONE;
    }

    private int lookup6(byte[] dst) {
        long hi = be64(dst, 0);
        long lo = be64(dst, 8);
        for (TableSet.Route6 r : routes6) {
            if ((hi & TableSet.maskHi(r.length())) == r.hi() && (lo & TableSet.maskLo(r.length())) == r.lo()) {
                return r.target();
            }
        }
        return NONE;
    }

    /** The group member a packet takes, or -1 when none can be taken. */
    private int member(int g, java.util.function.IntSupplier flowHash, int perPacketPick) {
        GroupSpec group = tables.groups[g];
        int n = group.size();
        boolean[] alive = new boolean[n];
        for (int i = 0; i < n; i++) {
            alive[i] = tables.nexthops[group.nexthop(i)].alive();
        }
        algorithm = group.algorithm().ordinal();
        if (group.algorithm() == MultipathAlgorithm.PER_PACKET) {
            return perPacket(g, group, alive, perPacketPick);
        }
        int h = tables.hash.kernel() ? kernelHash : flowHash.getAsInt();
        hash = h;
        if (h < 0) {
            return -2; // a multipath hash has 31 bits: no member can be chosen by this one
        }
        if (group.isResilient()) {
            // The bucket's nexthop, whatever its state (the kernel's nexthop_select_path_res).
            return group.buckets()[h % group.buckets().length];
        }
        // Hash-threshold (kernel-multipath.md 1.3, 1.4): bound_i = round_half_up(acc_i * 2^31 / total) - 1
        // over alive members in order; the first alive member whose bound >= hash.
        long total = 0;
        for (int i = 0; i < n; i++) {
            total += alive[i] ? group.weight(i) : 0;
        }
        long acc = 0;
        for (int i = 0; i < n; i++) {
            if (!alive[i]) {
                continue;
            }
            acc += group.weight(i);
            long bound = (acc * (1L << 31) + total / 2) / total - 1;
            if (h <= bound) {
                return group.nexthop(i);
            }
        }
        return -1;
    }

    /**
     * Per-packet: over each window of W (the alive members' weight sum) packets each alive member
     * is taken exactly its weight: so the pipeline's pick must be alive and have a share left.
     */
    private int perPacket(int g, GroupSpec group, boolean[] alive, int pick) {
        int total = 0;
        for (int i = 0; i < group.size(); i++) {
            total += alive[i] ? group.weight(i) : 0;
        }
        if (total == 0) {
            return -1;
        }
        if (windowFill[g] == total) {
            Arrays.fill(windowCount[g], 0);
            windowFill[g] = 0;
        }
        // Members may repeat in a group: the pick may be any alive member slot with a share left.
        for (int i = 0; i < group.size(); i++) {
            if (alive[i] && group.nexthop(i) == pick && windowCount[g][i] < group.weight(i)) {
                windowCount[g][i]++;
                windowFill[g]++;
                return pick;
            }
        }
        return -2; // no member could have sent it: a disagreement whatever the pipeline said
    }

    /** The nexthop's checks in order, then the rewritten frame. */
    private Decision leave(byte[] f, int ip, int version, int target, int nh, int ipLength, boolean fragmentable) {
        if (nh == -2) {
            return decision(Integer.MIN_VALUE, target, nh, f, "a per-packet pick outside the window's shares, or a negative hash");
        }
        Nexthop n = tables.nexthops[nh];
        if (n == null) {
            return decision(Verdict.NO_ROUTE.code, target, nh, f, "empty nexthop slot");
        }
        if (!n.alive()) {
            return decision(Verdict.NEXTHOP_DEAD.code, target, nh, f, "nexthop dead");
        }
        if (!n.resolved()) {
            return decision(Verdict.NEIGHBOUR_UNRESOLVED.code, target, nh, f, "neighbour unresolved");
        }
        boolean tooBig = ipLength > n.mtu();
        if (tooBig && !fragmentable) {
            return decision(Verdict.MTU_EXCEEDED.code, target, nh, f, "above the MTU");
        }
        int port = n.port();
        if (port >= 64 || (tables.egress & (1L << port)) == 0) {
            return decision(Verdict.NO_EGRESS_PORT.code, target, nh, f, "port " + port + " not this worker's");
        }
        if (!routeGet && (tables.down & (1L << port)) != 0) {
            return decision(Verdict.NEXTHOP_DEAD.code, target, nh, f, "port " + port + " down");
        }
        if (tooBig) {
            return decision(Verdict.NEEDS_FRAGMENTATION.code, target, nh, f, "to the fragmenter, untouched");
        }
        byte[] out = f.clone();
        putMac(out, 0, n.dstMac());
        putMac(out, 6, n.srcMac());
        if (version == 4) {
            out[ip + 8]--;
            int ihl = (out[ip] & 0x0f) * 4;
            out[ip + 10] = 0;
            out[ip + 11] = 0;
            int checksum = ~onesComplementSum(out, ip, ihl) & 0xffff;
            out[ip + 10] = (byte) (checksum >>> 8);
            out[ip + 11] = (byte) checksum;
        } else {
            out[ip + 7]--;
        }
        return decision(port, target, nh, out, "forwarded");
    }

    // ---- the multipath hash, as the README's table says -------------------------------------

    /** IPv4: l3 jhash_2words(src, dst); l4 jhash2([src, dst, ports, proto]); words are little-endian. */
    private int hash4(byte[] f, int ip, int ihl, int total, MultipathAlgorithm alg) {
        int src = le32(f, ip + 12);
        int dst = le32(f, ip + 16);
        int proto = f[ip + 9] & 0xff;
        int flags = be16(f, ip + 6);
        boolean dontFragment = (flags & 0x4000) != 0;
        boolean moreFragments = (flags & 0x2000) != 0;
        int offset = flags & 0x1fff;
        if (alg == MultipathAlgorithm.L4) {
            if (!dontFragment || moreFragments || offset != 0) {
                return jhash(seed(), src, dst); // may fragment: the l3 key, so every fragment follows the flow
            }
            int ports = ports(f, ip + ihl, total - ihl, proto);
            return jhash(seed(), src, dst, ports, proto);
        }
        // l3: an ICMP error (3, 5, 11, 12) that is not a later fragment and holds a whole quoted
        // header is hashed on the quote, source and destination swapped.
        int icmp = ip + ihl;
        if (proto == 1 && offset == 0 && total - ihl >= 8 + 20) {
            int icmpType = f[icmp] & 0xff;
            if (icmpType == 3 || icmpType == 5 || icmpType == 11 || icmpType == 12) {
                int quote = icmp + 8;
                return jhash(seed(), le32(f, quote + 16), le32(f, quote + 12));
            }
        }
        return jhash(seed(), src, dst);
    }

    /**
     * IPv6: l3 jhash2([src0..3, dst0..3, flowlabel, nexthdr]) with the header's own next header;
     * an ICMPv6 error (1-4, right behind the header) on its quote, addresses swapped, with the
     * quote's flow label and next header. l4 jhash2([src0..3, dst0..3, ports, proto]) with the
     * upper-layer protocol after extension headers; ports 0 behind a Fragment header.
     */
    private int hash6(byte[] f, int ip, int total, MultipathAlgorithm alg) {
        int nexthdr = f[ip + 6] & 0xff;
        if (alg == MultipathAlgorithm.L4) {
            int proto = nexthdr;
            int at = ip + 40;
            int end = ip + total;
            int ports = 0;
            // Extension headers: hop-by-hop (0), routing (43) and destination options (60) are
            // walked; a Fragment header (44) names the protocol behind it and ends the walk with
            // ports 0. At most 8 extension headers are looked at; a cut one ends the walk too.
            for (int hops = 0; ; hops++) {
                boolean extension = proto == 0 || proto == 43 || proto == 60 || proto == 44;
                if (!extension) {
                    ports = ports(f, at, end - at, proto);
                    break;
                }
                if (hops == 8) {
                    break;
                }
                if (proto == 44) {
                    if (end - at >= 8) {
                        proto = f[at] & 0xff;
                    }
                    break;
                }
                if (end - at < 8) {
                    break;
                }
                int next = f[at] & 0xff;
                at += ((f[at + 1] & 0xff) + 1) * 8;
                proto = next;
            }
            return jhash(seed(), le32(f, ip + 8), le32(f, ip + 12), le32(f, ip + 16), le32(f, ip + 20),
                    le32(f, ip + 24), le32(f, ip + 28), le32(f, ip + 32), le32(f, ip + 36), ports, proto);
        }
        if (nexthdr == 58 && total >= 40 + 8 + 40) {
            int icmpType = f[ip + 40] & 0xff;
            if (icmpType >= 1 && icmpType <= 4) {
                int q = ip + 48;
                return jhash(seed(), le32(f, q + 24), le32(f, q + 28), le32(f, q + 32), le32(f, q + 36),
                        le32(f, q + 8), le32(f, q + 12), le32(f, q + 16), le32(f, q + 20),
                        be32(f, q) & 0xfffff, f[q + 6] & 0xff);
            }
        }
        return jhash(seed(), le32(f, ip + 8), le32(f, ip + 12), le32(f, ip + 16), le32(f, ip + 20),
                le32(f, ip + 24), le32(f, ip + 28), le32(f, ip + 32), le32(f, ip + 36),
                be32(f, ip) & 0xfffff, nexthdr);
    }

    /**
     * The ports word: the first 4 L4 bytes for TCP, UDP, UDP-Lite, SCTP, DCCP and ESP, bytes 4..7
     * for AH (the kernel's proto_ports_offset), 0 for anything else or when the bytes are missing.
     */
    private static int ports(byte[] f, int l4, int avail, int proto) {
        int at = switch (proto) {
            case 6, 17, 136, 132, 33, 50 -> 0;
            case 51 -> 4;
            default -> -1;
        };
        return at < 0 || avail < at + 4 ? 0 : le32(f, l4 + at);
    }

    private int seed() {
        return tables.hash.seed();
    }

    /** jhash2 over the words, then the 31 bits the selection uses. */
    private static int jhash(int seed, int... words) {
        return Jenkins.jhash2(words, words.length, seed) >>> 1;
    }

    // ---- bytes ---------------------------------------------------------------------------

    private Decision decision(int verdict, int target, int nh, byte[] f, String why) {
        return new Decision(verdict, target, algorithm, hash, nh, f, why);
    }

    private static Decision drop(Verdict v, byte[] f, String why) {
        return new Decision(v.code, NOT_LOOKED_UP, NOT_LOOKED_UP, NOT_LOOKED_UP, NONE, f, why);
    }

    /** The one's complement sum of {@code length} bytes (even) as 16-bit big-endian words, folded to 16 bits. */
    static int onesComplementSum(byte[] f, int at, int length) {
        int sum = 0;
        for (int i = 0; i < length; i += 2) {
            sum += be16(f, at + i);
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return sum;
    }

    private static boolean allZero(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isUnspecifiedOrLoopback(byte[] address) {
        return allZero(address, 0, 15) && (address[15] == 0 || address[15] == 1);
    }

    static void putMac(byte[] f, int at, long mac) {
        for (int i = 0; i < 6; i++) {
            f[at + i] = (byte) (mac >>> (40 - 8 * i));
        }
    }

    static int be16(byte[] f, int at) {
        return (f[at] & 0xff) << 8 | (f[at + 1] & 0xff);
    }

    static int be32(byte[] f, int at) {
        return be16(f, at) << 16 | be16(f, at + 2);
    }

    private static long be64(byte[] f, int at) {
        return (long) be32(f, at) << 32 | (be32(f, at + 4) & 0xffffffffL);
    }

    private static int le32(byte[] f, int at) {
        return (f[at] & 0xff) | (f[at + 1] & 0xff) << 8 | (f[at + 2] & 0xff) << 16 | (f[at + 3] & 0xff) << 24;
    }
}
