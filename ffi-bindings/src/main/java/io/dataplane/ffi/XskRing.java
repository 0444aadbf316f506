package io.dataplane.ffi;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * One AF_XDP ring shared with the kernel (single producer, single consumer), driven the way
 * libxdp's {@code xsk.h} does: the peer's index is read with an acquire load only when the
 * cached copy says the ring is full or empty, our own index lives in a Java field and is
 * published with a release store. Indices are free-running 32-bit values masked by size - 1.
 *
 * <p>Producer rings (FILL, TX) use {@link #free}, {@link #putAddress}/{@link #putDescriptor},
 * {@link #submit}. Consumer rings (RX, COMPLETION) use {@link #available}, {@link #address}/
 * {@link #descriptorLength}, {@link #release}. Only the owning worker thread may call these.
 */
public final class XskRing {
    private static final VarHandle I32 = JAVA_INT.varHandle();
    /** {@code XDP_RING_NEED_WAKEUP} in the ring's flags word. */
    private static final int NEED_WAKEUP = 1;
    /** Where the entries of a ring in process memory start. */
    private static final long MEMORY_ENTRIES = 192;

    private final String name;
    private final MemorySegment map;
    private final long producerOffset;
    private final long consumerOffset;
    private final long flagsOffset;
    private final long descOffset;
    private final int size;
    private final int mask;
    private final int entrySize;
    private final boolean userProduces;
    /** Our own index: the producer index for FILL/TX, the consumer index for RX/COMPLETION. */
    private int local;
    /** Producer rings: the peer's consumer index + size (so free = cachedPeer - local); consumer rings: its producer index. */
    private int cachedPeer;

    XskRing(String name, MemorySegment map, long producerOffset, long consumerOffset, long flagsOffset, long descOffset,
            int size, int entrySize, boolean userProduces) {
        this.name = name;
        this.map = map;
        this.producerOffset = producerOffset;
        this.consumerOffset = consumerOffset;
        this.flagsOffset = flagsOffset;
        this.descOffset = descOffset;
        this.size = size;
        this.mask = size - 1;
        this.entrySize = entrySize;
        this.userProduces = userProduces;
        if (userProduces) {
            local = (int) I32.getAcquire(map, producerOffset);
            cachedPeer = (int) I32.getAcquire(map, consumerOffset) + size;
        } else {
            local = (int) I32.getAcquire(map, consumerOffset);
            cachedPeer = (int) I32.getAcquire(map, producerOffset);
        }
    }

    /** Bytes a ring in process memory needs ({@link #inMemory}): three index cache lines, then the entries. */
    public static long inMemoryBytes(int size, int entrySize) {
        return MEMORY_ENTRIES + (long) size * entrySize;
    }

    /**
     * One side of a ring in process memory that a peer thread drives through a second
     * {@code XskRing} over the same {@code memory} with {@code userProduces} the other way round:
     * the same protocol as a kernel ring, so in-memory ports exercise this code. The layout is the
     * kernel's: producer, consumer and flags words on cache lines of their own, then the entries
     * (8-byte addresses for FILL/COMPLETION, 16-byte descriptors for RX/TX).
     */
    public static XskRing inMemory(String name, MemorySegment memory, int size, int entrySize, boolean userProduces) {
        if (Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two, was " + size);
        }
        if (entrySize != 8 && entrySize != 16) {
            throw new IllegalArgumentException("ring entries are 8 (addresses) or 16 (descriptors) bytes, was " + entrySize);
        }
        if (memory.byteSize() < inMemoryBytes(size, entrySize)) {
            throw new IllegalArgumentException("ring memory of " + memory.byteSize() + " bytes is smaller than " + inMemoryBytes(size, entrySize));
        }
        return new XskRing(name, memory, 0, 64, 128, MEMORY_ENTRIES, size, entrySize, userProduces);
    }

    public String name() {
        return name;
    }

    public int size() {
        return size;
    }

    MemorySegment mapping() {
        return map;
    }

    // ---- producer side (FILL, TX) ----

    /** How many of {@code wanted} slots can be written now (refreshes the consumer index only when short). */
    public int free(int wanted) {
        int free = cachedPeer - local;
        if (free < wanted) {
            cachedPeer = (int) I32.getAcquire(map, consumerOffset) + size;
            free = cachedPeer - local;
        }
        return Math.min(free, wanted);
    }

    /** Writes a FILL entry {@code i} slots after the last submitted one. */
    public void putAddress(int i, long address) {
        map.set(JAVA_LONG, descOffset + (long) ((local + i) & mask) * 8, address);
    }

    /** Writes a TX descriptor {@code i} slots after the last submitted one. */
    public void putDescriptor(int i, long address, int length) {
        long at = descOffset + (long) ((local + i) & mask) * 16;
        map.set(JAVA_LONG, at, address);
        map.set(JAVA_INT, at + 8, length);
        map.set(JAVA_INT, at + 12, 0);
    }

    /** Publishes {@code n} written entries to the kernel. */
    public void submit(int n) {
        local += n;
        I32.setRelease(map, producerOffset, local);
    }

    // ---- consumer side (RX, COMPLETION) ----

    /** How many entries (up to {@code max}) can be read now (refreshes the producer index only when empty). */
    public int available(int max) {
        int avail = cachedPeer - local;
        if (avail == 0) {
            cachedPeer = (int) I32.getAcquire(map, producerOffset);
            avail = cachedPeer - local;
        }
        return Math.min(avail, max);
    }

    /** The address of entry {@code i} after the last released one (COMPLETION entry, or RX descriptor's addr). */
    public long address(int i) {
        return map.get(JAVA_LONG, descOffset + (long) ((local + i) & mask) * entrySize);
    }

    /** The length of RX descriptor {@code i} after the last released one. */
    public int descriptorLength(int i) {
        return map.get(JAVA_INT, descOffset + (long) ((local + i) & mask) * 16 + 8);
    }

    /** Hands {@code n} read entries back to the kernel. */
    public void release(int n) {
        local += n;
        I32.setRelease(map, consumerOffset, local);
    }

    // ---- both ----

    /**
     * Whether the kernel asked for a syscall to make progress. The full fence orders our index
     * store before the flags load, which release/acquire alone would not; a missed kick would
     * otherwise stall the ring until the next empty poll.
     */
    public boolean needsWakeup() {
        VarHandle.fullFence();
        return ((int) I32.getVolatile(map, flagsOffset) & NEED_WAKEUP) != 0;
    }

    /**
     * Producer rings, for teardown: copies the addresses written but not yet consumed by the kernel
     * into {@code out} (size {@link #size()} is enough) and returns how many.
     */
    public int unconsumed(long[] out) {
        if (!userProduces) {
            throw new IllegalStateException(name + " is a consumer ring");
        }
        int cons = (int) I32.getAcquire(map, consumerOffset);
        int n = local - cons;
        for (int i = 0; i < n; i++) {
            out[i] = map.get(JAVA_LONG, descOffset + (long) ((cons + i) & mask) * entrySize);
        }
        return n;
    }

    /** Entries in the ring right now, as both sides' indices say: written by one side, not yet read by the other. */
    public int entries() {
        if (userProduces) {
            return local - (int) I32.getAcquire(map, consumerOffset);
        }
        return (int) I32.getAcquire(map, producerOffset) - local;
    }
}
