package io.dataplane.port;

import io.dataplane.pipeline.PacketBatch;
import java.lang.foreign.MemorySegment;

/**
 * A port whose "wire" is in memory, built exactly like an AF_XDP socket: the worker hands free
 * frames to the wire through a fill ring, receives on an RX ring, sends on a TX ring and gets
 * sent frames back on a completion ring. The wire side ({@link #inject}, {@link #drain}) plays the
 * kernel's part; the demo and the tests drive it. Worker side and wire side may run on different
 * threads; each ring has one producer and one consumer.
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

    private final int index;
    private final String name;
    private final MemoryUmem umem;
    private final FramePool pool;
    private final int mtu;
    private final DescriptorRing fill;
    private final DescriptorRing rx;
    private final DescriptorRing tx;
    private final DescriptorRing completion;
    private int unpublishedTx;

    public MemoryPort(int index, String name, MemoryUmem umem, int ringSize, int mtu) {
        this.index = index;
        this.name = name;
        this.umem = umem;
        this.pool = umem.pool();
        this.mtu = mtu;
        this.fill = new DescriptorRing(umem.arena(), ringSize);
        this.rx = new DescriptorRing(umem.arena(), ringSize);
        this.tx = new DescriptorRing(umem.arena(), ringSize);
        this.completion = new DescriptorRing(umem.arena(), ringSize);
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
        int n = Math.min(rx.available(), batch.capacity() - batch.count());
        for (int i = 0; i < n; i++) {
            long frame = rx.address(i);
            batch.add(frame, frame, (int) rx.length(i));
        }
        if (n > 0) {
            rx.release(n);
        }
        return n;
    }

    @Override
    public boolean transmit(long handle, long data, int length) {
        if (tx.free() == 0) {
            return false;
        }
        tx.put(data, length);
        unpublishedTx++;
        return true;
    }

    @Override
    public void flush() {
        if (unpublishedTx > 0) {
            tx.publish();
            unpublishedTx = 0;
        }
    }

    @Override
    public void release(long handle) {
        pool.push(handle);
    }

    @Override
    public int poll() {
        int done = completion.available();
        for (int i = 0; i < done; i++) {
            pool.push(completion.address(i));
        }
        if (done > 0) {
            completion.release(done);
        }
        int refill = Math.min(fill.free(), pool.available());
        for (int i = 0; i < refill; i++) {
            fill.put(pool.pop(), 0);
        }
        if (refill > 0) {
            fill.publish();
        }
        return done + refill;
    }

    /**
     * Wire side: puts up to {@code max} frames from {@code source} on the RX ring, in frames the
     * worker provided through the fill ring. Returns how many; fewer when the worker has not
     * provided free frames (it is behind, or not running).
     */
    public int inject(FrameSource source, int max) {
        int n = Math.min(max, Math.min(fill.available(), rx.free()));
        int sent = 0;
        for (int i = 0; i < n; i++) {
            long frame = fill.address(i);
            int length = source.write(umem.memory(), frame);
            if (length <= 0) {
                break;
            }
            rx.put(frame, length);
            sent++;
        }
        if (sent > 0) {
            fill.release(sent);
            rx.publish();
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
        int n = Math.min(max, Math.min(tx.available(), completion.free()));
        for (int i = 0; i < n; i++) {
            long frame = tx.address(i);
            sink.accept(umem.memory(), frame, (int) tx.length(i));
            completion.put(frame, 0);
        }
        if (n > 0) {
            tx.release(n);
            completion.publish();
        }
        return n;
    }

    @Override
    public void close() {
        // Memory belongs to the shared MemoryUmem, closed by its owner.
    }
}
