package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.testing.Netns;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code port add dev IF xdp-mode native|generic}: the daemon attaches its XDP program the way the
 * line says, as the kernel reports it ({@code ip -d link show}: {@code xdp} for native,
 * {@code xdpgeneric} for generic), and a device without native XDP (a bridge: no {@code ndo_bpf}; the dummy driver would do too but is not built into every kernel)
 * stops the daemon with the line that works.
 */
class XdpAttachModeTest {
    private Netns netns;
    private String router;

    @BeforeEach
    void namespaces() {
        netns = new Netns("xdpm");
        router = netns.add("router");
        String peer = netns.add("peer");
        netns.veth(router, "x0", peer, "y0");
        netns.veth(router, "x1", peer, "y1");
        netns.ip(router, "link", "add", "d0", "type", "bridge");
        netns.ip(router, "link", "set", "d0", "up");
    }

    @AfterEach
    void close() {
        netns.close();
    }

    @Test
    void vethPortsAttachInTheModeTheirLineNames() throws Exception {
        try (DaemonProcess daemon = new DaemonProcess(router, List.of(
                "port add dev x0 mode copy xdp-mode generic",
                "port add dev x1 mode copy",
                "metrics listen 127.0.0.1:9464"))) {
            daemon.awaitServing();
            String generic = netns.ip(router, "-d", "link", "show", "dev", "x0");
            String nativ = netns.ip(router, "-d", "link", "show", "dev", "x1");
            assertTrue(generic.contains("xdpgeneric"), generic);
            assertTrue(nativ.contains(" xdp") && !nativ.contains("xdpgeneric"), nativ);
            assertTrue(daemon.output().contains("x0: type afxdp, copy mode, 1 queue(s), XDP generic"), daemon.output());
            assertTrue(daemon.output().contains("x1: type afxdp, copy mode, 1 queue(s), XDP native"), daemon.output());
            // The AF_XDP sockets' kernel statistics (XDP_STATISTICS), per port and queue, in the metrics.
            String metrics = netns.exec(router, "curl", "-sS", "http://127.0.0.1:9464/metrics");
            for (String port : new String[] {"x0", "x1"}) {
                assertTrue(metrics.contains("dataplane_afxdp_rx_fill_ring_empty_descs_total{port=\"" + port + "\",queue=\"0\"} "), metrics);
                assertTrue(metrics.contains("dataplane_afxdp_rx_dropped_total{port=\"" + port + "\",queue=\"0\"} "), metrics);
                assertTrue(metrics.contains("dataplane_port_tx_ring_full_total{port=\"" + port + "\"} "), metrics);
            }
            assertTrue(daemon.terminate(), "the daemon did not stop on SIGTERM");
        }
        String after = netns.ip(router, "-d", "link", "show", "dev", "x0");
        assertFalse(after.contains("xdpgeneric"), "the program stays attached after the daemon stopped: " + after);
    }

    @Test
    void aDriverWithoutNativeXdpIsRefusedWithTheLineThatWorks() throws Exception {
        try (DaemonProcess daemon = new DaemonProcess(router, List.of("port add dev d0 mode copy"))) {
            assertTrue(daemon.waitFor(30, TimeUnit.SECONDS), "the daemon kept running: " + daemon.output());
            assertEquals(1, daemon.exitValue(), daemon.output());
            assertTrue(daemon.output().contains("port d0: the driver refused native XDP"), daemon.output());
            assertTrue(daemon.output().contains("'port add dev d0 xdp-mode generic'"), daemon.output());
        }
        try (DaemonProcess daemon = new DaemonProcess(router, List.of("port add dev d0 mode copy xdp-mode generic"))) {
            daemon.awaitServing();
            String link = netns.ip(router, "-d", "link", "show", "dev", "d0");
            assertTrue(link.contains("xdpgeneric"), link);
        }
    }
}
