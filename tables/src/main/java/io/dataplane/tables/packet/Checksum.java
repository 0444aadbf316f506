package io.dataplane.tables.packet;

import static io.dataplane.tables.packet.NetworkOrder.U16;
import static io.dataplane.tables.packet.NetworkOrder.U32;
import static io.dataplane.tables.packet.NetworkOrder.U8;

import java.lang.foreign.MemorySegment;

/**
 * The Internet checksum (RFC 1071): one's-complement sums of 16-bit words, carried in a long and
 * folded at the end. (The one incremental update a router makes, TTL - 1, is
 * {@link Ipv4#decrementTtl}'s.) Hot path: no allocation.
 *
 * <pre>
 * m.set(U16, ip + Ipv4.CHECKSUM, (short) 0);
 * m.set(U16, ip + Ipv4.CHECKSUM, (short) Checksum.finish(Checksum.sum(m, ip, 20, 0)));
 * </pre>
 */
public final class Checksum {
    private Checksum() {
    }

    /** Adds {@code length} bytes at {@code at} to {@code initial}; an odd last byte is padded with zero. */
    public static long sum(MemorySegment m, long at, int length, long initial) {
        long s = initial;
        int i = 0;
        for (; i + 1 < length; i += 2) {
            s += m.get(U16, at + i) & 0xffff;
        }
        if (i < length) {
            s += (m.get(U8, at + i) & 0xff) << 8;
        }
        return s;
    }

    /** Folds a sum to 16 bits and complements it: the value of a checksum field. */
    public static int finish(long sum) {
        return ~fold(sum) & 0xffff;
    }

    /** Folds a sum of 16- or 32-bit words to 16 bits (end-around carry). */
    public static int fold(long sum) {
        sum = (sum & 0xffff_ffffL) + (sum >>> 32);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return (int) sum;
    }

    /**
     * Whether the IPv4 header of {@code headerLength} bytes at {@code ip} verifies: its words,
     * checksum included, sum to 0xffff. Summed as 32-bit words, which folds to the same value.
     */
    public static boolean ipv4HeaderValid(MemorySegment m, long ip, int headerLength) {
        return ipv4HeaderValid(m, ip, headerLength, Ipv4.word0(m, ip), Ipv4.word1(m, ip), Ipv4.destination(m, ip));
    }

    /** {@link #ipv4HeaderValid(MemorySegment, long, int)} over the fixed header's words already read ({@link Ipv4#word0}). */
    public static boolean ipv4HeaderValid(MemorySegment m, long ip, int headerLength, long word0, long word1, int destination) {
        long sum = (word0 >>> 32) + (word0 & 0xffff_ffffL) + (word1 >>> 32) + (word1 & 0xffff_ffffL)
                + (destination & 0xffff_ffffL);
        for (int i = Ipv4.HEADER; i < headerLength; i += 4) { // options
            sum += m.get(U32, ip + i) & 0xffff_ffffL;
        }
        return fold(sum) == 0xffff;
    }
}
