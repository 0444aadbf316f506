package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.*;

import io.dataplane.port.MemoryPort;
import io.dataplane.port.MemoryUmem;
import io.dataplane.tables.FibLimits;
import io.dataplane.worker.Workers;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** {@link WorkerRates}: a worker that receives frames shows a rate; an idle one shows 0. */
class WorkerRatesTest {

    @Test
    void aReceivingWorkerHasARateAndAnIdleOneHasNone() throws Exception {
        try (MemoryUmem umem = new MemoryUmem(4096, 2048)) {
            MemoryPort p0 = new MemoryPort(0, "p0", umem, 512, 1500);
            MemoryPort p1 = new MemoryPort(1, "p1", umem, 512, 1500);
            try (Workers workers = Workers.builder().limits(new FibLimits(64, 16, 256, 256, 2)).port(p0).port(p1).build()) {
                workers.start();
                try (WorkerRates rates = new WorkerRates(workers)) {
                    Thread.sleep(2500); // two sampling intervals with nothing received
                    assertEquals(0, rates.packetsPerSecond(0));
                    // Frames nobody routes: they are received (and counted) and dropped.
                    MemorySegment frame = Arena.ofAuto().allocate(64);
                    long deadline = System.nanoTime() + 60_000_000_000L;
                    long rate = 0;
                    long sent = 0;
                    while (rate == 0 && System.nanoTime() < deadline) {
                        for (int i = 0; i < 100; i++) {
                            if (p0.inject(frame)) {
                                sent++;
                            }
                        }
                        Thread.sleep(10);
                        rate = rates.packetsPerSecond(0);
                    }
                    assertTrue(rate > 0, "no rate after " + sent + " frames");
                    assertTrue(workers.workerStates().getFirst().rxPackets() > 0);
                    assertEquals(0, rates.packetsPerSecond(1), "no such worker: 0");
                }
            }
        }
    }
}
