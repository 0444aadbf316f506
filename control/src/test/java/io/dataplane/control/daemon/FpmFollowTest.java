package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.testing.Netns;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Routes from FRR's zebra over FPM ({@code zebra -M dplane_fpm_nl}, {@code fpm address
 * 127.0.0.1}): staticd's routes reach the daemon's RIB through {@code fpm listen}; when zebra
 * restarts (with staticd), the routes stay while it is away and through its replay, and a route
 * that does not come back is removed once the replay is over.
 */
class FpmFollowTest {
    private static final Path FRR = Path.of("/usr/lib/frr");

    private final List<Process> frr = new ArrayList<>();

    private static String dpctl(DaemonProcess daemon, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> a = new ArrayList<>(List.of("--socket", daemon.socket().toString()));
        a.addAll(List.of(args));
        int rc = Dpctl.run(a.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return rc == 0 ? out.toString(StandardCharsets.UTF_8) : "error: " + err.toString(StandardCharsets.UTF_8);
    }

    private static void await(String what, BooleanSupplier ok, DaemonProcess daemon) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what + "\n" + dpctl(daemon, "route", "show")
                        + dpctl(daemon, "rib", "follow", "show") + daemon.output());
            }
            Thread.sleep(50);
        }
    }

    private Process start(String ns, Path d, String binary, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, FRR.resolve(binary).toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(d.resolve(binary + ".out").toFile()).start();
        frr.add(p);
        return p;
    }

    private Process zebra(String ns, Path d) throws IOException {
        return start(ns, d, "zebra", "-M", "dplane_fpm_nl", "-f", d.resolve("zebra.conf").toString(),
                "-i", d.resolve("zebra.pid").toString(), "-z", d.resolve("zserv.api").toString(), "--vty_socket", d.toString(), "-P", "0");
    }

    @Test
    void zebrasRoutesArriveOverFpmAndSurviveItsRestart() throws Exception {
        Netns.assumeRoot();
        if (!Files.isExecutable(FRR.resolve("zebra"))) {
            Assumptions.assumeTrue(Netns.inCi(), "FRR is not installed (apt-get install frr; bin/test does it): no zebra to speak FPM");
            throw new IllegalStateException("FRR is missing in CI: bin/test installs the frr package");
        }
        Path d = Files.createTempDirectory("dpt-fpm");
        try (Netns netns = new Netns("fpm")) {
            String r = netns.add("r");
            String p = netns.add("p");
            netns.veth(r, "d0", p, "e0");
            netns.veth(r, "d1", p, "e1");
            netns.ip(r, "addr", "add", "10.1.0.1/24", "dev", "d0");
            netns.ip(r, "addr", "add", "10.2.0.1/24", "dev", "d1");
            Files.write(d.resolve("zebra.conf"), List.of("hostname fpm", "fpm address 127.0.0.1 port 2620"));
            Files.write(d.resolve("staticd.conf"), List.of("hostname fpm",
                    "ip route 198.51.100.0/24 10.1.0.2", "ip route 203.0.113.0/24 10.2.0.2", "ip route 192.0.2.0/24 10.1.0.2"));
            Netns.run("chown", "-R", "frr:frr", d.toString());
            try (DaemonProcess daemon = new DaemonProcess(r, List.of("port add dev d0 type memory", "port add dev d1 type memory",
                    "fpm listen"))) {
                daemon.awaitServing();
                Process zebra = zebra(r, d);
                start(r, d, "staticd", "-f", d.resolve("staticd.conf").toString(), "-i", d.resolve("staticd.pid").toString(),
                        "-z", d.resolve("zserv.api").toString(), "--vty_socket", d.toString(), "-P", "0");
                // zebra's connected routes (proto kernel) are followed too, as connected routes; its three static ones:
                await("zebra's three routes over FPM", () -> dpctl(daemon, "route", "show").lines()
                        .filter(l -> l.contains("proto") && !l.contains("proto kernel")).count() == 3, daemon);
                assertTrue(dpctl(daemon, "route", "show", "198.51.100.0/24").startsWith("198.51.100.0/24 via 10.1.0.2 dev d0 proto "),
                        dpctl(daemon, "route", "show") + dpctl(daemon, "rib", "follow", "show") + daemon.output());
                String refused = dpctl(daemon, "route", "del", "198.51.100.0/24");
                assertTrue(refused.contains("comes from FPM (zebra)"), refused);

                // zebra goes away: the routes stay; staticd loses one route; zebra comes back and replays
                zebra.destroyForcibly().waitFor();
                Thread.sleep(500);
                assertEquals(3, dpctl(daemon, "route", "show").lines().filter(l -> l.contains("proto") && !l.contains("proto kernel")).count(),
                        "zebra is gone, its routes stay: " + dpctl(daemon, "route", "show"));
                frr.forEach(Process::destroyForcibly);
                Files.write(d.resolve("staticd.conf"), List.of("hostname fpm",
                        "ip route 198.51.100.0/24 10.1.0.2", "ip route 203.0.113.0/24 10.2.0.2"));
                zebra(r, d);
                start(r, d, "staticd", "-f", d.resolve("staticd.conf").toString(), "-i", d.resolve("staticd.pid").toString(),
                        "-z", d.resolve("zserv.api").toString(), "--vty_socket", d.toString(), "-P", "0");
                await("the route that did not come back removed after the replay", () -> {
                    assertTrue(dpctl(daemon, "route", "show", "198.51.100.0/24").startsWith("198.51.100.0/24 via"),
                            "a route that comes back is kept through zebra's restart and replay");
                    return dpctl(daemon, "route", "show", "192.0.2.0/24").isBlank(); // an empty selection prints nothing, as ip
                }, daemon);
                String shown = dpctl(daemon, "route", "show");
                assertTrue(shown.contains("198.51.100.0/24 via 10.1.0.2 dev d0") && shown.contains("203.0.113.0/24 via 10.2.0.2 dev d1"),
                        shown + dpctl(daemon, "rib", "follow", "show") + netns.ip(r, "route", "show") + "\n" + daemon.output().length()
                        + daemon.output());
            }
        } finally {
            for (Process x : frr) {
                x.descendants().forEach(ProcessHandle::destroyForcibly);
                x.destroyForcibly();
            }
            Netns.run("rm", "-rf", d.toString());
        }
    }
}
