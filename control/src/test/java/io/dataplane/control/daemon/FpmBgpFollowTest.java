package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.testing.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * BGP routes through FRR's FPM: zebra ({@code -M dplane_fpm_nl}) and bgpd run in the router
 * namespace, a bgpd (with its zebra) in each of two peer namespaces; both peers announce the same
 * IPv4 and IPv6 prefixes (eBGP, IPv4 and IPv6 sessions), peer 1 one prefix more. The router's
 * zebra streams its routes to our {@code fpm listen}: the ECMP routes arrive with both paths, the
 * routes of a peer whose session goes down lose its path or leave, and when both are down no BGP
 * route is left. The time from a session's end to the one-path route is printed (not asserted).
 */
class FpmBgpFollowTest {
    private static final Path FRR = Path.of("/usr/lib/frr");
    private static final String BOTH4 = "198.51.100.0/24";
    private static final String BOTH6 = "2001:db8:100::/48";
    private static final String ONLY1 = "203.0.113.0/24";

    private final List<Process> frr = new ArrayList<>();
    private Path dir;

    /** {@code dpctl ARGS}: the output, or "error: ..." */
    private static String dpctl(DaemonProcess daemon, String... args) {
        DaemonProcess.DpctlRun run = daemon.dpctl(args);
        return run.status() == 0 ? run.out() : "error: " + run.err();
    }

    /** How many paths the daemon's route for {@code prefix} has (0: none). */
    private static int paths(DaemonProcess daemon, String prefix) {
        String out = dpctl(daemon, "route", "show", prefix);
        if (out.startsWith("error") || out.isBlank()) {
            return 0;
        }
        return out.contains("nexthop via") ? (int) out.lines().filter(l -> l.contains("nexthop via")).count() : 1;
    }

