package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The kernel's resilient nexthop groups (net/ipv4/nexthop.c), reference §6.3 and §9.2, in simulated time. */
class ResilientGroupTest {
    private static final long S = TimeUnit.SECONDS.toNanos(1);

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static int[] ones(int n) {
        int[] w = new int[n];
        Arrays.fill(w, 1);
        return w;
    }

    private static ResilientGroup create(int[] ids, int[] weights, int buckets, long idle, long unbalanced) {
        return ResilientGroup.create(ids, weights, buckets, idle, unbalanced, 0);
    }

    private static void replace(ResilientGroup g, int[] ids, int[] weights, long now) {
        g.replace(ids, weights, OptionalInt.empty(), OptionalLong.empty(), OptionalLong.empty(), now);
    }

    @ParameterizedTest(name = "{0} buckets, weights {1} -> wants {2}")
    @CsvSource(delimiter = ';', value = {
        "8;3,1;6,2",
        "8;1,1;4,4",
        "128;1,1,1;43,42,43",
        "512;11,45;101,411",
        "512;2,1;341,171",
        // 16-bit weights (6.12+): buckets * running weight needs 64 bits, as DIV_ROUND_CLOSEST_ULL has it.
        "65535;65535,1;65534,1",
    })
    void wantsMatchTheKernel(int buckets, String weights, String wants) {
        int[] w = ints(weights);
        int[] ids = IntStream.rangeClosed(1, w.length).toArray();
        ResilientGroup g = create(ids, w, buckets, 0, 0);
        int[] expected = ints(wants);
        for (int i = 0; i < ids.length; i++) {
            assertEquals(expected[i], g.wants(ids[i]), "member " + ids[i]);
            assertEquals(expected[i], g.owned(ids[i]), "member " + ids[i]);
        }
        assertTrue(g.balanced());
        assertFalse(g.upkeepPending());
    }

    @Test
    void theBucketIsTheHashModuloTheBucketCount() {
        assertEquals(0x7fffffff % 65535, ResilientGroup.bucket(0x7fffffff, 65535));
        assertEquals(0, ResilientGroup.bucket(0, 37));
        assertEquals(36, ResilientGroup.bucket(36 + 37 * 1000, 37));
    }

    @Test
    void aNewGroupFillsBucketsInIndexOrderFromTheLastUnderweightMember() {
        // ip nexthop add id 100 group 1/2 type resilient buckets 8: buckets 0-3 -> 2, 4-7 -> 1 (reference §9.2).
        assertArrayEquals(new int[] {2, 2, 2, 2, 1, 1, 1, 1}, create(ints("1,2"), ones(2), 8, 0, 0).bucketNexthops());
        assertArrayEquals(new int[] {3, 3, 3, 2, 2, 1, 1, 1}, create(ints("1,2,3"), ones(3), 8, 0, 0).bucketNexthops());
    }

    @Test
    void replacingWithNewWeightsMovesTheFirstBucketsOfTheOverServedMember() {
        // Documentation/networking/nexthop-group-resilient.rst: 1/2 -> 1,3/2 over 8 buckets, nh1 wants 6.
        ResilientGroup g = create(ints("1,2"), ones(2), 8, 0, 0);
        replace(g, ints("1,2"), ints("3,1"), S);
        assertArrayEquals(new int[] {1, 1, 2, 2, 1, 1, 1, 1}, g.bucketNexthops());
        assertEquals(0, g.idleTime(0, S));
        assertEquals(S, g.idleTime(2, S));
    }

    @Test
    void bucketsNeverUsedSinceTheirMigrationAreIdleWhateverTheIdleTimer() {
        // nh_res_bucket_idle_point: used_time == migrated_time means idle now, so with no traffic
        // the default 120 s idle timer rebalances at once, as the kernel does.
        ResilientGroup g = create(ints("1,2"), ones(2), 8, ResilientGroup.DEFAULT_IDLE_TIMER, 0);
        replace(g, ints("1,2"), ints("3,1"), S);
        assertArrayEquals(new int[] {1, 1, 2, 2, 1, 1, 1, 1}, g.bucketNexthops());
        assertTrue(g.balanced());
    }

    @Test
    void aRemovedMembersBucketsMoveAtOnceAndNoOthers() {
        ResilientGroup g = create(ints("1,2,3"), ones(3), 12, ResilientGroup.DEFAULT_IDLE_TIMER, 0);
        for (int b = 0; b < 12; b++) {
            g.recordUse(b, S);
        }
        int[] before = g.bucketNexthops();
        assertTrue(g.removeMember(2, 2 * S));
        int[] after = g.bucketNexthops();
        for (int b = 0; b < 12; b++) {
            if (before[b] != 2) {
                assertEquals(before[b], after[b], "bucket " + b + " of a member that stayed");
            } else {
                assertTrue(after[b] == 1 || after[b] == 3, "bucket " + b);
            }
        }
        assertEquals(6, g.owned(1));
        assertEquals(6, g.owned(3));
        assertTrue(g.balanced());
    }

