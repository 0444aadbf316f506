package io.dataplane.perf.vskernel;

import io.dataplane.ffi.CpuAffinity;
import io.dataplane.ffi.Libc;
import io.dataplane.ffi.NativeException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * {@code bin/bench vs-kernel}: the head-to-head of kernel forwarding and our dataplane. Builds
 * the namespaces, loads the generator and the sinks, then alternates rounds (kernel, dataplane,
 * ...) so that a machine drifting during the run hurts both alike, optionally measures flow
 * disruption when a nexthop leaves, and writes the report. Everything it creates is registered
 * for removal, and a shutdown hook removes it also on Ctrl-C or SIGTERM.
 */
public final class VsKernel {
    private static final double WARMUP_SECONDS = 0.5;
    private static final java.util.logging.Logger PORT_LOG = java.util.logging.Logger.getLogger("io.dataplane.port.AfXdpPort");
    private static final double CALIBRATION_SECONDS = 1.0;

    private final BenchOptions o;
    private final PrintStream out;
    private final Deque<AutoCloseable> cleanup = new ArrayDeque<>();
    private BenchTopology topo;
    private TrafficGenerator generator;
    private final List<FlowSink> sinks = new ArrayList<>();
    private int totalRounds;

    private VsKernel(BenchOptions o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(execute(System.out, args));
    }

