package io.dataplane.perf;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.FibPlane;
import io.dataplane.control.command.Command;
import io.dataplane.control.command.CommandParser;
import io.dataplane.control.daemon.FollowProbe;
import io.dataplane.control.daemon.PortConfiguration;
import io.dataplane.control.rib.Rib;
import io.dataplane.tables.Change;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code bin/bench follow [--routes N]} (root): how long the dataplane takes to follow a full
 * table of IPv4 /24 routes that {@code ip -batch} installs in the kernel, against {@code ip -batch}
 * alone; how long {@code dpctl -batch} takes to load the same routes into a running daemon; and
 * where the time goes in the daemon (parse, RIB, table change, publication with the LPM writes).
 * Prints one line per figure; the last is a summary line for scripts.
 */
public final class FollowBench {
    private FollowBench() {
    }

    public static void main(String[] args) throws Exception {
        int routes = 900_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--routes" -> routes = Integer.parseInt(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("usage: bin/bench follow [--routes N]   (root; default 900000 IPv4 /24 routes)");
                    return;
                }
                default -> {
                    System.err.println("bench follow: unknown option '" + args[i] + "'; see --help");
                    System.exit(2);
                }
            }
        }
        long pid = ProcessHandle.current().pid();
        String ns = "fb-" + pid + "-r";
        String peer = "fb-" + pid + "-p";
        Path dir = Files.createTempDirectory("bench-follow");
        Path ipBatch = dir.resolve("routes.ip");
        List<String> lines = new ArrayList<>(routes);
        for (int i = 0; i < routes; i++) {
            lines.add("route add " + (16 + i / 65536) + "." + (i / 256 % 256) + "." + (i % 256) + ".0/24 via 10.1.0.2 dev d0");
        }
        Files.write(ipBatch, lines);
        try {
            run("ip", "netns", "add", ns);
            run("ip", "netns", "add", peer);
            run("ip", "-n", ns, "link", "add", "d0", "type", "veth", "peer", "name", "e0", "netns", peer);
            run("ip", "-n", ns, "link", "set", "d0", "up");
            run("ip", "-n", peer, "link", "set", "e0", "up");
            run("ip", "-n", ns, "addr", "add", "10.1.0.1/24", "dev", "d0");
            int ifindex = Integer.parseInt(run("ip", "-n", ns, "-o", "link", "show", "d0").split(":")[0].strip());

            double ipAlone = seconds(() -> run("ip", "-n", ns, "-batch", ipBatch.toString()));
            run("ip", "-n", ns, "route", "flush", "proto", "boot");
            print("ip -batch alone", routes, ipAlone);

            double[] followed = FollowProbe.follow(ns, ifindex, routes, () -> run("ip", "-n", ns, "-batch", ipBatch.toString()));
            run("ip", "-n", ns, "route", "flush", "proto", "boot");
            print("ip -batch while the dataplane follows (ip's own time)", routes, followed[0]);
            print("ip -batch until the dataplane's RIB and tables have every route", routes, followed[1]);
            System.out.printf(Locale.ROOT, "following adds %.0f%% to ip -batch alone%n", 100 * (followed[1] - ipAlone) / ipAlone);

            double dpctl = dpctlBatch(dir, ipBatch);
            print("dpctl -batch (JVM start, socket, parse, RIB, tables)", routes, dpctl);
            double[] parts = inProcess(lines);
            print("  in the daemon: parse (line by line, as the daemon)", routes, parts[0]);
            print("  in the daemon: RIB (one transaction, line by line)", routes, parts[1]);
            print("  in the daemon: table change (Transaction.writeTo)", routes, parts[2]);
            print("  in the daemon: publication (Fib.commit: validate, LPM writes, snapshots)", routes, parts[3]);
            print("  of which garbage collection (any step)", routes, parts[4]);
            System.out.printf(Locale.ROOT, "follow-bench routes %d ip %.2f follow %.2f dpctl %.2f ratio-ip-dpctl %.2f%n",
                    routes, ipAlone, followed[1], dpctl, ipAlone / dpctl);
        } finally {
            run("ip", "netns", "del", ns);
            run("ip", "netns", "del", peer);
            run("rm", "-rf", dir.toString());
        }
    }

    /** Runs a command; its output, or an exception with it when it fails. */
    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void print(String what, int routes, double seconds) {
        System.out.printf(Locale.ROOT, "%-80s %7.2f s  %9.0f routes/s%n", what, seconds, routes / seconds);
    }

    interface Step {
        void run() throws Exception;
    }

    static double seconds(Step s) throws Exception {
        long t0 = System.nanoTime();
        s.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    /** A daemon with one memory port, and {@code dpctl -batch} of the routes file into it, as separate processes. */
    private static double dpctlBatch(Path dir, Path routes) throws Exception {
        Path config = dir.resolve("bench.conf");
        Path socket = dir.resolve("bench.sock");
        Files.write(config, List.of("port add dev d0 type memory"));
        List<String> java = new ArrayList<>();
        java.add(ProcessHandle.current().info().command().orElseThrow());
        java.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        java.addAll(List.of("-cp", System.getProperty("java.class.path")));
        List<String> daemon = new ArrayList<>(java);
        daemon.addAll(List.of("io.dataplane.control.daemon.DataplaneMain", "run", "--config", config.toString(), "--socket", socket.toString()));
        Path log = dir.resolve("daemon.log");
        Process d = new ProcessBuilder(daemon).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!Files.readString(log).contains("serving")) {
                if (!d.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the daemon did not start: " + Files.readString(log));
                }
                Thread.sleep(50);
            }
            List<String> dpctl = new ArrayList<>(java);
            dpctl.addAll(List.of("io.dataplane.control.daemon.Dpctl", "--socket", socket.toString(), "-batch", routes.toString()));
            return seconds(() -> {
                Process p = new ProcessBuilder(dpctl).inheritIO().start();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("dpctl -batch failed");
                }
            });
        } finally {
            d.destroy();
            d.waitFor();
        }
    }

    /**
     * The daemon's steps for one batch of {@code lines}, timed apart: parse, RIB, table change,
     * publication, and the garbage collector's share of them. Each line is parsed and applied in
     * turn, as the daemon does, so a parsed command dies young: parsing every line first and
     * keeping the million commands would time the collector copying them, not the parser.
     */
    private static double[] inProcess(List<String> lines) throws Exception {
        FibLimits limits = FibLimits.defaults();
        try (Fib fib = new Fib(limits)) {
            ControlPlane plane = new ControlPlane(new Rib(limits.nexthops(), limits.groups()), null, new PortConfiguration());
            plane.loadConfiguration(List.of("port add dev d0 type memory"), "bench.conf");
            FibPlane tables = new FibPlane(fib);
            plane.attach(tables);
            Rib rib = plane.rib();
            long gc0 = gcMillis();
            long parse = 0;
            long apply = 0;
            for (String l : lines) {
                long t0 = System.nanoTime();
                Command c = CommandParser.parse(l).command();
                long t1 = System.nanoTime();
                rib.apply(c);
                apply += System.nanoTime() - t1;
                parse += t1 - t0;
            }
            Change[] change = new Change[1];
            double build = seconds(() -> {
                change[0] = tables.change();
                rib.transaction().writeTo(change[0]);
            });
            double publish = seconds(() -> change[0].commit());
            rib.transaction().commit();
            return new double[] {parse / 1e9, apply / 1e9, build, publish, (gcMillis() - gc0) / 1e3};
        }
    }

    private static long gcMillis() {
        long ms = 0;
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }
}
