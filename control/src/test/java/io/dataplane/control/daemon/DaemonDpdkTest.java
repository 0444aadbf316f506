package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.ffi.dpdk.TestEal;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code dataplane run} with DPDK ports from the configuration: the EAL line, two net_null
 * devices, a route; the daemon reports what it bound, answers {@code route get}, and stops on
 * SIGTERM. In CI (CI=true) it must run; elsewhere it skips, saying why, without DPDK or root.
 */
class DaemonDpdkTest {
    @Test
    void dpdkPortsFromTheConfigurationRunAndStop() throws Exception {
        TestEal.assumeDpdk();
        try (DaemonProcess d = new DaemonProcess(null, List.of(
                "dpdk eal --no-huge -m 256 --no-pci --no-shconf --no-telemetry",
                "port add dev n0 type dpdk vdev net_null0",
                "port add dev n1 type dpdk vdev net_null1",
                "neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev n1",
                "route add 198.51.100.0/24 via 192.0.2.2 dev n1"))) {
            d.awaitServing();
            String out = d.output();
            assertTrue(out.contains("port 0 n0: type dpdk, vdev net_null0"), out);
            assertTrue(out.contains("port 1 n1: type dpdk, vdev net_null1"), out);
            StringBuilder reply = new StringBuilder();
            int status = Dpctl.run(new String[] {"--socket", d.socket().toString(), "route", "get", "198.51.100.7"},
                    new java.io.PrintStream(new java.io.OutputStream() {
                        @Override
                        public void write(int b) {
                            reply.append((char) b);
                        }
                    }), System.err);
            assertEquals(0, status, reply.toString());
            assertTrue(reply.toString().contains("192.0.2.2") && reply.toString().contains("n1"), reply.toString());
            assertTrue(d.terminate(), "the daemon did not stop on SIGTERM: " + d.output());
            assertTrue(d.output().contains("dataplane: stopped"), d.output());
        }
    }
}
