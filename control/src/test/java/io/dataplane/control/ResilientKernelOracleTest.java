package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.ffi.Libc;
import io.dataplane.tables.IpAddresses;
import io.dataplane.testing.Netns;
import io.dataplane.testing.RouteGet;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The kernel as oracle for the whole command path: the same {@code ip nexthop} lines (create,
 * replace with one more member, one fewer, weights changed, a member's link down, a last replace)
 * go to a namespace kernel and, word for word, to our control plane over memory ports; after
 * every step {@code nexthop bucket show -j} from both must name the same nexthop for every bucket,
 * and {@code nexthop show -j} the same {@code resilient_args}. With {@code idle_timer 0} every
 * bucket is idle, so the kernel's choice is deterministic. Needs root (runs in CI); skips
 * elsewhere saying why.
 */
class ResilientKernelOracleTest {
    private static final Pattern BUCKET = Pattern.compile("\"index\":(\\d+),\"idle_time\":[0-9.e+]+,\"nhid\":(\\d+)");
    private static final Pattern ARGS = Pattern.compile("\"resilient_args\":\\{[^}]*}");

    @ParameterizedTest(name = "buckets {0}")
    @ValueSource(ints = {8, 64, 500})
    void bucketShowFromTheKernelAndFromUsListsTheSameNexthopForEveryBucket(int buckets) {
        Netns.assumeRoot();
        List<String> config = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            config.add("port add dev v" + i + " type memory");
        }
        for (int i = 1; i <= 5; i++) {
            config.add("neigh add 10.0." + i + ".2 lladdr 02:00:00:00:00:0" + i + " dev v" + i);
        }
        try (Netns netns = new Netns("reso"); Fixture ours = new Fixture(config)) {
            String ns = netns.add("k");
            for (int i = 1; i <= 5; i++) {
                netns.ip(ns, "link", "add", "v" + i, "type", "veth", "peer", "name", "p" + i);
                netns.ip(ns, "link", "set", "v" + i, "up");
                netns.ip(ns, "link", "set", "p" + i, "up");
                netns.ip(ns, "addr", "add", "10.0." + i + ".1/24", "dev", "v" + i);
                both(netns, ns, ours, "nexthop add id " + i + " via 10.0." + i + ".2 dev v" + i);
            }
            both(netns, ns, ours, "nexthop add id 100 group 1/2/3 type resilient buckets " + buckets + " idle_timer 0");
            same(netns, ns, ours, "create 1/2/3", buckets);
            for (String group : List.of("1/2/3/4", "1/3/4", "1,3/3/4,2", "5,7/1,3/3/4,2")) {
                both(netns, ns, ours, "nexthop replace id 100 group " + group + " type resilient");
                same(netns, ns, ours, "replace " + group, buckets);
            }
            // The kernel deletes nexthop 3 with its link; ours marks it dead and takes it out of the buckets.
            netns.ip(ns, "link", "set", "v3", "down");
            ours.ok("link set dev v3 down");
            same(netns, ns, ours, "v3 down", buckets);
            both(netns, ns, ours, "nexthop replace id 100 group 4/1,200/5 type resilient unbalanced_timer 9");
            same(netns, ns, ours, "replace 4/1,200/5", buckets);
            both(netns, ns, ours, "nexthop replace id 100 group 4,256/1/5,100 type resilient");
            same(netns, ns, ours, "weights 256 (the most iproute2 6.1 sends)", buckets);
        }
    }

    /**
     * In kernel-hash mode a flow takes the bucket, and so the nexthop, the kernel gives it: the
     * same resilient group (after replaces, so the buckets are not in creation order) in a kernel
     * and in ours, the same seed and policy; for 2,000 flows per policy the kernel's forwarding
     * lookup ({@code RTM_GETROUTE} with {@code iif}) and our {@code route get}, which runs the
     * pipeline, must name the same member.
     */
    @Test
    void inKernelHashModeEveryFlowTakesTheKernelsBucket() {
        Netns.assumeRoot();
        List<String> config = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            config.add("port add dev v" + i + " type memory");
            config.add("neigh add 10.0." + i + ".2 lladdr 02:00:00:00:00:0" + i + " dev v" + i);
        }
        try (Netns netns = new Netns("resk"); Fixture ours = new Fixture(config)) {
            String ns = netns.add("k");
            netns.ip(ns, "link", "add", "in0", "type", "veth", "peer", "name", "in0p");
            netns.ip(ns, "link", "set", "in0p", "up");
            netns.ip(ns, "link", "set", "in0", "up");
            netns.ip(ns, "addr", "add", "192.168.255.1/24", "dev", "in0");
            for (int i = 1; i <= 4; i++) {
                netns.ip(ns, "link", "add", "v" + i, "type", "veth", "peer", "name", "p" + i);
                netns.ip(ns, "link", "set", "v" + i, "up");
                netns.ip(ns, "link", "set", "p" + i, "up");
                netns.ip(ns, "addr", "add", "10.0." + i + ".1/24", "dev", "v" + i);
                both(netns, ns, ours, "nexthop add id " + i + " via 10.0." + i + ".2 dev v" + i);
            }
            both(netns, ns, ours, "nexthop add id 100 group 1/2/3 type resilient buckets 97 idle_timer 0");
            both(netns, ns, ours, "nexthop replace id 100 group 1,2/2/3/4,3 type resilient");
            both(netns, ns, ours, "nexthop replace id 100 group 2/3/4,3 type resilient");
            same(netns, ns, ours, "setup", 97);
            both(netns, ns, ours, "route add 198.18.0.0/15 nhid 100");
            netns.exec(ns, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            netns.exec(ns, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0");
            netns.exec(ns, "sysctl", "-qw", "net.ipv4.conf.in0.rp_filter=0");
            Random random = new Random(12);
            int seed = random.nextInt() | 1;
            netns.exec(ns, "sysctl", "-qw", "net.ipv4.fib_multipath_hash_seed=" + Integer.toUnsignedLong(seed));
            ours.ok("set hash-function kernel");
            ours.ok("set hash-seed " + Integer.toUnsignedLong(seed));
            List<String> mismatches = new ArrayList<>();
            int[] used = new int[5];
            for (int policy = 0; policy <= 1; policy++) {
                netns.exec(ns, "sysctl", "-qw", "net.ipv4.fib_multipath_hash_policy=" + policy);
                ours.ok("set hash-policy ipv4 " + policy);
                int p = policy;
                netns.call(ns, () -> {
                    int iif = Libc.ifNameToIndex("in0");
                    int[] nhidOfOif = new int[256];
                    for (int i = 1; i <= 4; i++) {
                        nhidOfOif[Libc.ifNameToIndex("v" + i)] = i;
                    }
                    try (RouteGet kernel = new RouteGet()) {
                        for (int f = 0; f < 2000; f++) {
                            int src = 0x64400000 | random.nextInt(1 << 22);
                            int dst = 0xc6120000 | random.nextInt(1 << 17);
                            int proto = random.nextBoolean() ? 6 : 17;
                            int sport = random.nextInt(65536);
                            int dport = random.nextInt(65536);
                            int theirs = nhidOfOif[kernel.oif(bytes(src), bytes(dst), iif, proto, sport, dport, -1)];
                            String get = ours.out("-j route get " + IpAddresses.format4(dst) + " from " + IpAddresses.format4(src)
                                    + " ipproto " + proto + " sport " + sport + " dport " + dport).getFirst();
                            Matcher m = Pattern.compile("\"nhid\":(\\d+)").matcher(get);
                            int mine = m.find() ? Integer.parseInt(m.group(1)) : -1;
                            used[Math.max(0, mine)]++;
                            if (mine != theirs) {
                                mismatches.add("policy " + p + " " + get + ": kernel nhid " + theirs);
                            }
                        }
                    }
                    return null;
                });
            }
            for (int nhid = 2; nhid <= 4; nhid++) {
                assertTrue(used[nhid] > 200, "nhid " + nhid + " chosen " + used[nhid] + " times: the comparison must exercise every member");
            }
            assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())),
                    mismatches.size() + " of 4000 flows on another member than under the kernel (seed " + seed + ")");
        }
    }

    private static byte[] bytes(int address) {
        return ByteBuffer.allocate(4).putInt(address).array();
    }

    private static void both(Netns netns, String ns, Fixture ours, String line) {
        netns.ip(ns, line.split(" "));
        ours.ok(line);
    }

    private static void same(Netns netns, String ns, Fixture ours, String step, int buckets) {
        int[] kernel = buckets(netns.ip(ns, "-j", "nexthop", "bucket", "show", "id", "100"), buckets, "kernel after " + step);
        int[] us = buckets(ours.out("-j nexthop bucket show id 100").getFirst(), buckets, "ours after " + step);
        assertArrayEquals(kernel, us, "bucket -> nhid after " + step);
        Matcher k = ARGS.matcher(netns.ip(ns, "-j", "nexthop", "show", "id", "100"));
        Matcher o = ARGS.matcher(ours.out("-j nexthop show id 100").getFirst());
        assertTrue(k.find() && o.find(), "resilient_args after " + step);
        assertEquals(k.group(), o.group(), "resilient_args after " + step);
    }

    private static int[] buckets(String json, int buckets, String what) {
        int[] out = new int[buckets];
        Matcher m = BUCKET.matcher(json);
        int seen = 0;
        while (m.find()) {
            assertEquals(seen, Integer.parseInt(m.group(1)), what + ": buckets in index order");
            out[seen++] = Integer.parseInt(m.group(2));
        }
        assertEquals(buckets, seen, what + ": every bucket listed");
        return out;
    }
}
