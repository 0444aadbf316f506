package io.dataplane.ffi;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's route and nexthop-object messages ({@code RTM_NEWROUTE}/{@code RTM_DELROUTE},
 * {@code RTM_NEWNEXTHOP}/{@code RTM_DELNEXTHOP}) parsed into plain records. Layouts are those of
 * {@code include/uapi/linux/rtnetlink.h} and {@code nexthop.h}, as named constants. The same parser
 * reads notifications, dumps, and the netlink messages FRR's FPM carries.
 */
public final class RouteMessages {
    public static final int RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26;
    public static final int RTM_NEWNEXTHOP = 104, RTM_DELNEXTHOP = 105, RTM_GETNEXTHOP = 106;

    /** struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type (u8 each), flags (u32). */
    static final int RTMSG_LEN = 12;
    private static final int RTM_FAMILY = 0, RTM_DST_LEN = 1, RTM_TABLE = 4, RTM_PROTOCOL = 5, RTM_TYPE = 7;
    private static final int RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6, RTA_MULTIPATH = 9,
            RTA_TABLE = 15, RTA_VIA = 18, RTA_NH_ID = 30;
    /** struct rtnexthop: len u16, flags u8, hops u8 (weight - 1), ifindex s32; then its attributes. */
    private static final int RTNH_LEN = 0, RTNH_FLAGS = 2, RTNH_HOPS = 3, RTNH_IFINDEX = 4, RTNEXTHOP_LEN = 8;
    /** rtnh_flags: the kernel does not use a dead nexthop. */
    private static final int RTNH_F_DEAD = 1;
    /** struct nhmsg: family, scope, protocol, resvd (u8 each), flags (u32). */
    static final int NHMSG_LEN = 8;
    private static final int NH_FAMILY = 0, NH_PROTOCOL = 2;
    private static final int NHA_ID = 1, NHA_GROUP = 2, NHA_GROUP_TYPE = 3, NHA_BLACKHOLE = 4, NHA_OIF = 5,
            NHA_GATEWAY = 6, NHA_ENCAP = 8, NHA_FDB = 11, NHA_RES_GROUP = 12;
    /** struct nexthop_grp: id u32, weight u8 (weight - 1), weight_high u8 (6.12+: bits 8..15 of weight - 1), resvd u16. */
    private static final int NHG_ID = 0, NHG_WEIGHT = 4, NHG_WEIGHT_HIGH = 5, NEXTHOP_GRP_LEN = 8;
    /** NHA_GROUP_TYPE values. */
    public static final int GROUP_MPATH = 0, GROUP_RESILIENT = 1;
    /** rtm_type values (RTN_*). */
    public static final int RTN_UNICAST = 1;

    private RouteMessages() {
    }

    /** A path of a route: {@code gateway} is null for a device route; {@code weight} is rtnh_hops + 1. */
    public record Path(byte[] gateway, int ifindex, int weight) {
    }

    /**
     * One route: {@code dst} is 4 or 16 bytes (zeros for the default route), {@code nhid} 0 unless
     * the route points at a nexthop object, {@code paths} the inline gateways (several for
     * multipath, dead ones left out); {@code via} is true when a gateway of another family was
     * given (RTA_VIA), which is not followed.
     */
    public record Route(int family, byte[] dst, int dstLength, int table, int protocol, int type, int priority,
                        int nhid, List<Path> paths, boolean via) {
    }

    /**
     * One nexthop object: a gateway ({@code gateway}, {@code ifindex}), a blackhole, or a group
     * ({@code groupIds} with {@code groupWeights}, weights as the kernel's +1); {@code other} names
     * what this parser does not follow (encapsulation, FDB nexthops), or is null.
     */
    public record Nexthop(int id, int family, int protocol, byte[] gateway, int ifindex, boolean blackhole,
                          int groupType, int[] groupIds, int[] groupWeights, String other) {
        public boolean group() {
            return groupIds != null;
        }
    }

    /** Receives parsed messages; {@code deleted} for RTM_DEL*. */
    public interface Listener {
        void onRoute(Route route, boolean deleted);

        void onNexthop(Nexthop nexthop, boolean deleted);
    }

