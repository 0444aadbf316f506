package io.dataplane.tables;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * When each bucket of one resilient group last carried a packet, kept per worker so the hot path
 * makes no shared atomic write: worker {@code w} stores into its own array only (an opaque store, a
 * plain {@code mov} on x86), and the control thread folds the latest time of every worker into
 * the {@link ResilientGroup} ({@link #mergeInto}) right before each upkeep and each
 * {@code bucket show}.
 *
 * <p>Why idle decisions come out as the kernel's: the kernel stores jiffies into the bucket on
 * every packet (nh_res_bucket_set_busy) and upkeep reads the latest. Here a worker stores the time
 * of its current burst, read after it loaded the snapshot, so the stored time is never earlier
 * than the publication of the table the burst uses and never later than its packets; the merged
 * maximum therefore differs from the kernel's {@code used_time} by at most one burst (microseconds),
 * well below a jiffy, and the control thread merges before it decides. A time from before a
 * bucket's migration is older than {@code migrated_time} and is ignored, as the kernel would
 * overwrite it. One instance lives as long as its group: the bucket count never changes.
 */
public final class BucketActivity {
    private static final VarHandle TIMES = MethodHandles.arrayElementVarHandle(long[].class);
    /** 128 bytes either side of each worker's times, so two workers never write one cache line. */
    private static final int PAD = 16;
    private static final long NEVER = Long.MIN_VALUE;

    private final int buckets;
    private final long[][] lastUsed;

    public BucketActivity(int workers, int buckets) {
        if (workers < 1) {
            throw new IllegalArgumentException("bucket activity needs at least one worker, had " + workers);
        }
        if (buckets < 1 || buckets > ResilientGroup.MAX_BUCKETS) {
            throw new IllegalArgumentException("buckets " + buckets + " out of range 1.." + ResilientGroup.MAX_BUCKETS);
        }
        this.buckets = buckets;
        lastUsed = new long[workers][];
        for (int w = 0; w < workers; w++) {
            lastUsed[w] = new long[PAD + buckets + PAD];
            Arrays.fill(lastUsed[w], NEVER);
        }
    }

    public int buckets() {
        return buckets;
    }

    /** Worker {@code worker}'s fast path: bucket {@code bucket} carried a packet of the burst that started at {@code now}. */
    public void touch(int worker, int bucket, long now) {
        TIMES.setOpaque(lastUsed[worker], PAD + bucket, now);
    }

    /** Control thread: folds every worker's latest use of every bucket into {@code group}. */
    public void mergeInto(ResilientGroup group) {
        if (group.buckets() != buckets) {
            throw new IllegalArgumentException("activity for " + buckets + " buckets merged into a group of " + group.buckets());
        }
        for (long[] times : lastUsed) {
            for (int b = 0; b < buckets; b++) {
                long t = (long) TIMES.getOpaque(times, PAD + b);
                if (t != NEVER) {
                    group.recordUse(b, t);
                }
            }
        }
    }
}
