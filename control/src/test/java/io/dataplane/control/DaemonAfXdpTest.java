package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.testing.Netns;
import io.dataplane.testing.RouterTopology;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DaemonAfXdpTest {
    private static final int REQUESTS = 300;

    private static RouterTopology topo;
    private static Process daemon;
    private static Path dir;
    private static Path log;

    @BeforeAll
    static void start() throws Exception {
        Netns.assumeRoot();
        topo = new RouterTopology("dmn");
        topo.startHttpServers();
        dir = Files.createTempDirectory("dp-daemon");
        Path config = dir.resolve("router.conf");
        Files.write(config, List.of(
                "# the router of the weighted-ECMP example, on AF_XDP",
                "port add dev r0 mode copy",
                "port add dev r1 mode copy",
                "port add dev r2 mode copy",
                "route add 10.0.1.0/24 via " + RouterTopology.CLIENT4 + " dev r0",
                "route add 2001:db8:1::/64 via " + RouterTopology.CLIENT6 + " dev r0",
                "route add " + RouterTopology.ANYCAST4 + "/32 nexthop via " + RouterTopology.SERVER1_4 + " dev r1 weight 1"
                        + " nexthop via " + RouterTopology.SERVER2_4 + " dev r2 weight 2 mpalgo l4",
                "route add " + RouterTopology.ANYCAST6 + "/128 nexthop via " + RouterTopology.SERVER1_6 + " dev r1 weight 1"
                        + " nexthop via " + RouterTopology.SERVER2_6 + " dev r2 weight 2 mpalgo l4"));
        log = dir.resolve("daemon.log");
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", topo.router,
                ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), DataplaneMain.class.getName(),
                "run", "--config", config.toString(), "--socket", dir.resolve("dp.sock").toString()));
        daemon = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!output().contains("serving") && System.nanoTime() < deadline) {
            assertTrue(daemon.isAlive(), () -> "the daemon exited: " + output());
            Thread.sleep(100);
        }
        assertTrue(output().contains("serving"), () -> "the daemon did not start: " + output());
        // Neighbours are resolved by the kernel on the daemon's request: wait until traffic flows.
        for (String url : new String[] {"http://" + RouterTopology.ANYCAST4 + "/", "http://[" + RouterTopology.ANYCAST6 + "]/"}) {
            while (topo.requests(url, 1).containsKey("failed") && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
        }
    }

    private static String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroyForcibly();
        }
        if (topo != null) {
            topo.close();
        }
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
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

    @Test
    @Order(2)
    void requestsSplitOneToTwoOverBothFamilies() {
        for (String url : new String[] {"http://" + RouterTopology.ANYCAST4 + "/", "http://[" + RouterTopology.ANYCAST6 + "]/"}) {
            Map<String, Integer> answers = topo.requests(url, REQUESTS);
            int s1 = answers.getOrDefault("server1", 0);
            int s2 = answers.getOrDefault("server2", 0);
            assertEquals(REQUESTS, s1 + s2, () -> url + ": " + answers + "\n" + output());
            assertTrue(s1 > 0, url + ": server1 got nothing: " + answers);
            double ratio = (double) s2 / s1;
            assertTrue(Math.abs(ratio - 2.0) / 2.0 <= 0.15, url + ": split " + answers + " is not within 15% of 1:2");
        }
    }

    @Test
    @Order(3)
    void aServerLinkGoingDownMovesEveryRequestToTheOther() throws Exception {
        topo.netns.ip(topo.server2, "link", "set", "s2", "down");
        try {
            Thread.sleep(500); // the carrier change reaches the daemon as a netlink notification
            Map<String, Integer> answers = topo.requests("http://" + RouterTopology.ANYCAST4 + "/", 60);
            assertEquals(Map.of("server1", 60), answers, output());
        } finally {
            topo.netns.ip(topo.server2, "link", "set", "s2", "up");
        }
    }

    @Test
    @Order(4)
    void sigtermStopsTheDaemonAndDetachesEverything() throws Exception {
        daemon.destroy(); // SIGTERM
        assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "the daemon did not stop on SIGTERM");
        assertTrue(output().contains("dataplane: stopped"), output());
        for (String dev : new String[] {"r0", "r1", "r2"}) {
            String link = topo.netns.ip(topo.router, "-d", "link", "show", "dev", dev);
            assertFalse(link.contains("xdp"), dev + " still has an XDP program: " + link);
        }
        assertFalse(Files.exists(dir.resolve("dp.sock")), "the command socket was left behind");
    }
}
