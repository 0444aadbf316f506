package io.dataplane.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.dataplane.tables.Change;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.HashConfiguration;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A forwarding table set as plain data, drawn from the fuzzer's input: nexthops (ports, MACs,
 * MTUs, dead or unresolved ones), multipath groups (weights, algorithms, resilient buckets), IPv4
 * and IPv6 routes of every prefix length and every route type, the hash configuration, and which ports the
 * worker may send on and which are down. The model reads it as it is; {@link #install} commits it
 * to a {@link Fib} through the ordinary {@link Change} API, as the control plane does.
 */
final class TableSet {
    private static final int NEXTHOP_SLOTS = 10;
    /** Slot capacities of the one {@link Fib} the fuzzer reuses (building a Fib maps 64 MiB for IPv4). */
    static final FibLimits LIMITS = new FibLimits(NEXTHOP_SLOTS, 6, 512, 2048, 1);

    /** An IPv4 route: prefix (host bits clear), length 0..32, {@link RouteTarget}. */
    record Route4(int prefix, int length, int target) {
    }

    /** An IPv6 route: prefix halves (host bits clear), length 0..128, {@link RouteTarget}. */
    record Route6(long hi, long lo, int length, int target) {
    }

    private static final int[] TYPES = {RouteTarget.BLACKHOLE, RouteTarget.UNREACHABLE, RouteTarget.PROHIBIT, RouteTarget.THROW};

    /** Slot to nexthop, null where the slot is empty. */
    final Nexthop[] nexthops = new Nexthop[NEXTHOP_SLOTS];
    /** Slot to group, null where the slot is empty. */
    final GroupSpec[] groups = new GroupSpec[LIMITS.groups()];
    /** One route per prefix (the last one drawn for a prefix wins, as a replace does). */
    final List<Route4> routes4 = new ArrayList<>();
    final List<Route6> routes6 = new ArrayList<>();
    /**
     * The hash configuration. In kernel mode ({@code set hash-function kernel}) the model does not
     * recompute the SipHash over the kernel's flow keys: it takes the pipeline's hash and checks
     * what is decided from it, and the fuzzer still checks the flow dissector never throws nor reads
     * outside the frame.
     */
    final HashConfiguration hash;
    /** Bit p: the worker may transmit on port p. */
    final long egress;
    /** Bit p: port p is down. */
    final long down;

    private TableSet(FuzzedDataProvider d) {
        int seed = d.consumeBoolean() ? 0 : d.consumeInt();
        hash = FrameShapes.oneIn(d, 4)
                ? new HashConfiguration(true, seed, d.consumeInt(0, 3), d.consumeInt(0, 0xfff), d.consumeInt(0, 3), d.consumeInt(0, 0xfff))
                : HashConfiguration.DEFAULT.withSeed(seed);
        egress = d.consumeBoolean() ? d.consumeLong() : -1L;
        down = d.consumeBoolean() ? 0L : d.consumeLong() & d.consumeLong();
        int nexthopCount = d.consumeInt(1, NEXTHOP_SLOTS);
        List<Integer> used = new ArrayList<>();
        for (int i = 0; i < nexthopCount; i++) {
            int slot = d.consumeInt(0, NEXTHOP_SLOTS - 1);
            // Ports 64 and up exist (a router may have more), but a worker's egress set holds 0..63.
            int port = FrameShapes.oneIn(d, 20) ? d.consumeInt(0, 70) : d.consumeInt(0, 3);
            long dstMac = d.consumeLong() & 0xffff_ffff_ffffL;
            long srcMac = d.consumeLong() & 0xffff_ffff_ffffL;
            int mtu = d.consumeBoolean() ? d.consumeInt(68, 9000) : 1500;
            boolean alive = !FrameShapes.oneIn(d, 8);
            boolean resolved = !FrameShapes.oneIn(d, 8);
            if (nexthops[slot] == null) {
                used.add(slot);
            }
            nexthops[slot] = new Nexthop(port, dstMac, srcMac, mtu, alive, resolved);
        }
        int groupCount = d.consumeInt(0, groups.length);
        for (int i = 0; i < groupCount; i++) {
            int members = d.consumeInt(1, 5);
            int[] nh = new int[members];
            int[] weights = new int[members];
            for (int m = 0; m < members; m++) {
                nh[m] = used.get(d.consumeInt(0, used.size() - 1));
                weights[m] = d.consumeBoolean() ? d.consumeInt(1, 4) : d.consumeInt(1, GroupSpec.MAX_WEIGHT);
            }
            MultipathAlgorithm alg = d.pickValue(MultipathAlgorithm.values());
            if (alg != MultipathAlgorithm.PER_PACKET && d.consumeBoolean()) {
                int[] buckets = new int[d.consumeInt(1, 64)];
                for (int b = 0; b < buckets.length; b++) {
                    buckets[b] = nh[d.consumeInt(0, members - 1)];
                }
                groups[i] = GroupSpec.resilient(nh, weights, alg, buckets);
            } else {
                groups[i] = new GroupSpec(nh, weights, alg);
            }
        }
        Map<Long, Route4> v4 = new LinkedHashMap<>();
        int count4 = d.consumeInt(0, 8);
        for (int i = 0; i < count4; i++) {
            // Routes shorter than /8 cost up to 2^24 table writes each in DIR-24-8: drawn rarely.
            int length = FrameShapes.oneIn(d, 256) ? d.consumeInt(0, 7) : d.consumeInt(8, 32);
            int prefix = d.consumeInt() & mask4(length);
            v4.put((long) prefix << 8 | length, new Route4(prefix, length, target(d, used, groupCount)));
        }
        routes4.addAll(v4.values());
        Map<List<Long>, Route6> v6 = new LinkedHashMap<>();
        int count6 = d.consumeInt(0, 8);
        for (int i = 0; i < count6; i++) {
            // Below /16 a route covers up to 2^16 root entries of the stride trie: drawn less often.
            int length = FrameShapes.oneIn(d, 16) ? d.consumeInt(0, 15) : d.consumeInt(16, 128);
            long hi = d.consumeLong() & maskHi(length);
            long lo = d.consumeLong() & maskLo(length);
            v6.put(List.of(hi, lo, (long) length), new Route6(hi, lo, length, target(d, used, groupCount)));
        }
        routes6.addAll(v6.values());
    }

    static TableSet from(FuzzedDataProvider d) {
        return new TableSet(d);
    }

    private static int target(FuzzedDataProvider d, List<Integer> nexthopSlots, int groupCount) {
        int kind = d.consumeInt(0, 9);
        if (kind == 9) {
            return TYPES[d.consumeInt(0, TYPES.length - 1)];
        }
        if (kind <= 4 && groupCount > 0) {
            return RouteTarget.group(d.consumeInt(0, groupCount - 1));
        }
        return RouteTarget.nexthop(nexthopSlots.get(d.consumeInt(0, nexthopSlots.size() - 1)));
    }

    static int mask4(int length) {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    static long maskHi(int length) {
        return length == 0 ? 0 : length >= 64 ? -1L : -1L << (64 - length);
    }

    static long maskLo(int length) {
        return length <= 64 ? 0 : length == 128 ? -1L : -1L << (128 - length);
    }

    /** Commits the whole set to an empty {@code fib}: nexthops, groups, routes and the hash configuration in one change. */
    void install(Fib fib) {
        Change c = fib.change().hash(hash);
        for (int i = 0; i < nexthops.length; i++) {
            if (nexthops[i] != null) {
                c.nexthop(i, nexthops[i]);
            }
        }
        for (int i = 0; i < groups.length; i++) {
            if (groups[i] != null) {
                c.group(i, groups[i]);
            }
        }
        routes4.forEach(r -> c.route4(r.prefix(), r.length(), r.target()));
        routes6.forEach(r -> c.route6(r.hi(), r.lo(), r.length(), r.target()));
        c.commit();
    }

    /** Takes everything {@link #install} put into {@code fib} out again, leaving it empty for the next set. */
    void uninstall(Fib fib) {
        Change c = fib.change();
        routes4.forEach(r -> c.removeRoute4(r.prefix(), r.length()));
        routes6.forEach(r -> c.removeRoute6(r.hi(), r.lo(), r.length()));
        for (int i = 0; i < groups.length; i++) {
            if (groups[i] != null) {
                c.removeGroup(i);
            }
        }
        for (int i = 0; i < nexthops.length; i++) {
            if (nexthops[i] != null) {
                c.removeNexthop(i);
            }
        }
        c.commit();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(hash.toString())
                .append(" egress ").append(Long.toHexString(egress)).append(" down ").append(Long.toHexString(down)).append('\n');
        for (int i = 0; i < nexthops.length; i++) {
            if (nexthops[i] != null) {
                sb.append("  nexthop ").append(i).append(' ').append(nexthops[i]).append('\n');
            }
        }
        for (int i = 0; i < groups.length; i++) {
            if (groups[i] != null) {
                GroupSpec g = groups[i];
                sb.append("  group ").append(i).append(' ').append(g);
                if (g.isResilient()) {
                    sb.append(' ').append(java.util.Arrays.toString(g.buckets()));
                }
                sb.append('\n');
            }
        }
        for (Route4 r : routes4) {
            sb.append("  route ").append(io.dataplane.tables.IpAddresses.format4(r.prefix())).append('/').append(r.length())
                    .append(" -> ").append(RouteTarget.toString(r.target())).append('\n');
        }
        for (Route6 r : routes6) {
            sb.append("  route ").append(io.dataplane.tables.IpAddresses.format6(r.hi(), r.lo())).append('/').append(r.length())
                    .append(" -> ").append(RouteTarget.toString(r.target())).append('\n');
        }
        return sb.toString();
    }
}
