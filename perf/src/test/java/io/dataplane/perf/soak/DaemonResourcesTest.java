package io.dataplane.perf.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the soak reads from jcmd's heap summaries (one per collector) and from the daemon's safepoint log. */
class DaemonResourcesTest {
    @Test
    void heapInUseOfEachCollector() {
        String parallel = """
                 PSYoungGen      total 76288K, used 3932K [0x00000007d5500000, 0x00000007daa00000, 0x0000000800000000)
                  eden space 65536K, 6% used [0x00000007d5500000,0x00000007d58d7240,0x00000007d9500000)
                 ParOldGen       total 175104K, used 1024K [0x0000000780000000, 0x000000078ab00000, 0x00000007d5500000)
                  object space 175104K, 0% used [0x0000000780000000,0x0000000780000000,0x000000078ab00000)
                 Metaspace       used 6530K, committed 6720K, reserved 1114112K
                  class space    used 580K, committed 704K, reserved 1048576K
                """;
        assertEquals((3932L + 1024) << 10, DaemonResources.heapUsed(parallel));
        String g1 = """
                 garbage-first heap   total 258048K, used 3158K [0x0000000681200000, 0x0000000800000000)
                  region size 2048K, 2 young (4096K), 0 survivors (0K)
                 Metaspace       used 1234K, committed 1408K, reserved 1114112K
                """;
        assertEquals(3158L << 10, DaemonResources.heapUsed(g1));
        String z = """
                 ZHeap           used 28M, capacity 512M, max capacity 6144M
                 Metaspace       used 1234K, committed 1408K, reserved 1114112K
                """;
        assertEquals(28L << 20, DaemonResources.heapUsed(z));
    }

    @Test
    void liveHeapFromTheHistogramsTotal() {
        String histogram = """
                 num     #instances         #bytes  class name (module)
                -------------------------------------------------------
                   1:         38086        3206384  [B (java.base@25.0.3)
                 985:             1             16  sun.util.logging.internal.LoggingProviderImpl (java.logging@25.0.3)
                Total        919625       49650416
                """;
        assertEquals(49_650_416L, DaemonResources.liveHeap(histogram));
    }

    @Test
    void worstSafepointAfterAnOffset(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("gc.log");
        String before = "[1.0s][safepoint] Safepoint \"Cleanup\", Time since last: 1 ns, Reaching safepoint: 1 ns, Cleanup: 1 ns,"
                + " At safepoint: 1 ns, Total: 90000000 ns\n";
        Files.writeString(log, before + "[2.0s][gc       ] GC(1) Pause Young (Allocation Failure) 100M->7M(362M) 14.491ms\n"
                + "[2.0s][safepoint] Safepoint \"ParallelCollectForAllocation\", Time since last: 5 ns, Reaching safepoint: 2 ns,"
                + " Cleanup: 1 ns, At safepoint: 14000000 ns, Total: 14500000 ns\n"
                + "[3.0s][safepoint] Safepoint \"Cleanup\", Time since last: 1 ns, Reaching safepoint: 1 ns, Cleanup: 1 ns,"
                + " At safepoint: 1 ns, Total: 20000 ns\n");
        PauseLog p = PauseLog.since(log, before.length());
        assertEquals(2, p.safepoints());
        assertEquals(14_500_000L, p.worstSafepointNanos(), "the 90 ms one was logged before the offset");
        assertEquals("ParallelCollectForAllocation", p.worstSafepoint());
        assertEquals(1, p.gcs());
    }
}
