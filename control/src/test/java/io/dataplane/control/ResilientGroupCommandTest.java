package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.*;

import io.dataplane.tables.BucketActivity;
import io.dataplane.tables.ResilientGroup;
import io.dataplane.tables.RouteTarget;
import io.dataplane.tables.Snapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code nexthop ... type resilient} through the control plane over real tables: the grammar and
 * its limits, {@code nexthop show} / {@code nexthop bucket show} in {@code ip}'s shapes, the
 * bucket table the snapshot publishes, members whose port goes down, and the timers on a clock the
 * test drives (so no test waits for real time).
 */
class ResilientGroupCommandTest {
    private static final long S = TimeUnit.SECONDS.toNanos(1);
    private static final Pattern BUCKET = Pattern.compile("\\{\"id\":(\\d+),\"bucket\":\\{\"index\":(\\d+),\"idle_time\":([0-9.e+]+),\"nhid\":(\\d+)},\"flags\":\\[]}");

    private long now = 1_000 * S;
    private final Fixture f = new Fixture(List.of(
            "port add dev p0 type memory",
            "port add dev p1 type memory",
            "port add dev p2 type memory",
            "port add dev p3 type memory",
            "neigh add 192.0.2.1 lladdr 02:00:00:00:01:01 dev p1",
            "neigh add 192.0.2.2 lladdr 02:00:00:00:02:02 dev p2",
            "neigh add 192.0.2.3 lladdr 02:00:00:00:03:03 dev p3",
            "nexthop add id 1 via 192.0.2.1 dev p1",
            "nexthop add id 2 via 192.0.2.2 dev p2",
            "nexthop add id 3 via 192.0.2.3 dev p3",
            "nexthop add id 20 group 1/2"));

    ResilientGroupCommandTest() {
        f.rib.clock(() -> now);
    }

    @AfterEach
    void close() {
        f.close();
    }

