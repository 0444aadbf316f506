package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.testing.Netns;
import io.dataplane.testing.RouterTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The weighted-ECMP example of {@link DaemonAfXdpTest} with a kernel router between the client and
 * the daemon, offloads as the kernel leaves them. The hop forwards the client's segments with their
 * checksums still unfinished (CHECKSUM_PARTIAL survives forwarding); the daemon turns TX checksum
 * offload off on the hop's veth facing it, so the hop's kernel finishes them before sending.
 */
class DaemonKernelHopTest {
    private static RouterTopology topo;
    private static DaemonProcess daemon;

    @BeforeAll
    static void start() throws Exception {
        Netns.assumeRoot();
        topo = new RouterTopology("hop", true);
        topo.startHttpServers();
        topo.startTransferServers();
        daemon = DaemonAfXdpTest.start(topo, RouterTopology.HOP4, RouterTopology.HOP6);
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        if (topo != null) {
            topo.close();
        }
    }

    @Test
    void theDaemonTurnedOffloadOffOnTheHopsVethAndLeftTheClientAlone() {
        assertTrue(daemon.output().contains("port r0: turned TX checksum offload off on its veth peer k1 in network namespace "),
                daemon.output());
        assertFalse(topo.txChecksumOffload(topo.khop, "k1"));
        assertTrue(topo.txChecksumOffload(topo.client, "c0"), "the client's own offload is not the daemon's to change");
    }

    @Test
    void everyFlowReachesThePredictedServer() {
        // Fewer flows than DaemonAfXdpTest (which checks the split): here each flow's path is the point.
        DaemonAfXdpTest.assertEveryFlowReachesThePredictedServer(topo, 40, daemon::output);
    }

    @Test
    void udpAndBulkTcpArriveWithFinishedChecksums() throws Exception {
        DaemonAfXdpTest.assertUdpAndBulkTcpArriveIntact(topo, () -> daemon.output() + DaemonAfXdpTest.state(daemon));
    }
}
