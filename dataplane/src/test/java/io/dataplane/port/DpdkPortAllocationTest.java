package io.dataplane.port;

import io.dataplane.ffi.dpdk.TestEal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.pipeline.PacketBatch;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * DpdkPort's hot path allocates nothing: receive, transmit, flush, release and poll over a million
 * frames (net_null, which always has a full burst) after warm-up, reading this thread's allocated
 * bytes before and after.
 */
class DpdkPortAllocationTest {
    private static final int WARM_UP = 300_000;
    private static final int MEASURED = 1_000_000;

    @Test
    void aMillionFramesAllocateNothing() {
        TestEal.eal();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported());
        try (DpdkPort in = DpdkPort.open(0, DpdkPortConfig.vdev("alloc0", "net_null20"));
             DpdkPort out = DpdkPort.open(1, DpdkPortConfig.vdev("alloc1", "net_null21"))) {
            PacketBatch batch = new PacketBatch(64);
            run(in, out, batch, WARM_UP);
            long before = threads.getCurrentThreadAllocatedBytes();
            long frames = run(in, out, batch, MEASURED);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            System.out.printf("DpdkPort hot path: %d bytes allocated over %d frames%n", allocated, frames);
            assertTrue(allocated < 4096, allocated + " bytes allocated over " + frames + " frames");
        }
    }

    /** Half the frames are forwarded, half dropped (released), as a worker would. */
    private static long run(DpdkPort in, DpdkPort out, PacketBatch batch, int frames) {
        long done = 0;
        while (done < frames) {
            batch.clear();
            int n = in.receive(batch);
            for (int i = 0; i < n; i++) {
                if ((i & 1) == 0 && out.transmit(batch.handle[i], batch.data[i], batch.length[i])) {
                    continue;
                }
                in.release(batch.handle[i]);
            }
            out.flush();
            in.poll();
            done += n;
        }
        return done;
    }
}
