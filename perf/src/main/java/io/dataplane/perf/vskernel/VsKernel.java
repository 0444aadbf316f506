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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * {@code bin/bench vs-kernel}: the head-to-head of kernel forwarding, our dataplane and a C AF_XDP
 * forwarder (and testpmd). Builds the namespaces, loads the generator and the checking sinks,
 * then, per layout of the work on the two CPUs, interleaves rounds (kernel, dataplane,
 * c-forwarder, ...) so that a machine drifting during the run hurts all alike, each sampled every
 * second; then paced trials for the loss-versus-rate curve; optionally measures flow disruption
 * when a nexthop leaves, and writes the report. Everything it creates is registered
 * for removal, and a shutdown hook removes it also on Ctrl-C or SIGTERM.
 */
public final class VsKernel {
    /** The generator's FIFO priority takes effect this long after the warm-up, before the measurement. */
    private static final double SETTLE_SECONDS = 0.3;
    private static final java.util.logging.Logger PORT_LOG = java.util.logging.Logger.getLogger("io.dataplane.port.AfXdpPort");
    private static final double CALIBRATION_SECONDS = 1.0;
    /** The paced rate of a saturated round's warm-up: below every contender's capacity here. */
    static final double WARMUP_PPS = 100_000;

    private final BenchOptions o;
    private final PrintStream out;
    private final Deque<AutoCloseable> cleanup = new ArrayDeque<>();
    private BenchTopology topo;
    private Generators generator;
    private final List<FlowSink> sinks = new ArrayList<>();
    private int totalRounds;
    /** Kernel hash mode: each router's sink per flow in its last saturated round of layout a (-1: flow not seen). */
    private final Map<String, int[]> sinkOfFlow = new java.util.HashMap<>();

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
        // Every thread of this JVM (compiler, GC, the generator, this one) stays off the router CPU
        // (bin/bench starts it there already); the contenders pin themselves. Otherwise the harness
        // would bill its own work to whichever router is on.
        String pid = String.valueOf(ProcessHandle.current().pid());
        String allowed = CpuAffinity.allowed().stream().mapToObj(Integer::toString).collect(Collectors.joining(","));
        owned(() -> Shell.runQuietly("taskset", "-a", "-p", "-c", allowed, pid)); // back as it was (in-process runs, tests)
        Shell.run("taskset", "-a", "-p", "-c", String.valueOf(o.generatorCpu()), pid);
        String load0 = loadAverage();
        double busy = Double.parseDouble(load0.split(" ")[0]);
        if (busy > 1.0) {
            out.printf("warning: load average %s before the run: other work competes for the generator and router CPUs;"
                    + " every round reports how much of the router core it took, and drops the disturbed seconds%n", load0);
        }
        String leftovers = BenchTopology.removeLeftovers();
        if (!leftovers.isEmpty()) {
            out.println("removed namespaces left behind by an earlier run that did not finish: " + leftovers);
        }
        out.printf("vs-kernel: IPv%d, %d flows, %d-byte frames, %d nexthops weights %s, %s, %d route(s), layouts %s,"
                + " %d round(s) per contender of %.0f s; generator CPU %d (SCHED_FIFO %d), router CPU %d; load %s%n",
                o.family(), o.flows(), o.frameSize(), o.nexthops(), weightsText(), o.algorithm().name().toLowerCase(),
                o.routes(), o.layouts().stream().map(Layout::label).collect(Collectors.joining(",")), o.rounds(),
                o.seconds(), o.generatorCpu(), o.generatorPriority(), o.routerCpu(), load0);
        topo = owned(new BenchTopology(o.nexthops(), o.routes(), o.family(), o.weights(), o.policy(), o.routerCpu(), o.queues()));
        if (o.kernelHash()) {
            KernelHashParity.configureKernel(topo, o.hashSeed());
        }
        for (int i = 0; i < o.nexthops(); i++) {
            sinks.add(owned(new FlowSink(o.family(), o.flows(), o.frameSize(), topo.sinks.get(i), "s" + (i + 1))));
        }
        topo.sinksOn(o.generatorCpu(), o.generatorPriority() > 0 ? o.generatorPriority() + 10 : 0);
        String src = o.family() == 4 ? BenchTopology.SRC4 : BenchTopology.SRC6;
        String dst = o.family() == 4 ? BenchTopology.DST4 : BenchTopology.DST6;
        List<TrafficGenerator> generators = new ArrayList<>();
        // With two queues the first generator is the router CPU's (q1's one busy queue), the second the generator CPU's.
        for (int cpu : o.queues() == 2 ? new int[] {o.routerCpu(), o.generatorCpu()} : new int[] {o.generatorCpu()}) {
            generators.add(new TrafficGenerator(o.family(), o.flows(), o.frameSize(), BenchTopology.GEN_MAC,
                    BenchTopology.ROUTER_IN_MAC, BenchTopology.address(src), BenchTopology.address(dst), topo.gen, "g0",
                    cpu, o.generatorPriority()));
        }
        generator = owned(new Generators(generators));

