package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.testing.Netns;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
