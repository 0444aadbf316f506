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

class Lpm6Test {
    private static final int NONE = RouteTarget.NONE;

    record Rule(long hi, long lo, int length) {
        boolean covers(long aHi, long aLo) {
            return (aHi & IpAddresses.mask6Hi(length)) == hi && (aLo & IpAddresses.mask6Lo(length)) == lo;
        }

        long lastHi() {
            return hi | ~IpAddresses.mask6Hi(length);
        }

        long lastLo() {
            return lo | ~IpAddresses.mask6Lo(length);
        }
    }

    /** The specification: a linear scan for the longest matching rule. */
    static final class Reference {
        final Map<Rule, Integer> rules = new HashMap<>();
        final List<Rule> keys = new ArrayList<>();

        void put(Rule r, int target) {
            if (rules.put(r, target) == null) {
                keys.add(r);
            }
        }

        boolean remove(Rule r) {
            if (rules.remove(r) == null) {
                return false;
            }
            keys.remove(r);
            return true;
        }

        int lookup(long hi, long lo) {
            int bestLength = -1;
            int best = NONE;
            for (Map.Entry<Rule, Integer> rule : rules.entrySet()) {
                Rule r = rule.getKey();
                if (r.length() > bestLength && r.covers(hi, lo)) {
                    bestLength = r.length();
                    best = rule.getValue();
                }
            }
            return best;
        }
    }

    static Rule rule(long hi, long lo, int length) {
        return new Rule(hi & IpAddresses.mask6Hi(length), lo & IpAddresses.mask6Lo(length), length);
    }

    private static final long[] CLUSTERS = {0x2001_0db8_0000_0000L, 0x2001_0db8_0001_0000L, 0xfe80_0000_0000_0000L,
        0xffff_ffff_ffff_ff00L, 0};

    /** Addresses drawn from a few prefixes that differ late, so random rules nest and share groups. */
    private static long[] randomAddress(Random rnd) {
        if (rnd.nextInt(8) == 0) {
            return new long[] {rnd.nextLong(), rnd.nextLong()};
        }
        long hi = CLUSTERS[rnd.nextInt(CLUSTERS.length)] | (rnd.nextInt(4) == 0 ? rnd.nextInt(0x10000) : rnd.nextInt(4));
        long lo = switch (rnd.nextInt(3)) {
            case 0 -> rnd.nextLong();
            case 1 -> rnd.nextInt(1024);
            default -> ((long) rnd.nextInt(4) << 56) | rnd.nextInt(256);
        };
        return new long[] {hi, lo};
    }

