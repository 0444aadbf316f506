package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Per-worker bucket use, merged by the control thread into the kernel's per-bucket used time. */
class BucketActivityTest {
    private static final long S = TimeUnit.SECONDS.toNanos(1);

    @Test
    void theControlThreadSeesTheLatestUseOverAllWorkers() {
        ResilientGroup g = ResilientGroup.create(new int[] {1, 2}, new int[] {1, 1}, 4, 10 * S, 0, 0);
        BucketActivity a = new BucketActivity(3, 4);
        a.touch(0, 1, 3 * S);
        a.touch(2, 1, 5 * S);
        a.touch(1, 2, 4 * S);
        a.touch(1, 2, 2 * S); // a later burst of the same worker overwrites
        a.mergeInto(g);
        assertEquals(6 * S, g.idleTime(0, 6 * S), "never used: idle since creation");
        assertEquals(S, g.idleTime(1, 6 * S));
        assertEquals(4 * S, g.idleTime(2, 6 * S));
    }

    @Test
    void aUseFromBeforeABucketsMigrationDoesNotMakeItBusy() {
        // 1/2 over 8 buckets: 0-3 -> nh 2, 4-7 -> nh 1.
        ResilientGroup g = ResilientGroup.create(new int[] {1, 2}, new int[] {1, 1}, 8, 10 * S, 0, 0);
        BucketActivity a = new BucketActivity(2, 8);
        for (int b = 0; b < 4; b++) {
            a.touch(0, b, S);
        }
        for (int b = 4; b < 8; b++) {
            a.touch(1, b, S + S / 2);
        }
        a.mergeInto(g);
        g.removeMember(2, 2 * S); // buckets 0-3 move to nh 1 at 2 s
        a.mergeInto(g); // worker 0 still holds 1 s for them: older than the migration, ignored
        g.replace(new int[] {1, 3}, new int[] {1, 1}, OptionalInt.empty(), OptionalLong.empty(), OptionalLong.empty(), 3 * S);
        // Buckets 0-3 are unused since their migration, so idle (nh_res_bucket_idle_point); 4-7 are busy until 11.5 s.
        assertArrayEquals(new int[] {3, 3, 3, 3, 1, 1, 1, 1}, g.bucketNexthops());
    }

    @Test
    void activityOfAnotherSizeIsRefused() {
        ResilientGroup g = ResilientGroup.create(new int[] {1}, new int[] {1}, 4, 0, 0, 0);
        assertEquals("activity for 8 buckets merged into a group of 4",
                assertThrows(IllegalArgumentException.class, () -> new BucketActivity(1, 8).mergeInto(g)).getMessage());
        assertEquals("bucket activity needs at least one worker, had 0",
                assertThrows(IllegalArgumentException.class, () -> new BucketActivity(0, 8)).getMessage());
    }
}
