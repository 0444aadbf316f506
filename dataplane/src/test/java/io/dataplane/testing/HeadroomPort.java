package io.dataplane.testing;

import io.dataplane.pipeline.PacketBatch;
import io.dataplane.port.Port;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A port for ICMP error tests: one frame at a time, placed {@link #HEADROOM} bytes into its own
 * memory so an error can be built in front of it (as in a UMEM frame's headroom), and the last
 * frame it was asked to transmit kept as bytes.
 */
public final class HeadroomPort implements Port {
    /** Where the frame starts in the port's memory; all bytes before it are usable headroom. */
    public static final long HEADROOM = 256;
    private final int index;
    private final MemorySegment memory = MemorySegment.ofArray(new byte[4096]);
    private byte[] sent;

    public HeadroomPort(int index) {
        this.index = index;
    }

    /** Copies {@code frame} to {@link #HEADROOM} and puts it in {@code batch} as frame 0. */
    public PacketBatch receive(byte[] frame) {
        memory.fill((byte) 0);
        MemorySegment.copy(frame, 0, memory, ValueLayout.JAVA_BYTE, HEADROOM, frame.length);
        PacketBatch b = new PacketBatch(1);
        b.add(HEADROOM, HEADROOM, frame.length);
        sent = null;
        return b;
    }

    /** The last frame transmitted, or null. */
    public byte[] sent() {
        return sent;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public String name() {
        return "headroom" + index;
    }

    @Override
    public MemorySegment memory() {
        return memory;
    }

    @Override
    public int receive(PacketBatch batch) {
        return 0;
    }

    @Override
    public boolean transmit(long handle, long data, int length) {
        sent = memory.asSlice(data, length).toArray(ValueLayout.JAVA_BYTE);
        return true;
    }

    @Override
    public void flush() {
    }

    @Override
    public void release(long handle) {
    }

    @Override
    public int poll() {
        return 0;
    }

    @Override
    public long headroomStart(long handle, long data) {
        return 0;
    }

    @Override
    public int maxFrameLength() {
        return 1514;
    }

    @Override
    public void close() {
    }
}