    @Test
    void theLastMemberIsNotRemovedTheGroupIsTheCallersToDelete() {
        ResilientGroup g = create(ints("7"), ones(1), 4, 0, 0);
        assertFalse(g.removeMember(7, S));
        assertArrayEquals(new int[] {7, 7, 7, 7}, g.bucketNexthops());
    }

    @Test
    void busyBucketsStayPutUntilTheUnbalancedTimerExpiresThenMoveAtOnce() {
        ResilientGroup g = create(ints("1,2"), ones(2), 8, 10 * S, 30 * S);
        int[] before = g.bucketNexthops();
        long now = S;
        useAll(g, now);
        replace(g, ints("1,2"), ints("3,1"), 2 * S);
        assertArrayEquals(before, g.bucketNexthops(), "busy buckets do not move on replace");
        assertFalse(g.balanced());
        // Traffic every 100 ms on every bucket; upkeep runs when the kernel's delayed work would.
        long movedAt = -1;
        for (now = 2 * S; movedAt < 0; now += S / 10) {
            useAll(g, now);
            if (g.upkeepDue(now) && g.upkeep(now)) {
                movedAt = now;
            } else {
                assertArrayEquals(before, g.bucketNexthops(), "moved at " + now);
            }
        }
        // unbalanced since 2 s + 30 s = 32 s; time_after is strict, so the upkeep at 32 s keeps
        // the buckets and reschedules no sooner than NH_RES_UPKEEP_DW_MINIMUM_INTERVAL later.
        assertEquals(32 * S + ResilientGroup.MIN_UPKEEP_INTERVAL, movedAt);
        assertTrue(g.balanced());
        assertArrayEquals(new int[] {1, 1, 2, 2, 1, 1, 1, 1}, g.bucketNexthops());
    }

    @Test
    void withoutAnUnbalancedTimerBusyBucketsNeverMoveAndAnIdleOneMovesAfterTheIdleTimer() {
        ResilientGroup g = create(ints("1,2"), ones(2), 8, 10 * S, 0);
        useAll(g, S);
        replace(g, ints("1,2"), ints("3,1"), 2 * S);
        int[] before = g.bucketNexthops();
        long now;
        for (now = 2 * S; now < 100 * S; now += S / 10) {
            for (int b = 0; b < 8; b++) {
                if (b != 3) { // bucket 3 (nh 2) falls silent after 1 s
                    g.recordUse(b, now);
                }
            }
            if (g.upkeepDue(now)) {
                g.upkeep(now);
            }
            if (g.nexthop(3) != before[3]) {
                break;
            }
        }
        // idle since 1 s, idle_timer 10 s: the upkeep scheduled for used_time + idle_timer moves it.
        assertEquals(11 * S, now);
        int[] after = g.bucketNexthops();
        for (int b = 0; b < 8; b++) {
            assertEquals(b == 3 ? 1 : before[b], after[b], "bucket " + b);
        }
        assertFalse(g.balanced(), "the other over-served bucket is busy");
        for (; now < 200 * S; now += S / 10) {
            useAll(g, now);
            if (g.upkeepDue(now)) {
                g.upkeep(now);
            }
        }
        assertEquals(3, g.owned(2), "busy buckets stay over-served without an unbalanced timer");
    }

    @Test
    void aReplaceKeepsTheTimeTheGroupBecameUnbalanced() {
        ResilientGroup g = create(ints("1,2"), ones(2), 8, 10 * S, 30 * S);
        useAll(g, S);
        replace(g, ints("1,2"), ints("3,1"), 2 * S);
        useAll(g, 5 * S);
        replace(g, ints("1,2"), ints("5,1"), 5 * S);
        assertEquals(3 * S, g.unbalancedTime(5 * S));
        assertEquals(0, create(ints("1,2"), ones(2), 8, 0, 0).unbalancedTime(5 * S));
    }

    @Test
    void timersNotGivenOnReplaceAreKeptAndGivenOnesReplaced() {
        ResilientGroup g = create(ints("1,2"), ones(2), 8, 10 * S, 30 * S);
        replace(g, ints("1,2"), ones(2), S);
        assertEquals(10 * S, g.idleTimer());
        assertEquals(30 * S, g.unbalancedTimer());
        g.replace(ints("1,2"), ones(2), OptionalInt.of(8), OptionalLong.of(0), OptionalLong.empty(), S);
        assertEquals(0, g.idleTimer());
        assertEquals(30 * S, g.unbalancedTimer());
    }

