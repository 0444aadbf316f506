package io.dataplane.tables;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Quiescent-state based reclamation (QSBR) between one writer and the worker threads.
 *
 * <p>Each worker registers a slot and calls {@link #quiescent(int)} between bursts, when it holds
 * no reference into forwarding memory. The writer calls {@link #synchronize()} after unlinking
 * memory (an LPM tbl8 group, a table slot); when it returns, every worker has passed a quiescent
 * point since the unlink, so none can still read the old memory and it may be reused.
 * A worker that stops calls {@link #offline(int)} so it never holds up the writer.
 */
public final class Quiescence {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int STRIDE = 16; // one slot per 128-byte pair of cache lines: no false sharing
    private static final long OFFLINE = Long.MAX_VALUE;

    private final long[] slots;
    private final boolean[] used;
    private volatile long epoch = 1;

    public Quiescence(int maxWorkers) {
        slots = new long[(maxWorkers + 1) * STRIDE];
        used = new boolean[maxWorkers];
        for (int i = 0; i < maxWorkers; i++) {
            slots[(i + 1) * STRIDE] = OFFLINE;
        }
    }

    /** Reserves a slot for a worker; the worker starts offline. Control path. */
    public synchronized int register() {
        for (int i = 0; i < used.length; i++) {
            if (!used[i]) {
                used[i] = true;
                SLOTS.setVolatile(slots, (i + 1) * STRIDE, OFFLINE);
                return i;
            }
        }
        throw new IllegalStateException("all " + used.length + " worker slots are in use");
    }

    public synchronized void unregister(int slot) {
        offline(slot);
        used[slot] = false;
    }

    /** Worker, between bursts: "I hold no reference into forwarding memory now". */
    public void quiescent(int slot) {
        SLOTS.setRelease(slots, (slot + 1) * STRIDE, epoch);
    }

    /**
     * Worker, before it first touches forwarding memory (and after {@link #offline(int)}). The full
     * fence orders the slot store before the worker's first table reads, so a writer either sees the
     * worker online or the worker sees the writer's unlink.
     */
    public void online(int slot) {
        SLOTS.setVolatile(slots, (slot + 1) * STRIDE, epoch);
        VarHandle.fullFence();
    }

    /** Worker stopping or parking for long: it no longer delays {@link #synchronize()}. */
    public void offline(int slot) {
        SLOTS.setVolatile(slots, (slot + 1) * STRIDE, OFFLINE);
    }

    /** Writer: waits until every online worker has passed a quiescent point after this call began. */
    public void synchronize() {
        final long target;
        synchronized (this) {
            target = ++epoch;
        }
        VarHandle.fullFence();
        for (int i = 0; i < used.length; i++) {
            int spins = 0;
            while ((long) SLOTS.getVolatile(slots, (i + 1) * STRIDE) < target) {
                if (++spins < 1000) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(10_000);
                }
            }
        }
    }
}
