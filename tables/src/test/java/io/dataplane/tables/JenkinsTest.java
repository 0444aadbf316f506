package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Bit-exactness with the kernel's jhash.h (reference §9.3) and Bob Jenkins' lookup3 driver values. */
class JenkinsTest {
    @Test
    void oneWordMatchesKernel() {
        assertEquals(0xec5b1971, Jenkins.jhash1Word(0x01020304, 0));
    }

    @Test
    void twoWordsMatchKernel() {
        assertEquals(0x055b20fb, Jenkins.jhash2Words(0x01020304, 0x05060708, 0));
        assertEquals(0x58c184bf, Jenkins.jhash2Words(0, 0, 0));
    }

    @Test
    void threeWordsEqualJhash2OverThreeWords() {
        assertEquals(0xa46158f5, Jenkins.jhash3Words(1, 2, 3, 0));
        assertEquals(0xa46158f5, Jenkins.jhash2(new int[] {1, 2, 3}, 3, 0));
    }

    @Test
    void jhash2OverFourWords() {
        assertEquals(0x66491246, Jenkins.jhash2(new int[] {1, 2, 3, 4}, 4, 0));
    }

    @Test
    void emptyKeyReturnsInitval() {
        assertEquals(0xdeadbeef, Jenkins.jhash(new byte[0], 0, 0));
    }

    @Test
    void byteHashMatchesLookup3Driver() {
        byte[] text = "Four score and seven years ago".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0x17770551, Jenkins.jhash(text, 30, 0));
        assertEquals(0xcd628161, Jenkins.jhash(text, 30, 1));
    }

    @Test
    void linux44L3HashOfDocumentationAddresses() {
        // 192.0.2.1 and 198.51.100.1 as raw __be32 on a little-endian host
        assertEquals(1360477415, Jenkins.jhash2Words(0x010200c0, 0x016433c6, 0) >>> 1);
    }

    /** The hot path's unrolled copies in FlowHash must stay identical to the reference jhash2. */
    @Test
    void unrolledFlowHashRoundsEqualJhash2() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(2);
        for (int i = 0; i < 100_000; i++) {
            int[] k = r.ints(10).toArray();
            int seed = r.nextInt();
            assertEquals(Jenkins.jhash2(k, 4, seed), FlowHash.jhash4(k[0], k[1], k[2], k[3], seed));
            long a0 = (k[0] & 0xffffffffL) | (long) k[1] << 32;
            long a1 = (k[2] & 0xffffffffL) | (long) k[3] << 32;
            long b0 = (k[4] & 0xffffffffL) | (long) k[5] << 32;
            long b1 = (k[6] & 0xffffffffL) | (long) k[7] << 32;
            assertEquals(Jenkins.jhash2(k, 10, seed), FlowHash.jhash10(a0, a1, b0, b1, k[8], k[9], seed));
        }
    }
}
