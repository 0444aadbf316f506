package io.dataplane.worker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The destinations of a worker's recent {@code neighbour_unresolved} drops, for the control thread
 * to have the kernel resolve: the dataplane cannot queue a packet and send an ARP or neighbour
 * solicitation as the kernel does, so it remembers whom it could not reach, and the kernel asks.
 *
 * <p>A small lossy ring, one writer (the worker, on its drop branch: no allocation, no lock, one
 * release store) and one reader (the control thread, which samples it at its own pace). A flood to
 * one host records it once (a destination equal to the last one is not written again); when more
 * destinations come than the reader takes, the oldest are overwritten, and a slot the worker
 * rewrites while it is read may be read torn: the reader checks every address against the RIB
 * before it asks anything, and the traffic that is still unresolved records its destination again.
 */
public final class UnresolvedDestinations {
    /** Slots in the ring: the destinations of one burst of drops fit; more than a sampling period's are not needed. */
    static final int CAPACITY = 64;
    private static final int MASK = CAPACITY - 1;
    private static final VarHandle WRITTEN, READ;

    static {
        try {
            WRITTEN = MethodHandles.lookup().findVarHandle(UnresolvedDestinations.class, "written", long.class);
            READ = MethodHandles.lookup().findVarHandle(UnresolvedDestinations.class, "read", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] hi = new long[CAPACITY];
    private final long[] lo = new long[CAPACITY];
    private final boolean[] v6 = new boolean[CAPACITY];
    /** Destinations written so far (the worker's; read with acquire). */
    @SuppressWarnings("unused")
    private long written;
    /** The worker's copy of the last destination written, so a flood to one host costs a comparison. */
    private long lastHi, lastLo;
    private boolean lastV6;
    /** How far the reader has read (the reader's; the worker looks at it opaquely). */
    @SuppressWarnings("unused")
    private long read;

    /** Receives each destination sampled: IPv4 in the low 32 bits of {@code lo}, IPv6 as two longs in network order. */
    @FunctionalInterface
    public interface Destination {
        void accept(boolean v6, long hi, long lo);
    }

    /** Worker thread: a frame to this destination was dropped as {@code neighbour_unresolved}. */
    public void record(boolean ipv6, long addressHi, long addressLo) {
        long n = (long) WRITTEN.getOpaque(this);
        if (addressLo == lastLo && addressHi == lastHi && ipv6 == lastV6 && (long) READ.getOpaque(this) < n) {
            return; // the last one written, not sampled yet
        }
        int slot = (int) n & MASK;
        hi[slot] = addressHi;
        lo[slot] = addressLo;
        v6[slot] = ipv6;
        WRITTEN.setRelease(this, n + 1);
        lastHi = addressHi;
        lastLo = addressLo;
        lastV6 = ipv6;
    }

    /** Reader (one thread): hands over the destinations written since the last call, at most {@link #CAPACITY}. */
    public void sample(Destination to) {
        long n = (long) WRITTEN.getAcquire(this);
        for (long i = Math.max((long) READ.getOpaque(this), n - CAPACITY); i < n; i++) {
            int slot = (int) i & MASK;
            to.accept(v6[slot], hi[slot], lo[slot]);
        }
        READ.setOpaque(this, n);
    }
}