    /** Bucket index to nhid, from {@code -j nexthop bucket show id ID}. */
    private int[] buckets(int id) {
        List<Integer> out = new ArrayList<>();
        Matcher m = BUCKET.matcher(f.out("-j nexthop bucket show id " + id).getFirst());
        while (m.find()) {
            assertEquals(id, Integer.parseInt(m.group(1)));
            assertEquals(out.size(), Integer.parseInt(m.group(2)), "buckets in index order");
            out.add(Integer.parseInt(m.group(4)));
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Map<Integer, Integer> counts(int[] buckets) {
        Map<Integer, Integer> c = new HashMap<>();
        for (int nh : buckets) {
            c.merge(nh, 1, Integer::sum);
        }
        return c;
    }

    @Test
    void grammarTakesTheKernelsDefaultsAndLimitsAndSaysWhatIsWrong() {
        assertTrue(f.fails("nexthop add id 10 group 1/2 type resilient").contains("needs 'buckets 1..65535'"));
        assertTrue(f.fails("nexthop add id 10 group 1/2 type resilient buckets 0").contains("expected a number of buckets 1..65535"));
        assertTrue(f.fails("nexthop add id 10 group 1/2 type resilient buckets 65536").contains("out of range"));
        assertTrue(f.fails("nexthop add id 10 group 1/2 type resilient buckets 8 idle_timer 42949672").contains("0..42949671"));
        assertTrue(f.fails("nexthop add id 10 group 1/2 type resilient buckets 8 idle_timer 1.5").contains("whole seconds"));
        assertTrue(f.fails("nexthop add id 10 group 1/2 buckets 8").contains("'type resilient' before 'buckets'"));
        assertTrue(f.fails("nexthop add id 10 group 1/2 type resilient buckets 8 buckets 8").contains("given twice"));
        assertTrue(f.fails("nexthop add id 10 group 1/2 type resilient buckets 8 mpalgo per-packet").contains("per-packet does not apply"));
        assertTrue(f.fails("nexthop add id 10 group 1/2 type ecmp").contains("mpath or resilient"));

        f.ok("nexthop add id 10 group 1/2,3 type resilient buckets 8");
        assertEquals("[{\"id\":10,\"group\":[{\"id\":1},{\"id\":2,\"weight\":3}],\"type\":\"resilient\","
                + "\"resilient_args\":{\"buckets\":8,\"idle_timer\":120,\"unbalanced_timer\":0,\"unbalanced_time\":0},"
                + "\"mpalgo\":\"l3\",\"flags\":[]}]", f.out("-j nexthop show id 10").getFirst().replaceAll(",\"packets\":0,\"bytes\":0", ""));
        assertEquals("id 10 group 1/2,3 type resilient buckets 8 idle_timer 120 unbalanced_timer 0 unbalanced_time 0 mpalgo l3",
                f.out("nexthop show id 10").getFirst());

        assertTrue(f.fails("nexthop replace id 10 group 1/2 type resilient buckets 16").contains("cannot change the number of buckets"));
        assertTrue(f.fails("nexthop replace id 10 group 1/2").contains("cannot be replaced by an mpath one"));
        assertTrue(f.fails("nexthop replace id 20 group 1/2 type resilient buckets 8").contains("cannot be replaced by a resilient one"));
        assertTrue(f.fails("nexthop bucket show id 20").contains("not a resilient group"));
        assertTrue(f.fails("nexthop bucket show id 99").contains("does not exist"));

        // timers given on replace replace the old ones; those not given are kept
        f.ok("nexthop replace id 10 group 1/2,3 type resilient unbalanced_timer 7");
        f.ok("nexthop replace id 10 group 1/2,3 type resilient buckets 8 idle_timer 5");
        assertEquals("id 10 group 1/2,3 type resilient buckets 8 idle_timer 5 unbalanced_timer 7 unbalanced_time 0 mpalgo l3",
                f.out("nexthop show id 10").getFirst());
    }

    @Test
    void bucketShowListsEveryBucketLikeIpAndTheSnapshotForwardsByThem() {
        f.ok("nexthop add id 10 group 1/2,3 type resilient buckets 8 idle_timer 0");
        f.ok("route add 10.0.0.0/8 nhid 10");
        // the kernel's fill order (insert_nexthop, then upkeep by index): 6 buckets for id 2 first, then 2 for id 1
        assertArrayEquals(new int[] {2, 2, 2, 2, 2, 2, 1, 1}, buckets(10));
        now += 150 * TimeUnit.MILLISECONDS.toNanos(1);
        List<String> text = f.out("nexthop bucket show");
        assertEquals(8, text.size());
        assertEquals("id 10 index 0 idle_time 0.15 nhid 2", text.get(0));
        assertEquals("id 10 index 7 idle_time 0.15 nhid 1", text.get(7));
        assertEquals(List.of("id 10 index 6 idle_time 0.15 nhid 1", "id 10 index 7 idle_time 0.15 nhid 1"),
                f.out("nexthop bucket show id 10 nhid 1"));
        assertEquals("[{\"id\":10,\"bucket\":{\"index\":6,\"idle_time\":0.15,\"nhid\":1},\"flags\":[]},"
                + "{\"id\":10,\"bucket\":{\"index\":7,\"idle_time\":0.15,\"nhid\":1},\"flags\":[]}]",
                f.out("-j nexthop bucket show nhid 1").getFirst());

        // The published table: bucket b of the group's block forwards to the slot of the bucket's nexthop.
        Snapshot s = f.forwarding.snapshot();
        int group = RouteTarget.index(s.route4(0x0a000001));
        int block = s.groups.block(group);
        assertEquals(8, s.groups.buckets(block));
        int[] expected = buckets(10);
        for (int b = 0; b < 8; b++) {
            int slot = s.groups.bucketNexthop(block, s.groups.members(block), b);
            assertEquals("192.0.2." + expected[b], f.rib.nexthopSlot(slot).via().toString(), "bucket " + b);
        }
        // route get decides through the pipeline: bucket = hash % 8
        for (int i = 0; i < 50; i++) {
            List<String> get = f.out("-j route get 10.0.0." + (i + 1) + " from 172.16.0.1");
            Matcher h = Pattern.compile("\"hash\":(-?\\d+).*\"nhid\":(\\d+)").matcher(get.getFirst());
            assertTrue(h.find(), get.getFirst());
            assertEquals(expected[ResilientGroup.bucket(Integer.parseInt(h.group(1)), 8)], Integer.parseInt(h.group(2)));
        }
    }

    @Test
    void aMembersPortGoingDownMovesItsBucketsAtOnceAndItRejoinsOnlyThroughIdleBuckets() {
        f.ok("nexthop add id 10 group 1/2/3 type resilient buckets 12");
        Map<Integer, Integer> before = counts(buckets(10));
        assertEquals(Map.of(1, 4, 2, 4, 3, 4), before);
        int[] was = buckets(10);
        long version = f.version();
        f.ok("link set dev p2 down");
        assertTrue(f.version() > version, "the new bucket table is published with the link change");
        int[] after = buckets(10);
        for (int b = 0; b < 12; b++) {
            if (was[b] != 2) {
                assertEquals(was[b], after[b], "bucket " + b + " of a member still up must stay");
            } else {
                assertNotEquals(2, after[b], "bucket " + b + " of the member that went down must move");
            }
        }
        assertEquals(Map.of(1, 6, 3, 6), counts(after));

        // Back up: every bucket was used just now, so with idle_timer 120 none is given back yet.
        BucketActivity a = f.forwarding.snapshot().groups.activity(slotOf(10));
        now += S; // used after the migration (a use in the same instant counts as none, as in the kernel)
        for (int b = 0; b < 12; b++) {
            a.touch(0, b, now);
        }
        now += S;
        f.ok("link set dev p2 up");
        assertArrayEquals(after, buckets(10), "busy buckets stay where they are");
        assertTrue(f.out("nexthop show id 10").getFirst().contains("unbalanced_time 0 "), "just became unbalanced");
        now += 121 * S;
        f.plane.runTimers();
        assertEquals(Map.of(1, 4, 2, 4, 3, 4), counts(buckets(10)), "idle after idle_timer: the group is balanced again");
    }

    @Test
    void busyBucketsStayUntilTheUnbalancedTimerThenTheGroupIsBalanced() {
        f.ok("nexthop add id 10 group 1/2 type resilient buckets 8 idle_timer 10 unbalanced_timer 30");
        BucketActivity a = f.forwarding.snapshot().groups.activity(slotOf(10));
        int[] start = buckets(10);
        long t0 = now;
        now = t0 + S;
        touchAll(a);
        now = t0 + 2 * S;
        f.ok("nexthop replace id 10 group 1/2/3 type resilient");
        assertArrayEquals(start, buckets(10), "every bucket is busy: none moves to the new member");
        long version = f.version();
        for (long t = 3; t <= 31; t++) {
            now = t0 + t * S;
            touchAll(a);
            f.plane.runTimers();
            assertArrayEquals(start, buckets(10), "at " + t + " s busy buckets stay until the unbalanced timer");
        }
        assertEquals(version, f.version(), "no migration, no publication");
        now = t0 + 32 * S + 1; // unbalanced since 2 s, for longer than 30 s
        f.plane.runTimers();
        assertEquals(Map.of(1, 3, 2, 2, 3, 3), counts(buckets(10)), "wants from the running sum: 3, 2, 3");
        assertEquals(version + 1, f.version(), "one migration, one table version");
        assertTrue(f.out("nexthop show id 10").getFirst().contains("unbalanced_time 0 "));
    }

    @Test
    void idleBucketsMoveAfterTheIdleTimerWhileBusyOnesStay() {
        f.ok("nexthop add id 10 group 1/2 type resilient buckets 8 idle_timer 10");
        BucketActivity a = f.forwarding.snapshot().groups.activity(slotOf(10));
        int[] start = buckets(10);
        now += S;
        touchAll(a);
        now += S;
        f.ok("nexthop replace id 10 group 1/2/3 type resilient");
        // buckets 0..3 (id 2's, the kernel fills the last member first) stay busy; 4..7 (id 1's) were last used 1 s before the replace
        for (int t = 0; t < 12; t++) {
            now += S;
            for (int b = 0; b < 4; b++) {
                a.touch(1, b, now);
            }
            f.plane.runTimers();
        }
        int[] end = buckets(10);
        for (int b = 0; b < 4; b++) {
            assertEquals(start[b], end[b], "busy bucket " + b);
        }
        // wants 3, 2, 3: id 1 gives up one idle bucket; id 2 would give two but all of its buckets are busy
        assertEquals(Map.of(1, 3, 2, 4, 3, 1), counts(end), "the new member got only what idle buckets allowed");
    }

    private void touchAll(BucketActivity a) {
        for (int b = 0; b < 8; b++) {
            a.touch(0, b, now);
        }
    }

    private int slotOf(int id) {
        return ((io.dataplane.control.rib.NexthopObject.GroupObject) f.rib.objects().get(id)).slot();
    }
}
