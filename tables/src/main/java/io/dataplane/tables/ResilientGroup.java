package io.dataplane.tables;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A resilient nexthop group as the kernel keeps it (net/ipv4/nexthop.c, {@code struct nh_res_table}):
 * a fixed number of buckets, each owned by one member, moved between members only when a member
 * leaves, or when an over-served member's bucket has been idle for {@code idle_timer}, or when the
 * group has been unbalanced for longer than {@code unbalanced_timer} (0 = never force).
 *
 * <p>Control thread only (not thread-safe). Time is the caller's monotonic clock in nanoseconds
 * ({@code now}); the kernel's jiffies comparisons are done as wrap-safe differences, like
 * {@code time_after}. Members are nexthop IDs; {@link #nexthop(int)} gives the bucket table the
 * kernel would build, which the caller maps to nexthop slots and publishes in the group table ({@link GroupTable}); {@link #bucket} picks a packet's bucket.
 * Bucket use comes from outside ({@link #recordUse(int, long)}, normally via {@link BucketActivity}).
 */
public final class ResilientGroup {
    /** Most buckets: the kernel's {@code NHA_RES_GROUP_BUCKETS} is a u16 and 0 is rejected. */
    public static final int MAX_BUCKETS = 65535;
    /** {@code NH_RES_DEFAULT_IDLE_TIMER}: 120 s. */
    public static final long DEFAULT_IDLE_TIMER = TimeUnit.SECONDS.toNanos(120);
    /** {@code NH_RES_DEFAULT_UNBALANCED_TIMER}: 0, never force a rebalance. */
    public static final long DEFAULT_UNBALANCED_TIMER = 0;
    /**
     * Longest timer in seconds: iproute2 sends seconds * 100 as a u32 clock_t and refuses
     * {@code seconds >= UINT32_MAX / 100}.
     */
    public static final long MAX_TIMER_SECONDS = 0xffffffffL / 100 - 1;
    /** {@code NH_RES_UPKEEP_DW_MINIMUM_INTERVAL} (HZ / 2): an unbalanced group is revisited no sooner than this. */
    public static final long MIN_UPKEEP_INTERVAL = TimeUnit.MILLISECONDS.toNanos(500);

    private static final int UNOCCUPIED = -1;

    private final int buckets;
    private long idleTimer;
    private long unbalancedTimer;

    private int[] ids;
    private int[] weights;
    private int[] wants;
    private int[] counts;

    /** Member index owning each bucket, or {@link #UNOCCUPIED} (only between a change and its upkeep). */
    private final int[] owner;
    private final long[] usedTime;
    private final long[] migratedTime;

    /** Underweight members, front = next to receive a bucket; filled push-front like the kernel's list_add. */
    private final ArrayDeque<Integer> underweight = new ArrayDeque<>();
    private long unbalancedSince;
    private boolean upkeepPending;
    private long upkeepAt;

    private ResilientGroup(int buckets, long idleTimer, long unbalancedTimer) {
        this.buckets = buckets;
        this.idleTimer = idleTimer;
        this.unbalancedTimer = unbalancedTimer;
        owner = new int[buckets];
        usedTime = new long[buckets];
        migratedTime = new long[buckets];
        Arrays.fill(owner, UNOCCUPIED);
    }

    /**
     * {@code nexthop add id N group ids[,weights] type resilient buckets B idle_timer I unbalanced_timer U}:
     * every bucket starts unoccupied and upkeep fills them in index order (insert_nexthop).
     * Timers in nanoseconds; use {@link #DEFAULT_IDLE_TIMER} and {@link #DEFAULT_UNBALANCED_TIMER} when not given.
     */
    public static ResilientGroup create(int[] ids, int[] weights, int buckets, long idleTimer, long unbalancedTimer, long now) {
        checkMembers(ids, weights);
        checkBuckets(buckets);
        checkTimer("idle_timer", idleTimer);
        checkTimer("unbalanced_timer", unbalancedTimer);
        ResilientGroup g = new ResilientGroup(buckets, idleTimer, unbalancedTimer);
        g.setMembers(ids, weights);
        g.rebalance(now);
        g.upkeep(now);
        return g;
    }

    /**
     * An independent copy with the same buckets, members, timers and times: the control plane
     * changes a copy and keeps the original until the change is published, so a refused change
     * leaves the group exactly as it was.
     */
    public ResilientGroup copy() {
        ResilientGroup c = new ResilientGroup(buckets, idleTimer, unbalancedTimer);
        c.ids = ids.clone();
        c.weights = weights.clone();
        c.wants = wants.clone();
        c.counts = counts.clone();
        System.arraycopy(owner, 0, c.owner, 0, buckets);
        System.arraycopy(usedTime, 0, c.usedTime, 0, buckets);
        System.arraycopy(migratedTime, 0, c.migratedTime, 0, buckets);
        c.underweight.addAll(underweight);
        c.unbalancedSince = unbalancedSince;
        c.upkeepPending = upkeepPending;
        c.upkeepAt = upkeepAt;
        return c;
    }

    /**
     * {@code nexthop replace id N group ... type resilient [buckets B] [idle_timer I] [unbalanced_timer U]}
     * (replace_nexthop_grp, replace_nexthop_grp_res): timers given replace the old ones, timers not
     * given are kept; buckets may be repeated but not changed. Buckets are re-mapped by nexthop ID,
     * those of members that left move at once, the rest follow the timers.
     */
    public void replace(int[] newIds, int[] newWeights, OptionalInt newBuckets, OptionalLong newIdleTimer,
            OptionalLong newUnbalancedTimer, long now) {
        checkMembers(newIds, newWeights);
        if (newBuckets.isPresent() && newBuckets.getAsInt() != buckets) {
            throw new IllegalArgumentException("cannot change the number of buckets of a resilient group ("
                    + buckets + ", asked for " + newBuckets.getAsInt() + ")");
        }
        newIdleTimer.ifPresent(t -> checkTimer("idle_timer", t));
        newUnbalancedTimer.ifPresent(t -> checkTimer("unbalanced_timer", t));
        newIdleTimer.ifPresent(t -> idleTimer = t);
        newUnbalancedTimer.ifPresent(t -> unbalancedTimer = t);
        long previousSince = unbalancedSince;
        boolean wasUnbalanced = !underweight.isEmpty();
        remap(newIds, newWeights);
        rebalance(now);
        if (wasUnbalanced && !underweight.isEmpty()) {
            unbalancedSince = previousSince;
        }
        upkeep(now);
    }

    /**
     * A member nexthop went away (deleted, or its device went down: the kernel deletes such
     * nexthops, nexthop_flush_dev, remove_nh_grp_entry). Returns false, changing nothing, when it
     * was the last member: the kernel then removes the whole group, which is the caller's to do.
     */
    public boolean removeMember(int id, long now) {
        int index = indexOf(ids, id);
        if (index < 0) {
            throw new IllegalArgumentException("nexthop " + id + " is not a member of this group");
        }
        if (ids.length == 1) {
            return false;
        }
        int[] keptIds = new int[ids.length - 1];
        int[] keptWeights = new int[ids.length - 1];
        for (int i = 0, j = 0; i < ids.length; i++) {
            if (i != index) {
                keptIds[j] = ids[i];
                keptWeights[j++] = weights[i];
            }
        }
        replace(keptIds, keptWeights, OptionalInt.empty(), OptionalLong.empty(), OptionalLong.empty(), now);
        return true;
    }

    /** The kernel's nh_res_bucket_set_busy, merged from outside: bucket {@code bucket} carried traffic at {@code time}. */
    public void recordUse(int bucket, long time) {
        if (time - usedTime[bucket] > 0) {
            usedTime[bucket] = time;
        }
    }

    /** True when the scheduled upkeep (the kernel's delayed work) is due at {@code now}. */
    public boolean upkeepDue(long now) {
        return upkeepPending && now - upkeepAt >= 0;
    }

    public boolean upkeepPending() {
        return upkeepPending;
    }

    /** When the next upkeep should run; meaningful only while {@link #upkeepPending()}. */
    public long upkeepAt() {
        return upkeepAt;
    }

    /**
     * nh_res_table_upkeep: walks the buckets in index order and migrates every bucket that must
     * (unoccupied) or may (over-served member and idle, or unbalanced too long) move to the front
     * underweight member; reschedules itself while the group is unbalanced. Returns whether any
     * bucket moved (the caller then publishes a new table).
     */
    public boolean upkeep(long now) {
        long deadline = now + (unbalancedTimer != 0 ? unbalancedTimer : idleTimer);
        boolean moved = false;
        for (int b = 0; b < buckets; b++) {
            int m = owner[b];
            if (m == UNOCCUPIED) {
                migrate(b, now);
                moved = true;
                continue;
            }
            if (counts[m] <= wants[m]) {
                continue;
            }
            long idlePoint = usedTime[b] == migratedTime[b] ? now : usedTime[b] + idleTimer;
            if (now - idlePoint >= 0) {
                migrate(b, now);
                moved = true;
                continue;
            }
            if (unbalancedTimer != 0) {
                long unbalancedPoint = unbalancedSince + unbalancedTimer;
                if (now - unbalancedPoint > 0) {
                    migrate(b, now);
                    moved = true;
                    continue;
                }
                deadline = earlier(unbalancedPoint, deadline);
            }
            deadline = earlier(idlePoint, deadline);
        }
        upkeepPending = !underweight.isEmpty();
        if (upkeepPending) {
            long soonest = now + MIN_UPKEEP_INTERVAL;
            upkeepAt = deadline - soonest < 0 ? soonest : deadline;
        }
        return moved;
    }

    private void migrate(int bucket, long now) {
        Integer target = underweight.peekFirst();
        if (target == null) {
            // The kernel WARNs here: an unoccupied or over-served bucket implies an underweight member.
            throw new IllegalStateException("resilient group has a bucket to move but no underweight member");
        }
        if (owner[bucket] != UNOCCUPIED) {
            counts[owner[bucket]]--;
        }
        owner[bucket] = target;
        counts[target]++;
        usedTime[bucket] = now;
        migratedTime[bucket] = now;
        if (counts[target] == wants[target]) {
            underweight.removeFirst();
        }
    }

    /** nh_res_group_rebalance: wants from the weights' running sum, {@code DIV_ROUND_CLOSEST_ULL(buckets * w, total)}. */
    private void rebalance(long now) {
        underweight.clear();
        long total = 0;
        for (int w : weights) {
            total += w;
        }
        long running = 0;
        int previousBound = 0;
        for (int i = 0; i < ids.length; i++) {
            running += weights[i];
            int bound = (int) ((buckets * running + total / 2) / total);
            wants[i] = bound - previousBound;
            previousBound = bound;
            if (counts[i] < wants[i]) {
                if (underweight.isEmpty()) {
                    unbalancedSince = now;
                }
                underweight.addFirst(i);
            }
        }
    }

    /** nh_res_table_migrate_buckets: buckets keep their nexthop by ID; those of IDs no longer members become unoccupied. */
    private void remap(int[] newIds, int[] newWeights) {
        int[] oldIds = ids;
        setMembers(newIds, newWeights);
        for (int b = 0; b < buckets; b++) {
            int m = owner[b] == UNOCCUPIED ? UNOCCUPIED : indexOf(newIds, oldIds[owner[b]]);
            owner[b] = m;
            if (m != UNOCCUPIED) {
                counts[m]++;
            }
        }
    }

    private void setMembers(int[] newIds, int[] newWeights) {
        ids = newIds.clone();
        weights = newWeights.clone();
        wants = new int[ids.length];
        counts = new int[ids.length];
    }

    private static long earlier(long time, long deadline) {
        return time - deadline < 0 ? time : deadline;
    }

    private static int indexOf(int[] values, int value) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private static void checkMembers(int[] ids, int[] weights) {
        if (ids.length != weights.length) {
            throw new IllegalArgumentException("group has " + ids.length + " members but " + weights.length + " weights");
        }
        if (ids.length < 1 || ids.length > GroupSpec.MAX_MEMBERS) {
            throw new IllegalArgumentException("a resilient group needs 1.." + GroupSpec.MAX_MEMBERS + " members, had " + ids.length);
        }
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < ids.length; i++) {
            if (!seen.add(ids[i])) {
                throw new IllegalArgumentException("nexthop " + ids[i] + " is in the group twice");
            }
            if (weights[i] < 1 || weights[i] > GroupSpec.MAX_WEIGHT) {
                throw new IllegalArgumentException("weight " + weights[i] + " of nexthop " + ids[i] + " out of range 1.." + GroupSpec.MAX_WEIGHT);
            }
        }
    }

    private static void checkBuckets(int buckets) {
        if (buckets < 1 || buckets > MAX_BUCKETS) {
            throw new IllegalArgumentException("buckets " + buckets + " out of range 1.." + MAX_BUCKETS);
        }
    }

    private static void checkTimer(String name, long nanos) {
        if (nanos < 0 || nanos > TimeUnit.SECONDS.toNanos(MAX_TIMER_SECONDS)) {
            throw new IllegalArgumentException(name + " out of range 0.." + MAX_TIMER_SECONDS + " seconds");
        }
    }

    /** A timer given in seconds on the command line, checked against the kernel's (iproute2's) limit, in nanoseconds. */
    public static long timerSeconds(String name, long seconds) {
        if (seconds < 0 || seconds > MAX_TIMER_SECONDS) {
            throw new IllegalArgumentException(name + " " + seconds + " out of range 0.." + MAX_TIMER_SECONDS + " seconds");
        }
        return TimeUnit.SECONDS.toNanos(seconds);
    }

    /**
     * The kernel's bucket for a 31-bit multipath hash (nexthop_select_path_res:
     * {@code u16 bucket_index = hash % num_nh_buckets}); the hash is never negative. Hot path.
     */
    public static int bucket(int hash31, int buckets) {
        return hash31 % buckets;
    }

    public int buckets() {
        return buckets;
    }

    public long idleTimer() {
        return idleTimer;
    }

    public long unbalancedTimer() {
        return unbalancedTimer;
    }

    public int[] memberIds() {
        return ids.clone();
    }

    public int[] weights() {
        return weights.clone();
    }

    /** The number of buckets member {@code id} should own (its "wants"). */
    public int wants(int id) {
        int i = indexOf(ids, id);
        return i < 0 ? 0 : wants[i];
    }

    /** The number of buckets member {@code id} owns now. */
    public int owned(int id) {
        int i = indexOf(ids, id);
        return i < 0 ? 0 : counts[i];
    }

    public boolean balanced() {
        return underweight.isEmpty();
    }

    /** The nexthop ID owning a bucket (every bucket is owned outside a change). */
    public int nexthop(int bucket) {
        return ids[owner[bucket]];
    }

    /** The nexthop ID of every bucket, in index order: the table the kernel would build. */
    public int[] bucketNexthops() {
        int[] out = new int[buckets];
        for (int b = 0; b < buckets; b++) {
            out[b] = nexthop(b);
        }
        return out;
    }

    /** {@code idle_time} of {@code ip nexthop bucket show}: time since the bucket's last use or migration. */
    public long idleTime(int bucket, long now) {
        return now - usedTime[bucket];
    }

    /** {@code unbalanced_time} of {@code ip nexthop show}: 0 when balanced. */
    public long unbalancedTime(long now) {
        return underweight.isEmpty() ? 0 : now - unbalancedSince;
    }
}
