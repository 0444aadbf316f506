package io.dataplane.port;

import io.dataplane.ffi.XskRing;
import io.dataplane.pipeline.PacketBatch;
import java.lang.foreign.MemorySegment;

/**
 * A port whose "wire" is in memory, built exactly like an AF_XDP socket and on the same ring code
 * ({@link XskRing}): the worker hands free frames to the wire through a fill ring, receives on an
 * RX ring, sends on a TX ring and gets sent frames back on a completion ring. The wire side
 * ({@link #inject}, {@link #drain}) plays the kernel's part with its own view of each ring; the
 * demo and the tests drive it. Worker side and wire side may run on different threads; each ring
 * has one producer and one consumer.
 */
public final class MemoryPort implements Port {
    /** Receives frames the worker transmitted, on the wire thread. */
    @FunctionalInterface
    public interface FrameSink {
        void accept(MemorySegment memory, long offset, int length);
    }

    /** Writes one frame into wire memory at {@code offset} and returns its length (0 = nothing to send). */
    @FunctionalInterface
    public interface FrameSource {
        int write(MemorySegment memory, long offset);
    }

    private static final int ADDRESS = 8;
    private static final int DESCRIPTOR = 16;

    private final int index;
    private final String name;
    private final MemoryUmem umem;
    private final FramePool pool;
    private final int mtu;
    private final int ringSize;
    // The worker's side of each ring.
    private final XskRing fill;
    private final XskRing rx;
    private final XskRing tx;
    private final XskRing completion;
    // The wire's side of the same rings.
    private final XskRing wireFill;
    private final XskRing wireRx;
    private final XskRing wireTx;
    private final XskRing wireCompletion;
    private int unpublishedTx;

    public MemoryPort(int index, String name, MemoryUmem umem, int ringSize, int mtu) {
        this.index = index;
        this.name = name;
        this.umem = umem;
        this.pool = umem.pool();
        this.mtu = mtu;
        this.ringSize = ringSize;
        MemorySegment fillMemory = ring(umem, ringSize, ADDRESS);
        MemorySegment rxMemory = ring(umem, ringSize, DESCRIPTOR);
        MemorySegment txMemory = ring(umem, ringSize, DESCRIPTOR);
        MemorySegment completionMemory = ring(umem, ringSize, ADDRESS);
        this.fill = XskRing.inMemory("fill", fillMemory, ringSize, ADDRESS, true);
        this.wireFill = XskRing.inMemory("fill", fillMemory, ringSize, ADDRESS, false);
        this.rx = XskRing.inMemory("rx", rxMemory, ringSize, DESCRIPTOR, false);
        this.wireRx = XskRing.inMemory("rx", rxMemory, ringSize, DESCRIPTOR, true);
        this.tx = XskRing.inMemory("tx", txMemory, ringSize, DESCRIPTOR, true);
        this.wireTx = XskRing.inMemory("tx", txMemory, ringSize, DESCRIPTOR, false);
        this.completion = XskRing.inMemory("completion", completionMemory, ringSize, ADDRESS, false);
        this.wireCompletion = XskRing.inMemory("completion", completionMemory, ringSize, ADDRESS, true);
    }

    private static MemorySegment ring(MemoryUmem umem, int size, int entrySize) {
        if (Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two, was " + size);
        }
        return umem.arena().allocate(XskRing.inMemoryBytes(size, entrySize), 64);
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public MemorySegment memory() {
        return umem.memory();
    }

    @Override
    public int maxFrameLength() {
        return mtu + 18; // Ethernet header and one VLAN tag
    }

    @Override
    public int receive(PacketBatch batch) {
        int n = rx.available(batch.capacity() - batch.count());
        for (int i = 0; i < n; i++) {
            long frame = rx.address(i);
            batch.add(frame, frame, rx.descriptorLength(i));
        }
        if (n > 0) {
            rx.release(n);
        }
        return n;
    }

    @Override
    public boolean transmit(long handle, long data, int length) {
        if (tx.free(unpublishedTx + 1) <= unpublishedTx) {
            return false;
        }
        tx.putDescriptor(unpublishedTx, data, length);
        unpublishedTx++;
        return true;
    }

    @Override
    public void flush() {
        if (unpublishedTx > 0) {
            tx.submit(unpublishedTx);
            unpublishedTx = 0;
        }
    }

    @Override
    public void release(long handle) {
        pool.push(handle);
    }

    @Override
    public long allocate() {
        return pool.pop();
    }

    @Override
    public int poll() {
        int done = completion.available(ringSize);
        for (int i = 0; i < done; i++) {
            pool.push(completion.address(i));
        }
        if (done > 0) {
            completion.release(done);
        }
        int refill = fill.free(Math.min(ringSize, pool.available()));
        for (int i = 0; i < refill; i++) {
            fill.putAddress(i, pool.pop());
        }
        if (refill > 0) {
            fill.submit(refill);
        }
        return done + refill;
    }

    /**
     * Wire side: puts up to {@code max} frames from {@code source} on the RX ring, in frames the
     * worker provided through the fill ring. Returns how many; fewer when the worker has not
     * provided free frames (it is behind, or not running).
     */
    public int inject(FrameSource source, int max) {
        int n = Math.min(max, Math.min(wireFill.available(ringSize), wireRx.free(ringSize)));
        int sent = 0;
        for (int i = 0; i < n; i++) {
            long frame = wireFill.address(i);
            int length = source.write(umem.memory(), frame);
            if (length <= 0) {
                break;
            }
            wireRx.putDescriptor(i, frame, length);
            sent++;
        }
        if (sent > 0) {
            wireFill.release(sent);
            wireRx.submit(sent);
        }
        return sent;
    }

    /** Wire side: one frame copied from {@code frame}; false when no free frame is on the fill ring. */
    public boolean inject(MemorySegment frame) {
        return inject((m, at) -> {
            MemorySegment.copy(frame, 0, m, at, frame.byteSize());
            return (int) frame.byteSize();
        }, 1) == 1;
    }

    /** Wire side: hands up to {@code max} transmitted frames to {@code sink}, then completes them. */
    public int drain(FrameSink sink, int max) {
        int n = Math.min(max, Math.min(wireTx.available(ringSize), wireCompletion.free(ringSize)));
        for (int i = 0; i < n; i++) {
            long frame = wireTx.address(i);
            sink.accept(umem.memory(), frame, wireTx.descriptorLength(i));
            wireCompletion.putAddress(i, frame);
        }
        if (n > 0) {
            wireTx.release(n);
            wireCompletion.submit(n);
        }
        return n;
    }

    @Override
    public void close() {
        // Memory belongs to the shared MemoryUmem, closed by its owner.
    }
}
