package io.dataplane.perf.soak;

import io.dataplane.perf.vskernel.FlowSink;
import java.util.ArrayList;
import java.util.List;

/**
 * Where every frame of the soak went. Once a second the sinks' per-flow counters are read; each
 * flow's frames that arrived at a sink since the last reading must have been sent to that sink by
 * a table version that could have been live while they were on their way: a window from the last
 * reading minus {@link #IN_FLIGHT_NANOS} to this one. The group alternates between its weight
 * sets all the time, so both sets are always allowed; the flapped port's dead state only in the
 * windows that overlap a flap (from the link going down to the daemon reporting the nexthop alive
 * again), the all-alive state except in windows wholly inside one (from the nexthop seen dead to
 * the link going up). Frames anywhere else are misroutes.
 *
 * <p>At the end, per flow: frames sent (the generator's counter c gives flow {@code c % flows}),
 * minus frames received at all sinks, is the flow's loss. Only flows that the flapped port carries
 * under some weight set may lose frames (a port down drops only frames for that port; a replace
 * drops nothing), and their loss must be covered by drop counters that the flaps explain.
 */
final class Accounting {
    /** Longest a frame may take from the generator to a sink, as far as the windows are concerned. */
    static final long IN_FLIGHT_NANOS = 500_000_000L;

    /** A flow's frames found where no live table version sent them. */
    record Misroute(int flow, int sink, long frames, long windowStartNanos, long windowEndNanos) {
    }

    private final int flows;
    private final int sinks;
    private final int flapped;
    /** Per flow, bit s set when some weight set sends it to sink s with every member alive / with the flapped one dead. */
    private final int[] allowedAlive, allowedDead;
    private final List<ChurnDriver.Flap> flapLog;
    private long[][] last;
    private long lastNanos;
    private final List<Misroute> misroutes = new ArrayList<>();
    private long misrouted;

    Accounting(SinkPrediction prediction, int[][] weightSets, int sinks, int flapped, List<ChurnDriver.Flap> flapLog) {
        this.sinks = sinks;
        this.flapped = flapped;
        this.flapLog = flapLog;
        boolean[] all = new boolean[sinks];
        java.util.Arrays.fill(all, true);
        boolean[] dead = all.clone();
        dead[flapped] = false;
        int[] first = prediction.sinks(weightSets[0], all);
        flows = first.length;
        allowedAlive = new int[flows];
        allowedDead = new int[flows];
        for (int[] w : weightSets) {
            int[] a = prediction.sinks(w, all);
            int[] d = prediction.sinks(w, dead);
            for (int f = 0; f < flows; f++) {
                allowedAlive[f] |= 1 << a[f];
                allowedDead[f] |= 1 << d[f];
            }
        }
    }

    /** Starts counting from these readings (the sinks were just reset, or not). */
    void start(FlowSink.Counts[] counts, long nanos) {
        last = perFlow(counts);
        lastNanos = nanos;
    }

    private long[][] perFlow(FlowSink.Counts[] counts) {
        long[][] c = new long[sinks][];
        for (int s = 0; s < sinks; s++) {
            c[s] = counts[s].perFlow().clone();
        }
        return c;
    }

    /** Checks the frames that arrived since the last reading; {@code nanos} is when this reading ended. */
    void check(FlowSink.Counts[] counts, long nanos) {
        long a = lastNanos - IN_FLIGHT_NANOS;
        boolean alivePossible = true, deadPossible = false;
        for (ChurnDriver.Flap f : flapLog) {
            long down = f.down, dead = f.dead, up = f.up, alive = f.alive;
            if (dead != 0 && a >= dead && (up == 0 || nanos <= up)) {
                alivePossible = false;
            }
            if (down != 0 && down <= nanos && (alive == 0 || alive >= a)) {
                deadPossible = true;
            }
        }
        long[][] now = perFlow(counts);
        for (int f = 0; f < flows; f++) {
            int allowed = (alivePossible ? allowedAlive[f] : 0) | (deadPossible ? allowedDead[f] : 0);
            for (int s = 0; s < sinks; s++) {
                long delta = now[s][f] - last[s][f];
                if (delta > 0 && (allowed & 1 << s) == 0) {
                    misrouted += delta;
                    if (misroutes.size() < 20) {
                        misroutes.add(new Misroute(f, s, delta, a, nanos));
                    }
                }
            }
        }
        last = now;
        lastNanos = nanos;
    }

    long misrouted() {
        return misrouted;
    }

    List<Misroute> misroutes() {
        return List.copyOf(misroutes);
    }

    /** Frames received per flow since {@code base} (summed over the sinks). */
    long[] receivedSince(long[][] base) {
        long[] r = new long[flows];
        for (int s = 0; s < sinks; s++) {
            for (int f = 0; f < flows; f++) {
                r[f] += last[s][f] - base[s][f];
            }
        }
        return r;
    }

    long[][] lastReading() {
        long[][] c = new long[sinks][];
        for (int s = 0; s < sinks; s++) {
            c[s] = last[s].clone();
        }
        return c;
    }

    /** Whether the flapped port carries flow {@code f} under some weight set. */
    boolean carriedByFlapped(int f) {
        return (allowedAlive[f] & 1 << flapped) != 0;
    }

    int flows() {
        return flows;
    }

    /** Frames of flow {@code f} among generator frames {@code [from, to)} (frame c belongs to flow c % flows). */
    static long sent(long from, long to, int flows, int f) {
        return count(to, flows, f) - count(from, flows, f);
    }

    private static long count(long n, int flows, int f) {
        return n / flows + (f < n % flows ? 1 : 0);
    }
}
