package io.dataplane.perf;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.FibPlane;
import io.dataplane.control.command.Command;
import io.dataplane.control.command.CommandParser;
import io.dataplane.control.daemon.Dpctl;
import io.dataplane.control.daemon.FollowProbe;
import io.dataplane.control.daemon.PortConfiguration;
import io.dataplane.control.rib.Rib;
import io.dataplane.tables.Change;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import io.dataplane.ffi.NetNamespace;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * alone; how long a daemon with {@code fpm listen} takes to follow them streamed as zebra's
 * {@code dplane_fpm_nl} sends them; how long {@code dpctl -batch} takes to load the same routes
 * into a running daemon; and
 * where the time goes in the daemon (parse, RIB, table change, publication with the LPM writes).
 * Prints one line per figure; the last is a summary line for scripts.
 */
public final class FollowBench {
    private FollowBench() {
    }

    private static final List<String> STEPS = List.of("ip", "follow", "fpm", "dpctl", "parts");

    public static void main(String[] args) throws Exception {
        int routes = 900_000;
        int rounds = 1;
        java.util.Set<String> only = new java.util.HashSet<>(STEPS);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--routes" -> routes = count(args, ++i);
                case "--rounds" -> rounds = count(args, ++i);
                case "--only" -> {
                    only = new java.util.HashSet<>(List.of(args[++i].split(",")));
                    if (!STEPS.containsAll(only)) {
                        System.err.println("bench follow: --only takes some of " + String.join(",", STEPS));
                        System.exit(2);
                    }
                }
                case "--help", "-h" -> {
                    System.out.println("""
                            usage: bin/bench follow [--routes N] [--rounds N] [--only STEP[,STEP...]]   (root)
                              --routes N  IPv4 /24 routes (default 900000)
                              --rounds N  runs ip, follow and dpctl N times in turn (default 1) and
                                          reports their medians; fpm and parts run once
                              --only      runs only these steps, for quick iterations (default all):
                                          ip      ip -batch alone
                                          follow  ip -batch while the dataplane follows the kernel
                                          fpm     the FPM stream into a daemon
                                          dpctl   dpctl -batch into a running daemon
                                          parts   the daemon's steps timed apart, in this JVM
                              The summary line shows 0 for a step not run, medians for ip, follow
                              and dpctl.""");
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
            run("ip", "-n", ns, "link", "set", "lo", "up"); // FPM listens on 127.0.0.1 there
            run("ip", "-n", peer, "link", "set", "e0", "up");
            run("ip", "-n", ns, "addr", "add", "10.1.0.1/24", "dev", "d0");
            int ifindex = Integer.parseInt(run("ip", "-n", ns, "-o", "link", "show", "d0").split(":")[0].strip());

            // ip alone, ip while following and dpctl -batch, round after round: ip's own time swings
            // by 20 % from run to run here, so one pair of runs says little about the difference.
            double[] ipRuns = new double[rounds];
            double[] followRuns = new double[rounds];
            double[] dpctlRuns = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                String tag = rounds > 1 ? "round " + (round + 1) + ": " : "";
                if (only.contains("ip")) {
                    ipRuns[round] = seconds(() -> run("ip", "-n", ns, "-batch", ipBatch.toString()));
                    run("ip", "-n", ns, "route", "flush", "proto", "boot");
                    settle();
                    print(tag + "ip -batch alone", routes, ipRuns[round]);
                }
                if (only.contains("follow")) {
                    long gc0 = gcMillis(); // the probe follows in this JVM: on 2 vCPUs a concurrent cycle takes its CPU from ip
                    double[] followed = FollowProbe.follow(ns, ifindex, routes, () -> run("ip", "-n", ns, "-batch", ipBatch.toString()));
                    long collected = gcMillis() - gc0;
                    run("ip", "-n", ns, "route", "flush", "proto", "boot");
                    settle();
                    followRuns[round] = followed[1];
                    print(tag + "ip -batch while the dataplane follows (ip's own time)", routes, followed[0]);
                    print(tag + "ip -batch until the dataplane's RIB and tables have every route", routes, followed[1]);
                    System.out.printf(Locale.ROOT, "  dumps again after ENOBUFS %.0f, this JVM's collectors ran %d ms meanwhile%n",
                            followed[2], collected);
                    if (ipRuns[round] > 0) {
                        System.out.printf(Locale.ROOT, "%sfollowing adds %.0f%% to ip -batch alone%n", tag,
                                100 * (followed[1] - ipRuns[round]) / ipRuns[round]);
                    }
                }
                if (only.contains("dpctl")) {
                    dpctlRuns[round] = dpctlBatch(dir, ipBatch);
                    print(tag + "dpctl -batch (JVM start, socket, parse, RIB, tables)", routes, dpctlRuns[round]);
                }
            }
            double ipAlone = median(ipRuns);
            double follow = median(followRuns);
            double dpctl = median(dpctlRuns);
            if (rounds > 1) {
                System.out.printf(Locale.ROOT, "medians of %d rounds: ip -batch alone %.2f s, while followed %.2f s (following adds %.0f%%), dpctl -batch %.2f s%n",
                        rounds, ipAlone, follow, ipAlone > 0 ? 100 * (follow - ipAlone) / ipAlone : 0, dpctl);
            }
            double fpm = 0;
            if (only.contains("fpm")) {
                fpm = fpmFollow(dir, ns, ifindex, routes);
                print("FPM stream of the routes (as zebra sends them) until the RIB has every route", routes, fpm);
            }
            if (only.contains("parts")) {
                double[] parts = inProcess(lines);
                print("  in the daemon: parse (line by line, as the daemon)", routes, parts[0]);
                print("  in the daemon: RIB (one transaction, line by line)", routes, parts[1]);
                print("  in the daemon: table change (Transaction.writeTo)", routes, parts[2]);
                print("  in the daemon: publication (Fib.commit: validate, LPM writes, snapshots)", routes, parts[3]);
                print("  of which garbage collection (any step)", routes, parts[4]);
            }
            System.out.printf(Locale.ROOT, "follow-bench routes %d ip %.2f follow %.2f fpm %.2f dpctl %.2f ratio-ip-dpctl %.2f%n",
                    routes, ipAlone, follow, fpm, dpctl, dpctl > 0 ? ipAlone / dpctl : 0);
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

    /** {@code args[i]}, the value of option {@code args[i - 1]}, as a count of 1 or more; exits 2 with a message if it is not one. */
    private static int count(String[] args, int i) {
        try {
            int n = Integer.parseInt(i < args.length ? args[i] : "");
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        System.err.println("bench follow: " + args[i - 1] + " takes a count of 1 or more"
                + (i < args.length ? ", not '" + args[i] + "'" : ""));
        System.exit(2);
        return 0;
    }

    /** The median of {@code v} (the mean of the middle two for an even count). */
    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /**
     * Lets the machine come to rest before the next step: the kernel frees a flushed table's
     * routes after the flush returns, and this JVM's collector would otherwise run its periodic
     * cycle over the routes list in the middle of a step.
     */
    private static void settle() throws InterruptedException {
        System.gc();
        Thread.sleep(2000);
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

    /** This JVM's command line up to the main class: how the daemon and dpctl are started. */
    private static List<String> java() {
        List<String> java = new ArrayList<>();
        java.add(ProcessHandle.current().info().command().orElseThrow());
        java.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        java.addAll(List.of("-cp", System.getProperty("java.class.path")));
        return java;
    }

    /** Starts a daemon with {@code config} (in namespace {@code ns} unless null) and waits until it serves. */
    private static Process daemon(Path dir, String name, String ns, List<String> config) throws Exception {
        Path file = dir.resolve(name + ".conf");
        Files.write(file, config);
        List<String> command = new ArrayList<>();
        if (ns != null) {
            command.addAll(List.of("ip", "netns", "exec", ns));
        }
        command.addAll(java());
        command.addAll(List.of("io.dataplane.control.daemon.DataplaneMain", "run", "--config", file.toString(),
                "--socket", dir.resolve(name + ".sock").toString()));
        Path log = dir.resolve(name + ".log");
        Process d = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.readString(log).contains("serving")) {
            if (!d.isAlive() || System.nanoTime() > deadline) {
                d.destroy();
                throw new IllegalStateException("the daemon did not start: " + Files.readString(log));
            }
            Thread.sleep(50);
        }
        return d;
    }

    /**
     * A daemon with {@code fpm listen} in namespace {@code ns}, and {@code routes} routes through
     * d0 ({@code ifindex}) streamed to it as zebra's dplane_fpm_nl sends them (one RTM_NEWROUTE,
     * proto bgp, per FPM frame); the seconds from the first byte until its RIB follows them all.
     */
    private static double fpmFollow(Path dir, String ns, int ifindex, int routes) throws Exception {
        Process d = daemon(dir, "fpm", ns, List.of("port add dev d0 type memory", "fpm listen"));
        try {
            Path socket = dir.resolve("fpm.sock");
            try (SocketChannel zebra = connectInNamespace(ns, 2620)) {
                long t0 = System.nanoTime();
                ByteBuffer out = ByteBuffer.allocate(1 << 16);
                for (int i = 0; i < routes; i++) {
                    if (out.remaining() < FPM_ROUTE_FRAME) {
                        drain(zebra, out);
                    }
                    fpmRoute(out, (16 + i / 65536) << 24 | (i / 256 % 256) << 16 | (i % 256) << 8, 0x0A010002, ifindex, i + 1);
                }
                drain(zebra, out);
                while (followed(socket) < routes) {
                    if (System.nanoTime() - t0 > 600_000_000_000L) {
                        throw new IllegalStateException("the daemon did not follow " + routes + " FPM routes in 10 minutes: "
                                + dpctlOutput(socket, "rib", "follow", "show"));
                    }
                    Thread.sleep(100);
                }
                return (System.nanoTime() - t0) / 1e9;
            }
        } finally {
            d.destroy();
            d.waitFor();
        }
    }

    /** A TCP connection to 127.0.0.1 port {@code port} of namespace {@code ns}, as zebra's there would be; retried while the listener starts. */
    private static SocketChannel connectInNamespace(String ns, int port) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                return NetNamespace.call(ns, () -> SocketChannel.open(new InetSocketAddress("127.0.0.1", port)));
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** FPM header, nlmsghdr, rtmsg, RTA_DST, RTA_TABLE, RTA_PRIORITY, RTA_GATEWAY, RTA_OIF. */
    private static final int FPM_ROUTE_FRAME = 4 + 16 + 12 + 5 * 8;

    /** One FPM frame holding RTM_NEWROUTE dst/24 via gateway dev ifindex, proto bgp, as zebra writes it. */
    private static void fpmRoute(ByteBuffer out, int dst, int gateway, int ifindex, int seq) {
        out.order(ByteOrder.BIG_ENDIAN).put((byte) 1).put((byte) 1).putShort((short) FPM_ROUTE_FRAME);
        out.order(ByteOrder.nativeOrder());
        out.putInt(FPM_ROUTE_FRAME - 4).putShort((short) 24).putShort((short) 0x0601).putInt(seq).putInt(0); // NLM_F_REQUEST|CREATE|REPLACE
        out.put((byte) 2).put((byte) 24).put((byte) 0).put((byte) 0) // AF_INET, /24
                .put((byte) 254).put((byte) 186).put((byte) 0).put((byte) 1).putInt(0); // main, bgp, universe, unicast
        out.putShort((short) 8).putShort((short) 1).order(ByteOrder.BIG_ENDIAN).putInt(dst).order(ByteOrder.nativeOrder());
        out.putShort((short) 8).putShort((short) 15).putInt(254);
        out.putShort((short) 8).putShort((short) 6).putInt(20);
        out.putShort((short) 8).putShort((short) 5).order(ByteOrder.BIG_ENDIAN).putInt(gateway).order(ByteOrder.nativeOrder());
        out.putShort((short) 8).putShort((short) 4).putInt(ifindex);
    }

    private static void drain(SocketChannel ch, ByteBuffer out) throws IOException {
        out.flip();
        while (out.hasRemaining()) {
            ch.write(out);
        }
        out.clear();
    }

    /** Routes the daemon at {@code socket} follows (from 'rib follow show': "routes N given, M followed"). */
    private static int followed(Path socket) {
        Matcher m = Pattern.compile("routes \\d+ given, (\\d+) followed").matcher(dpctlOutput(socket, "rib", "follow", "show"));
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static String dpctlOutput(Path socket, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> a = new ArrayList<>(List.of("--socket", socket.toString()));
        a.addAll(List.of(args));
        Dpctl.run(a.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * A daemon with one memory port, and {@code dpctl -batch} of the routes file into it, as separate
     * processes: {@code bin/dpctl} as an operator runs it (its JDK lookup and client JVM included)
     * when the bench runs from {@code bin/bench}, else the Java client with this JVM's options.
     */
    private static double dpctlBatch(Path dir, Path routes) throws Exception {
        Process d = daemon(dir, "bench", null, List.of("port add dev d0 type memory"));
        Path socket = dir.resolve("bench.sock");
        try {
            String home = System.getenv("DATAPLANE_HOME");
            Path script = home == null ? null : Path.of(home, "bin", "dpctl");
            List<String> dpctl = new ArrayList<>();
            if (script != null && Files.isExecutable(script)) {
                dpctl.add(script.toString());
            } else {
                dpctl.addAll(java());
                dpctl.add("io.dataplane.control.daemon.Dpctl");
            }
            dpctl.addAll(List.of("--socket", socket.toString(), "-batch", routes.toString()));
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