    /**
     * Runs the harness with this command line, printing to {@code out}, and returns the exit code
     * (0 done, 1 failed, 2 bad command line). Everything created is removed before it returns; a
     * shutdown hook covers Ctrl-C and SIGTERM meanwhile.
     */
    public static int execute(PrintStream out, String... args) {
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
        } catch (BenchOptions.HelpRequested h) {
            out.print(BenchOptions.USAGE);
            return 0;
        } catch (BenchException e) {
            System.err.println("vs-kernel: " + e.getMessage());
            return 2;
        }
        // The ports log each bind at INFO; the harness reports the mode itself and keeps the screen for its progress line.
        PORT_LOG.setLevel(java.util.logging.Level.WARNING);
        VsKernel run = new VsKernel(o, out);
        Thread hook = new Thread(() -> {
            if (!run.cleanup.isEmpty()) {
                System.err.println("\nvs-kernel: interrupted; removing the namespaces, XDP programs and sockets it created");
            }
            run.cleanUp();
        }, "vsk-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        int rc;
        try {
            run.run();
            rc = 0;
        } catch (BenchException e) {
            System.err.println("\nvs-kernel: " + e.getMessage());
            rc = 1;
        } catch (NativeException e) {
            System.err.println("\nvs-kernel: " + e.getMessage() + "\n  (a kernel feature the harness needs failed; "
                    + "it needs Linux 5.18+ with BPF, XDP on veth and AF_XDP)");
            rc = 1;
        } catch (Exception e) {
            System.err.println("\nvs-kernel: " + e);
            e.printStackTrace();
            rc = 1;
        } finally {
            run.cleanUp();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
        return rc;
    }

    /** Removes everything created so far, newest first; safe to call twice and from the shutdown hook. */
    private synchronized void cleanUp() {
        if (generator != null) {
            generator.stop();
        }
        while (!cleanup.isEmpty()) {
            try {
                cleanup.pop().close();
            } catch (Exception e) {
                System.err.println("vs-kernel: cleanup: " + e.getMessage());
            }
        }
    }

    private synchronized <T extends AutoCloseable> T owned(T thing) {
        cleanup.push(thing);
        return thing;
    }

    private void run() throws Exception {
        if (Libc.geteuid() != 0) {
            throw new BenchException("needs root: it creates network namespaces, loads XDP programs (bpf(2)) and binds"
                    + " AF_XDP sockets. Run it as root, e.g. 'sudo bin/bench vs-kernel ...'");
        }
        // Every thread of this JVM (compiler, GC, the generator, this one) stays off the router CPU;
        // the dataplane's worker pins itself there. Otherwise the harness would bill its own work
        // to whichever router is on.
        String pid = String.valueOf(ProcessHandle.current().pid());
        String allowed = CpuAffinity.allowed().stream().mapToObj(Integer::toString).collect(Collectors.joining(","));
        owned(() -> Shell.runQuietly("taskset", "-a", "-p", "-c", allowed, pid)); // back as it was (in-process runs, tests)
        Shell.run("taskset", "-a", "-p", "-c", String.valueOf(o.generatorCpu()), pid);
        String load0 = loadAverage();
        double busy = Double.parseDouble(load0.split(" ")[0]);
        if (busy > 1.0) {
            out.printf("warning: load average %s before the run: other work competes for the generator and router CPUs,"
                    + " so the figures will be low and noisy; re-run when the machine is quiet%n", load0);
        }
        String leftovers = BenchTopology.removeLeftovers();
        if (!leftovers.isEmpty()) {
            out.println("removed namespaces left behind by an earlier run that did not finish: " + leftovers);
        }
        out.printf("vs-kernel: IPv%d, %d flows, %d-byte frames, %d nexthops weights %s, %s, %d route(s), %d round(s) per contender of %.0f s;"
                + " generator CPU %d, router CPU %d; load %s%n", o.family(), o.flows(), o.frameSize(), o.nexthops(),
                weightsText(), o.algorithm().name().toLowerCase(), o.routes(), o.rounds(), o.seconds(), o.generatorCpu(),
                o.routerCpu(), load0);
        topo = owned(new BenchTopology(o.nexthops(), o.routes(), o.family(), o.weights(), o.policy(), o.routerCpu()));
        for (int i = 0; i < o.nexthops(); i++) {
            sinks.add(owned(new FlowSink(o.family(), o.flows(), topo.sinks.get(i), "s" + (i + 1))));
        }
        String src = o.family() == 4 ? BenchTopology.SRC4 : BenchTopology.SRC6;
        String dst = o.family() == 4 ? BenchTopology.DST4 : BenchTopology.DST6;
        generator = owned(new TrafficGenerator(o.family(), o.flows(), o.frameSize(), BenchTopology.GEN_MAC,
                BenchTopology.ROUTER_IN_MAC, BenchTopology.address(src), BenchTopology.address(dst), topo.gen, "g0",
                o.generatorCpu()));

        double calibration = calibrate();
        out.printf("generator alone (no router running; r0's kernel stack drops the frames): %.2f Mpps on CPU %d%n",
                calibration / 1e6, o.generatorCpu());
        if (calibration < o.minRate()) {
            throw new BenchException(String.format("the generator offers only %.0f pps, below --min-rate %d: CPU %d is"
                    + " busy or slow (load %s). Stop other jobs, pick another CPU with --cpus, or lower --min-rate",
                    calibration, o.minRate(), o.generatorCpu(), loadAverage()));
        }

        KernelRouter kernel = new KernelRouter(topo, o.routes(), o.weights());
        RouterUnderTest dataplane;
        if (o.inProcess() || !DaemonRouter.available()) {
            dataplane = new DataplaneRouter(topo, o.routes(), o.weights(), o.algorithm(), o.routerCpu(), o.idle());
            out.println("dataplane router: runs in this JVM" + (o.inProcess() ? " (--in-process)"
                    : " (DATAPLANE_HOME/bin/dataplane not found; bin/bench sets DATAPLANE_HOME)"));
        } else {
            dataplane = new DaemonRouter(topo, o.routes(), o.weights(), o.algorithm(), o.generatorCpu(), o.routerCpu());
            out.println("dataplane router: bin/dataplane run --config FILE in the router namespace");
        }
        owned(kernel);
        owned(dataplane);
        List<RouterUnderTest> contenders = new ArrayList<>(List.of(kernel, dataplane));
        TestpmdRouter testpmd = null;
        if (o.testpmd() && TestpmdRouter.available()) {
            testpmd = owned(new TestpmdRouter(topo, o.generatorCpu(), o.routerCpu()));
            contenders.add(testpmd);
        } else if (o.testpmd()) {
            out.println("dpdk-testpmd not found (Debian package dpdk-dev): the third contender is left out");
        }
        totalRounds = o.rounds() * contenders.size();
        List<RoundResult> rounds = new ArrayList<>();
        for (int r = 0; r < totalRounds; r++) {
            rounds.add(round(r + 1, contenders.get(r % contenders.size())));
        }
        List<double[]> noDrop = new ArrayList<>();
        if (o.searchSeconds() > 0) {
            for (RouterUnderTest c : contenders) {
                noDrop.add(noDropRate(c, calibration, rounds));
            }
        }
        List<RoundResult> paced = new ArrayList<>();
        if (o.latencyRate() > 0) {
            for (RouterUnderTest c : contenders) {
                paced.add(round(0, c, o.latencyRate()));
            }
        }
        List<RemovalResult> removals = new ArrayList<>();
        if (o.removeNexthop() >= 0) {
            removals.add(removal(kernel));
            removals.add(removal(dataplane));
        }
        String load1 = loadAverage();
        BenchReport report = new BenchReport(o, rounds, noDrop, paced, removals, calibration, load0, load1, kernel.describe(),
                dataplane.describe(), testpmd == null ? null : testpmd.describe());
        Files.createDirectories(o.out());
        Path md = o.out().resolve("report.md");
        Path svg = o.out().resolve("chart.svg");
        Files.writeString(md, report.markdown());
        Files.writeString(svg, report.svg());
        out.println();
        out.print(report.summary());
        out.println("report: " + md + "   chart: " + svg);
        out.println(report.lastLine());
    }

    /** The generator alone for a second, forwarding off (r0's stack drops the frames on the router CPU): its ceiling. */
    private double calibrate() throws InterruptedException {
        long before = generator.framesSent();
        long t0 = System.nanoTime();
        generator.start();
        Thread.sleep((long) (CALIBRATION_SECONDS * 1000));
        long after = generator.framesSent();
        long t1 = System.nanoTime();
        generator.stop();
        checkGenerator();
        return (after - before) / ((t1 - t0) / 1e9);
    }

    private void checkGenerator() {
        Throwable t = generator.failure();
        if (t != null) {
            throw new BenchException("the traffic generator failed: " + t.getMessage()
                    + (t.getMessage() != null && t.getMessage().contains("EINVAL")
                            ? " -- BPF_PROG_TEST_RUN with live frames needs Linux 5.18 or later" : ""));
        }
    }

    private record Snapshot(long generated, FlowSink.Counts[] sinks, CpuTimes cpu, long nanos, ForeignLoad tasks) {
    }

    private Snapshot snapshot() {
        return snapshot(false);
    }

    private Snapshot snapshot(boolean withTasks) {
        FlowSink.Counts[] c = new FlowSink.Counts[sinks.size()];
        long g = generator.framesSent();
        CpuTimes cpu = CpuTimes.read();
        long t = System.nanoTime();
        for (int i = 0; i < c.length; i++) {
            c[i] = sinks.get(i).read();
        }
        return new Snapshot(g, c, cpu, t, withTasks ? ForeignLoad.read() : null);
    }

    private RoundResult round(int number, RouterUnderTest router) throws InterruptedException {
        return round(number, router, 0);
    }

    /** One round; {@code number} 0 marks a paced latency round at {@code rate} pps. */
    private RoundResult round(int number, RouterUnderTest router, double rate) throws InterruptedException {
        for (FlowSink s : sinks) {
            s.reset();
        }
        router.start();
        try {
            topo.pinNapi(o.routerCpu(), o.napiPriority());
            generator.start(rate);
            Thread.sleep((long) (WARMUP_SECONDS * 1000));
            Snapshot a = snapshot(true);
            long end = a.nanos() + (long) (o.seconds() * 1e9);
            while (System.nanoTime() < end) {
                Thread.sleep(Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                progress(number, router.name(), a);
                checkGenerator();
            }
            Snapshot b = snapshot(true);
            generator.stop();
            java.util.Set<Integer> own = new java.util.HashSet<>();
            if (router instanceof DataplaneRouter) {
                own.add((int) ProcessHandle.current().pid()); // the worker is one of this JVM's threads
            }
            if (router instanceof TestpmdRouter t) {
                own.addAll(t.processIds());
            }
            if (router instanceof DaemonRouter d) {
                own.addAll(d.processIds());
            }
            double[] foreign = new double[1];
            String thieves = b.tasks().foreignSince(a.tasks(), o.routerCpu(), own, foreign);
            router.stop();
            String notes = router instanceof DataplaneRouter d ? d.lastCounters()
                    : router instanceof DaemonRouter d ? d.lastCounters()
                    : router instanceof TestpmdRouter t ? t.lastLog() : kernelCounters();
            if (foreign[0] > 0.05 * (b.nanos() - a.nanos()) / 1e9) {
                notes += String.format(java.util.Locale.ROOT, "; OTHER WORK on router CPU %d: %.2f s (%s)", o.routerCpu(),
                        foreign[0], thieves);
            }
            return result(number, router.name(), a, b, notes, foreign[0]);
        } finally {
            generator.stop();
            router.stop();
        }
    }

    private void progress(int number, String router, Snapshot a) {
        long fwd = 0;
        for (FlowSink s : sinks) {
            fwd += s.read().total();
        }
        for (FlowSink.Counts c : a.sinks()) {
            fwd -= c.total();
        }
        double secs = (System.nanoTime() - a.nanos()) / 1e9;
        System.err.printf("\r%s %-9s %4.1f/%.0f s  offered %6.2f Mpps  forwarded %6.2f Mpps ", roundName(number),
                router, secs, o.seconds(), (generator.framesSent() - a.generated()) / secs / 1e6, fwd / secs / 1e6);
        System.err.flush();
    }

    /** The router namespace's kernel drop counters that say where frames were lost (cumulative over the run). */
    private String kernelCounters() {
        StringBuilder sb = new StringBuilder();
        try {
            String dev = topo.exec(topo.router, "cat", "/proc/net/softnet_stat");
            String[] lines = dev.strip().split("\n");
            if (lines.length > o.routerCpu()) {
                String[] f = lines[o.routerCpu()].trim().split("\\s+");
                sb.append("router CPU softnet processed 0x").append(f[0]).append(" dropped 0x").append(f[1])
                        .append(" squeezed 0x").append(f[2]);
            }
            sb.append("; r0 (cumulative) ").append(topo.exec(topo.router, "sh", "-c",
                    "cd /sys/class/net/r0/statistics && echo rx_packets $(cat rx_packets) rx_dropped $(cat rx_dropped)").strip());
        } catch (RuntimeException e) {
            sb.append("counters unavailable: ").append(e.getMessage());
        }
        return sb.toString();
    }

    private String roundName(int number) {
        return number == 0 ? "paced    " : String.format("round %d/%d", number, totalRounds);
    }

    private RoundResult result(int number, String router, Snapshot a, Snapshot b, String notes, double foreign) {
        double secs = (b.nanos() - a.nanos()) / 1e9;
        long[] perSink = new long[sinks.size()];
        long forwarded = 0, regressions = 0;
        Histogram h = new Histogram(60_000_000_000L, 3);
        for (int i = 0; i < perSink.length; i++) {
            perSink[i] = b.sinks()[i].total() - a.sinks()[i].total();
            forwarded += perSink[i];
            regressions += b.sinks()[i].regressions() - a.sinks()[i].regressions();
            for (long v : b.sinks()[i].latencySamples()) {
                if (v > 0) {
                    h.recordValue(Math.min(v, h.getHighestTrackableValue()));
                }
            }
        }
        double gen = b.cpu().busySecondsSince(a.cpu(), o.generatorCpu());
        double rtr = b.cpu().busySecondsSince(a.cpu(), o.routerCpu());
        double other = 0;
        for (int c = 0; c < b.cpu().busyTicks().length; c++) {
            if (c != o.generatorCpu() && c != o.routerCpu()) {
                other += b.cpu().busySecondsSince(a.cpu(), c);
            }
        }
        RoundResult r = new RoundResult(number, router, secs, b.generated() - a.generated(), forwarded, perSink,
                regressions, h, gen, rtr, other, foreign, notes);
        System.err.print("\r" + " ".repeat(78) + "\r");
        out.printf("%s %-9s offered %6.2f Mpps  forwarded %6.2f Mpps  loss %5.1f%%  router CPU %.2f cores"
                + "  %5.0f ns/pkt  split %s%s%n", roundName(number), router, r.offeredPps() / 1e6, r.forwardedPps() / 1e6,
                r.loss() * 100, rtr / secs, r.cpuNsPerPacket(), BenchReport.splitText(r),
                number == 0 ? String.format("  latency p50 %.1f p99 %.1f us", r.latencyUs(50), r.latencyUs(99)) : "");
        out.println("          " + notes);
        return r;
    }

    /** Loss at or below this counts as no drop (RFC 2544 asks for zero; a few frames lost to warm-up are tolerated). */
    static final double NO_DROP_LOSS = 0.001;
    private static final int SEARCH_STEPS = 7;

    /**
     * RFC 2544-style throughput: a binary search over paced rates for the highest one the router
     * forwards with loss at most {@link #NO_DROP_LOSS}, the router up for the whole search. Returns
     * {rate offered, rate forwarded, trials}.
     */
    private double[] noDropRate(RouterUnderTest router, double ceiling, List<RoundResult> rounds) throws InterruptedException {
        double lo = 0, hi = ceiling, best = 0, bestFwd = 0;
        double guess = rounds.stream().filter(r -> r.router().equals(router.name())).mapToDouble(RoundResult::forwardedPps)
                .max().orElse(ceiling / 2);
        double rate = Math.min(guess, hi);
        int trials = 0;
        router.start();
        try {
            topo.pinNapi(o.routerCpu(), o.napiPriority());
            for (int step = 0; step < SEARCH_STEPS; step++) {
                generator.start(rate);
                Thread.sleep(300);
                Snapshot a = snapshot();
                Thread.sleep((long) (o.searchSeconds() * 1000));
                Snapshot b = snapshot();
                generator.stop();
                checkGenerator();
                trials++;
                long offered = b.generated() - a.generated();
                long fwd = 0;
                for (int i = 0; i < sinks.size(); i++) {
                    fwd += b.sinks()[i].total() - a.sinks()[i].total();
                }
                double secs = (b.nanos() - a.nanos()) / 1e9;
                double loss = offered == 0 ? 1 : Math.max(0, 1 - fwd / (double) offered);
                System.err.printf("\rno-drop search %-9s trial %d: %.3f Mpps offered, loss %.3f%%        ", router.name(),
                        trials, offered / secs / 1e6, loss * 100);
                if (loss <= NO_DROP_LOSS) {
                    if (offered / secs > best) {
                        best = offered / secs;
                        bestFwd = fwd / secs;
                    }
                    lo = rate;
                } else {
                    hi = rate;
                }
                rate = (lo + hi) / 2;
                Thread.sleep(200); // queues drain before the next trial
            }
        } finally {
            generator.stop();
            router.stop();
        }
        System.err.print("\r" + " ".repeat(78) + "\r");
        out.printf("no-drop   %-9s %.3f Mpps (loss <= %.1f%%, %d trials of %.0f s)%n", router.name(), best / 1e6,
                NO_DROP_LOSS * 100, trials, o.searchSeconds());
        return new double[] {best, bestFwd, trials};
    }

    private RemovalResult removal(RouterUnderTest router) throws InterruptedException {
        int k = o.removeNexthop();
        for (FlowSink s : sinks) {
            s.reset();
        }
        System.err.printf("\rremoval round %-9s: nexthop %d leaves half way ", router.name(), k);
        router.start();
        try {
            generator.start();
            Thread.sleep((long) (WARMUP_SECONDS * 1000));
            Snapshot a = snapshot();
            Thread.sleep((long) (o.seconds() * 500));
            Snapshot b = snapshot();
            router.removeNexthop(k);
            Thread.sleep(300); // frames in flight and the kernel's route cache settle
            Snapshot c = snapshot();
            Thread.sleep((long) (o.seconds() * 500));
            Snapshot d = snapshot();
            generator.stop();
            int seen = 0, moved = 0;
            for (int f = 0; f < o.flows(); f++) {
                int before = busiest(a, b, f);
                int after = busiest(c, d, f);
                if (before >= 0 && after >= 0) {
                    seen++;
                    moved += before != after ? 1 : 0;
                }
            }
            RemovalResult r = new RemovalResult(router.name(), k, seen, moved, RemovalResult.expectedMoved(o.weights(), k));
            System.err.print("\r" + " ".repeat(78) + "\r");
            out.printf("removal   %-9s nexthop %d removed: %d of %d flows moved (%.3f; hash-threshold expects %.3f)%n",
                    router.name(), k, moved, seen, r.movedFraction(), r.expected());
            return r;
        } finally {
            generator.stop();
            router.stop();
        }
    }

    /** The sink that received most of flow {@code f}'s packets between two snapshots, or -1 if none did. */
    private static int busiest(Snapshot from, Snapshot to, int f) {
        int best = -1;
        long most = 0;
        for (int s = 0; s < to.sinks().length; s++) {
            long n = to.sinks()[s].perFlow()[f] - from.sinks()[s].perFlow()[f];
            if (n > most) {
                most = n;
                best = s;
            }
        }
        return best;
    }

    private String weightsText() {
        StringBuilder sb = new StringBuilder();
        for (long w : o.weights()) {
            sb.append(sb.isEmpty() ? "" : ":").append(w);
        }
        return sb.toString();
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
