package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.testing.Netns;
import io.dataplane.testing.RouterTopology;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Ports added to and removed from a running daemon on AF_XDP veths (root, namespaces; runs in CI):
 * the daemon starts with the client's and server1's ports; {@code dpctl port add dev r2} attaches
 * XDP to server2's veth and a route through it reaches server2; {@code port del} is refused while
 * the route uses it (a frame expiring there gets its ICMP error from the port's address), then
 * detaches the program ({@code ip -d link show}); a SIGHUP reload adds and
 * removes the port the same way; the route added with dpctl and the other ports' traffic survive.
 * With two queues, each worker gets its queue of a port added at runtime. A daemon started without
 * ports starts its workers with the first {@code port add}.
 */
class RuntimePortAfXdpTest {
    private static final String ANYCAST_URL = "http://" + RouterTopology.ANYCAST4 + "/";
    private static final List<String> CONFIG = List.of(
            "port add dev r0 mode copy",
            "port add dev r1 mode copy",
            "route add 10.0.1.0/24 via " + RouterTopology.CLIENT4 + " dev r0",
            "route add " + RouterTopology.ANYCAST4 + "/32 via " + RouterTopology.SERVER1_4 + " dev r1");

    /** Repeats single requests until one is answered by {@code server} (neighbours resolve through the kernel), at most 30 s. */
    private static boolean answeredBy(RouterTopology topo, String server) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (topo.requests(ANYCAST_URL, 1).containsKey(server)) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    private static String xdpOf(RouterTopology topo, String dev) {
        return topo.netns.ip(topo.router, "-d", "link", "show", "dev", dev);
    }

    @Test
    void portsAddedAndRemovedOverDpctlAndByReloadForwardAndDetach() throws Exception {
        Netns.assumeRoot();
        try (RouterTopology topo = new RouterTopology("port15")) {
            topo.startHttpServers();
            try (DaemonProcess d = new DaemonProcess(topo.router, CONFIG)) {
                d.awaitServing();
                assertTrue(answeredBy(topo, "server1"), d::output);
                assertFalse(xdpOf(topo, "r2").contains("xdp"), "r2 is not a port yet");
                d.dpctl("route", "add", "10.0.3.0/24", "via", RouterTopology.SERVER1_4, "dev", "r1").ok(); // survives what follows

                // What cannot be made is refused, saying what to do, with nothing changed.
                DaemonProcess.DpctlRun missing = d.dpctl("port", "add", "dev", "r9");
                assertTrue(missing.status() != 0 && missing.err().contains("port r9: no such network device"), missing.err());
                DaemonProcess.DpctlRun spin = d.dpctl("port", "add", "dev", "r2", "idle", "busy-spin");
                assertTrue(spin.status() != 0 && spin.err().contains("the running workers run 'idle poll'"), spin.err());
                assertFalse(xdpOf(topo, "r2").contains("xdp"), "a refused port leaves nothing attached: " + xdpOf(topo, "r2"));
                assertFalse(d.dpctl("link", "show").ok().contains("r2"));

                // Over dpctl: the new port gets the XDP program and forwards, both ways.
                d.dpctl("port", "add", "dev", "r2", "mode", "copy").ok();
                assertTrue(xdpOf(topo, "r2").contains("prog/xdp"), xdpOf(topo, "r2"));
                assertTrue(d.dpctl("link", "show").ok().contains("r2"));
                assertTrue(d.dpctl("show", "running-config").ok().contains("port add dev r2 mode copy"));
                d.dpctl("route", "replace", RouterTopology.ANYCAST4 + "/32", "via", RouterTopology.SERVER2_4, "dev", "r2").ok();
                assertTrue(answeredBy(topo, "server2"), d::output);
                assertEquals(Map.of("server2", 20), topo.requests(ANYCAST_URL, 20), d::output);
                // A frame that arrives on the new port with TTL 1 is answered from the port's own address.
                String ping = topo.netns.output(topo.server2, "ping", "-c", "1", "-W", "3", "-t", "1", RouterTopology.CLIENT4);
                assertTrue(ping.contains("From 10.0.3.1") && ping.contains("Time to live exceeded"), ping);

                DaemonProcess.DpctlRun refused = d.dpctl("port", "del", "dev", "r2");
                assertTrue(refused.status() != 0 && refused.err().contains("port r2 is in use by route " + RouterTopology.ANYCAST4
                        + ";"), refused.err() + refused.out());
                d.dpctl("route", "replace", RouterTopology.ANYCAST4 + "/32", "via", RouterTopology.SERVER1_4, "dev", "r1").ok();
                d.dpctl("port", "del", "dev", "r2").ok();
                assertFalse(xdpOf(topo, "r2").contains("xdp"), "the XDP program must be detached: " + xdpOf(topo, "r2"));
                assertFalse(d.dpctl("link", "show").ok().contains("r2"));
                assertEquals(Map.of("server1", 20), topo.requests(ANYCAST_URL, 20), d::output);
                assertTrue(d.dpctl("route", "show").ok().contains("10.0.3.0/24 via " + RouterTopology.SERVER1_4 + " dev r1"));

                // By SIGHUP: the file gains the port and a route through it, then loses both again.
                List<String> withR2 = List.of(CONFIG.get(0), CONFIG.get(1), "port add dev r2 mode copy", CONFIG.get(2),
                        "route add " + RouterTopology.ANYCAST4 + "/32 via " + RouterTopology.SERVER2_4 + " dev r2");
                Files.write(d.configFile(), withR2);
                d.signal("HUP");
                assertTrue(d.awaitLog("reloaded: 2 changes"), d::output);
                assertTrue(xdpOf(topo, "r2").contains("prog/xdp"), xdpOf(topo, "r2"));
                assertTrue(answeredBy(topo, "server2"), d::output);
                Files.write(d.configFile(), CONFIG);
                d.signal("HUP");
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (xdpOf(topo, "r2").contains("xdp") && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertFalse(xdpOf(topo, "r2").contains("xdp"), "the reload must detach r2's program: " + d.output());
                assertTrue(answeredBy(topo, "server1"), d::output);
                assertTrue(d.dpctl("route", "show").ok().contains("10.0.3.0/24 via " + RouterTopology.SERVER1_4 + " dev r1"),
                        "the dpctl route survives both reloads");
                assertTrue(d.terminate(), "the daemon did not stop on SIGTERM");
            }
        }
    }

    /** Two workers, one per queue: a port added at runtime gets a socket per queue, each in its worker's UMEM. */
    @Test
    void aPortAddedToTwoQueueWorkersGivesEachWorkerItsQueue() throws Exception {
        Netns.assumeRoot();
        try (Netns netns = new Netns("port15mq")) {
            String router = netns.add("router");
            String peer = netns.add("peer");
            for (String[] v : new String[][] {{"a0", "a1"}, {"b0", "b1"}, {"c0", "c1"}}) {
                Netns.run("ip", "-n", router, "link", "add", v[0], "numtxqueues", "2", "numrxqueues", "2", "type", "veth", "peer",
                        "name", v[1], "numtxqueues", "2", "numrxqueues", "2", "netns", peer);
                netns.ip(router, "link", "set", v[0], "up");
                netns.ip(peer, "link", "set", v[1], "up");
            }
            try (DaemonProcess d = new DaemonProcess(router, List.of("port add dev a0 mode copy queues 2"))) {
                d.awaitServing();
                DaemonProcess.DpctlRun one = d.dpctl("port", "add", "dev", "c0", "mode", "copy");
                assertTrue(one.status() != 0 && one.err().contains("port c0 has 1 queue(s) but the workers serve 2"), one.err());
                netns.ip(router, "addr", "add", "192.0.2.1/24", "dev", "b0");
                d.dpctl("port", "add", "dev", "b0", "mode", "copy", "queues", "2").ok();
                assertTrue(d.dpctl("route", "show").ok().contains("192.0.2.0/24 dev b0 proto kernel scope link"),
                        "a port added at runtime brings its connected subnet: " + d.dpctl("route", "show").ok());
                String status = d.dpctl("-j", "status").ok();
                assertTrue(status.contains("\"a0 queue 0\",\"b0 queue 0\"") && status.contains("\"a0 queue 1\",\"b0 queue 1\""),
                        "worker q polls queue q of the new port: " + status);
                assertTrue(netns.ip(router, "-d", "link", "show", "dev", "b0").contains("prog/xdp"));
                d.dpctl("port", "del", "dev", "b0").ok(); // its connected route goes with it, as in the kernel
                assertFalse(d.dpctl("route", "show").ok().contains("192.0.2.0/24"), d.dpctl("route", "show").ok());
                assertFalse(netns.ip(router, "-d", "link", "show", "dev", "b0").contains("xdp"), "detached once both queues closed");
                assertTrue(netns.ip(router, "-d", "link", "show", "dev", "a0").contains("prog/xdp"), "the other port keeps its program");
                assertFalse(d.dpctl("-j", "status").ok().contains("b0"));
                assertTrue(d.terminate(), "the daemon did not stop on SIGTERM");
            }
        }
    }

    /** An empty configuration, then ports added as 'ip link' would add devices: the first starts the worker, both forward. */
    @Test
    void aDaemonStartedWithoutPortsStartsItsWorkerWithTheFirstPortAdded() throws Exception {
        Netns.assumeRoot();
        try (RouterTopology topo = new RouterTopology("port15b")) {
            topo.startHttpServers();
            try (DaemonProcess d = new DaemonProcess(topo.router, List.of())) {
                d.awaitServing();
                assertFalse(d.dpctl("-j", "status").ok().contains("queue 0"), "no port, no worker");
                DaemonProcess.DpctlRun cpu = d.dpctl("port", "add", "dev", "r0", "mode", "copy", "cpu", "4095");
                assertTrue(cpu.status() != 0 && cpu.err().contains("4095"), cpu.err());
                assertFalse(xdpOf(topo, "r0").contains("xdp"), "a refused first port leaves nothing attached: " + xdpOf(topo, "r0"));

                d.dpctl("port", "add", "dev", "r0", "mode", "copy").ok();
                assertTrue(xdpOf(topo, "r0").contains("prog/xdp"), xdpOf(topo, "r0"));
                d.dpctl("port", "add", "dev", "r1", "mode", "copy").ok();
                d.dpctl("route", "add", "10.0.1.0/24", "via", RouterTopology.CLIENT4, "dev", "r0").ok();
                d.dpctl("route", "add", RouterTopology.ANYCAST4 + "/32", "via", RouterTopology.SERVER1_4, "dev", "r1").ok();
                assertTrue(answeredBy(topo, "server1"), d::output);
                assertEquals(Map.of("server1", 20), topo.requests(ANYCAST_URL, 20), d::output);
                String status = d.dpctl("-j", "status").ok();
                assertTrue(status.contains("\"ports\":[\"r0 queue 0\",\"r1 queue 0\"]") && status.contains("\"state\":\"running\""),
                        "the worker the first port started serves both: " + status);
                assertTrue(d.output().contains("1 worker(s) started for it"), d::output);
                assertTrue(d.terminate(), "the daemon did not stop on SIGTERM");
            }
        }
    }
}
