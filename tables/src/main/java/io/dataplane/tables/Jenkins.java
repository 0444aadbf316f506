package io.dataplane.tables;

/**
 * Bob Jenkins' lookup3 hash exactly as the Linux kernel's {@code include/linux/jhash.h}
 * ({@code jhash_1word}, {@code jhash_2words}, {@code jhash_3words}, {@code jhash2}, {@code jhash}),
 * bit for bit, so that a multipath choice can be predicted by any tool that knows the kernel's.
 * All arithmetic is 32-bit and wraps, as in C.
 */
public final class Jenkins {
    /** The kernel's {@code JHASH_INITVAL}. */
    public static final int INITVAL = 0xdeadbeef;

    private Jenkins() {
    }

    public static int jhash1Word(int a, int initval) {
        return nwords(a, 0, 0, initval + INITVAL + (1 << 2));
    }

    public static int jhash2Words(int a, int b, int initval) {
        return nwords(a, b, 0, initval + INITVAL + (2 << 2));
    }

    public static int jhash3Words(int a, int b, int c, int initval) {
        return nwords(a, b, c, initval + INITVAL + (3 << 2));
    }

    /** {@code jhash2(k, length, initval)}: a hash over {@code length} 32-bit words of {@code k}. */
    public static int jhash2(int[] k, int length, int initval) {
        int a = INITVAL + (length << 2) + initval;
        int b = a;
        int c = a;
        int i = 0;
        int n = length;
        while (n > 3) {
            a += k[i];
            b += k[i + 1];
            c += k[i + 2];
            // mix(a, b, c)
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
            n -= 3;
            i += 3;
        }
        switch (n) {
            case 3:
                c += k[i + 2];
                // fall through
            case 2:
                b += k[i + 1];
                // fall through
            case 1:
                a += k[i];
                return finalMix(a, b, c);
            default:
                return c;
        }
    }

    /** {@code jhash(bytes, length, initval)} over a byte array (lookup3's hashlittle on x86). */
    public static int jhash(byte[] key, int length, int initval) {
        int a = INITVAL + length + initval;
        int b = a;
        int c = a;
        int i = 0;
        int n = length;
        while (n > 12) {
            a += le32(key, i);
            b += le32(key, i + 4);
            c += le32(key, i + 8);
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
            n -= 12;
            i += 12;
        }
        if (n == 0) {
            return c;
        }
        for (int j = n - 1; j >= 0; j--) {
            int v = (key[i + j] & 0xff) << ((j & 3) * 8);
            if (j >= 8) {
                c += v;
            } else if (j >= 4) {
                b += v;
            } else {
                a += v;
            }
        }
        return finalMix(a, b, c);
    }

    private static int nwords(int a, int b, int c, int initval) {
        return finalMix(a + initval, b + initval, c + initval);
    }

    /** The kernel's {@code __jhash_final}; returns c. */
    static int finalMix(int a, int b, int c) {
        c ^= b; c -= Integer.rotateLeft(b, 14);
        a ^= c; a -= Integer.rotateLeft(c, 11);
        b ^= a; b -= Integer.rotateLeft(a, 25);
        c ^= b; c -= Integer.rotateLeft(b, 16);
        a ^= c; a -= Integer.rotateLeft(c, 4);
        b ^= a; b -= Integer.rotateLeft(a, 14);
        c ^= b; c -= Integer.rotateLeft(b, 24);
        return c;
    }

    private static int le32(byte[] k, int i) {
        return (k[i] & 0xff) | (k[i + 1] & 0xff) << 8 | (k[i + 2] & 0xff) << 16 | (k[i + 3] & 0xff) << 24;
    }
}
