package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * One writer churns routes that make tbl8 groups appear, collapse and be reused while a reader
 * registered with the {@link Quiescence} checks that every lookup returns a route that was valid
 * for that address at some point: never garbage, never "no route" under the stable cover.
 */
class LpmConcurrencyTest {
    private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** The writer's operation sequence is seeded, so this many writes link a fixed number of groups. */
    private static final int MIN_WRITES = 20_000;
    private static final int STABLE = 1;

    /** The table under test as the harness sees it: rules and probes by index. */
    private interface Subject {
        int rules();

        int length(int rule);

        boolean covers(int rule, int probe);

        int probes();

        int lookup(int probe);

        void add(int rule, int target);

        boolean delete(int rule);

        int groupsInUse();
    }

    @Test
    void ipv4ReadersSeeTheOldOrTheNewRouteNeverGarbage() throws Exception {
        Quiescence quiescence = new Quiescence(2);
        // {prefix, length}; rule i may carry target 2 + 2i or 3 + 2i.
        int[][] rules = {
            {0x0A01_0000, 16}, {0x0A01_0200, 24}, {0x0A01_0280, 25}, {0x0A01_02C8, 32},
            {0x0A01_0340, 26}, {0x0A01_0300, 24}, {0x0A02_0007, 32}, {0x0A02_0000, 31},
        };
        List<Integer> probes = new ArrayList<>();
        for (int base : new int[] {0x0A01_0200, 0x0A01_0300, 0x0A02_0000}) {
            for (int i = 0; i < 256; i++) {
                probes.add(base + i);
            }
        }
        probes.addAll(List.of(0x0A00_0000, 0x0A01_0000, 0x0A01_FFFF, 0x0AFF_FFFF, 0x0A02_0100));
        int[] addresses = probes.stream().mapToInt(Integer::intValue).toArray();
        // Three /24s can hold long routes at once, so every group beyond the first three is a reuse.
        try (Lpm4 lpm = new Lpm4(3, quiescence)) {
            lpm.add(0x0A00_0000, 8, STABLE);
            run(quiescence, new Subject() {
                public int rules() {
                    return rules.length;
                }

                public int length(int rule) {
                    return rules[rule][1];
                }

                public boolean covers(int rule, int probe) {
                    return (addresses[probe] & Lpm4Test.mask(rules[rule][1])) == rules[rule][0];
                }

                public int probes() {
                    return addresses.length;
                }

                public int lookup(int probe) {
                    return lpm.lookup(addresses[probe]);
                }

                public void add(int rule, int target) {
                    lpm.add(rules[rule][0], rules[rule][1], target);
                }

                public boolean delete(int rule) {
                    return lpm.delete(rules[rule][0], rules[rule][1]);
                }

                public int groupsInUse() {
                    return lpm.tbl8GroupsInUse();
                }
            });
        }
    }

