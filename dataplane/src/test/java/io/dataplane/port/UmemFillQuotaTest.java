package io.dataplane.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The fill quota: how many frames a port keeps in its fill and RX rings, which is how many frames
 * the kernel can receive for it while its worker does not run. The soak's router has five ports
 * (one receiving, four sending); with the old defaults (1024-entry rings, 8,192 frames) the
 * receiving port kept 819 frames, 4.9 ms at 168 kpps, and lost frames in stalls longer than that.
 */
class UmemFillQuotaTest {
    @Test
    void aPortGetsItsWholeRingWhileTheMemoryHoldsTwiceTheSumOfTheRings() {
        assertEquals(1024, Umem.fillQuota(8192, 4 * 1024, 1024));
        assertEquals(819, Umem.fillQuota(8192, 5 * 1024, 1024), "five 1024-entry ports in 8,192 frames: a proportional share");
        assertEquals(2048, Umem.fillQuota(8192, 0, 2048), "the first port counts its own ring");
    }

    @Test
    void framesForWholeRingsIsExactlyWhatTheQuotaAsks() {
        int frames = Umem.framesForWholeRings(5, 4096);
        assertEquals(4096, Umem.fillQuota(frames, 5 * 4096, 4096));
        assertTrue(Umem.fillQuota(frames - 1, 5 * 4096, 4096) < 4096);
    }

    @Test
    void theDaemonsDefaultsGiveEachOfFivePortsItsWholeRing() {
        int ring = AfXdpPort.DEFAULT_RING_SIZE;
        // At least 2048 frames: 12 ms of receiving at the 168 kpps the soak ran at, twice the daemon's worst
        // safepoint measured under churn on a loaded 2-vCPU machine (6.3 ms). The old 819 were 4.9 ms.
        assertTrue(ring >= 2048, "ring " + ring);
        assertEquals(ring, Umem.fillQuota(Umem.DEFAULT_FRAMES, 5L * ring, ring));
    }

    @Test
    void aSixthPortShrinksEveryShareProportionally() {
        int ring = AfXdpPort.DEFAULT_RING_SIZE;
        int quota = Umem.fillQuota(Umem.DEFAULT_FRAMES, 6L * ring, ring);
        assertEquals((long) ring * Umem.DEFAULT_FRAMES / (2L * 6 * ring), quota);
        assertTrue(6L * quota <= Umem.DEFAULT_FRAMES / 2, "the fill rings leave half the frames for frames in flight");
    }
}
