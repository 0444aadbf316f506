package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.tables.packet.Frames;
import io.dataplane.tables.FlowHash;
import io.dataplane.tables.UpperBounds;
import io.dataplane.testing.Netns;
import java.lang.foreign.MemorySegment;
import io.dataplane.testing.RouterTopology;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code dataplane run --config FILE} as an operator runs it: a separate JVM in the router
 * namespace (kernel forwarding off there) with AF_XDP ports on its three veths, routes and weights
 * from the configuration file, neighbours resolved through the kernel. Requests from the client
 * reach the anycast servers split 1:2; a server's link going down moves every request to the other;
 * SIGTERM stops the daemon and detaches its XDP programs.
 *
 * <p>Every veth keeps the kernel's default offloads, as in the published example: the daemon turns
 * TX checksum offload off on its ports' veth peers (so TCP and UDP checksums arrive finished) and
 * back on when it stops.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DaemonAfXdpTest {
    private static final int REQUESTS = 300;
    /**
     * Client source ports, one range per family: a port the client just closed (TIME_WAIT) cannot
     * be bound by the other family's dual-stack socket. Both ranges' flows split within 15% of 1:2
     * under our hash; what the test checks is that every flow goes where the hash says.
     */
    private static final int FIRST_PORT4 = 20000;
    private static final int FIRST_PORT6 = 21000;

    private static RouterTopology topo;
    private static DaemonProcess daemon;

    @BeforeAll
    static void start() throws Exception {
        Netns.assumeRoot();
        topo = new RouterTopology("dmn");
        topo.startHttpServers();
        topo.startTransferServers();
        daemon = start(topo, RouterTopology.CLIENT4, RouterTopology.CLIENT6);
    }

    /**
     * Starts the daemon as the router of the weighted-ECMP example, reaching the client's subnet via
     * {@code gateway4} / {@code gateway6}, and waits until requests go through both ways.
     */
    static DaemonProcess start(RouterTopology topo, String gateway4, String gateway6) throws Exception {
        DaemonProcess daemon = new DaemonProcess(topo.router, List.of(
                "# the router of the weighted-ECMP example, on AF_XDP",
                "port add dev r0 mode copy",
                "port add dev r1 mode copy",
                "port add dev r2 mode copy",
                "route add 10.0.1.0/24 via " + gateway4 + " dev r0",
                "route add 2001:db8:1::/64 via " + gateway6 + " dev r0",
                "route add " + RouterTopology.ANYCAST4 + "/32 nexthop via " + RouterTopology.SERVER1_4 + " dev r1 weight 1"
                        + " nexthop via " + RouterTopology.SERVER2_4 + " dev r2 weight 2 mpalgo l4",
                "route add " + RouterTopology.ANYCAST6 + "/128 nexthop via " + RouterTopology.SERVER1_6 + " dev r1 weight 1"
                        + " nexthop via " + RouterTopology.SERVER2_6 + " dev r2 weight 2 mpalgo l4"));
        daemon.awaitServing();
        // Neighbours are resolved by the kernel on the daemon's request: wait until traffic flows.
        long deadline = System.nanoTime() + 30_000_000_000L;
        for (String url : new String[] {"http://" + RouterTopology.ANYCAST4 + "/", "http://[" + RouterTopology.ANYCAST6 + "]/"}) {
            while (topo.requests(url, 1).containsKey("failed") && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
        }
        return daemon;
    }

    private static String output() {
        return daemon.output();
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
    @Order(1)
    void theDaemonPrintsWhatItBound() {
        String out = output();
        for (String port : new String[] {"r0", "r1", "r2"}) {
            assertTrue(out.contains("port ") && out.contains(port + ": type afxdp"), out);
            assertTrue(out.contains(port + ": type afxdp, copy mode, 1 queue(s)"), out);
        }
    }

    /** The published example leaves offload on; the daemon says what it changed, and the change is real. */
    @Test
    @Order(1)
    void theDaemonTurnedTxChecksumOffloadOffOnEachVethPeer() {
        String out = output();
        String[][] peers = {{"r0", "c0", topo.client}, {"r1", "s1", topo.server1}, {"r2", "s2", topo.server2}};
        for (String[] p : peers) {
            assertTrue(out.contains("port " + p[0] + ": turned TX checksum offload off on its veth peer " + p[1]
                    + " in network namespace "), out);
            assertFalse(topo.txChecksumOffload(p[2], p[1]), p[1] + " still offloads TX checksums");
        }
    }

    /**
     * Fixed client ports make the flows, and so the split, the same on every run (random ports
     * would make a 300-flow split miss 15% by chance about one run in six): each flow must
     * reach exactly the server our hash predicts for it, and the split must be within the kernel
     * selftests' 15% of the weights.
     */
    @Test
    @Order(2)
    void everyFlowReachesThePredictedServerAndTheSplitFollowsTheWeights() {
        assertEveryFlowReachesThePredictedServer(topo, REQUESTS, DaemonAfXdpTest::output);
    }

    /**
     * {@code requests} connections per family from fixed client ports each reach the server our
     * hash predicts; with 300 or more, the predicted split is also checked against the weights.
     */
    static void assertEveryFlowReachesThePredictedServer(RouterTopology topo, int requests, java.util.function.Supplier<String> output) {
        int[] bounds = UpperBounds.compute(new int[] {1, 2}, new boolean[] {true, true});
        for (boolean v6 : new boolean[] {false, true}) {
            String url = v6 ? "http://[" + RouterTopology.ANYCAST6 + "]/" : "http://" + RouterTopology.ANYCAST4 + "/";
            int firstPort = v6 ? FIRST_PORT6 : FIRST_PORT4;
            int[] predicted = new int[2];
            for (int i = 0; i < requests; i++) {
                Frames f = v6 ? Frames.ipv6(RouterTopology.CLIENT6, RouterTopology.ANYCAST6)
                        : Frames.ipv4(RouterTopology.CLIENT4, RouterTopology.ANYCAST4);
                MemorySegment m = f.tcp(firstPort + i, 80).toSegment();
                int ipLength = (int) m.byteSize() - 14;
                int hash = v6 ? FlowHash.ipv6(m, 14, ipLength, FlowHash.L4, 0) : FlowHash.ipv4(m, 14, ipLength, FlowHash.L4, 0);
                predicted[UpperBounds.select(bounds, hash)]++;
            }
            Map<String, Integer> answers = topo.requests(url, requests, firstPort);
            assertEquals(Map.of("server1", predicted[0], "server2", predicted[1]), answers, () -> url + "\n" + output.get());
            double ratio = (double) predicted[1] / predicted[0];
            assertTrue(requests < REQUESTS || Math.abs(ratio - 2.0) / 2.0 <= 0.15, url + ": split " + answers + " is not within 15% of 1:2");
        }
    }

    /** UDP both ways and 2 MB over TCP each way, IPv4 and IPv6: the receiving kernels check every checksum. */
    @Test
    @Order(2)
    void udpAndBulkTcpArriveWithFinishedChecksums() throws Exception {
        assertUdpAndBulkTcpArriveIntact(topo, () -> output() + state(daemon));
    }

    static void assertUdpAndBulkTcpArriveIntact(RouterTopology topo, java.util.function.Supplier<String> output) throws Exception {
        String sha = topo.transferSha256();
        for (String host : new String[] {RouterTopology.ANYCAST4, RouterTopology.ANYCAST6}) {
            for (int i = 0; i < 3; i++) {
                String answer = topo.udpRequest(host);
                assertTrue(answer.equals("server1") || answer.equals("server2"), () -> host + " UDP: " + answer + "\n" + output.get());
            }
            assertEquals(sha, topo.download(host), () -> host + ": the 2 MB download\n" + output.get());
            assertEquals(sha, topo.upload(host), () -> host + ": the 2 MB upload\n" + output.get());
        }
        for (String ns : new String[] {topo.client, topo.server1, topo.server2}) {
            assertEquals(0, topo.nstat(ns, "TcpInCsumErrors") + topo.nstat(ns, "UdpInCsumErrors") + topo.nstat(ns, "Udp6InCsumErrors"),
                    ns + " dropped segments with bad checksums");
        }
    }

    @Test
    @Order(3)
    void linkShowIncludesTheKernelsSocketCounters() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int status = Dpctl.run(new String[] {"--socket", daemon.socket().toString(), "-j", "link", "show", "dev", "r0"},
                new java.io.PrintStream(out, true), System.err);
        String json = out.toString();
        assertEquals(0, status, json);
        assertTrue(json.contains("\"rx_packets\"") && json.contains("\"kick_errors\"") && json.contains("\"xdp_rx_dropped\"")
                && json.contains("\"xdp_rx_fill_ring_empty_descs\""), json);
    }

    /**
     * The subnets of the ports' addresses are connected, as the kernel's routes: the server itself
     * (a host on r1's subnet, not behind any route line) answers a ping forwarded by the dataplane
     * (the router's kernel does not forward).
     */
    @Test
    @Order(3)
    void theServersSubnetIsConnectedSoTheServerItselfIsReachable() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int status = Dpctl.run(new String[] {"--socket", daemon.socket().toString(), "route", "show", "dev", "r1"},
                new java.io.PrintStream(out, true), System.err);
        String routes = out.toString();
        assertEquals(0, status, routes);
        assertTrue(routes.contains("10.0.2.0/24 proto kernel scope link src 10.0.2.1"), routes);
        // as the kernel shows its own connected routes, src included, in text and JSON
        for (String json : new String[] {"", "-j"}) {
            List<String> args = new java.util.ArrayList<>(List.of("-4", "route", "show", "dev", "r1", "proto", "kernel"));
            if (!json.isEmpty()) {
                args.add(0, json);
            }
            java.io.ByteArrayOutputStream ours = new java.io.ByteArrayOutputStream();
            assertEquals(0, Dpctl.run(java.util.stream.Stream.concat(Stream.of("--socket", daemon.socket().toString()), args.stream())
                    .toArray(String[]::new), new java.io.PrintStream(ours, true), System.err));
            assertEquals(topo.netns.ip(topo.router, args.toArray(String[]::new)).strip(), ours.toString().strip());
        }
        String ping = topo.netns.output(topo.client, "ping", "-c", "3", "-i", "0.2", "-W", "2", RouterTopology.SERVER1_4);
        assertTrue(ping.contains(" 0% packet loss"), ping + "\n" + output());
    }

    /**
     * A host on r1's connected subnet that the router's kernel never talked to: the first packets
     * to it drop as neighbour_unresolved (the dataplane cannot queue them while the kernel asks),
     * the daemon has the kernel resolve the destinations it dropped, and within seconds the host
     * is forwarded to, as behind a Linux router that ARPs.
     */
    @Test
    @Order(3)
    void aHostTheKernelNeverTalkedToIsResolvedOnceTrafficComes() throws Exception {
        String host = "10.0.2.77";
        topo.netns.ip(topo.server1, "addr", "add", host + "/24", "dev", "s1");
        String neigh = topo.netns.ip(topo.router, "neigh", "show", host);
        assertTrue(neigh.isBlank(), "the router's kernel already knows " + host + ": " + neigh);
        long before = unresolvedDrops();
        String ping = topo.netns.output(topo.client, "ping", "-c", "1", "-W", "1", host);
        assertTrue(unresolvedDrops() > before, "the first ping was not dropped as unresolved: " + ping + "\n" + output());
        long deadline = System.nanoTime() + 10_000_000_000L;
        do {
            ping = topo.netns.output(topo.client, "ping", "-c", "1", "-W", "1", host);
        } while (!ping.contains(" 0% packet loss") && System.nanoTime() < deadline);
        assertTrue(ping.contains(" 0% packet loss"), host + " never became reachable: " + ping + "\n"
                + topo.netns.ip(topo.router, "neigh", "show") + output());
        assertTrue(topo.netns.ip(topo.router, "neigh", "show", host).contains("lladdr"), "the kernel did not resolve " + host);
    }

    /**
     * Addresses the kernel gives a port's device after it was opened are followed: the subnet
     * becomes a connected route with its address, as in the kernel, and goes with it (IPv4 and
     * IPv6). (A second address in a subnet keeping its route: KernelFollowerTest; here the kernel
     * would delete a secondary with its primary.)
     */
    @Test
    @Order(3)
    void addressesAddedAndRemovedAfterTheDeviceOpenedAreFollowed() throws Exception {
        topo.netns.ip(topo.router, "addr", "add", "10.0.5.1/24", "dev", "r2");
        topo.netns.ip(topo.router, "addr", "add", "2001:db8:5::1/64", "dev", "r2", "nodad");
        awaitRoutes("dev", "r2", s -> s.contains("10.0.5.0/24 proto kernel scope link") && s.contains("2001:db8:5::/64 proto kernel"));
        topo.netns.ip(topo.router, "addr", "del", "2001:db8:5::1/64", "dev", "r2");
        awaitRoutes("dev", "r2", s -> s.contains("10.0.5.0/24") && !s.contains("2001:db8:5::"));
        topo.netns.ip(topo.router, "addr", "del", "10.0.5.1/24", "dev", "r2");
        awaitRoutes("dev", "r2", s -> !s.contains("10.0.5.0/24") && s.contains("10.0.3.0/24 proto kernel scope link"));
    }

    /**
     * The port's ICMP errors come from its device's address as it is now: r2's address changed
     * while the daemon runs, a frame expiring on r2 is answered from the new one.
     */
    @Test
    @Order(3)
    void icmpErrorsComeFromTheAddressThePortHasNow() throws Exception {
        // the primary first: the kernel would delete a secondary with it
        topo.netns.ip(topo.router, "addr", "del", "10.0.3.1/24", "dev", "r2");
        topo.netns.ip(topo.router, "addr", "add", "10.0.3.100/24", "dev", "r2");
        try {
            awaitRoutes("dev", "r2", s -> s.contains("10.0.3.0/24 proto kernel scope link src 10.0.3.100"));
            String ping = "";
            for (int i = 0; i < 3 && !ping.contains("From 10.0.3.100"); i++) {
                ping = topo.netns.output(topo.server2, "ping", "-c", "1", "-W", "2", "-t", "1", RouterTopology.CLIENT4);
            }
            assertTrue(ping.contains("From 10.0.3.100") && ping.contains("Time to live exceeded"), ping + output());
        } finally {
            topo.netns.ip(topo.router, "addr", "del", "10.0.3.100/24", "dev", "r2");
            topo.netns.ip(topo.router, "addr", "add", "10.0.3.1/24", "dev", "r2");
        }
        awaitRoutes("dev", "r2", s -> s.contains("10.0.3.0/24 proto kernel scope link src 10.0.3.1\n"));
    }

    /** Waits (5 s at most) until {@code route show SELECTOR} (both families) satisfies {@code wanted}. */
    private static void awaitRoutes(String selector, String value, java.util.function.Predicate<String> wanted) throws Exception {
        String routes = "";
        for (long deadline = System.nanoTime() + 5_000_000_000L; System.nanoTime() < deadline; Thread.sleep(100)) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            assertEquals(0, Dpctl.run(new String[] {"--socket", daemon.socket().toString(), "route", "show", selector, value},
                    new java.io.PrintStream(out, true), System.err));
            routes = out.toString();
            if (wanted.test(routes)) {
                return;
            }
        }
        throw new AssertionError("route show " + selector + " " + value + " never became what was wanted:\n" + routes + output());
    }

    /** What the daemon shows of its neighbours, links, routes and drops: for a failure's message. */
    static String state(DaemonProcess daemon) {
        StringBuilder sb = new StringBuilder();
        for (String[] cmd : new String[][] {{"neigh", "show"}, {"-s", "link", "show"}, {"-6", "route", "show"},
            {"stats", "drops"}}) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            String[] args = Stream.concat(Stream.of("--socket", daemon.socket().toString()), Stream.of(cmd)).toArray(String[]::new);
            Dpctl.run(args, new java.io.PrintStream(out, true), new java.io.PrintStream(out, true));
            sb.append("\n$ dpctl ").append(String.join(" ", cmd)).append('\n').append(out);
        }
        return sb.toString();
    }

    private static long unresolvedDrops() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int status = Dpctl.run(new String[] {"--socket", daemon.socket().toString(), "-j", "stats", "drops"},
                new java.io.PrintStream(out, true), System.err);
        String json = out.toString();
        assertEquals(0, status, json);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"neighbour_unresolved\":(\\d+)").matcher(json);
        assertTrue(m.find(), json);
        return Long.parseLong(m.group(1));
    }

    @Test
    @Order(4)
    void aServerLinkGoingDownMovesEveryRequestToTheOther() throws Exception {
        topo.netns.ip(topo.server2, "link", "set", "s2", "down");
        try {
            Thread.sleep(500); // the carrier change reaches the daemon as a netlink notification
            Map<String, Integer> answers = topo.requests("http://" + RouterTopology.ANYCAST4 + "/", 60);
            assertEquals(Map.of("server1", 60), answers, output());
            // link show has the kernel's flags and state for the device: up, without carrier
            String kernel = flagsAndState(topo.netns.ip(topo.router, "link", "show", "dev", "r2"));
            assertTrue(kernel.startsWith("<NO-CARRIER,BROADCAST,MULTICAST,UP> state "), kernel);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            assertEquals(0, Dpctl.run(new String[] {"--socket", daemon.socket().toString(), "link", "show", "dev", "r2"},
                    new java.io.PrintStream(out, true), System.err));
            assertEquals(kernel, flagsAndState(out.toString()), out.toString());
        } finally {
            topo.netns.ip(topo.server2, "link", "set", "s2", "up");
        }
    }

    /** {@code <FLAGS> state S} of a {@code link show} answer's first line. */
    private static String flagsAndState(String linkShow) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(<[^>]*>).*? (state \\S+)").matcher(linkShow);
        return m.find() ? m.group(1) + " " + m.group(2) : linkShow;
    }

    @Test
    @Order(5)
    void sigtermStopsTheDaemonAndDetachesEverything() throws Exception {
        assertTrue(daemon.terminate(), "the daemon did not stop on SIGTERM");
        assertTrue(output().contains("dataplane: stopped"), output());
        for (String dev : new String[] {"r0", "r1", "r2"}) {
            String link = topo.netns.ip(topo.router, "-d", "link", "show", "dev", dev);
            assertFalse(link.contains("xdp"), dev + " still has an XDP program: " + link);
        }
        assertFalse(Files.exists(daemon.socket()), "the command socket was left behind");
        assertTrue(topo.txChecksumOffload(topo.client, "c0") && topo.txChecksumOffload(topo.server1, "s1")
                && topo.txChecksumOffload(topo.server2, "s2"), "the peers' TX checksum offload was not turned on again");
    }
}
