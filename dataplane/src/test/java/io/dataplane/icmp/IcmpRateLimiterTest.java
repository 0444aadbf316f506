package io.dataplane.icmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IcmpRateLimiterTest {
    private static final long SEC = 1_000_000_000L;

    @Test
    void perPeerBucketAllowsABurstOfSixThenOnePerSecond() {
        IcmpRateLimiter l = new IcmpRateLimiter(0, 1, 1000, 1024);
        long t = 12345 * SEC;
        for (int i = 0; i < 6; i++) {
            assertTrue(l.allow(t, 7, false), "burst " + i);
        }
        assertFalse(l.allow(t, 7, false));
        assertTrue(l.allow(t, 8, false), "another peer has its own bucket");
        assertFalse(l.allow(t + SEC / 2, 7, false), "half a token");
        assertTrue(l.allow(t + SEC, 7, false), "one token per second");
        assertFalse(l.allow(t + SEC + 1, 7, false));
        assertEquals(3, l.suppressed());
    }

    @Test
    void pmtuErrorsSkipThePerPeerLimitButNotTheGlobalOne() {
        IcmpRateLimiter l = new IcmpRateLimiter(1000, 50, 1000, 1024);
        long t = -5 * SEC; // nanoTime may be negative
        int allowed = 0;
        for (int i = 0; i < 100; i++) {
            if (l.allow(t, 7, true)) {
                allowed++;
            }
        }
        assertEquals(50, allowed, "global burst");
        assertFalse(l.allow(t + 999_999, 9, true));
        assertTrue(l.allow(t + 1_000_000, 9, true), "one per millisecond at 1000/s");
    }

    @Test
    void sustainedRateMatchesTheConfiguredRate() {
        IcmpRateLimiter l = new IcmpRateLimiter(1000, 50, 0, 16);
        int allowed = 0;
        for (long t = 0; t < 10 * SEC; t += 100_000) { // 10 s of offers at 10 kHz
            if (l.allow(t, (int) t, false)) {
                allowed++;
            }
        }
        assertTrue(allowed >= 10_000 && allowed <= 10_050, "allowed " + allowed);
    }
}
