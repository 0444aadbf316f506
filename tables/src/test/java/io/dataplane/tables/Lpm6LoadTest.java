package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A full-table-sized IPv6 load (200,000 routes: /32 allocations, mostly /48 customers, some /56
 * and /64 more-specifics, a few host routes) checked against an independent hash-per-length
 * reference. Correctness only; the load time is printed, not asserted.
 */
class Lpm6LoadTest {
    private static final int ROUTES = 200_000;

    private final Map<Lpm6Test.Rule, Integer> reference = new HashMap<>(ROUTES * 2);

    private int referenceLookup(long hi, long lo) {
        for (int length = 128; length >= 0; length--) {
            Integer target = reference.get(Lpm6Test.rule(hi, lo, length));
            if (target != null) {
                return target;
            }
        }
        return RouteTarget.NONE;
    }

    @Test
    void loadsAFullTableAndAnswersLikeTheReference() {
        Random rnd = new Random(2026);
        long[] allocations = new long[2000];
        for (int i = 0; i < allocations.length; i++) {
            allocations[i] = (0x2000L + rnd.nextInt(0x1000)) << 48 | (long) rnd.nextInt(0x10000) << 32;
        }
        Lpm6Test.Rule[] rules = new Lpm6Test.Rule[ROUTES];
        int[] targets = new int[ROUTES];
        int n = 0;
        while (n < ROUTES) {
            // Customers are numbered densely from the start of each allocation, as registries assign.
            long hi = allocations[rnd.nextInt(allocations.length)] | (long) rnd.nextInt(1 << 12) << 16
                    | (rnd.nextLong() & 0xFFFFL);
            long lo = rnd.nextLong();
            int kind = rnd.nextInt(100);
            int length = kind < 2 ? 32 : kind < 80 ? 48 : kind < 90 ? 56 : kind < 99 ? 64 : 128;
            Lpm6Test.Rule rule = Lpm6Test.rule(hi, lo, length);
            int target = RouteTarget.nexthop(rnd.nextInt(4096));
            if (reference.putIfAbsent(rule, target) == null) {
                rules[n] = rule;
                targets[n] = target;
                n++;
            }
        }

        try (Lpm6 lpm = new Lpm6(1 << 17, new Quiescence(1))) {
            long start = System.nanoTime();
            for (int i = 0; i < ROUTES; i++) {
                lpm.add(rules[i].hi(), rules[i].lo(), rules[i].length(), targets[i]);
            }
            long loadMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("Lpm6: loaded %,d routes in %,d ms; groups in use %,d%n",
                    ROUTES, loadMillis, lpm.groupsInUse());
            assertEquals(ROUTES, lpm.size());
            checkSample(lpm, rnd, rules);

            for (int i = 0; i < ROUTES; i += 10) {
                assertTrue(lpm.delete(rules[i].hi(), rules[i].lo(), rules[i].length()));
                reference.remove(rules[i]);
            }
            assertEquals(reference.size(), lpm.size());
            checkSample(lpm, rnd, rules);
        }
    }

    private void checkSample(Lpm6 lpm, Random rnd, Lpm6Test.Rule[] rules) {
        for (int i = 0; i < 20_000; i++) {
            Lpm6Test.Rule r = rules[rnd.nextInt(rules.length)];
            check(lpm, r.hi(), r.lo());
            check(lpm, r.lastHi(), r.lastLo());
            check(lpm, r.hi() | (rnd.nextLong() & ~IpAddresses.mask6Hi(r.length())),
                    r.lo() | (rnd.nextLong() & ~IpAddresses.mask6Lo(r.length())));
            check(lpm, rnd.nextLong(), rnd.nextLong());
        }
    }

    private void check(Lpm6 lpm, long hi, long lo) {
        int expected = referenceLookup(hi, lo);
        int actual = lpm.lookup(hi, lo);
        if (expected != actual) {
            throw new AssertionError("lookup " + IpAddresses.format6(hi, lo) + ": expected "
                    + RouteTarget.toString(expected) + ", got " + RouteTarget.toString(actual));
        }
    }
}
