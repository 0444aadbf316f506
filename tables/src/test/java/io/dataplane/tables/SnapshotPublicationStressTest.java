package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Hammers the publication protocol: the writer replaces a group (members, weights and algorithm
 * all change) and flips a route between a nexthop and the group as fast as it can, while a reader
 * registered with the quiescence domain checks that every snapshot it loads holds exactly one of
 * the versions, whole, and that the route always resolves to a slot present in its snapshot.
 */
class SnapshotPublicationStressTest {
    private static final GroupSpec A = new GroupSpec(new int[] {1, 2}, new int[] {1, 2}, MultipathAlgorithm.L3);
    private static final GroupSpec B = new GroupSpec(new int[] {3, 4, 5, 6, 7}, new int[] {5, 4, 3, 2, 1}, MultipathAlgorithm.L4);

    @Test
    void everyReadSeesAWholeVersionAndNeverNoRoute() throws Exception {
        try (Fib f = new Fib(new FibLimits(16, 16, 64, 64, 2))) {
            int net = IpAddresses.parse4("10.1.0.0");
            Change setup = f.change();
            for (int i = 1; i <= 7; i++) {
                setup.nexthop(i, new Nexthop(i, i, 1, 1500, true, true));
            }
            setup.group(0, A).route4(net, 16, RouteTarget.group(0)).route4(net | 0x100, 24, RouteTarget.nexthop(1)).commit();

            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicLong reads = new AtomicLong();
            // A fixed amount of work, not a time budget: on a loaded machine the test takes longer
            // instead of failing. The grace periods make the writer wait for the reader, so reads
            // interleave with commits however the threads are scheduled.
            int commitsToMake = 3_000;
            AtomicBoolean writerDone = new AtomicBoolean();
            Thread reader = new Thread(() -> {
                Quiescence q = f.quiescence();
                int slot = q.register();
                q.online(slot);
                try {
                    while (!writerDone.get()) {
                        q.quiescent(slot);
                        Snapshot s = f.snapshot();
                        checkWholeGroup(s);
                        int t = s.route4(net | 0x105);
                        assertTrue(t != RouteTarget.NONE, "no route during a replace");
                        if (RouteTarget.isGroup(t)) {
                            assertTrue(s.groups.block(RouteTarget.index(t)) >= 0, "route points at a group its snapshot lacks");
                        } else {
                            assertTrue((s.nexthops.flags(RouteTarget.index(t)) & NexthopTable.FLAG_PRESENT) != 0);
                        }
                        reads.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failure.set(e);
                } finally {
                    q.unregister(slot);
                }
            });
            reader.start();
            long commits = 0;
            while (commits < commitsToMake && reader.isAlive()) {
                boolean odd = (commits & 1) == 1;
                f.change().group(0, odd ? A : B)
                        .route4(net | 0x100, 24, odd ? RouteTarget.nexthop(1) : RouteTarget.group(0))
                        .commit();
                commits++;
            }
            writerDone.set(true);
            reader.join();
            assertNull(failure.get(), () -> "reader failed: " + failure.get());
            assertEquals(commitsToMake, commits, "the reader died before the writer finished");
            assertTrue(reads.get() > 0, "the reader never read a snapshot");
            System.out.printf("publication stress: %d commits, %d snapshot reads%n", commits, reads.get());
        }
    }

    private static void checkWholeGroup(Snapshot s) {
        GroupTable g = s.groups;
        int block = g.block(0);
        int members = g.segment().get(ValueLayout.JAVA_INT, block + GroupTable.MEMBERS);
        GroupSpec expected = members == 2 ? A : B;
        assertEquals(expected.size(), members);
        assertEquals(expected.algorithm().ordinal(), g.algorithm(block));
        int total = 0;
        for (int i = 0; i < members; i++) {
            assertEquals(expected.nexthop(i), g.segment().get(ValueLayout.JAVA_INT, block + GroupTable.BOUNDS + 4L * members + 4L * i));
            total += expected.weight(i);
        }
        assertEquals(total, g.totalWeight(block));
        assertEquals(expected, g.get(0));
    }
}