    private static int randomLength(Random rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> rnd.nextInt(129);
            case 1 -> 16 + rnd.nextInt(33);
            case 2 -> 48 + rnd.nextInt(17);
            case 3 -> 64 + rnd.nextInt(9);
            default -> 112 + rnd.nextInt(17);
        };
    }

    private static int randomTarget(Random rnd, int pool) {
        if (pool > 0) {
            return rnd.nextInt(pool);
        }
        return rnd.nextBoolean() ? RouteTarget.nexthop(rnd.nextInt(RouteTarget.MAX_INDEX + 1))
                : RouteTarget.group(rnd.nextInt(1000));
    }

    static void verify(Lpm6 lpm, Reference ref, Random rnd, int randomProbes) {
        assertEquals(ref.rules.size(), lpm.size(), "size");
        // size plus an exact get() per reference rule: the table holds the reference's rules and no others
        for (Rule r : ref.keys) {
            assertEquals((int) ref.rules.get(r), lpm.get(r.hi(), r.lo(), r.length()), "get");
            checkLookup(lpm, ref, r.hi(), r.lo());
            checkLookup(lpm, ref, r.lastHi(), r.lastLo());
            // One past each end (128-bit increment and decrement).
            checkLookup(lpm, ref, r.lastLo() == -1L ? r.lastHi() + 1 : r.lastHi(), r.lastLo() + 1);
            checkLookup(lpm, ref, r.lo() == 0 ? r.hi() - 1 : r.hi(), r.lo() - 1);
        }
        for (int i = 0; i < randomProbes; i++) {
            long[] a = randomAddress(rnd);
            checkLookup(lpm, ref, a[0], a[1]);
        }
    }

    private static void checkLookup(Lpm6 lpm, Reference ref, long hi, long lo) {
        int expected = ref.lookup(hi, lo);
        int actual = lpm.lookup(hi, lo);
        if (expected != actual) {
            throw new AssertionError("lookup " + IpAddresses.format6(hi, lo) + ": expected "
                    + RouteTarget.toString(expected) + ", got " + RouteTarget.toString(actual));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42})
    void randomAddsReplacesAndDeletesMatchTheReference(long seed) {
        Random rnd = new Random(seed);
        int pool = seed % 2 == 0 ? 0 : 3;
        Reference ref = new Reference();
        try (Lpm6 lpm = new Lpm6(1 << 15, Lpm4Test.noWorkers())) {
            for (int op = 1; op <= 2000; op++) {
                int choice = rnd.nextInt(10);
                if (choice < 5 || ref.keys.isEmpty()) {
                    long[] a = randomAddress(rnd);
                    Rule r = rule(a[0], a[1], randomLength(rnd));
                    int target = randomTarget(rnd, pool);
                    lpm.add(r.hi(), r.lo(), r.length(), target);
                    ref.put(r, target);
                } else if (choice < 6) {
                    Rule parent = ref.keys.get(rnd.nextInt(ref.keys.size()));
                    int length = Math.min(128, parent.length() + 1 + rnd.nextInt(20));
                    Rule r = rule(parent.hi() | (rnd.nextLong() & ~IpAddresses.mask6Hi(parent.length())),
                            parent.lo() | (rnd.nextLong() & ~IpAddresses.mask6Lo(parent.length())), length);
                    int target = randomTarget(rnd, pool);
                    lpm.add(r.hi(), r.lo(), r.length(), target);
                    ref.put(r, target);
                } else if (choice < 7) {
                    Rule r = ref.keys.get(rnd.nextInt(ref.keys.size()));
                    int target = randomTarget(rnd, pool);
                    lpm.add(r.hi(), r.lo(), r.length(), target);
                    ref.put(r, target);
                } else if (choice < 9) {
                    Rule r = ref.keys.get(rnd.nextInt(ref.keys.size()));
                    assertTrue(lpm.delete(r.hi(), r.lo(), r.length()));
                    ref.remove(r);
                } else {
                    long[] a = randomAddress(rnd);
                    Rule r = rule(a[0], a[1], randomLength(rnd));
                    assertEquals(ref.remove(r), lpm.delete(r.hi(), r.lo(), r.length()));
                }
                if (op % 250 == 0) {
                    verify(lpm, ref, rnd, 2000);
                }
            }
            verify(lpm, ref, rnd, 5000);
            while (!ref.keys.isEmpty()) {
                Rule r = ref.keys.get(rnd.nextInt(ref.keys.size()));
                assertTrue(lpm.delete(r.hi(), r.lo(), r.length()));
                ref.remove(r);
                if (ref.keys.size() % 200 == 0) {
                    verify(lpm, ref, rnd, 500);
                }
            }
            assertEquals(0, lpm.size());
            assertEquals(0, lpm.groupsInUse(), "every group collapsed once its last long route went");
        }
    }

    /** As the IPv4 case, in the last two levels: equal entries from sibling routes, collapse, rebuild. */
    @Test
    void sparseLongRoutesWithFewTargets() {
        Random rnd = new Random(5);
        Reference ref = new Reference();
        long hi = 0x2001_0db8_0000_0000L;
        try (Lpm6 lpm = new Lpm6(64, Lpm4Test.noWorkers())) {
            for (int op = 1; op <= 20_000; op++) {
                int size = ref.keys.size();
                if (size < 4 || (size < 12 && rnd.nextBoolean())) {
                    int length = rnd.nextInt(4) == 0 ? 118 + rnd.nextInt(11) : 121 + rnd.nextInt(2);
                    Rule r = rule(hi, rnd.nextInt(1024), length);
                    int target = rnd.nextInt(2);
                    lpm.add(r.hi(), r.lo(), r.length(), target);
                    ref.put(r, target);
                } else {
                    Rule r = ref.keys.get(rnd.nextInt(size));
                    assertTrue(lpm.delete(r.hi(), r.lo(), r.length()));
                    ref.remove(r);
                }
                if (op % 50 == 0) {
                    for (long a = -1; a <= 1024; a++) {
                        checkLookup(lpm, ref, a < 0 ? hi - 1 : hi, a);
                    }
                    assertEquals(ref.rules.size(), lpm.size());
                }
            }
        }
    }

    @Test
    void nestedPrefixesDownToAHostRoute() {
        long hi = 0x2001_0db8_0001_0002L;
        long lo = 0x0000_0000_0000_00c8L;
        try (Lpm6 lpm = new Lpm6(64, Lpm4Test.noWorkers())) {
            lpm.add(0, 0, 0, 1);
            lpm.add(0x2001_0db8_0000_0000L, 0, 32, 32);
            lpm.add(hi, 0, 64, 64);
            lpm.add(hi, 0x80, 121, 121);
            lpm.add(hi, lo, 128, 128);
            assertEquals(128, lpm.lookup(hi, lo));
            assertEquals(121, lpm.lookup(hi, lo + 1));
            assertEquals(64, lpm.lookup(hi, 0x7f));
            assertEquals(32, lpm.lookup(hi + 1, 0));
            assertEquals(1, lpm.lookup(0x2001_0db9_0000_0000L, 0));
            assertEquals(14, lpm.groupsInUse(), "/16 first level, then one group per byte down to /128");

            assertTrue(lpm.delete(hi, 0x80, 121));
            assertEquals(64, lpm.lookup(hi, lo + 1));
            assertEquals(128, lpm.lookup(hi, lo));
            assertTrue(lpm.delete(hi, lo, 128));
            assertEquals(64, lpm.lookup(hi, lo));
            assertEquals(6, lpm.groupsInUse(), "the groups below the /64 collapsed");
            assertTrue(lpm.delete(hi, 0, 64));
            assertEquals(32, lpm.lookup(hi, lo));
            assertEquals(2, lpm.groupsInUse());
            assertTrue(lpm.delete(0x2001_0db8_0000_0000L, 0, 32));
            assertEquals(0, lpm.groupsInUse());
            assertEquals(1, lpm.lookup(hi, lo));
            assertFalse(lpm.delete(hi, lo, 128));
            assertTrue(lpm.delete(0, 0, 0));
            assertEquals(NONE, lpm.lookup(hi, lo));
        }
    }

    @Test
    void aGroupFullOfEqualLongRoutesIsNotCollapsed() {
        long hi = 0x2001_0db8_0001_0002L;
        try (Lpm6 lpm = new Lpm6(16, Lpm4Test.noWorkers())) {
            lpm.add(hi, 0, 65, 5);
            lpm.add(hi, Long.MIN_VALUE, 65, 5);
            lpm.add(hi, 1, 128, 6);
            assertTrue(lpm.delete(hi, 1, 128));
            assertEquals(7, lpm.groupsInUse(), "the 64..72 group holds two /65s and must stay");
            assertTrue(lpm.delete(hi, 0, 65));
            assertEquals(NONE, lpm.lookup(hi, 1));
            assertEquals(5, lpm.lookup(hi, -1L));
            assertTrue(lpm.delete(hi, Long.MIN_VALUE, 65));
            assertEquals(0, lpm.groupsInUse());
        }
    }

    @Test
    void edgesOfTheAddressSpace() {
        try (Lpm6 lpm = new Lpm6(64, Lpm4Test.noWorkers())) {
            lpm.add(-1L, -1L, 128, 7);
            lpm.add(0, 0, 128, 8);
            lpm.add(0, 0, 0, 0);
            assertEquals(7, lpm.lookup(-1L, -1L));
            assertEquals(0, lpm.lookup(-1L, -2L));
            assertEquals(8, lpm.lookup(0, 0));
            assertEquals(0, lpm.lookup(0, 1));
            assertEquals(0, lpm.lookup(Long.MIN_VALUE, 0));
            lpm.add(0x8000_0000_0000_0000L, 0, 1, 9);
            assertEquals(9, lpm.lookup(Long.MIN_VALUE, 0));
            assertEquals(7, lpm.lookup(-1L, -1L));
            lpm.add(0, 0x8000_0000_0000_0000L, 65, 10);
            assertEquals(10, lpm.lookup(0, Long.MIN_VALUE));
            assertEquals(0, lpm.lookup(0, Long.MAX_VALUE));
            assertEquals(5, lpm.size());
            assertEquals(7, lpm.get(-1L, -1L, 128));
            assertEquals(NONE, lpm.get(0, 0, 64));
        }
    }

    @Test
    void invalidRulesAreRejectedWithoutChangingTheTable() {
        try (Lpm6 lpm = new Lpm6(64, Lpm4Test.noWorkers())) {
            lpm.add(0x2001_0db8_0000_0000L, 0, 32, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> lpm.add(0x2001_0db8_0000_0000L, 1, 64, 2));
            assertTrue(e.getMessage().contains("2001:db8::1/64 has host bits set")
                    && e.getMessage().contains("2001:db8::/64"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> lpm.add(0x2001_0db8_0001_0000L, 0, 32, 2));
            assertThrows(IllegalArgumentException.class, () -> lpm.delete(0x2001_0db8_0001_0000L, 0, 32));
            assertThrows(IllegalArgumentException.class, () -> lpm.add(0, 0, 129, 2));
            assertThrows(IllegalArgumentException.class, () -> lpm.add(0, 0, -1, 2));
            assertThrows(IllegalArgumentException.class, () -> lpm.add(0, 0, 0, NONE));
            assertThrows(IllegalArgumentException.class, () -> lpm.add(0, 0, 0, 1 << 22));
            assertEquals(1, lpm.size());
            assertEquals(1, lpm.lookup(0x2001_0db8_ffff_0000L, 5));
            assertEquals(NONE, lpm.lookup(0, 0));
        }
    }

    @Test
    void groupExhaustionLeavesTheTableUnchanged() {
        Random rnd = new Random(9);
        try (Lpm6 lpm = new Lpm6(8, Lpm4Test.noWorkers())) {
            long hi = 0x2001_0db8_0001_0002L;
            lpm.add(0x2001_0db8_0000_0000L, 0, 32, 1);
            lpm.add(hi, 0, 64, 2);
            assertEquals(6, lpm.groupsInUse());
            long[][] probes = new long[3000][];
            for (int i = 0; i < probes.length; i++) {
                probes[i] = i < 1000 ? new long[] {hi, i} : i < 2000 ? new long[] {hi + i, 0} : randomAddress(rnd);
            }
            int[] before = new int[probes.length];
            for (int i = 0; i < probes.length; i++) {
                before[i] = lpm.lookup(probes[i][0], probes[i][1]);
            }
            // A /120 below the /64 needs a group per byte from bit 64 on: 7, with 2 free.
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> lpm.add(hi, 0x100, 120, 3));
            assertTrue(e.getMessage().contains("needs 7 more groups but only 2 of 8 are free"), e.getMessage());
            for (int i = 0; i < probes.length; i++) {
                assertEquals(before[i], lpm.lookup(probes[i][0], probes[i][1]), "lookup changed by a failed add");
            }
            assertEquals(2, lpm.size());
            assertEquals(6, lpm.groupsInUse());
            lpm.add(hi, 0, 80, 4);
            assertEquals(8, lpm.groupsInUse());
            assertEquals(4, lpm.lookup(hi, 5));
            assertThrows(IllegalStateException.class, () -> lpm.add(hi, 0, 96, 5));
            assertTrue(lpm.delete(hi, 0, 80));
            lpm.add(hi, 0x0001_0000_0000_0000L, 80, 5); // reuses the two groups the deleted /80 gave back
            assertEquals(5, lpm.lookup(hi, 0x0001_0000_0000_0001L));
            assertEquals(2, lpm.lookup(hi, 5));
        }
    }
}
