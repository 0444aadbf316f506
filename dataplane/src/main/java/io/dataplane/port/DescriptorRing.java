package io.dataplane.port;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A single-producer single-consumer ring of frame descriptors (address, length) in off-heap
 * memory, with the AF_XDP ring protocol: free-running 32-bit indices, the peer's index read with
 * an acquire load only when the cached copy says empty/full, one's own index published with a
 * release store. The in-memory port uses four of these exactly as an XSK uses its rings.
 */
final class DescriptorRing {
    private static final VarHandle INDEX = ValueLayout.JAVA_INT.varHandle();
    private static final long PRODUCER = 0;
    private static final long CONSUMER = 64; // own cache line: producer and consumer do not false-share
    private static final long ENTRIES = 128;
    private static final int ENTRY = 16;

    private final MemorySegment ring;
    private final int size;
    private final int mask;
    // Producer thread's view.
    private int producer;
    private int cachedConsumer;
    // Consumer thread's view.
    private int consumer;
    private int cachedProducer;

    DescriptorRing(Arena arena, int size) {
        if (Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two, was " + size);
        }
        this.size = size;
        this.mask = size - 1;
        this.ring = arena.allocate(ENTRIES + (long) size * ENTRY, 64);
    }

    int size() {
        return size;
    }

    /** Producer: slots free for {@link #put}. */
    int free() {
        int free = size - (producer - cachedConsumer);
        if (free == 0) {
            cachedConsumer = (int) INDEX.getAcquire(ring, CONSUMER);
            free = size - (producer - cachedConsumer);
        }
        return free;
    }

    /** Producer: writes the next slot; the caller checked {@link #free()}. */
    void put(long address, int length) {
        long e = ENTRIES + (long) (producer & mask) * ENTRY;
        ring.set(ValueLayout.JAVA_LONG, e, address);
        ring.set(ValueLayout.JAVA_INT, e + 8, length);
        producer++;
    }

    /** Producer: makes every {@link #put} so far visible to the consumer. */
    void publish() {
        INDEX.setRelease(ring, PRODUCER, producer);
    }

    /** Consumer: entries ready to read. */
    int available() {
        int available = cachedProducer - consumer;
        if (available == 0) {
            cachedProducer = (int) INDEX.getAcquire(ring, PRODUCER);
            available = cachedProducer - consumer;
        }
        return available;
    }

    /** Consumer: address of the i-th unread entry. */
    long address(int i) {
        return ring.get(ValueLayout.JAVA_LONG, ENTRIES + (long) ((consumer + i) & mask) * ENTRY);
    }

    long length(int i) {
        return ring.get(ValueLayout.JAVA_INT, ENTRIES + (long) ((consumer + i) & mask) * ENTRY + 8);
    }

    /** Consumer: hands {@code n} read entries back to the producer. */
    void release(int n) {
        consumer += n;
        INDEX.setRelease(ring, CONSUMER, consumer);
    }
}
