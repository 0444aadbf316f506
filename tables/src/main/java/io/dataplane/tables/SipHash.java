package io.dataplane.tables;

/**
 * SipHash-2-4 (Aumasson and Bernstein) over a message given as little-endian 64-bit blocks, as
 * the Linux kernel's {@code lib/siphash.c} computes it: the kernel's multipath hash (6.11+)
 * is SipHash-2-4 of {@code struct flow_keys}. It allocates nothing, so the fast path may call it.
 */
public final class SipHash {
    private SipHash() {
    }

    /**
     * SipHash-2-4 of the first {@code length} bytes of the message whose bytes are
     * {@code blocks[i]} read little-endian (byte 8i + j is bits 8j..8j+7 of {@code blocks[i]}).
     * Bytes of the last block beyond {@code length} are ignored.
     *
     * @param k0 the key's first 8 bytes, read little-endian
     * @param k1 the key's last 8 bytes, read little-endian
     */
    public static long hash(long k0, long k1, long[] blocks, int length) {
        long v0 = 0x736f6d6570736575L ^ k0;
        long v1 = 0x646f72616e646f6dL ^ k1;
        long v2 = 0x6c7967656e657261L ^ k0;
        long v3 = 0x7465646279746573L ^ k1;
        int full = length >>> 3;
        for (int i = 0; i < full; i++) {
            long m = blocks[i];
            v3 ^= m;
            for (int r = 0; r < 2; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        int tail = length & 7;
        long b = (long) length << 56;
        if (tail != 0) {
            b |= blocks[full] & ((1L << (tail << 3)) - 1);
        }
        v3 ^= b;
        for (int r = 0; r < 2; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= b;
        v2 ^= 0xff;
        for (int r = 0; r < 4; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