    private static void awaitPaths(DaemonProcess daemon, Netns netns, String r, String prefix, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (paths(daemon, prefix) != n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the daemon's route for " + prefix + " does not have " + n + " paths within 90 s:\n"
                        + dpctl(daemon, "route", "show") + dpctl(daemon, "rib", "follow", "show")
                        + netns.ip(r, "route", "show") + netns.ip(r, "-6", "route", "show") + "\n" + daemon.output());
            }
            Thread.sleep(10);
        }
    }

    private Process start(String ns, Path d, String binary, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, FRR.resolve(binary).toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(d.resolve(binary + ".out").toFile()).start();
        frr.add(p);
        return p;
    }

    /** zebra (with {@code zebraArgs}) and bgpd in namespace {@code ns}, each with its own pid, vty and zserv paths. */
    private void frr(String name, String ns, String routerId, int as, List<String> zebraConf, List<String> bgp, String... zebraArgs)
            throws IOException, InterruptedException {
        Path d = Files.createDirectories(dir.resolve(name));
        List<String> conf = new ArrayList<>(List.of("frr defaults traditional", "hostname " + name,
                "log file " + d.resolve("bgpd.log"), "router bgp " + as, " bgp router-id " + routerId,
                " no bgp ebgp-requires-policy", " no bgp network import-check", " timers bgp 1 3"));
        conf.addAll(bgp);
        Files.write(d.resolve("bgpd.conf"), conf);
        Files.write(d.resolve("zebra.conf"), zebraConf);
        Netns.run("chown", "-R", "frr:frr", dir.toString());
        String zserv = d.resolve("zserv.api").toString();
        List<String> z = new ArrayList<>(List.of(zebraArgs));
        z.addAll(List.of("-f", d.resolve("zebra.conf").toString(), "-i", d.resolve("zebra.pid").toString(),
                "-z", zserv, "--vty_socket", d.toString(), "-P", "0"));
        start(ns, d, "zebra", z.toArray(String[]::new));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!Files.exists(Path.of(zserv)) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        start(ns, d, "bgpd", "-f", d.resolve("bgpd.conf").toString(), "-i", d.resolve("bgpd.pid").toString(),
                "-z", zserv, "--vty_socket", d.toString(), "-P", "0");
    }

    /** A peer: AS 65000+n on link n (10.n.0.2, 2001:db8:n::2), announcing {@code networks} over the matching session. */
    private void peer(int n, String ns, List<String> networks4, List<String> networks6) throws IOException, InterruptedException {
        String router4 = "10." + n + ".0.1";
        String router6 = "2001:db8:" + n + "::1";
        List<String> bgp = new ArrayList<>(List.of(
                " neighbor " + router4 + " remote-as 65000", " neighbor " + router4 + " timers connect 1",
                " neighbor " + router6 + " remote-as 65000", " neighbor " + router6 + " timers connect 1",
                " address-family ipv4 unicast", "  no neighbor " + router6 + " activate"));
        networks4.forEach(x -> bgp.add("  network " + x));
        bgp.addAll(List.of(" exit-address-family", " address-family ipv6 unicast", "  neighbor " + router6 + " activate"));
        networks6.forEach(x -> bgp.add("  network " + x));
        bgp.add(" exit-address-family");
        frr("peer" + n, ns, "10." + n + ".0.2", 65000 + n, List.of("hostname peer" + n), bgp);
    }

    private void killBgpd(String name) throws IOException {
        long pid = Long.parseLong(Files.readString(dir.resolve(name).resolve("bgpd.pid")).strip());
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    @Test
    void bgpRoutesArriveOverFpmAndLeaveWithTheirSessions() throws Exception {
        Netns.assumeRoot();
        if (!Files.isExecutable(FRR.resolve("bgpd"))) {
            Assumptions.assumeTrue(Netns.inCi(), "FRR is not installed (apt-get install frr; bin/test does it): no zebra to speak FPM");
            throw new IllegalStateException("FRR is missing in CI: bin/test installs the frr package");
        }
        dir = Files.createTempDirectory("dpt-fpmbgp");
        try (Netns netns = new Netns("fpmbgp")) {
            String r = netns.add("r");
            String p1 = netns.add("p1");
            String p2 = netns.add("p2");
            netns.veth(r, "d0", p1, "e0");
            netns.veth(r, "d1", p2, "e0");
            for (int n = 1; n <= 2; n++) {
                String p = n == 1 ? p1 : p2;
                netns.ip(r, "addr", "add", "10." + n + ".0.1/24", "dev", "d" + (n - 1));
                netns.ip(r, "addr", "add", "2001:db8:" + n + "::1/64", "dev", "d" + (n - 1), "nodad");
                netns.ip(p, "addr", "add", "10." + n + ".0.2/24", "dev", "e0");
                netns.ip(p, "addr", "add", "2001:db8:" + n + "::2/64", "dev", "e0", "nodad");
            }
            try (DaemonProcess daemon = new DaemonProcess(r, List.of("port add dev d0 type memory", "port add dev d1 type memory",
                    "fpm listen"))) {
                daemon.awaitServing();
                frr("router", r, "10.1.0.1", 65000, List.of("hostname router", "fpm address 127.0.0.1 port 2620"), List.of(
                        " neighbor 10.1.0.2 remote-as 65001", " neighbor 10.1.0.2 timers connect 1",
                        " neighbor 10.2.0.2 remote-as 65002", " neighbor 10.2.0.2 timers connect 1",
                        " neighbor 2001:db8:1::2 remote-as 65001", " neighbor 2001:db8:1::2 timers connect 1",
                        " neighbor 2001:db8:2::2 remote-as 65002", " neighbor 2001:db8:2::2 timers connect 1",
                        " bgp bestpath as-path multipath-relax",
                        " address-family ipv4 unicast", "  maximum-paths 2",
                        "  no neighbor 2001:db8:1::2 activate", "  no neighbor 2001:db8:2::2 activate", " exit-address-family",
                        " address-family ipv6 unicast", "  maximum-paths 2",
                        "  neighbor 2001:db8:1::2 activate", "  neighbor 2001:db8:2::2 activate",
                        // the peers' global addresses as the gateways, not their link-local ones
                        "  neighbor 2001:db8:1::2 route-map global-nexthop in", "  neighbor 2001:db8:2::2 route-map global-nexthop in",
                        " exit-address-family", "route-map global-nexthop permit 10", " set ipv6 next-hop prefer-global"),
                        "-M", "dplane_fpm_nl");
                peer(1, p1, List.of(BOTH4, ONLY1), List.of(BOTH6));
                peer(2, p2, List.of(BOTH4), List.of(BOTH6));

                awaitPaths(daemon, netns, r, BOTH4, 2);
                awaitPaths(daemon, netns, r, BOTH6, 2);
                awaitPaths(daemon, netns, r, ONLY1, 1);
                String both4 = dpctl(daemon, "route", "show", BOTH4);
                assertTrue(both4.contains("proto bgp") && both4.contains("nexthop via 10.1.0.2 dev d0")
                        && both4.contains("nexthop via 10.2.0.2 dev d1"), both4);
                String both6 = dpctl(daemon, "route", "show", BOTH6);
                assertTrue(both6.contains("proto bgp") && both6.contains("nexthop via 2001:db8:1::2 dev d0")
                        && both6.contains("nexthop via 2001:db8:2::2 dev d1"), both6);
                assertTrue(dpctl(daemon, "route", "del", BOTH4).contains("comes from FPM (zebra)"), "operators are told the source");

                // peer 1's sessions go down: its path goes from the shared routes, its own route leaves
                long t0 = System.nanoTime();
                killBgpd("peer1");
                awaitPaths(daemon, netns, r, BOTH4, 1);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                awaitPaths(daemon, netns, r, BOTH6, 1);
                awaitPaths(daemon, netns, r, ONLY1, 0);
                System.out.println("FpmBgpFollowTest: peer 1's BGP session down to the dataplane's one-path route over FPM: " + ms + " ms");
                assertTrue(dpctl(daemon, "route", "show", BOTH4).startsWith(BOTH4 + " via 10.2.0.2 dev d1 proto bgp"),
                        dpctl(daemon, "route", "show", BOTH4));
                assertTrue(dpctl(daemon, "route", "show", BOTH6).startsWith(BOTH6 + " via 2001:db8:2::2 dev d1 proto bgp"),
                        dpctl(daemon, "route", "show", BOTH6));

                // and peer 2's: no BGP route is left
                killBgpd("peer2");
                awaitPaths(daemon, netns, r, BOTH4, 0);
                awaitPaths(daemon, netns, r, BOTH6, 0);
                assertEquals("", dpctl(daemon, "route", "show", "proto", "bgp"), "every withdrawn route left the RIB");
            }
        } finally {
            for (Process x : frr) {
                x.descendants().forEach(ProcessHandle::destroyForcibly);
                x.destroyForcibly();
            }
            Netns.run("rm", "-rf", dir.toString());
        }
    }
}
