package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Lpm4Test {
    private static final int NONE = RouteTarget.NONE;

    /** The specification: a linear scan for the longest matching rule. */
    static final class Reference {
        final Map<Long, Integer> rules = new HashMap<>();
        final List<Long> keys = new ArrayList<>();

        static long key(int prefix, int length) {
            return ((long) length << 32) | (prefix & 0xFFFF_FFFFL);
        }

        static int prefixOf(long key) {
            return (int) key;
        }

        static int lengthOf(long key) {
            return (int) (key >>> 32);
        }

        void put(int prefix, int length, int target) {
            long k = key(prefix, length);
            if (rules.put(k, target) == null) {
                keys.add(k);
            }
        }

        boolean remove(int prefix, int length) {
            long k = key(prefix, length);
            if (rules.remove(k) == null) {
                return false;
            }
            keys.remove(Long.valueOf(k));
            return true;
        }

        int lookup(int address) {
            int bestLength = -1;
            int best = NONE;
            for (Map.Entry<Long, Integer> rule : rules.entrySet()) {
                int length = lengthOf(rule.getKey());
                if (length > bestLength && (address & mask(length)) == prefixOf(rule.getKey())) {
                    bestLength = length;
                    best = rule.getValue();
                }
            }
            return best;
        }
    }

    static int mask(int length) {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    static int last(int prefix, int length) {
        return prefix | ~mask(length);
    }

    static Quiescence noWorkers() {
        return new Quiescence(1);
    }

    /** Prefix lengths across the whole range, weighted towards the tbl24/tbl8 boundary. */
    private static int randomLength(Random rnd) {
        int r = rnd.nextInt(10);
        if (r < 1) {
            return rnd.nextInt(33);
        }
        if (r < 5) {
            return 16 + rnd.nextInt(9);
        }
        return 24 + rnd.nextInt(9);
    }

    /** Addresses drawn from a few /16s so that random prefixes nest and share tbl8 groups. */
    private static int randomAddress(Random rnd) {
        int[] clusters = {0x0A00_0000, 0x0A01_0000, 0xC0A8_0000, 0xFFFF_0000, 0x0000_0000};
        if (rnd.nextInt(8) == 0) {
            return rnd.nextInt();
        }
        int base = clusters[rnd.nextInt(clusters.length)];
        return base | (rnd.nextInt(4) == 0 ? rnd.nextInt() & 0xFFFF : (rnd.nextInt(4) << 8) | rnd.nextInt(256));
    }

    /** With a small pool, sibling rules often share a target and make groups uniform yet deep. */
    private static int randomTarget(Random rnd, int pool) {
        if (pool > 0) {
            return rnd.nextInt(pool);
        }
        return rnd.nextBoolean() ? RouteTarget.nexthop(rnd.nextInt(RouteTarget.MAX_INDEX + 1))
                : RouteTarget.group(rnd.nextInt(1000));
    }

    static void verify(Lpm4 lpm, Reference ref, Random rnd, int randomProbes) {
        assertEquals(ref.rules.size(), lpm.size(), "size");
        // size plus an exact get() per reference rule: the table holds the reference's rules and no others
        for (long k : ref.keys) {
            int prefix = Reference.prefixOf(k);
            int length = Reference.lengthOf(k);
            assertEquals((int) ref.rules.get(k), lpm.get(prefix, length), "get");
            for (int address : new int[] {prefix, last(prefix, length), prefix - 1, last(prefix, length) + 1}) {
                checkLookup(lpm, ref, address);
            }
        }
        for (int i = 0; i < randomProbes; i++) {
            checkLookup(lpm, ref, randomAddress(rnd));
        }
    }

    private static void checkLookup(Lpm4 lpm, Reference ref, int address) {
        int expected = ref.lookup(address);
        int actual = lpm.lookup(address);
        if (expected != actual) {
            throw new AssertionError("lookup " + IpAddresses.format4(address) + ": expected "
                    + RouteTarget.toString(expected) + ", got " + RouteTarget.toString(actual));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42})
    void randomAddsReplacesAndDeletesMatchTheReference(long seed) {
        Random rnd = new Random(seed);
        int pool = seed % 2 == 0 ? 0 : 3;
        Reference ref = new Reference();
        try (Lpm4 lpm = new Lpm4(4096, noWorkers())) {
            for (int op = 1; op <= 3000; op++) {
                int choice = rnd.nextInt(10);
                if (choice < 5 || ref.keys.isEmpty()) {
                    int length = randomLength(rnd);
                    int prefix = randomAddress(rnd) & mask(length);
                    int target = randomTarget(rnd, pool);
                    lpm.add(prefix, length, target);
                    ref.put(prefix, length, target);
                } else if (choice < 6) {
                    // Nest below an existing rule: forces groups to be created and later collapsed.
                    long parent = ref.keys.get(rnd.nextInt(ref.keys.size()));
                    int length = Math.min(32, Reference.lengthOf(parent) + 1 + rnd.nextInt(9));
                    int prefix = (Reference.prefixOf(parent) | (rnd.nextInt() & ~mask(Reference.lengthOf(parent))))
                            & mask(length);
                    int target = randomTarget(rnd, pool);
                    lpm.add(prefix, length, target);
                    ref.put(prefix, length, target);
                } else if (choice < 7) {
                    long k = ref.keys.get(rnd.nextInt(ref.keys.size()));
                    int target = randomTarget(rnd, pool);
                    lpm.add(Reference.prefixOf(k), Reference.lengthOf(k), target);
                    ref.put(Reference.prefixOf(k), Reference.lengthOf(k), target);
                } else if (choice < 9) {
                    long k = ref.keys.get(rnd.nextInt(ref.keys.size()));
                    assertTrue(lpm.delete(Reference.prefixOf(k), Reference.lengthOf(k)));
                    ref.remove(Reference.prefixOf(k), Reference.lengthOf(k));
                } else {
                    int length = randomLength(rnd);
                    int prefix = randomAddress(rnd) & mask(length);
                    assertEquals(ref.remove(prefix, length), lpm.delete(prefix, length));
                }
                if (op % 250 == 0) {
                    verify(lpm, ref, rnd, 2000);
                }
            }
            verify(lpm, ref, rnd, 5000);
            while (!ref.keys.isEmpty()) {
                long k = ref.keys.get(rnd.nextInt(ref.keys.size()));
                assertTrue(lpm.delete(Reference.prefixOf(k), Reference.lengthOf(k)));
                ref.remove(Reference.prefixOf(k), Reference.lengthOf(k));
                if (ref.keys.size() % 200 == 0) {
                    verify(lpm, ref, rnd, 500);
                }
            }
            assertEquals(0, lpm.size());
            assertEquals(0, lpm.tbl8GroupsInUse(), "every group collapsed once its last long route went");
            for (int i = 0; i < 10_000; i++) {
                assertEquals(NONE, lpm.lookup(randomAddress(rnd)));
            }
        }
    }

    /**
     * A handful of long routes in four /24s with two targets: groups keep filling with equal
     * entries (two sibling /25s alike), collapsing and being rebuilt.
     */
    @Test
    void sparseLongRoutesWithFewTargets() {
        Random rnd = new Random(5);
        Reference ref = new Reference();
        try (Lpm4 lpm = new Lpm4(8, noWorkers())) {
            for (int op = 1; op <= 20_000; op++) {
                int size = ref.keys.size();
                if (size < 4 || (size < 12 && rnd.nextBoolean())) {
                    int length = rnd.nextInt(4) == 0 ? 22 + rnd.nextInt(11) : 25 + rnd.nextInt(2);
                    int prefix = (0x0A00_0000 | rnd.nextInt(1024)) & mask(length);
                    int target = rnd.nextInt(2);
                    lpm.add(prefix, length, target);
                    ref.put(prefix, length, target);
                } else {
                    long k = ref.keys.get(rnd.nextInt(size));
                    assertTrue(lpm.delete(Reference.prefixOf(k), Reference.lengthOf(k)));
                    ref.remove(Reference.prefixOf(k), Reference.lengthOf(k));
                }
                if (op % 50 == 0) {
                    for (int a = 0x09FF_FFFF; a <= 0x0A00_0400; a++) {
                        checkLookup(lpm, ref, a);
                    }
                    assertEquals(ref.rules.size(), lpm.size());
                }
            }
        }
    }

    @Test
    void nestedPrefixesFallBackToTheLongestRemainingCover() {
        int net = 0x0A01_0200; // 10.1.2.0
        try (Lpm4 lpm = new Lpm4(16, noWorkers())) {
            lpm.add(0, 0, 100);
            lpm.add(0x0A00_0000, 8, 108);
            lpm.add(0x0A01_0000, 16, 116);
            lpm.add(net, 24, 124);
            lpm.add(net | 0x80, 25, 125);
            lpm.add(net | 0xC8, 32, 132);
            assertEquals(132, lpm.lookup(net | 0xC8));
            assertEquals(125, lpm.lookup(net | 0xC9));
            assertEquals(124, lpm.lookup(net | 0x7F));
            assertEquals(116, lpm.lookup(0x0A01_FFFF));
            assertEquals(108, lpm.lookup(0x0AFF_FFFF));
            assertEquals(100, lpm.lookup(0x0B00_0000));
            assertEquals(1, lpm.tbl8GroupsInUse());

            assertTrue(lpm.delete(net | 0x80, 25));
            assertEquals(132, lpm.lookup(net | 0xC8));
            assertEquals(124, lpm.lookup(net | 0xC9));
            assertTrue(lpm.delete(net, 24));
            assertEquals(116, lpm.lookup(net | 0xC9));
            assertEquals(132, lpm.lookup(net | 0xC8));
            assertTrue(lpm.delete(net | 0xC8, 32));
            assertEquals(116, lpm.lookup(net | 0xC8));
            assertEquals(0, lpm.tbl8GroupsInUse());
            assertTrue(lpm.delete(0x0A00_0000, 8));
            assertEquals(116, lpm.lookup(0x0A01_0000));
            assertEquals(100, lpm.lookup(0x0A02_0000));
            assertTrue(lpm.delete(0, 0));
            assertEquals(NONE, lpm.lookup(0x0A02_0000));
            assertEquals(116, lpm.lookup(0x0A01_0001));
            assertFalse(lpm.delete(0, 0));
            assertEquals(1, lpm.size());
        }
    }

    @Test
    void defaultRouteAndHostRoutesAtTheEdgesOfTheAddressSpace() {
        try (Lpm4 lpm = new Lpm4(4, noWorkers())) {
            assertEquals(NONE, lpm.lookup(0));
            lpm.add(0, 0, 0); // target 0 is a real nexthop, distinct from "no route"
            assertEquals(0, lpm.lookup(0));
            assertEquals(0, lpm.lookup(-1));
            lpm.add(0xFFFF_FFFF, 32, 7);
            lpm.add(0, 32, 8);
            assertEquals(7, lpm.lookup(0xFFFF_FFFF));
            assertEquals(0, lpm.lookup(0xFFFF_FFFE));
            assertEquals(8, lpm.lookup(0));
            assertEquals(0, lpm.lookup(1));
            assertEquals(7, lpm.get(0xFFFF_FFFF, 32));
            assertEquals(NONE, lpm.get(0xFFFF_FFFE, 31));
            lpm.add(0, 0, RouteTarget.group(5));
            assertEquals(RouteTarget.group(5), lpm.lookup(0x8000_0000));
            assertEquals(3, lpm.size());
            assertEquals(2, lpm.tbl8GroupsInUse());
        }
    }

    @Test
    void invalidRulesAreRejectedWithoutChangingTheTable() {
        try (Lpm4 lpm = new Lpm4(4, noWorkers())) {
            lpm.add(0x0A00_0000, 8, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> lpm.add(0x0A00_0001, 8, 2));
            assertTrue(e.getMessage().contains("10.0.0.1/8 has host bits set") && e.getMessage().contains("10.0.0.0/8"),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> lpm.delete(0x0A00_0001, 8));
            assertThrows(IllegalArgumentException.class, () -> lpm.get(0x0A00_0001, 8));
            assertThrows(IllegalArgumentException.class, () -> lpm.add(0, 33, 1));
            assertThrows(IllegalArgumentException.class, () -> lpm.add(0, -1, 1));
            assertThrows(IllegalArgumentException.class, () -> lpm.add(0x0B00_0000, 8, NONE));
            assertThrows(IllegalArgumentException.class, () -> lpm.add(0x0B00_0000, 8, 1 << 22));
            assertEquals(1, lpm.size());
            assertEquals(1, lpm.lookup(0x0A00_0001));
            assertEquals(NONE, lpm.lookup(0x0B00_0000));
        }
        assertThrows(IllegalArgumentException.class, () -> new Lpm4(-1, noWorkers()));
        assertThrows(NullPointerException.class, () -> new Lpm4(1, null));
    }

    @Test
    void tbl8ExhaustionNamesTheLimitAndLeavesTheTableUnchanged() {
        Random rnd = new Random(7);
        try (Lpm4 lpm = new Lpm4(2, noWorkers())) {
            lpm.add(0x0A00_0000, 16, 1);
            lpm.add(0x0A00_0080, 25, 2);
            lpm.add(0x0A00_0140, 26, 3);
            int[] probes = new int[4096];
            for (int i = 0; i < probes.length; i++) {
                probes[i] = i < 1024 ? 0x0A00_0000 + i : randomAddress(rnd);
            }
            int[] before = new int[probes.length];
            for (int i = 0; i < probes.length; i++) {
                before[i] = lpm.lookup(probes[i]);
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> lpm.add(0x0A00_0280, 25, 4));
            assertTrue(e.getMessage().contains("10.0.2.128/25") && e.getMessage().contains("all 2 tbl8 groups")
                    && e.getMessage().contains("raise tbl8Groups"), e.getMessage());
            for (int i = 0; i < probes.length; i++) {
                assertEquals(before[i], lpm.lookup(probes[i]), "lookup changed by a failed add");
            }
            assertEquals(3, lpm.size());
            assertEquals(2, lpm.tbl8GroupsInUse());
            assertEquals(NONE, lpm.get(0x0A00_0280, 25));

            // Routes inside /24s that already own a group, and short routes, still fit.
            lpm.add(0x0A00_0000, 25, 5);
            lpm.add(0x0B00_0000, 8, 6);
            // Deleting frees a group (after a grace period, taken lazily by the next add).
            assertTrue(lpm.delete(0x0A00_0140, 26));
            assertEquals(1, lpm.tbl8GroupsInUse());
            lpm.add(0x0A00_0280, 25, 4);
            assertEquals(4, lpm.lookup(0x0A00_02FF));
            assertEquals(1, lpm.lookup(0x0A00_027F));
            assertEquals(2, lpm.tbl8GroupsInUse());
        }
    }

    @Test
    void collapsedGroupsAreReusedAfterReclaim() {
        try (Lpm4 lpm = new Lpm4(1, noWorkers())) {
            for (int i = 0; i < 2000; i++) {
                int net = 0x1400_0000 + (i << 8);
                lpm.add(net | 0x10, 28, i);
                assertEquals(1, lpm.tbl8GroupsInUse());
                assertEquals(i, lpm.lookup(net | 0x1F));
                assertTrue(lpm.delete(net | 0x10, 28));
                assertEquals(0, lpm.tbl8GroupsInUse());
                assertEquals(NONE, lpm.lookup(net | 0x1F));
                if (i % 2 == 0) {
                    lpm.reclaim();
                }
            }
        }
    }

    @Test
    void aGroupFullOfEqualLongRoutesIsNotCollapsed() {
        try (Lpm4 lpm = new Lpm4(1, noWorkers())) {
            lpm.add(0x0A00_0000, 25, 5);
            lpm.add(0x0A00_0080, 25, 5);
            lpm.add(0x0A00_0001, 32, 6);
            // All 256 entries now say "/25, target 5", but two rules stand behind them.
            assertTrue(lpm.delete(0x0A00_0001, 32));
            assertEquals(1, lpm.tbl8GroupsInUse());
            assertTrue(lpm.delete(0x0A00_0000, 25));
            assertEquals(NONE, lpm.lookup(0x0A00_0001));
            assertEquals(5, lpm.lookup(0x0A00_00FF));
            assertTrue(lpm.delete(0x0A00_0080, 25));
            assertEquals(0, lpm.tbl8GroupsInUse());
            assertEquals(NONE, lpm.lookup(0x0A00_00FF));
        }
    }

    @Test
    void replacingATargetKeepsTheSizeAndNeedsNoGroup() {
        try (Lpm4 lpm = new Lpm4(1, noWorkers())) {
            lpm.add(0x0A00_0001, 32, 1);
            lpm.add(0x0A00_0001, 32, 1);
            lpm.add(0x0A00_0001, 32, 2);
            lpm.add(0x0A00_0000, 24, 3);
            lpm.add(0x0A00_0000, 24, 4);
            assertEquals(2, lpm.size());
            assertEquals(2, lpm.lookup(0x0A00_0001));
            assertEquals(4, lpm.lookup(0x0A00_0002));
            assertEquals(1, lpm.tbl8GroupsInUse());
        }
    }
}
