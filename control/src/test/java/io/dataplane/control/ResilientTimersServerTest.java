package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.*;

import io.dataplane.tables.BucketActivity;
import io.dataplane.tables.GroupTable;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The command server's loop runs the resilient groups' timers: a replace leaves busy buckets
 * where they are, and once they have been idle for idle_timer (on a clock the test moves), the
 * control thread migrates them by itself, with no command sent.
 */
class ResilientTimersServerTest {
    private static final long S = TimeUnit.SECONDS.toNanos(1);
    private static final long GUARD_NANOS = 60_000_000_000L; // against hanging only, never a pass criterion
    private static final Pattern NHID = Pattern.compile("\"nhid\":(\\d+)");

    @Test
    void theControlLoopMigratesIdleBucketsWithoutACommand() throws Exception {
        try (ServerHarness h = new ServerHarness(ServerHarness.testLimits()); ServerHarness.Client c = h.client()) {
            AtomicLong now = new AtomicLong(1_000 * S);
            CountDownLatch clockSet = new CountDownLatch(1);
            h.server.submit(() -> { // on the control thread, which reads it; before the first command, which the loop might read first
                h.fixture.rib.clock(now::get);
                clockSet.countDown();
            });
            assertTrue(clockSet.await(60, TimeUnit.SECONDS), "the control thread never ran the task");
            assertEquals(List.of("ok"), send(c, "nexthop add id 20 group 1/2 type resilient buckets 8 idle_timer 10"));
            GroupTable groups = h.fixture.forwarding.snapshot().groups;
            BucketActivity activity = null;
            for (int g = 0; g < groups.size(); g++) {
                activity = groups.activity(g) != null ? groups.activity(g) : activity;
            }
            assertNotNull(activity, "the resilient group's bucket activity is published");
            now.addAndGet(S);
            for (int b = 0; b < 8; b++) {
                activity.touch(0, b, now.get()); // as a worker forwarding through every bucket
            }
            now.addAndGet(S);
            String before = buckets(c);
            assertEquals(List.of("ok"), send(c, "nexthop replace id 20 group 1/2/3 type resilient"));
            assertEquals(before, buckets(c), "busy buckets stay on replace");
            assertFalse(before.contains("3"));

            now.addAndGet(20 * S); // every bucket idle for longer than idle_timer
            long start = System.nanoTime();
            String after = buckets(c);
            while (after.equals(before)) {
                assertTrue(System.nanoTime() - start < GUARD_NANOS, "the control loop never ran the upkeep");
                Thread.sleep(20);
                after = buckets(c);
            }
            // wants 3, 2, 3 (the kernel's running sum): 3 gets one bucket from 1 and two from 2
            assertEquals(3, after.chars().filter(ch -> ch == '1').count(), after);
            assertEquals(2, after.chars().filter(ch -> ch == '2').count(), after);
            assertEquals(3, after.chars().filter(ch -> ch == '3').count(), after);
        }
    }

    private static List<String> send(ServerHarness.Client c, String line) throws Exception {
        c.send(line);
        return c.reply();
    }

    /** The nhid of every bucket of group 20, in index order, as one string of digits. */
    private static String buckets(ServerHarness.Client c) throws Exception {
        List<String> reply = send(c, "-j nexthop bucket show id 20");
        StringBuilder sb = new StringBuilder();
        Matcher m = NHID.matcher(reply.getFirst());
        while (m.find()) {
            sb.append(m.group(1));
        }
        assertEquals(8, sb.length(), reply.toString());
        return sb.toString();
    }
}
