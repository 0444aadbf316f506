package io.dataplane.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.ffi.Libc;
import io.dataplane.ffi.XskSocket;
import io.dataplane.control.daemon.KernelAddresses;
import io.dataplane.control.daemon.KernelFollower;
import io.dataplane.port.AfXdpPort;
import io.dataplane.port.Umem;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import io.dataplane.testing.RouterTopology;
import io.dataplane.worker.Workers;
import io.dataplane.worker.PortCounter;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The classic weighted-ECMP test with our dataplane as the router: AF_XDP ports on the router
 * namespace's three veths, one worker, kernel forwarding off there. The anycast addresses route
 * to server1 (weight 1) and server2 (weight 2) with L4 hashing; every HTTP request is a new TCP
 * connection, so TCP has to work both ways through the dataplane.
 *
 * <p>The hosts turn their TX checksum offload off themselves here (the one test that does): with
 * ports opened directly rather than by the daemon, nothing else finishes their checksums, and it
 * shows that hosts already sending finished checksums are forwarded as they are.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AfXdpForwardingTest {
    /** Requests per family: enough that a 1:2 split lands within 15% with high probability (3 sigma). */
    private static final int REQUESTS = 900;
    private static final int NH_CLIENT = 1, NH_SERVER1 = 2, NH_SERVER2 = 3, GROUP = 0;

    private static RouterTopology topo;
    private static Umem umem;
    private static AfXdpPort[] ports;
    private static int[] ifindex;
    private static HeardNeighbours neighbours;
    private static KernelFollower follower;
    private static Workers dataplane;
    private static Nexthop server1;
    private static Nexthop server2;
    private static final CountDownLatch server2Dead = new CountDownLatch(1);

    @BeforeAll
    static void start() throws Exception {
        topo = new RouterTopology("e2e");
        topo.hostsComputeChecksums();
        topo.startHttpServers();
        umem = new Umem(4096, 4096);
        ifindex = new int[3];
        ports = topo.netns.call(topo.router, () -> {
            AfXdpPort[] p = new AfXdpPort[3];
            for (int i = 0; i < 3; i++) {
                ifindex[i] = Libc.ifNameToIndex("r" + i);
                p[i] = AfXdpPort.open(i, "r" + i, 0, umem, XskSocket.Mode.AUTO, 1024, 0);
            }
            return p;
        });
        neighbours = new HeardNeighbours();
        follower = new KernelFollower(neighbours, topo.router);
        follower.awaitLoaded(5, TimeUnit.SECONDS);
        String[] peers = {RouterTopology.CLIENT4, RouterTopology.SERVER1_4, RouterTopology.SERVER2_4};
        long[] macs = new long[3];
        for (int i = 0; i < 3; i++) {
            InetAddress a = InetAddress.getByName(peers[i]);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while ((macs[i] = neighbours.lookup(ifindex[i], a)) < 0 && System.nanoTime() < deadline) {
                follower.resolve(ifindex[i], a);
                Thread.sleep(50);
            }
            assertTrue(macs[i] >= 0, "the router's kernel resolved " + peers[i] + " (ARP passed by the XDP program)");
        }
        Nexthop client = new Nexthop(0, macs[0], KernelAddresses.mac(ports[0].mac()), 1500, true, true);
        server1 = new Nexthop(1, macs[1], KernelAddresses.mac(ports[1].mac()), 1500, true, true);
        server2 = new Nexthop(2, macs[2], KernelAddresses.mac(ports[2].mac()), 1500, true, true);

        Workers.Builder builder = Workers.builder().port(ports[0]).port(ports[1]).port(ports[2]).worker(-1, 0, 1, 2);
        String[][] own = {{RouterTopology.ROUTER_C4, RouterTopology.ROUTER_C6}, {"10.0.2.1", "2001:db8:2::1"},
            {"10.0.3.1", "2001:db8:3::1"}};
        for (int i = 0; i < 3; i++) {
            long[] v6 = IpAddresses.parse6(own[i][1]);
            builder.icmpSource(i, IpAddresses.parse4(own[i][0]), v6[0], v6[1]);
        }
        dataplane = builder.build();
        long[] client6 = IpAddresses.parse6("2001:db8:1::");
        long[] anycast6 = IpAddresses.parse6(RouterTopology.ANYCAST6);
        dataplane.fib().change()
                .nexthop(NH_CLIENT, client)
                .nexthop(NH_SERVER1, server1)
                .nexthop(NH_SERVER2, server2)
                .group(GROUP, new GroupSpec(new int[] {NH_SERVER1, NH_SERVER2}, new int[] {1, 2}, MultipathAlgorithm.L4))
                .route4(IpAddresses.parse4("10.0.1.0"), 24, RouteTarget.nexthop(NH_CLIENT))
                .route6(client6[0], client6[1], 64, RouteTarget.nexthop(NH_CLIENT))
                .route4(IpAddresses.parse4(RouterTopology.ANYCAST4), 32, RouteTarget.group(GROUP))
                .route6(anycast6[0], anycast6[1], 128, RouteTarget.group(GROUP))
                .commit();
        // Link down on a nexthop's port marks it dead, which takes it out of its group's hash space.
        neighbours.onLink = (index, up) -> {
            if (index == ifindex[2] && !up && server2Dead.getCount() > 0) {
                dataplane.fib().change().nexthop(NH_SERVER2, server2.withAlive(false)).commit();
                server2Dead.countDown();
            }
        };
        dataplane.start();
    }

    @AfterAll
    static void stop() {
        try {
            if (dataplane != null) {
                dataplane.close(); // stops the worker, then closes the ports
            } else if (ports != null) {
                for (AfXdpPort p : ports) {
                    if (p != null) {
                        p.close();
                    }
                }
            }
            if (umem != null) {
                assertEquals(umem.frameCount(), umem.freeCount(), "every frame back on the free list after teardown");
                umem.close();
            }
        } finally {
            if (follower != null) {
                follower.close();
            }
            if (topo != null) {
                topo.close();
            }
        }
    }

    private static void assertSplit(Map<String, Integer> counts) {
        int s1 = counts.getOrDefault("server1", 0);
        int s2 = counts.getOrDefault("server2", 0);
        System.out.printf("split over %d requests: server1 %d, server2 %d, other %s%n", REQUESTS, s1, s2, counts);
        assertEquals(REQUESTS, s1 + s2, "every request completed: " + counts);
        double share1 = s1 / (double) REQUESTS;
        assertTrue(Math.abs(share1 - 1 / 3.0) <= 0.15 / 3.0, "server1 share " + share1 + " within 15% of 1/3");
        assertTrue(Math.abs(s2 / (double) REQUESTS - 2 / 3.0) <= 0.15 * 2 / 3.0, "server2 share within 15% of 2/3");
    }

    @Test
    @Order(1)
    void ipv6RequestsSplitOneToTwo() {
        assertSplit(topo.requests("http://[" + RouterTopology.ANYCAST6 + "]/", REQUESTS));
        assertNull(dataplane.lastError());
    }

    @Test
    @Order(2)
    void ipv4RequestsSplitOneToTwo() {
        assertSplit(topo.requests("http://" + RouterTopology.ANYCAST4 + "/", REQUESTS));
        assertTrue(dataplane.portCounter(0, PortCounter.RX_PACKETS) > 4 * REQUESTS, "the client's packets crossed the dataplane");
        assertNull(dataplane.lastError());
    }

    @Test
    @Order(3)
    void pingToTheRouterIsAnsweredByTheKernel() {
        String out = topo.netns.exec(topo.client, "ping", "-c", "2", "-i", "0.2", "-W", "2", RouterTopology.ROUTER_C4);
        assertTrue(out.contains("2 received"), out);
        out = topo.netns.exec(topo.client, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", RouterTopology.ROUTER_C6);
        assertTrue(out.contains("2 received"), out);
    }

    @Test
    @Order(4)
    void ttlOneGetsTimeExceededAndOversizedDfGetsFragNeededWithTheEgressMtu() {
        String out = topo.netns.output(topo.client, "ping", "-c", "1", "-t", "1", "-W", "2", RouterTopology.ANYCAST4);
        assertTrue(out.contains("From " + RouterTopology.ROUTER_C4) && out.contains("Time to live exceeded"), out);
        out = topo.netns.output(topo.client, "ping", "-6", "-c", "1", "-t", "1", "-W", "2", RouterTopology.ANYCAST6);
        assertTrue(out.contains("From " + RouterTopology.ROUTER_C6) && out.contains("Time exceeded"), out);

        dataplane.fib().change().nexthop(NH_SERVER1, withMtu(server1, 1400)).nexthop(NH_SERVER2, withMtu(server2, 1400))
                .commit();
        try {
            // 1472 + 8 + 20 = 1500 bytes of IPv4 with DF, 1452 + 8 + 40 = 1500 of IPv6: over the 1400 egress MTU.
            out = topo.netns.output(topo.client, "ping", "-c", "1", "-M", "do", "-s", "1472", "-W", "2", RouterTopology.ANYCAST4);
            assertTrue(out.contains("From " + RouterTopology.ROUTER_C4) && out.contains("mtu = 1400"), out);
            out = topo.netns.output(topo.client, "ping", "-6", "-c", "1", "-M", "do", "-s", "1452", "-W", "2",
                    RouterTopology.ANYCAST6);
            assertTrue(out.contains("From " + RouterTopology.ROUTER_C6) && out.contains("mtu=1400"), out);
        } finally {
            dataplane.fib().change().nexthop(NH_SERVER1, server1).nexthop(NH_SERVER2, server2).commit();
        }
        assertTrue(dataplane.icmpErrorsSent() >= 4, "errors sent: " + dataplane.icmpErrorsSent());
    }

    private static Nexthop withMtu(Nexthop n, int mtu) {
        return new Nexthop(n.port(), n.dstMac(), n.srcMac(), mtu, n.alive(), n.resolved());
    }

    /** Which server port a frame sent by {@code send} left on: 1 or 2, or -1 if none within a second. */
    private static int egressOf(Runnable send) throws InterruptedException {
        long s1 = dataplane.portCounter(1, PortCounter.TX_PACKETS);
        long s2 = dataplane.portCounter(2, PortCounter.TX_PACKETS);
        send.run();
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            long d1 = dataplane.portCounter(1, PortCounter.TX_PACKETS) - s1;
            long d2 = dataplane.portCounter(2, PortCounter.TX_PACKETS) - s2;
            if (d1 + d2 > 0) {
                return d1 + d2 > 1 ? -2 : d1 > 0 ? 1 : 2;
            }
            Thread.sleep(2);
        }
        return -1;
    }

    @Test
    @Order(5)
    void icmpErrorsAboutAFlowReachTheServerThatOwnsItWithL3Hashing() throws Exception {
        dataplane.fib().change().group(GROUP, new GroupSpec(new int[] {NH_SERVER1, NH_SERVER2}, new int[] {1, 2},
                MultipathAlgorithm.L3)).commit();
        byte[] routerMac = ports[0].mac();
        byte[] clientMac = topo.netns.call(topo.client, () -> {
            try (io.dataplane.ffi.Rtnetlink nl = io.dataplane.ffi.Rtnetlink.open()) {
                return nl.link(Libc.ifNameToIndex("c0")).mac();
            }
        });
        io.dataplane.testing.RawFrames raw = topo.netns.call(topo.client, () -> new io.dataplane.testing.RawFrames("c0"));
        try {
            int[] perServer = new int[3];
            for (int label = 1; label <= 24; label++) {
                int flowLabel = label * 40503;
                byte[] segment = io.dataplane.testing.RawFrames.tcp6(routerMac, clientMac, RouterTopology.CLIENT6,
                        RouterTopology.ANYCAST6, flowLabel, 40000 + label, 80);
                byte[] error = io.dataplane.testing.RawFrames.packetTooBig6(routerMac, clientMac, RouterTopology.CLIENT6,
                        RouterTopology.ANYCAST6, flowLabel, 40000 + label, 80);
                int flowGoes = egressOf(() -> raw.send(segment));
                int errorGoes = egressOf(() -> raw.send(error));
                assertTrue(flowGoes > 0, "flow label " + flowLabel + " was forwarded to one server: " + flowGoes);
                assertEquals(flowGoes, errorGoes, "Packet Too Big quoting flow label " + flowLabel + " follows the flow");
                perServer[flowGoes]++;
            }
            assertTrue(perServer[1] > 0 && perServer[2] > 0, "flows spread over both servers: " + java.util.Arrays.toString(perServer));
            perServer = new int[3];
            for (int host = 100; host < 124; host++) {
                String src = "10.0.1." + host;
                byte[] segment = io.dataplane.testing.RawFrames.tcp4(routerMac, clientMac, src, RouterTopology.ANYCAST4,
                        40000 + host, 80);
                byte[] error = io.dataplane.testing.RawFrames.fragmentationNeeded4(routerMac, clientMac, src,
                        RouterTopology.ANYCAST4, 40000 + host, 80);
                int flowGoes = egressOf(() -> raw.send(segment));
                int errorGoes = egressOf(() -> raw.send(error));
                assertTrue(flowGoes > 0, "flow from " + src + " was forwarded to one server: " + flowGoes);
                assertEquals(flowGoes, errorGoes, "Frag Needed about the flow from " + src + " follows the flow");
                perServer[flowGoes]++;
            }
            assertTrue(perServer[1] > 0 && perServer[2] > 0, "flows spread over both servers: " + java.util.Arrays.toString(perServer));
        } finally {
            raw.close();
            dataplane.fib().change().group(GROUP, new GroupSpec(new int[] {NH_SERVER1, NH_SERVER2},
                    new int[] {1, 2}, MultipathAlgorithm.L4)).commit();
        }
    }

    @Test
    @Order(6)
    void linkDownOnServer2MovesEveryNewRequestToServer1() throws Exception {
        topo.netns.ip(topo.server2, "link", "set", "s2", "down");
        assertTrue(server2Dead.await(5, TimeUnit.SECONDS), "link-down notification reached the nexthop");
        long sentToServer2 = dataplane.portCounter(2, PortCounter.TX_PACKETS);
        Map<String, Integer> counts = topo.requests("http://[" + RouterTopology.ANYCAST6 + "]/", 100);
        assertEquals(Map.of("server1", 100), counts);
        counts = topo.requests("http://" + RouterTopology.ANYCAST4 + "/", 100);
        assertEquals(Map.of("server1", 100), counts);
        assertEquals(sentToServer2, dataplane.portCounter(2, PortCounter.TX_PACKETS), "no frame left on server2's link");
    }
}
