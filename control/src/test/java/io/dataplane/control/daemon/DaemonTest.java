package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.*;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.rib.Rib;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The daemon's worker watch: a worker that cannot start is reported once, with its error. */
class DaemonTest {
    private static ControlPlane plane(PortConfiguration ports, String... config) {
        ControlPlane plane = new ControlPlane(new Rib(64, 16), null, ports);
        plane.loadConfiguration(List.of(config), "test.conf");
        return plane;
    }

    @Test
    void aWorkerThatCannotPinItsCpuIsReportedWithItsError() throws Exception {
        BitSet any = new BitSet();
        any.set(0, 4096);
        PortConfiguration ports = new PortConfiguration(new UsableCpus(any));
        ControlPlane plane = plane(ports, "port add dev p0 type memory", "port add dev p1 type memory cpu 4095");
        BlockingQueue<String> reasons = new ArrayBlockingQueue<>(4);
        Daemon daemon = new Daemon();
        daemon.onWorkerStopped(reasons::add);
        daemon.start(plane, ports, Runnable::run);
        try {
            String reason = reasons.poll(60, TimeUnit.SECONDS);
            assertNotNull(reason, "no report of the worker that could not start");
            assertTrue(reason.startsWith("worker 0 stopped: ") && reason.contains("4095"), reason);
        } finally {
            daemon.stop();
        }
        assertTrue(reasons.isEmpty(), "reported once: " + reasons);
    }

    @Test
    void runningWorkersAreNotReported() throws Exception {
        PortConfiguration ports = new PortConfiguration(new UsableCpus(new BitSet()));
        ControlPlane plane = plane(ports, "port add dev p0 type memory", "port add dev p1 type memory");
        BlockingQueue<String> reasons = new ArrayBlockingQueue<>(4);
        Daemon daemon = new Daemon();
        daemon.onWorkerStopped(reasons::add);
        daemon.start(plane, ports, Runnable::run);
        try {
            // Long enough for several watch rounds; the assertion does not depend on how long.
            assertNull(reasons.poll(1, TimeUnit.SECONDS), "a running worker was reported");
        } finally {
            daemon.stop();
        }
        assertTrue(reasons.isEmpty(), "stopping the daemon is not a worker stopping: " + reasons);
    }
}
