package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.testing.Netns;
import io.dataplane.testing.RouterTopology;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Routes from a real routing daemon: FRR (Debian's {@code frr}: zebra and bgpd) runs in the router
 * namespace and in both server namespaces of the weighted-ECMP topology; each server announces the
 * anycast addresses (IPv4 over an IPv4 session, IPv6 over an IPv6 one) over eBGP, the router's
 * zebra installs an ECMP route for each (proto bgp, a nexthop group), and our daemon, on AF_XDP in
 * that namespace with {@code rib follow kernel proto bgp}, follows them and forwards over both
 * paths. Then one server's BGP sessions go down (its bgpd is killed, the TCP sessions close): the
 * routes lose that path, the dataplane follows, and the flow on the surviving path loses no packet. The time from the kill to the dataplane's
 * one-path route is measured over repeats and printed (not asserted: this is no timing test).
 */
class FrrFollowTest {
    private static final Path FRR = Path.of("/usr/lib/frr");
    private static final String PREFIX = RouterTopology.ANYCAST4 + "/32";
    private static final String PREFIX6 = RouterTopology.ANYCAST6 + "/128";
    private static final int REPEATS = 3;

    private static RouterTopology topo;
    private static DaemonProcess daemon;
    private static Path dir;
    private static final List<Process> frr = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Netns.assumeRoot();
        if (!Files.isExecutable(FRR.resolve("bgpd"))) {
            Assumptions.assumeTrue(Netns.inCi(), "FRR is not installed (apt-get install frr; bin/test does it): "
                    + "no routing daemon to follow");
            throw new IllegalStateException("FRR is missing in CI: bin/test installs the frr package");
        }
        topo = new RouterTopology("frr");
        topo.netns.exec(topo.router, "sysctl", "-q", "-w", "net.ipv4.fib_multipath_hash_policy=1");
        topo.netns.exec(topo.router, "sysctl", "-q", "-w", "net.ipv6.fib_multipath_hash_policy=1");
        topo.startHttpServers();
        dir = Files.createTempDirectory("dpt-frr");
        frr("router", topo.router, "10.0.2.1", 65000, List.of(
                " neighbor 10.0.2.2 remote-as 65001", " neighbor 10.0.2.2 timers connect 1",
                " neighbor 10.0.3.2 remote-as 65002", " neighbor 10.0.3.2 timers connect 1",
                " neighbor " + RouterTopology.SERVER1_6 + " remote-as 65001", " neighbor " + RouterTopology.SERVER1_6 + " timers connect 1",
                " neighbor " + RouterTopology.SERVER2_6 + " remote-as 65002", " neighbor " + RouterTopology.SERVER2_6 + " timers connect 1",
                " bgp bestpath as-path multipath-relax", " address-family ipv4 unicast", "  maximum-paths 2",
                "  no neighbor " + RouterTopology.SERVER1_6 + " activate", "  no neighbor " + RouterTopology.SERVER2_6 + " activate",
                " exit-address-family", " address-family ipv6 unicast", "  maximum-paths 2",
                "  neighbor " + RouterTopology.SERVER1_6 + " activate", "  neighbor " + RouterTopology.SERVER2_6 + " activate",
                // the global address as the gateway, not the peer's link-local one
                "  neighbor " + RouterTopology.SERVER1_6 + " route-map global-nexthop in",
                "  neighbor " + RouterTopology.SERVER2_6 + " route-map global-nexthop in",
                " exit-address-family", "route-map global-nexthop permit 10", " set ipv6 next-hop prefer-global"));
        server(1);
        server(2);
        daemon = new DaemonProcess(topo.router, List.of(
                "port add dev r0 mode copy", "port add dev r1 mode copy", "port add dev r2 mode copy",
                "route add 10.0.1.0/24 via " + RouterTopology.CLIENT4 + " dev r0",
                "route add 2001:db8:1::/64 via " + RouterTopology.CLIENT6 + " dev r0",
                // the kernel's L4 hash (policy 1), as the router's kernel is set: flows from one client spread
                "set hash-function kernel", "set hash-policy ipv4 1", "set hash-policy ipv6 1",
                "rib follow kernel proto bgp"));
        daemon.awaitServing();
        awaitPaths(PREFIX, 2, 60_000);
        awaitPaths(PREFIX6, 2, 60_000);
    }

    private static void server(int n) throws IOException {
        String ns = n == 1 ? topo.server1 : topo.server2;
        String router6 = "2001:db8:" + (n + 1) + "::1";
        frr("server" + n, ns, "10.0." + (n + 1) + ".2", 65000 + n, List.of(
                " neighbor 10.0." + (n + 1) + ".1 remote-as 65000", " neighbor 10.0." + (n + 1) + ".1 timers connect 1",
                " neighbor " + router6 + " remote-as 65000", " neighbor " + router6 + " timers connect 1",
                " address-family ipv4 unicast", "  network " + PREFIX, "  no neighbor " + router6 + " activate", " exit-address-family",
                " address-family ipv6 unicast", "  network " + PREFIX6, "  neighbor " + router6 + " activate", " exit-address-family"));
    }

    /** zebra and bgpd of one namespace, each with its own pid, vty and zserv paths under the temp dir. */
    private static void frr(String name, String ns, String routerId, int as, List<String> bgp) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        List<String> conf = new ArrayList<>(List.of("frr defaults traditional", "hostname " + name,
                "log file " + d.resolve("bgpd.log"), "router bgp " + as, " bgp router-id " + routerId,
                " no bgp ebgp-requires-policy", " no bgp network import-check", " timers bgp 1 3"));
        conf.addAll(bgp);
        Files.write(d.resolve("bgpd.conf"), conf);
        Files.write(d.resolve("zebra.conf"), List.of("hostname " + name));
        // the daemons drop root for Debian's frr user (which is in the frrvty group they insist on)
        Netns.run("chown", "-R", "frr:frr", dir.toString());
        String zserv = d.resolve("zserv.api").toString();
        frr.add(daemonIn(ns, d, "zebra", "-f", d.resolve("zebra.conf").toString(), "-i", d.resolve("zebra.pid").toString(),
                "-z", zserv, "--vty_socket", d.toString(), "-P", "0"));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!Files.exists(Path.of(zserv)) && System.nanoTime() < deadline) {
            sleep(50);
        }
        startBgpd(name);
    }

    private static void startBgpd(String name) throws IOException {
        Path d = dir.resolve(name);
        String ns = name.equals("router") ? topo.router : name.equals("server1") ? topo.server1 : topo.server2;
        frr.add(daemonIn(ns, d, "bgpd", "-f", d.resolve("bgpd.conf").toString(), "-i", d.resolve("bgpd.pid").toString(),
                "-z", d.resolve("zserv.api").toString(), "--vty_socket", d.toString(), "-P", "0"));
    }

    private static Process daemonIn(String ns, Path d, String binary, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, FRR.resolve(binary).toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(d.resolve(binary + ".out").toFile()).start();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : frr) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        if (daemon != null) {
            daemon.close();
        }
        if (topo != null) {
            topo.close();
        }
    }

    /** {@code dpctl ARGS} against the daemon, in this JVM; the output, or "error: ..." */
    private static String dpctl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> a = new ArrayList<>(List.of("--socket", daemon.socket().toString()));
        a.addAll(List.of(args));
        int rc = Dpctl.run(a.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return rc == 0 ? out.toString(StandardCharsets.UTF_8) : "error: " + err.toString(StandardCharsets.UTF_8);
    }

    /** How many paths the daemon's route for {@code prefix} has (0: none). */
    private static int paths(String prefix) {
        String out = dpctl("route", "show", prefix);
        if (out.startsWith("error") || out.isBlank()) { // no such route: an empty selection prints nothing
            return 0;
        }
        return out.contains("nexthop via") ? (int) out.lines().filter(l -> l.contains("nexthop via")).count() : 1;
    }

    private static void awaitPaths(String prefix, int n, long timeoutMs) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (paths(prefix) != n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the daemon's route for " + prefix + " does not have " + n + " paths: "
                        + dpctl("route", "show") + dpctl("rib", "follow", "show")
                        + topo.netns.ip(topo.router, "route", "show") + topo.netns.ip(topo.router, "-6", "route", "show")
                        + "\n" + daemon.output());
            }
            sleep(5);
        }
    }

    @Test
    void followsTheEcmpRouteAndItsWithdrawal() throws Exception {
        String shown = dpctl("route", "show", PREFIX);
        assertTrue(shown.contains("proto bgp") && shown.contains("dev r1") && shown.contains("dev r2"), shown);
        assertTrue(dpctl("route", "del", PREFIX).contains("comes from the kernel's table 254 (proto bgp)"));

        // per-flow sinks: fixed client ports, each request a new flow; both servers answer, evenly
        Map<String, Integer> split = topo.requests("http://" + RouterTopology.ANYCAST4 + "/", 200, 23000);
        int s1 = split.getOrDefault("server1", 0);
        int s2 = split.getOrDefault("server2", 0);
        assertEquals(200, s1 + s2, "every flow answered: " + split);
        assertTrue(Math.abs(s1 / 200.0 - 0.5) <= 0.5 * 0.15, "split within 15% of 1:1: " + split);
        String shown6 = dpctl("route", "show", PREFIX6);
        assertTrue(shown6.contains("proto bgp") && shown6.contains("dev r1") && shown6.contains("dev r2"), shown6);
        Map<String, Integer> split6 = topo.requests("http://[" + RouterTopology.ANYCAST6 + "]/", 200, 25000);
        int v6s1 = split6.getOrDefault("server1", 0);
        assertEquals(200, v6s1 + split6.getOrDefault("server2", 0), "every IPv6 flow answered: " + split6);
        assertTrue(Math.abs(v6s1 / 200.0 - 0.5) <= 0.5 * 0.15, "IPv6 split within 15% of 1:1: " + split6);

        List<Long> millis = new ArrayList<>();
        for (int round = 0; round < REPEATS; round++) {
            // the ping flow's path survives: the other server's session goes down
            String via = dpctl("route", "get", RouterTopology.ANYCAST4, "from", RouterTopology.CLIENT4, "ipproto", "icmp");
            String survivor = via.contains("dev r1") ? "server1" : "server2";
            String lost = survivor.equals("server1") ? "server2" : "server1";
            Process ping = new ProcessBuilder("ip", "netns", "exec", topo.client, "ping", "-n", "-q", "-i", "0.01", "-c", "300",
                    RouterTopology.ANYCAST4).redirectErrorStream(true).start();
            sleep(1000);
            long t0 = System.nanoTime();
            long pid = Long.parseLong(Files.readString(dir.resolve(lost).resolve("bgpd.pid")).strip());
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            awaitPaths(PREFIX, 1, 30_000);
            millis.add((System.nanoTime() - t0) / 1_000_000);
            awaitPaths(PREFIX6, 1, 30_000);
            System.out.println("FrrFollowTest: round " + round + ": " + lost + "'s session down, dataplane on one path after "
                    + millis.getLast() + " ms");
            String pingOut = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            ping.waitFor();
            assertTrue(pingOut.contains(" 0% packet loss"), "the surviving path lost packets while the other was withdrawn: " + pingOut);
            Map<String, Integer> after = topo.requests("http://" + RouterTopology.ANYCAST4 + "/", 40, 24000 + 100 * round);
            assertEquals(Map.of(survivor, 40), after, "every flow on the surviving server");
            Map<String, Integer> after6 = topo.requests("http://[" + RouterTopology.ANYCAST6 + "]/", 40, 26000 + 100 * round);
            assertEquals(Map.of(survivor, 40), after6, "every IPv6 flow on the surviving server");
            startBgpd(lost);
            awaitPaths(PREFIX, 2, 60_000);
            awaitPaths(PREFIX6, 2, 60_000);
        }
        List<Long> sorted = millis.stream().sorted().toList();
        System.out.println("FrrFollowTest: BGP session down to dataplane one-path route, ms: " + millis
                + " median " + sorted.get(sorted.size() / 2) + " max " + sorted.getLast());
    }
}
