package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.agrona.collections.Long2LongHashMap;
import org.junit.jupiter.api.Test;

/**
 * A full-table-sized load (1,000,000 routes, internet-like length mix) checked against an
 * independent hash-per-length reference. Correctness only; the load time is printed, not asserted.
 */
class Lpm4LoadTest {
    private static final int ROUTES = 1_000_000;
    private static final long ABSENT = -1;

    private final Long2LongHashMap reference = new Long2LongHashMap(ROUTES * 2, 0.65f, ABSENT);

    private static long key(int prefix, int length) {
        return ((long) length << 32) | (prefix & 0xFFFF_FFFFL);
    }

    private int referenceLookup(int address) {
        for (int length = 32; length >= 0; length--) {
            long target = reference.get(key(address & Lpm4Test.mask(length), length));
            if (target != ABSENT) {
                return (int) target;
            }
        }
        return RouteTarget.NONE;
    }

    @Test
    void loadsAMillionRoutesAndAnswersLikeTheReference() {
        Random rnd = new Random(2026);
        int[] prefixes = new int[ROUTES];
        int[] lengths = new int[ROUTES];
        int[] targets = new int[ROUTES];
        int n = 0;
        while (n < ROUTES) {
            int kind = rnd.nextInt(20);
            int length;
            int prefix;
            if (kind < 2) {
                length = 16 + rnd.nextInt(8);
                prefix = rnd.nextInt() & Lpm4Test.mask(length);
            } else if (kind < 4 && n > 0) {
                // More-specifics mostly sit inside announced /24s, as in real tables.
                length = 25 + rnd.nextInt(8);
                int inside = prefixes[rnd.nextInt(n)];
                prefix = (inside | (rnd.nextInt() & 0xFF)) & Lpm4Test.mask(length);
            } else {
                length = 24;
                prefix = rnd.nextInt() & Lpm4Test.mask(24);
            }
            int target = RouteTarget.nexthop(rnd.nextInt(4096));
            if (reference.putIfAbsent(key(prefix, length), target) == ABSENT) {
                prefixes[n] = prefix;
                lengths[n] = length;
                targets[n] = target;
                n++;
            }
        }

        try (Lpm4 lpm = new Lpm4(1 << 17, new Quiescence(1))) {
            long start = System.nanoTime();
            for (int i = 0; i < ROUTES; i++) {
                lpm.add(prefixes[i], lengths[i], targets[i]);
            }
            long loadMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("Lpm4: loaded %,d routes in %,d ms; tbl8 groups in use %,d%n",
                    ROUTES, loadMillis, lpm.tbl8GroupsInUse());
            assertEquals(ROUTES, lpm.size());
            checkSample(lpm, rnd, prefixes, lengths, ROUTES);

            // Withdraw a tenth, as a flapping peer would, and check the fallbacks.
            start = System.nanoTime();
            int withdrawn = 0;
            for (int i = 0; i < ROUTES; i += 10) {
                assertTrue(lpm.delete(prefixes[i], lengths[i]));
                reference.remove(key(prefixes[i], lengths[i]));
                withdrawn++;
            }
            long deleteMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("Lpm4: withdrew %,d routes in %,d ms; tbl8 groups in use %,d%n",
                    withdrawn, deleteMillis, lpm.tbl8GroupsInUse());
            assertEquals(ROUTES - withdrawn, lpm.size());
            checkSample(lpm, rnd, prefixes, lengths, ROUTES);
            // with the size above: the table holds exactly the reference's rules
            for (int i = 0; i < ROUTES; i++) {
                long expected = reference.get(key(prefixes[i], lengths[i]));
                assertEquals(expected == ABSENT ? RouteTarget.NONE : (int) expected, lpm.get(prefixes[i], lengths[i]));
            }
        }
    }

    private void checkSample(Lpm4 lpm, Random rnd, int[] prefixes, int[] lengths, int count) {
        for (int i = 0; i < 500_000; i++) {
            check(lpm, rnd.nextInt());
        }
        for (int i = 0; i < 200_000; i++) {
            int r = rnd.nextInt(count);
            int last = prefixes[r] | ~Lpm4Test.mask(lengths[r]);
            check(lpm, prefixes[r]);
            check(lpm, last);
            check(lpm, prefixes[r] | (rnd.nextInt() & ~Lpm4Test.mask(lengths[r])));
        }
    }

    private void check(Lpm4 lpm, int address) {
        int expected = referenceLookup(address);
        int actual = lpm.lookup(address);
        if (expected != actual) {
            throw new AssertionError("lookup " + IpAddresses.format4(address) + ": expected "
                    + RouteTarget.toString(expected) + ", got " + RouteTarget.toString(actual));
        }
    }
}
