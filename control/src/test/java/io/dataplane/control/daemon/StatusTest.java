package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.*;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.rib.Rib;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code dpctl status}: the daemon, its configuration, the table version and each worker. */
class StatusTest {

    @Test
    void statusShowsTheDaemonItsConfigurationTablesAndWorkers() throws Exception {
        try (DaemonProcess d = new DaemonProcess(null, List.of(
                "port add dev p0 type memory",
                "port add dev p1 type memory",
                "route add 10.0.0.0/8 via 192.0.2.1 dev p0"))) {
            d.awaitServing();
            String before = d.dpctl("status").ok();
            d.dpctl("route", "add", "10.1.0.0/16", "via", "192.0.2.1", "dev", "p1").ok();
            String text = d.dpctl("status").ok();
            List<String> lines = text.lines().toList();
            assertTrue(lines.get(0).matches("daemon pid \\d+ version \\S+ started \\S+Z uptime-seconds \\d+ socket \\S+dp\\.sock"), text);
            assertTrue(lines.get(1).matches("config file \\S+router\\.conf loaded \\S+Z"), text);
            assertTrue(lines.get(2).matches("socket accepted \\d+ evicted-idle 0 refused-full 0 accept-errors 0 closed-line-too-long 0"
                    + " closed-binary 0 closed-line-timeout 0 closed-idle 0 closed-batch-timeout 0 held-back-unread 0 closed-unread 0"), text);
            assertTrue(lines.get(3).matches("tables version \\d+ routes 2 nexthop-objects 0 ports 2"), text);
            assertTrue(lines.get(4).matches("worker 0 cpu any ports p0 queue 0, p1 queue 0 state running rx-pps \\d+ rx-packets 0"
                    + " tx-packets 0 errors 0"), text);
            assertNotEquals(version(before), version(text), "a route change publishes a new table version");
            String json = d.dpctl("-j", "status").ok();
            assertTrue(json.contains("\"workers\":[{\"worker\":0,\"cpu\":\"any\",\"ports\":[\"p0 queue 0\",\"p1 queue 0\"],"
                    + "\"state\":\"running\""), json);
            assertTrue(json.contains("\"uptime_seconds\":"), json);
        }
    }

    private static String version(String status) {
        return status.lines().filter(l -> l.startsWith("tables ")).findFirst().orElseThrow().split(" ")[2];
    }

    @Test
    void aWorkerThatCouldNotStartIsShownStoppedWithItsError() throws Exception {
        BitSet any = new BitSet();
        any.set(0, 4096);
        PortConfiguration ports = new PortConfiguration(new UsableCpus(any));
        ControlPlane plane = new ControlPlane(new Rib(64, 16), null, ports);
        plane.loadConfiguration(List.of("port add dev p0 type memory cpu 4095"), "test.conf");
        Daemon daemon = new Daemon();
        java.util.concurrent.BlockingQueue<String> stopped = new java.util.concurrent.ArrayBlockingQueue<>(1);
        daemon.onWorkerStopped(stopped::add);
        daemon.start(plane, ports, Runnable::run);
        try {
            assertNotNull(stopped.poll(60, java.util.concurrent.TimeUnit.SECONDS));
            Map<String, Object> w = daemon.workerStatus().getFirst();
            assertEquals("stopped", w.get("state"), w::toString);
            assertEquals(4095, w.get("cpu"));
            assertEquals(List.of("p0 queue 0"), w.get("ports"));
            assertTrue(String.valueOf(w.get("last_error")).contains("4095"), w::toString);
            assertEquals(1L, w.get("errors"), "the start failure is counted: " + w);
        } finally {
            daemon.stop();
        }
    }
}