    /**
     * Reference §8 and the issue: with B buckets and N equal members, removing one moves exactly
     * the flows of its buckets (1/N) where hash-threshold moves 1/4 to 1/2 of them.
     */
    @Test
    void removingOneOfNEqualMembersMovesOnlyItsFlowsUnlikeHashThreshold() {
        int n = 4;
        int buckets = 128;
        int[] ids = IntStream.rangeClosed(1, n).toArray();
        int[] hashes = new SplittableRandom(12).ints(400_000).map(h -> h >>> 1).toArray();
        for (int k = 0; k < n; k++) {
            ResilientGroup g = create(ids, ones(n), buckets, ResilientGroup.DEFAULT_IDLE_TIMER, 0);
            useAll(g, S); // every flow is busy: only the leaving member's buckets may move
            int[] before = g.bucketNexthops();
            g.removeMember(ids[k], 2 * S);
            int[] after = g.bucketNexthops();
            boolean[] alive = new boolean[n];
            Arrays.fill(alive, true);
            int[] allBounds = UpperBounds.compute(ones(n), alive);
            alive[k] = false;
            int[] withoutBounds = UpperBounds.compute(ones(n), alive);
            int movedResilient = 0;
            int movedHashThreshold = 0;
            for (int h : hashes) {
                int b = ResilientGroup.bucket(h, buckets);
                if (before[b] != after[b]) {
                    assertEquals(ids[k], before[b], "a flow of a member that stayed moved");
                    movedResilient++;
                }
                if (UpperBounds.select(allBounds, h) != UpperBounds.select(withoutBounds, h)) {
                    movedHashThreshold++;
                }
            }
            double resilient = (double) movedResilient / hashes.length;
            double hashThreshold = (double) movedHashThreshold / hashes.length;
            System.out.printf("removing member %d of %d equal over %d buckets: resilient moves %.4f of flows, hash-threshold %.4f%n",
                    k + 1, n, buckets, resilient, hashThreshold);
            assertEquals(1.0 / n, resilient, 0.01);
            assertEquals(0.5 - (double) k * (n - 1 - k) / ((double) n * (n - 1)), hashThreshold, 0.01);
        }
    }

    @Test
    void addingAMemberMovesOnlyIdleBuckets() {
        ResilientGroup g = create(ints("1,2,3,4"), ones(4), 128, 10 * S, 0);
        useAll(g, S);
        int[] before = g.bucketNexthops();
        replace(g, ints("1,2,3,4,5"), ones(5), 2 * S);
        assertArrayEquals(before, g.bucketNexthops(), "busy buckets stay when a member joins");
        assertEquals(0, g.owned(5));
        // Without traffic for idle_timer, the new member gets exactly its share, from the others' buckets only.
        long now = 2 * S;
        while (!g.balanced()) {
            now = g.upkeepAt();
            g.upkeep(now);
        }
        assertEquals(11 * S, now);
        int[] after = g.bucketNexthops();
        int moved = 0;
        for (int b = 0; b < 128; b++) {
            if (after[b] != before[b]) {
                assertEquals(5, after[b]);
                moved++;
            }
        }
        assertEquals(g.wants(5), moved);
        assertEquals(26, moved);
    }

    @Test
    void badInputIsRefusedWithTheReason() {
        assertMessage("buckets 0 out of range 1..65535", () -> create(ints("1"), ones(1), 0, 0, 0));
        assertMessage("buckets 65536 out of range 1..65535", () -> create(ints("1"), ones(1), 65536, 0, 0));
        assertMessage("nexthop 1 is in the group twice", () -> create(ints("1,1"), ones(2), 8, 0, 0));
        assertMessage("weight 0 of nexthop 2 out of range 1..65535", () -> create(ints("1,2"), ints("1,0"), 8, 0, 0));
        assertMessage("weight 65536 of nexthop 1 out of range 1..65535", () -> create(ints("1"), ints("65536"), 8, 0, 0));
        assertMessage("a resilient group needs 1..256 members, had 0", () -> create(new int[0], new int[0], 8, 0, 0));
        assertMessage("idle_timer out of range 0..42949671 seconds", () -> create(ints("1"), ones(1), 8, -1, 0));
        assertMessage("unbalanced_timer 42949672 out of range 0..42949671 seconds",
                () -> ResilientGroup.timerSeconds("unbalanced_timer", 42_949_672));
        ResilientGroup g = create(ints("1,2"), ones(2), 8, 0, 0);
        assertMessage("cannot change the number of buckets of a resilient group (8, asked for 16)",
                () -> g.replace(ints("1,2"), ones(2), OptionalInt.of(16), OptionalLong.empty(), OptionalLong.empty(), S));
        assertMessage("nexthop 9 is not a member of this group", () -> g.removeMember(9, S));
    }

    private static void assertMessage(String message, Runnable r) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, r::run).getMessage());
    }

    private static void useAll(ResilientGroup g, long now) {
        for (int b = 0; b < g.buckets(); b++) {
            g.recordUse(b, now);
        }
    }
}