        double calibration = calibrate();
        out.printf("generator alone (no router running; r0's kernel stack drops the frames): %.2f Mpps on CPU %d%n",
                calibration / 1e6, o.queues() == 2 ? o.routerCpu() : o.generatorCpu());
        if (calibration < o.minRate()) {
            throw new BenchException(String.format("the generator offers only %.0f pps, below --min-rate %d: CPU %d is"
                    + " busy or slow (load %s). Stop other jobs, pick another CPU with --cpus, or lower --min-rate",
                    calibration, o.minRate(), o.generatorCpu(), loadAverage()));
        }

        KernelRouter kernel = owned(new KernelRouter(topo, o.routes(), o.weights()));
        RouterUnderTest dataplane;
        if (o.inProcess() || !DaemonRouter.available()) {
            dataplane = new DataplaneRouter(topo, o.routes(), o.weights(), o.algorithm(), o.routerCpu(), o.idle());
            out.println("dataplane router: runs in this JVM" + (o.inProcess() ? " (--in-process)"
                    : " (DATAPLANE_HOME/bin/dataplane not found; bin/bench sets DATAPLANE_HOME)"));
        } else {
            dataplane = new DaemonRouter(topo, o.routes(), o.weights(), o.algorithm(), o.generatorCpu(), o.routerCpu(), "dataplane",
                    daemonDefaults());
            out.println("dataplane router: bin/dataplane run --config FILE in the router namespace");
        }
        owned(dataplane);
        if (o.kernelHash() && dataplane instanceof DaemonRouter d) {
            d.hashConfiguration(KernelHashParity.daemonConfig(o.hashSeed(), o.policy()));
        } else if (o.kernelHash() && dataplane instanceof DataplaneRouter d) {
            d.hashConfiguration(KernelHashParity.configuration(o.hashSeed(), o.policy()));
        }
        List<RouterUnderTest> contenders = new ArrayList<>(List.of(kernel, dataplane));
        if (dataplane instanceof DaemonRouter) {
            contenders.add(daemonVariant("dataplane-spin", "idle busy-spin sched other"));
            if (o.dataplaneRings() > 0) {
                // The ring size trades the stall a port absorbs against the kernel's receive cost per frame (README).
                contenders.add(daemonVariant("dataplane-rings", daemonDefaults())
                        .portOptions("rx-ring " + o.dataplaneRings() + " tx-ring " + o.dataplaneRings()));
            }
        }
        Map<String, String> described = new LinkedHashMap<>();
        if (o.cForwarder() && o.queues() == 1) {
            String[] why = new String[1];
            CForwarderRouter c = CForwarderRouter.build(topo, o.weights(), o.routerCpu(), o.cIdle(), o.cFifo(), why);
            if (c != null) {
                contenders.add(owned(c));
                contenders.add(owned(c.withMode("c-forwarder-spin", "busy-spin", 0)));
            } else {
                out.println("C forwarder left out: " + why[0]);
            }
        }
        if (o.testpmd() && o.queues() == 2) {
            out.println("dpdk-testpmd left out: --queues 2 (it forwards one queue here)");
        } else if (o.testpmd() && TestpmdRouter.available()) {
            contenders.add(owned(new TestpmdRouter(topo, o.generatorCpu(), o.routerCpu())));
        } else if (o.testpmd()) {
            out.println("dpdk-testpmd not found (Debian package dpdk-dev): left out");
        }
        contenders.removeIf(c -> !o.contenders().contains(c.name()));
        for (RouterUnderTest c : contenders) {
            described.put(c.name(), c.describe());
        }
        List<RoundResult> rounds = new ArrayList<>();
        List<RoundResult> curve = new ArrayList<>();
        for (Layout layout : o.layouts()) {
            List<RouterUnderTest> here = contenders.stream().filter(c -> layout.runs(c.name())).toList();
            totalRounds = o.rounds() * here.size();
            out.printf("%nlayout %s: %s%n", layout.label(), layout.description);
            for (int r = 0; r < totalRounds; r++) {
                RoundResult x = tryRound(layout, r + 1, here.get(r % here.size()), 0, o.seconds());
                if (x != null) {
                    rounds.add(x);
                }
            }
            if (o.curveSeconds() > 0) {
                for (RouterUnderTest c : here) {
                    double saturated = RoundResult.median(rounds.stream()
                            .filter(x -> x.layout() == layout && x.router().equals(c.name()))
                            .mapToDouble(RoundResult::forwardedPps).toArray());
                    if (!(saturated > 0)) {
                        continue;
                    }
                    for (double f : o.curve()) {
                        RoundResult x = tryRound(layout, 0, c, f * saturated, o.curveSeconds());
                        if (x != null) {
                            curve.add(x);
                        }
                    }
                }
            }
        }
        if (o.profileSeconds() > 0) {
            for (Layout layout : o.layouts()) {
                for (RouterUnderTest c : contenders) {
                    if (layout.runs(c.name())) {
                        try {
                            profile(layout, c);
                        } catch (BenchException e) {
                            out.println("profile " + layout.label() + " " + c.name() + " failed: " + e.getMessage());
                        }
                    }
                }
            }
        }
        List<RemovalResult> removals = new ArrayList<>();
        if (o.removeNexthop() >= 0 && o.queues() == 1) {
            for (RouterUnderTest r : List.of(kernel, dataplane)) {
                if (contenders.contains(r)) {
                    removals.add(removal(r));
                }
            }
            removals.addAll(resilientRemovals(contenders.contains(kernel), contenders.contains(dataplane) && dataplane instanceof DaemonRouter));
        }
        String load1 = loadAverage();
        BenchReport report = new BenchReport(o, rounds, curve, removals, calibration, load0, load1, described);
        Files.createDirectories(o.out());
        Path md = o.out().resolve("report.md");
        Path svg = o.out().resolve("chart.svg");
        Files.writeString(md, report.markdown());
        Files.writeString(svg, report.svg());
        out.println();
        out.print(report.summary());
        out.println("report: " + md + "   chart: " + svg);
        out.println(report.lastLine());
        if (o.kernelHash()) {
            reportKernelHashParity(md);
        }
    }

    /** Kernel hash mode: the flows that reached another sink under our router than under the kernel; expects none. */
    private void reportKernelHashParity(Path md) throws IOException {
        int[] kernel = sinkOfFlow.get("kernel");
        int[] ours = sinkOfFlow.get("dataplane");
        if (kernel == null || ours == null) {
            out.println("flows on a different nexthop than under the kernel: not compared (it needs a saturated round of each"
                    + " in layout a: in b and c the kernel's RPS hashes the packets first and policy 1 follows that hash)");
            return;
        }
        KernelHashParity.Comparison c = KernelHashParity.compare(kernel, ours);
        out.println(c.line());
        Files.writeString(md, "\nKernel hash mode (SipHash, fib_multipath_hash_seed " + o.hashSeed() + ", policy " + o.policy()
                + " in both routers): " + c.line() + "\n", java.nio.file.StandardOpenOption.APPEND);
        if (c.different() > 0) {
            throw new BenchException(c.different() + " flows took another nexthop than under the kernel with the same seed ("
                    + o.hashSeed() + ") and policy (" + o.policy() + "): the kernel hash mode is not the kernel's");
        }
    }

    /** The generator alone for a second, forwarding off (r0's stack drops the frames): its ceiling. */
    private double calibrate() throws InterruptedException {
        place(Layout.A, "kernel");
        generator.start();
        generator.raisePriority();
        long before = generator.framesSent();
        long t0 = System.nanoTime();
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

    /** Another daemon contender, with {@code workerOptions} on r0's port line and the run's kernel hash, if any. */
    private DaemonRouter daemonVariant(String name, String workerOptions) {
        DaemonRouter d = owned(new DaemonRouter(topo, o.routes(), o.weights(), o.algorithm(), o.generatorCpu(), o.routerCpu(),
                name, workerOptions));
        if (o.kernelHash()) {
            d.hashConfiguration(KernelHashParity.daemonConfig(o.hashSeed(), o.policy()));
        }
        return d;
    }

    /** The dataplane contender's r0 options: with two queues each worker shares its CPU with a FIFO generator, so it runs one FIFO level above it. */
    private String daemonDefaults() {
        return o.queues() == 2 && o.generatorPriority() > 0 ? "sched fifo " + (o.generatorPriority() + 1) : "";
    }

    /** Puts r0's receive work where the layout wants it, for this contender. */
    private void place(Layout layout, String contender) {
        int fifo = o.generatorPriority() > 0 ? o.generatorPriority() + 5 : 0;
        switch (layout) {
            case A -> {
                topo.threadedReceive(true);
                topo.receiveOn(o.routerCpu(), o.napiPriority());
                topo.rps(-1);
            }
            case B -> {
                topo.threadedReceive(true);
                topo.receiveOn(o.generatorCpu(), fifo);
                topo.rps(contender.equals("kernel") ? o.routerCpu() : -1);
            }
            case C -> {
                topo.threadedReceive(false);
                topo.rps(o.routerCpu());
            }
            case Q1, Q2 -> {
                // Each queue's receive softirq runs on the CPU that sent into it, and forwards there (no RPS).
                topo.threadedReceive(false);
                topo.rps(-1);
            }
        }
    }

    private record Snapshot(long generated, FlowSink.Counts[] sinks, long nanos) {
    }

    private Snapshot snapshot() {
        FlowSink.Counts[] c = new FlowSink.Counts[sinks.size()];
        long g = generator.framesSent();
        long t = System.nanoTime();
        for (int i = 0; i < c.length; i++) {
            c[i] = sinks.get(i).read();
        }
        return new Snapshot(g, c, t);
    }

    /** The contender's processes, whose threads' time on the router core is its own. */
    private Set<Integer> processesOf(RouterUnderTest router) {
        Set<Integer> own = new HashSet<>();
        if (router instanceof DataplaneRouter) {
            own.add((int) ProcessHandle.current().pid()); // the worker is one of this JVM's threads
        }
        if (router instanceof TestpmdRouter t) {
            own.addAll(t.processIds());
        }
        if (router instanceof DaemonRouter d) {
            own.addAll(d.processIds());
        }
        if (router instanceof CForwarderRouter c) {
            own.addAll(c.processIds());
        }
        return own;
    }

    /** One second's reading: generator, sinks' totals, CPU steal and every thread's run time. */
    private record Tick(long nanos, long generated, long good, long bad, CpuTimes cpu, ThreadScan threads) {
    }

    private Tick tick() {
        long good = 0, bad = 0;
        long g = generator.framesSent();
        for (FlowSink s : sinks) {
            long[] t = s.totals();
            good += t[0];
            bad += t[1];
        }
        return new Tick(System.nanoTime(), g, good, bad, CpuTimes.read(), ThreadScan.read());
    }

    /**
     * One round of {@code seconds} in {@code layout}, saturated ({@code rate} 0) or paced;
     * {@code number} 0 marks a paced trial. Samples every second.
     */
    private RoundResult round(Layout layout, int number, RouterUnderTest router, double rate, double seconds)
            throws InterruptedException {
        for (FlowSink s : sinks) {
            s.reset();
        }
        place(layout, router.name());
        double roundTrip = RoundTrip.medianNanos(o.generatorCpu(), o.routerCpu());
        generator.use(layout.generators());
        router.start();
        try {
            place(layout, router.name()); // again: attaching XDP programs may have replaced r0's NAPI thread
            Set<Integer> own = processesOf(router);
            int harness = (int) ProcessHandle.current().pid();
            warmUp(rate, layout);
            Snapshot a = snapshot();
            Tick first = tick();
            Tick prev = first;
            List<SecondSample> samples = new ArrayList<>();
            long end = first.nanos() + (long) (seconds * 1e9);
            while (prev.nanos() < end - 50_000_000L) {
                long next = Math.min(end, prev.nanos() + 1_000_000_000L);
                Thread.sleep(Math.max(1, (next - System.nanoTime()) / 1_000_000));
                Tick now = tick();
                ThreadScan.Usage u = now.threads().since(prev.threads(), o.routerCpu(), own, harness);
                samples.add(new SecondSample((now.nanos() - prev.nanos()) / 1e9, now.generated() - prev.generated(),
                        // In q1/q2 a generator runs on the router CPU by design (and the kernel forwards in its
                        // softirq): the harness's time there is part of the set-up, not a disturbance.
                        now.good() - prev.good(), now.bad() - prev.bad(), u.contender(), u.foreign(),
                        layout.multiQueue() ? 0 : u.harness(),
                        now.cpu().stealSecondsSince(prev.cpu(), o.generatorCpu()),
                        now.cpu().stealSecondsSince(prev.cpu(), o.routerCpu()), null));
                progress(layout, number, router.name(), rate, first, now);
                checkGenerator();
                prev = now;
            }
            Snapshot b = snapshot();
            generator.stop();
            // Layout a only: in b and c the kernel's RPS computes skb->hash first, and policy 1 then
            // sends by that random software hash instead of its own (README, "skb->hash"; a run in
            // layout b moved 1410 of 2048 flows).
            if (o.kernelHash() && number > 0 && layout == Layout.A) {
                int[] sinkOf = new int[o.flows()];
                for (int f = 0; f < sinkOf.length; f++) {
                    sinkOf[f] = busiest(a, b, f);
                }
                sinkOfFlow.put(router.name(), sinkOf);
            }
            ThreadScan.Usage usage = prev.threads().since(first.threads(), o.routerCpu(), own, harness);
            double idle = prev.cpu().idleSecondsSince(first.cpu(), o.routerCpu());
            router.stop();
            String notes = router instanceof DataplaneRouter d ? d.lastCounters()
                    : router instanceof DaemonRouter d ? d.lastCounters()
                    : router instanceof TestpmdRouter t ? t.lastLog()
                    : router instanceof CForwarderRouter c ? c.lastLog() : kernelCounters();
            if (rate > 0 && generator.skipped() > 0) {
                notes += "; the paced generator skipped " + generator.skipped() + " runs (frames due too far ahead)";
            }
            return result(layout, number, router.name(), rate, a, b, samples, usage, roundTrip, idle, notes);
        } finally {
            generator.stop();
            router.stop();
        }
    }

    /**
     * Starts the generator at SCHED_OTHER for the warm-up, so that the router's JIT (its compiler
     * threads share the generator's CPU) compiles the forwarding path, then raises it to FIFO.
     */
    private void warmUp(double rate, Layout layout) throws InterruptedException {
        // A saturated round warms up paced: a FIFO worker overloaded from the start would keep the
        // JIT compilers (which can only run on these two CPUs here) from ever compiling it.
        generator.start(rate > 0 ? rate : WARMUP_PPS);
        Thread.sleep((long) (o.warmupSeconds() * 1000));
        if (rate == 0) {
            generator.stop();
            generator.start(0);
        }
        generator.raisePriority();
        Thread.sleep((long) (SETTLE_SECONDS * 1000));
    }

    /**
     * A round whose contender failed to start or stopped is reported and left out (null), so that
     * one contender's failure does not cost the whole run; a generator failure still ends it.
     */
    private RoundResult tryRound(Layout layout, int number, RouterUnderTest router, double rate, double seconds)
            throws InterruptedException {
        try {
            return round(layout, number, router, rate, seconds);
        } catch (BenchException e) {
            if (generator.failure() != null) {
                throw e;
            }
            System.err.print("\r" + " ".repeat(100) + "\r");
            out.printf("%s %s %-11s FAILED, left out: %s%n", layout.label(), roundName(number, rate), router.name(), e.getMessage());
            return null;
        }
    }

    private void progress(Layout layout, int number, String router, double rate, Tick a, Tick now) {
        double secs = (now.nanos() - a.nanos()) / 1e9;
        System.err.printf("\r%s %s %-11s %4.1f s  offered %6.3f Mpps  forwarded %6.3f Mpps ", layout.label(),
                roundName(number, rate), router, secs, (now.generated() - a.generated()) / secs / 1e6,
                (now.good() - a.good()) / secs / 1e6);
        System.err.flush();
    }

    /** The router namespace's kernel drop counters that say where frames were lost (cumulative over the run). */
    private String kernelCounters() {
        StringBuilder sb = new StringBuilder();
        try {
            String dev = topo.exec(topo.router, "cat", "/proc/net/softnet_stat");
            String[] lines = dev.strip().split("\n");
            for (int cpu : new int[] {o.generatorCpu(), o.routerCpu()}) {
                if (lines.length > cpu) {
                    String[] f = lines[cpu].trim().split("\\s+");
                    sb.append("CPU ").append(cpu).append(" softnet processed 0x").append(f[0]).append(" dropped 0x")
                            .append(f[1]).append(" squeezed 0x").append(f[2]).append("; ");
                }
            }
            sb.append("r0 (cumulative) ").append(topo.exec(topo.router, "sh", "-c",
                    "cd /sys/class/net/r0/statistics && echo rx_packets $(cat rx_packets) rx_dropped $(cat rx_dropped)").strip());
        } catch (RuntimeException e) {
            sb.append("counters unavailable: ").append(e.getMessage());
        }
        return sb.toString();
    }

    private String roundName(int number, double rate) {
        return number == 0 ? String.format(Locale.ROOT, "paced %.3f Mpps", rate / 1e6)
                : String.format("round %d/%d", number, totalRounds);
    }

    private RoundResult result(Layout layout, int number, String router, double rate, Snapshot a, Snapshot b,
            List<SecondSample> raw, ThreadScan.Usage usage, double roundTrip, double idle, String notes) {
        long[] perSink = new long[sinks.size()];
        long forwarded = 0, bad = 0, regressions = 0;
        Histogram h = new Histogram(60_000_000_000L, 3);
        for (int i = 0; i < perSink.length; i++) {
            perSink[i] = b.sinks()[i].total() - a.sinks()[i].total();
            forwarded += perSink[i];
            bad += b.sinks()[i].bad() - a.sinks()[i].bad();
            regressions += b.sinks()[i].regressions() - a.sinks()[i].regressions();
            for (long v : b.sinks()[i].latencySamples()) {
                if (v > 0) {
                    h.recordValue(Math.min(v, h.getHighestTrackableValue()));
                }
            }
        }
        double medianOffered = RoundResult.median(raw.stream().mapToDouble(SecondSample::offeredPps).toArray());
        List<SecondSample> samples = raw.stream().map(s -> s.withDisturbed(s.disturbance(medianOffered))).toList();
        RoundResult r = new RoundResult(layout, number, router, rate, samples, b.generated() - a.generated(), forwarded,
                bad, perSink, regressions, h, usage, roundTrip, idle, notes);
        System.err.print("\r" + " ".repeat(100) + "\r");
        out.printf(Locale.ROOT, "%s %s %-11s offered %6.3f fwd %6.3f Mpps  loss %5.1f%%  router core %.2f  %5.0f ns/pkt"
                + "  bad %d  others %.2f s  disturbed %d/%d s  round trip %.0f ns  split %s%n", layout.label(),
                roundName(number, rate), router, r.offeredPps() / 1e6, r.forwardedPps() / 1e6, r.loss() * 100,
                r.routerCores(), r.nsPerPacket(), bad, usage.foreign(), r.disturbedSeconds(), samples.size(), roundTrip,
                BenchReport.splitText(r));
        out.println("          " + notes + (usage.foreign() > 0 ? "; others on the router core: " + usage.foreignTop() : "")
                + "; threads " + BenchReport.threadsText(usage.threads(), r.seconds()));
        return r;
    }

    /**
     * One unmeasured saturated round under {@code perf record -e cpu-clock -a -g}: where each
     * CPU's time goes by thread, then the contender's and the NAPI threads' time by symbol (Java
     * frames named through the JVM's perf map, written by {@code jcmd Compiler.perfmap}), as text
     * next to the report.
     */
    private void profile(Layout layout, RouterUnderTest router) throws Exception {
        Files.createDirectories(o.out());
        Path data = o.out().resolve("perf-" + layout.label() + "-" + router.name() + ".data");
        Path text = o.out().resolve("profile-" + layout.label() + "-" + router.name() + ".txt");
        for (FlowSink s : sinks) {
            s.reset();
        }
        place(layout, router.name());
        generator.use(layout.generators());
        router.start();
        ThreadScan.Usage usage;
        try {
            place(layout, router.name());
            warmUp(0, layout);
            System.err.printf("\rprofile %s %s: perf record for %.0f s ", layout.label(), router.name(), o.profileSeconds());
            ThreadScan before = ThreadScan.read();
            Shell.run("taskset", "-c", String.valueOf(o.generatorCpu()), "perf", "record", "-q", "-e", "cpu-clock", "-a", "-g",
                    "-o", data.toString(), "--", "sleep", String.valueOf(o.profileSeconds()));
            usage = ThreadScan.read().since(before, o.routerCpu(), processesOf(router), (int) ProcessHandle.current().pid());
            for (int pid : processesOf(router)) {
                Shell.runQuietly(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), String.valueOf(pid),
                        "Compiler.perfmap"); // /tmp/perf-<pid>.map for JIT frames
            }
        } catch (BenchException e) {
            out.println("profile " + layout.label() + " " + router.name() + " failed (is 'perf' installed?): " + e.getMessage());
            return;
        } finally {
            generator.stop();
            router.stop();
        }
        String byThread = Shell.run("perf", "report", "-i", data.toString(), "--stdio", "--no-children", "--sort", "cpu,comm",
                "--percent-limit", "0.5", "-g", "none");
        String comms = usage.threads().keySet().stream().map(k -> k.substring(0, k.lastIndexOf(" on ")))
                .filter(c -> !c.startsWith("C1 ") && !c.startsWith("C2 ")).distinct().collect(Collectors.joining(","));
        String bySymbol = comms.isEmpty() ? "" : Shell.run("perf", "report", "-i", data.toString(), "--stdio", "--no-children",
                "--comms", comms, "--percentage", "relative", "--sort", "comm,dso,sym", "--percent-limit", "0.5", "-g", "none");
        Files.writeString(text, "# perf record -e cpu-clock -a -g, layout " + layout.label() + ", " + router.name()
                + ", saturated, " + o.profileSeconds() + " s; threads in cores: " + BenchReport.threadsText(usage.threads(),
                        o.profileSeconds()) + "\n\n## by CPU and thread (% of all samples, both CPUs)\n" + byThread + "\n## " + comms
                + " by symbol (% of these threads' samples)\n" + bySymbol);
        Files.deleteIfExists(data);
        System.err.print("\r" + " ".repeat(100) + "\r");
        out.println("profile " + layout.label() + " " + router.name() + ": " + text);
    }

    /** The removal round again through resilient groups (kernel, and our daemon when it runs as one). */
    private List<RemovalResult> resilientRemovals(boolean kernel, boolean daemon) throws InterruptedException {
        List<RemovalResult> out = new ArrayList<>();
        if (kernel) {
            out.add(removal(owned(new ResilientKernelRouter(topo, o.routes(), o.weights()))));
        }
        if (daemon) {
            out.add(removal(owned(new ResilientDaemonRouter(topo, o.routes(), o.weights(), o.algorithm(), o.generatorCpu(), o.routerCpu()))));
        }
        return out;
    }

    private RemovalResult removal(RouterUnderTest router) throws InterruptedException {
        int k = o.removeNexthop();
        for (FlowSink s : sinks) {
            s.reset();
        }
        System.err.printf("\rremoval round %-9s: nexthop %d leaves half way ", router.name(), k);
        place(Layout.A, router.name());
        generator.use(1);
        router.start();
        try {
            place(Layout.A, router.name());
            warmUp(0, Layout.A);
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
            RemovalResult r = new RemovalResult(router.name(), k, seen, moved, router instanceof ResilientContender resilient
                    ? resilient.expectedMoved(o.weights(), k) : RemovalResult.expectedMoved(o.weights(), k));
            System.err.print("\r" + " ".repeat(78) + "\r");
            out.printf("removal   %-9s nexthop %d removed: %d of %d flows moved (%.3f; expected %.3f)%n",
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
