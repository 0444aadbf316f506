package io.dataplane.ffi.dpdk;

import io.dataplane.ffi.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A DPDK pktmbuf pool: fixed-size packet buffers that devices receive into and that are freed back
 * after transmission or a drop. Created and freed on the control path; the hot path only passes
 * {@link #segment()} to bursts and bulk calls.
 */
public final class Mempool implements AutoCloseable {
    private final String name;
    private final MemorySegment pool;
    private final int size;
    private boolean closed;

    private Mempool(String name, MemorySegment pool, int size) {
        this.name = name;
        this.pool = pool;
        this.size = size;
    }

    /**
     * Creates a pool of {@code mbufs} buffers of {@code dataRoom} bytes (headroom included; use
     * {@link MbufLayout#DEFAULT_BUF_SIZE}) with a per-lcore cache of {@code cache} buffers.
     * {@code socket} is a NUMA node, or -1 for any.
     */
    public static Mempool create(String name, int mbufs, int cache, int dataRoom, int socket) {
        Eal.require();
        if (name.isEmpty() || name.length() > 24) {
            throw new IllegalArgumentException("mempool name must be 1..24 characters (DPDK adds a prefix to a 32-byte name), was '"
                    + name + "'");
        }
        if (mbufs < 64) {
            throw new IllegalArgumentException("mempool " + name + ": needs at least 64 mbufs, was " + mbufs);
        }
        if (cache < 0 || cache > 512 || cache > mbufs / 2) {
            throw new IllegalArgumentException("mempool " + name + ": cache must be 0..512 and at most half the mbufs, was " + cache);
        }
        if (dataRoom <= MbufLayout.HEADROOM || dataRoom > 65535) {
            throw new IllegalArgumentException("mempool " + name + ": data room must be above the headroom ("
                    + MbufLayout.HEADROOM + ") and below 65536, was " + dataRoom);
        }
        MemorySegment pool;
        try (Arena arena = Arena.ofConfined()) {
            pool = Dpdk.pktmbufPoolCreate(arena.allocateFrom(name), mbufs, cache, (short) 0, (short) dataRoom, socket);
        }
        if (pool.equals(MemorySegment.NULL)) {
            int errno = Dpdk.errno();
            String hint = errno == Errno.EEXIST ? "a pool of that name exists already; close the port that owns it"
                    : errno == Errno.ENOMEM ? "not enough DPDK memory: raise '-m' on the 'dpdk eal' line or use fewer mbufs"
                    : "check the DPDK log lines above";
            throw new DpdkException("cannot create mempool " + name + " (" + mbufs + " mbufs of " + dataRoom + " bytes): "
                    + Dpdk.strerror(errno) + "; " + hint);
        }
        return new Mempool(name, pool, mbufs);
    }

    public String name() {
        return name;
    }

    /** The {@code struct rte_mempool *}, as DPDK calls want it. */
    public MemorySegment segment() {
        return pool;
    }

    public int size() {
        return size;
    }

    /** Buffers not in use right now (those in per-lcore caches count as available). */
    public int available() {
        return Dpdk.mempoolAvailable(pool);
    }

    /**
     * Frees the pool. Every mbuf must be back: none may sit in a device ring or a queue of another
     * port, or that port will later free into released memory.
     */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Dpdk.mempoolFree(pool);
        }
    }
}
