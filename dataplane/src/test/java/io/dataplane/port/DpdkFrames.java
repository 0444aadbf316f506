package io.dataplane.port;

import io.dataplane.ffi.dpdk.Dpdk;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Builds frames in a DPDK port's own mbufs, and reads them back, for tests. */
final class DpdkFrames {
    private DpdkFrames() {}

    /** An mbuf from the port's pool holding {@code bytes}; returns the mbuf pointer (the frame's handle). */
    static long frame(DpdkPort port, byte[] bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(ValueLayout.JAVA_LONG);
            int rc = Dpdk.mbufAllocBulk(port.mempool().segment(), one, 1);
            if (rc != 0) {
                throw new IllegalStateException("mempool of " + port.name() + " is empty");
            }
            long mbuf = one.get(ValueLayout.JAVA_LONG, 0);
            long data = Dpdk.mbufAppend(mbuf, bytes.length);
            if (data == 0) {
                throw new IllegalStateException("frame of " + bytes.length + " bytes does not fit an mbuf");
            }
            MemorySegment.copy(bytes, 0, port.memory(), ValueLayout.JAVA_BYTE, data, bytes.length);
            return mbuf;
        }
    }

    static byte[] bytes(DpdkPort port, long data, int length) {
        byte[] out = new byte[length];
        MemorySegment.copy(port.memory(), ValueLayout.JAVA_BYTE, data, out, 0, length);
        return out;
    }

    /** A frame of {@code length} bytes whose content identifies {@code seq}. */
    static byte[] pattern(int seq, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seq * 31 + i * 7);
        }
        b[0] = (byte) (seq >>> 8);
        b[1] = (byte) seq;
        return b;
    }
}