    /**
     * Parses one message of {@code type} whose payload is {@code [off, off + len)}; returns false
     * for types that are neither routes nor nexthops (and for routes of other families, e.g. the
     * multicast tables).
     */
    public static boolean parse(int type, MemorySegment m, int off, int len, Listener listener) {
        switch (type) {
            case RTM_NEWROUTE, RTM_DELROUTE -> {
                if (len < RTMSG_LEN) {
                    return false;
                }
                Route r = route(m, off, len);
                if (r == null) {
                    return false;
                }
                listener.onRoute(r, type == RTM_DELROUTE);
                return true;
            }
            case RTM_NEWNEXTHOP, RTM_DELNEXTHOP -> {
                if (len < NHMSG_LEN) {
                    return false;
                }
                listener.onNexthop(nexthop(m, off, len), type == RTM_DELNEXTHOP);
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /**
     * Parses every netlink message in {@code [from, end)} (nlmsghdr framing, 4-byte aligned), as
     * FRR's FPM carries them; returns how many were routes or nexthops.
     */
    public static int parseMessages(MemorySegment m, int from, int end, Listener listener) {
        int count = 0;
        int off = from;
        while (off + Rtnetlink.NLMSG_HDRLEN <= end) {
            int len = m.get(JAVA_INT, off);
            if (len < Rtnetlink.NLMSG_HDRLEN || off + len > end) {
                break;
            }
            int type = Short.toUnsignedInt(m.get(JAVA_SHORT, off + 4));
            if (parse(type, m, off + Rtnetlink.NLMSG_HDRLEN, len - Rtnetlink.NLMSG_HDRLEN, listener)) {
                count++;
            }
            off += (len + 3) & ~3;
        }
        return count;
    }

    private static Route route(MemorySegment m, int off, int len) {
        int family = u8(m, off + RTM_FAMILY);
        if (family != Libc.AF_INET && family != Libc.AF_INET6) {
            return null;
        }
        int dstLength = u8(m, off + RTM_DST_LEN);
        int table = u8(m, off + RTM_TABLE);
        int protocol = u8(m, off + RTM_PROTOCOL);
        int type = u8(m, off + RTM_TYPE);
        byte[] dst = new byte[family == Libc.AF_INET ? 4 : 16];
        byte[] gateway = null;
        int oif = 0, priority = 0, nhid = 0;
        boolean via = false;
        List<Path> paths = new ArrayList<>(1);
        boolean multipath = false;
        for (Rtnetlink.Attributes a = new Rtnetlink.Attributes(m, off + RTMSG_LEN, off + len); a.next(); ) {
            switch (a.type) {
                case RTA_DST -> MemorySegment.copy(m, JAVA_BYTE, a.payload(), dst, 0, Math.min(dst.length, a.length()));
                case RTA_GATEWAY -> gateway = a.bytes();
                case RTA_OIF -> oif = a.i32();
                case RTA_PRIORITY -> priority = a.i32();
                case RTA_TABLE -> table = a.i32();
                case RTA_NH_ID -> nhid = a.i32();
                case RTA_VIA -> via = true;
                case RTA_MULTIPATH -> {
                    multipath = true;
                    via |= multipath(m, a.payload(), a.payload() + a.length(), paths);
                }
                default -> { }
            }
        }
        if (!multipath && nhid == 0) {
            paths.add(new Path(gateway, oif, 1));
        }
        return new Route(family, dst, dstLength, table, protocol, type, priority, nhid, List.copyOf(paths), via);
    }

    /** The rtnexthop entries of RTA_MULTIPATH in {@code [from, end)}; returns true if one used RTA_VIA. */
    private static boolean multipath(MemorySegment m, int from, int end, List<Path> out) {
        boolean via = false;
        for (int h = from; h + RTNEXTHOP_LEN <= end; ) {
            int hlen = Short.toUnsignedInt(m.get(JAVA_SHORT, h + RTNH_LEN));
            if (hlen < RTNEXTHOP_LEN || h + hlen > end) {
                break;
            }
            int flags = u8(m, h + RTNH_FLAGS);
            int weight = u8(m, h + RTNH_HOPS) + 1;
            int ifindex = m.get(JAVA_INT, h + RTNH_IFINDEX);
            byte[] gateway = null;
            for (Rtnetlink.Attributes a = new Rtnetlink.Attributes(m, h + RTNEXTHOP_LEN, h + hlen); a.next(); ) {
                if (a.type == RTA_GATEWAY) {
                    gateway = a.bytes();
                } else if (a.type == RTA_VIA) {
                    via = true;
                }
            }
            if ((flags & RTNH_F_DEAD) == 0) {
                out.add(new Path(gateway, ifindex, weight));
            }
            h += (hlen + 3) & ~3;
        }
        return via;
    }

    private static Nexthop nexthop(MemorySegment m, int off, int len) {
        int family = u8(m, off + NH_FAMILY);
        int protocol = u8(m, off + NH_PROTOCOL);
        int id = 0, oif = 0, groupType = GROUP_MPATH;
        byte[] gateway = null;
        boolean blackhole = false;
        int[] ids = null, weights = null;
        String other = null;
        for (Rtnetlink.Attributes a = new Rtnetlink.Attributes(m, off + NHMSG_LEN, off + len); a.next(); ) {
            switch (a.type) {
                case NHA_ID -> id = a.i32();
                case NHA_OIF -> oif = a.i32();
                case NHA_GATEWAY -> gateway = a.bytes();
                case NHA_BLACKHOLE -> blackhole = true;
                case NHA_GROUP_TYPE -> groupType = a.u16();
                case NHA_RES_GROUP -> groupType = GROUP_RESILIENT;
                case NHA_ENCAP -> other = "an encapsulation (NHA_ENCAP)";
                case NHA_FDB -> other = "an FDB nexthop (NHA_FDB)";
                case NHA_GROUP -> {
                    int n = a.length() / NEXTHOP_GRP_LEN;
                    ids = new int[n];
                    weights = new int[n];
                    for (int i = 0; i < n; i++) {
                        int g = a.payload() + i * NEXTHOP_GRP_LEN;
                        ids[i] = m.get(JAVA_INT, g + NHG_ID);
                        weights[i] = (u8(m, g + NHG_WEIGHT) | u8(m, g + NHG_WEIGHT_HIGH) << 8) + 1;
                    }
                }
                default -> { }
            }
        }
        return new Nexthop(id, family, protocol, gateway, oif, blackhole, groupType, ids, weights, other);
    }

    private static int u8(MemorySegment m, long at) {
        return Byte.toUnsignedInt(m.get(JAVA_BYTE, at));
    }
}