    @Test
    void ipv6ReadersSeeTheOldOrTheNewRouteNeverGarbage() throws Exception {
        Quiescence quiescence = new Quiescence(2);
        long net = 0x2001_0db8_0001_0002L;
        // {hi, lo, length}
        long[][] rules = {
            {0x2001_0db8_0001_0000L, 0, 48}, {net, 0, 64}, {net, 0x80, 121}, {net, 0xC8, 128},
            {net + 1, 0, 64}, {net + 1, 0x8000_0000_0000_0000L, 65}, {0x2001_0db8_0002_0000L, 0x10, 124},
        };
        List<long[]> probes = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            probes.add(new long[] {net, i});
            probes.add(new long[] {net + 1, i});
            probes.add(new long[] {net + 1, 0x8000_0000_0000_0000L + i});
            probes.add(new long[] {0x2001_0db8_0002_0000L, i});
        }
        probes.add(new long[] {0x2001_0db8_0000_0000L, 0});
        probes.add(new long[] {0x2001_0db8_ffff_ffffL, -1L});
        long[][] addresses = probes.toArray(long[][]::new);
        // 26 groups is exactly what all rules at once need; groups collapse in cascades and get reused.
        try (Lpm6 lpm = new Lpm6(26, quiescence)) {
            lpm.add(0x2001_0db8_0000_0000L, 0, 32, STABLE);
            run(quiescence, new Subject() {
                public int rules() {
                    return rules.length;
                }

                public int length(int rule) {
                    return (int) rules[rule][2];
                }

                public boolean covers(int rule, int probe) {
                    int length = (int) rules[rule][2];
                    return (addresses[probe][0] & IpAddresses.mask6Hi(length)) == rules[rule][0]
                            && (addresses[probe][1] & IpAddresses.mask6Lo(length)) == rules[rule][1];
                }

                public int probes() {
                    return addresses.length;
                }

                public int lookup(int probe) {
                    return lpm.lookup(addresses[probe][0], addresses[probe][1]);
                }

                public void add(int rule, int target) {
                    lpm.add(rules[rule][0], rules[rule][1], (int) rules[rule][2], target);
                }

                public boolean delete(int rule) {
                    return lpm.delete(rules[rule][0], rules[rule][1], (int) rules[rule][2]);
                }

                public int groupsInUse() {
                    return lpm.groupsInUse();
                }
            });
        }
    }

    private static void run(Quiescence quiescence, Subject table) throws Exception {
        int probes = table.probes();
        // Bit t of allowed[p] is set if target t may legitimately be returned for probe p.
        long[] allowed = new long[probes];
        for (int p = 0; p < probes; p++) {
            allowed[p] = 1L << STABLE;
            for (int r = 0; r < table.rules(); r++) {
                if (table.covers(r, p)) {
                    allowed[p] |= 3L << (2 + 2 * r);
                }
            }
        }
        AtomicLong lookups = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        AtomicReference<Throwable> readerError = new AtomicReference<>();
        int slot = quiescence.register();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch readerStarted = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            quiescence.online(slot);
            try {
                long done = 0;
                while (!stop.get()) {
                    for (int p = 0; p < probes; p++) {
                        int target = table.lookup(p);
                        if (target < 0 || target >= 64 || (allowed[p] & (1L << target)) == 0) {
                            failures.incrementAndGet();
                            firstFailure.compareAndSet(null, "probe " + p + " returned " + RouteTarget.toString(target));
                        }
                    }
                    done += probes;
                    quiescence.quiescent(slot);
                    readerStarted.countDown();
                }
                lookups.set(done);
            } catch (Throwable t) {
                readerError.set(t);
            } finally {
                readerStarted.countDown();
                quiescence.offline(slot);
            }
        }, "lpm-reader");
        reader.start();
        readerStarted.await();

        Random rnd = new Random(11);
        boolean[] present = new boolean[table.rules()];
        int[] targets = new int[table.rules()];
        long writes = 0;
        long groupsLinked = 0;
        long deadline = System.nanoTime() + RUN_NANOS;
        try {
            while ((System.nanoTime() < deadline || writes < MIN_WRITES) && reader.isAlive()) {
                int r = rnd.nextInt(table.rules());
                int before = table.groupsInUse();
                if (present[r] && rnd.nextBoolean()) {
                    assertTrue(table.delete(r));
                    present[r] = false;
                } else {
                    targets[r] = 2 + 2 * r + rnd.nextInt(2);
                    table.add(r, targets[r]);
                    present[r] = true;
                }
                groupsLinked += Math.max(0, table.groupsInUse() - before);
                writes++;
            }
        } finally {
            stop.set(true);
            reader.join();
            quiescence.unregister(slot);
        }
        if (readerError.get() != null) {
            throw new AssertionError("reader failed", readerError.get());
        }
        assertEquals(0, failures.get(), () -> failures.get() + " bad lookups, first: " + firstFailure.get());
        assertTrue(lookups.get() > 0, "the reader ran");
        assertTrue(groupsLinked > 1000, "groups were created, collapsed and reused: " + groupsLinked);
        System.out.printf("concurrency: %d writes, %d groups linked, %d lookups checked%n",
                writes, groupsLinked, lookups.get());

        // Quiet state: exactly the surviving rules.
        for (int p = 0; p < probes; p++) {
            int expected = STABLE;
            int bestLength = -1;
            for (int r = 0; r < table.rules(); r++) {
                if (present[r] && table.covers(r, p)) {
                    int length = table.length(r);
                    if (length > bestLength) {
                        bestLength = length;
                        expected = targets[r];
                    }
                }
            }
            assertEquals(expected, table.lookup(p), "probe " + p + " after the run");
        }
    }
}
