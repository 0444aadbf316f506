package io.dataplane.perf.soak;

import io.dataplane.ffi.Libc;
import io.dataplane.perf.vskernel.BenchTopology;
import io.dataplane.perf.vskernel.FlowSink;
import io.dataplane.perf.vskernel.TrafficGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bin/bench soak}: the AF_XDP daemon at a rate it carries without loss, for minutes, under
 * churn, with every frame accounted for (see {@link Accounting}), the daemon's resources sampled
 * every minute and its worst pause measured twice: from its JVM's safepoint log, and as the
 * worst one-way latency the sinks sampled (every 64th frame carries its send time). Prints a
 * line per minute and a summary; {@link #execute} returns 0 only when nothing was misrouted or
 * unaccounted and nothing grew beyond {@link #HEAP_TOLERANCE_BYTES} and the other tolerances.
 */
public final class Soak {
    static final String PREFIX = "soak-";
    /** Growth of the live heap (after a full GC, before and after the soak) that still counts as flat. */
    static final long HEAP_TOLERANCE_BYTES = 16L << 20;
    /** Growth of the JVM's "Other" native memory (direct buffers, FFM arenas) that still counts as flat. */
    static final long NATIVE_TOLERANCE_BYTES = 4L << 20;
    /** File descriptors and threads: none may be added over the soak, beyond this many (a logger's file, a timer). */
    static final int COUNT_TOLERANCE = 2;
    /** The first member's weight in the second weight set (the others keep 1). */
    private static final int DOUBLED_WEIGHT = 2;
    private static final int RECEIVE_PRIORITY = 2;

    private final SoakOptions o;
    private final PrintStream out;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private BenchTopology topo;
    private SoakRouter router;

    private Soak(SoakOptions o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(execute(System.out, args));
    }

    /** Runs the soak with this command line; 0 passed, 1 failed, 2 bad command line. Removes everything it made. */
    public static int execute(PrintStream out, String... args) {
        SoakOptions o;
        try {
            o = SoakOptions.parse(args);
        } catch (SoakOptions.HelpRequested h) {
            out.print(SoakOptions.USAGE);
            return 0;
        } catch (SoakOptions.BadUsage e) {
            System.err.println("soak: " + e.getMessage() + "; see 'bin/bench soak --help'");
            return 2;
        }
        if (Libc.geteuid() != 0) {
            System.err.println("soak: needs root (network namespaces, bpf(2), AF_XDP)");
            return 1;
        }
        java.util.logging.Logger.getLogger("io.dataplane.port.AfXdpPort").setLevel(java.util.logging.Level.WARNING);
        Soak soak = new Soak(o, out);
        Thread hook = new Thread(soak::cleanUp);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return soak.run() ? 0 : 1;
        } catch (RuntimeException | IOException e) {
            out.println("soak: FAILED: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            soak.cleanUp();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    private synchronized void cleanUp() {
        for (AutoCloseable c : owned.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("soak: cleaning up: " + e.getMessage());
            }
        }
        owned.clear();
    }

    private <T extends AutoCloseable> T own(T c) {
        synchronized (this) {
            owned.add(c);
        }
        return c;
    }

    /** The traffic group's two weight sets: all equal, and the first member doubled. */
    private int[][] weightSets() {
        int[] a = new int[o.sinks()];
        java.util.Arrays.fill(a, 1);
        int[] b = a.clone();
        b[0] = DOUBLED_WEIGHT;
        return new int[][] {a, b};
    }

    private boolean run() throws IOException, InterruptedException {
        Path dir = o.out() != null ? Files.createDirectories(o.out()) : Files.createTempDirectory("soak");
        removeLeftovers();
        out.printf("soak: %.1f min, %d sinks, %d flows, %d-byte frames, target %.0f group replaces/s, flap every %.0f s for %.1f s;"
                + " collector %s; generator CPU %d, worker CPU %d, r0's receive on CPU %d, the sinks' on CPU %d; r0's rx-ring %d; load %s; logs in %s%n", o.minutes(), o.sinks(),
                o.flows(), o.frameSize(), o.replaceRate(), o.flapPeriod(), o.flapHold(), o.collector(), o.generatorCpu(), o.routerCpu(),
                o.receiveCpu(), o.sinkCpu(),
                o.rxRing(), loadAverage(), dir);
        int[][] weights = weightSets();
        long[] kernelWeights = new long[o.sinks()];
        java.util.Arrays.fill(kernelWeights, 1);
        topo = own(new BenchTopology(PREFIX, o.sinks(), 1, 4, kernelWeights, "0", o.routerCpu(), 1));
        List<FlowSink> sinks = new ArrayList<>();
        for (int i = 0; i < o.sinks(); i++) {
            sinks.add(own(new FlowSink(4, o.flows(), o.frameSize(), topo.sinks.get(i), "s" + (i + 1))));
        }
        // Every veth ring's consumer on its producer's CPU: r0's receive work (threaded NAPI: XDP redirect, the copy into the
        // UMEM) on the generator's CPU, the sinks' on the worker's, each above the thread that fills its ring (SCHED_FIFO
        // RECEIVE_PRIORITY; the worker runs at 1, the generator as SCHED_OTHER). A veth ring holds 256 frames, 3 ms at 84 kpps:
        // a consumer on the other CPU loses frames whenever its CPU stalls longer (the hypervisor takes it for tens of ms),
        // a consumer on the producer's CPU stalls with its producer. The one ring that spans the CPUs is then the daemon's
        // own (r0's fill and RX rings, --rx-ring), as a NIC's ring spans the wire and the router's CPU. --receive router is the old layout: r0's
        // receive on the worker's CPU, the sinks' on the generator's (10-minute soaks lost 169,880 frames at r0's veth ring).
        topo.sinksOn(o.sinkCpu(), RECEIVE_PRIORITY);
        topo.receiveOn(o.receiveCpu(), RECEIVE_PRIORITY);
        TrafficGenerator generator = own(new TrafficGenerator(4, o.flows(), o.frameSize(), BenchTopology.GEN_MAC,
                BenchTopology.ROUTER_IN_MAC, BenchTopology.address(BenchTopology.SRC4), BenchTopology.address(BenchTopology.DST4),
                topo.gen, "g0", o.generatorCpu(), 0));
        router = new SoakRouter(topo, o.generatorCpu(), o.routerCpu(), weights[0], o.rxRing());
        Path gcLog = dir.resolve("daemon-gc.log");
        List<String> jvm = new ArrayList<>(List.of("-Xlog:gc,safepoint:file=" + gcLog + ":uptime,tags",
                "-XX:NativeMemoryTracking=summary"));
        jvm.addAll(o.collectorOptions());
        router.jvmOptions(jvm);
        own(router::stop);
        router.start();
        long pid = daemonPid(router);
        out.printf("daemon: pid %d, bin/dataplane run --config FILE in %s, JVM options added: %s%n", pid, topo.router,
                String.join(" ", jvm));


        // The churn runs from here on: the warm-up (the worker's code compiled) and the ramp find the rate the daemon carries
        // while it answers the driver, which costs the CPUs the forwarding shares.
        ChurnDriver driver = own(new ChurnDriver(router.socket(), topo, weights, o.sinks() - 1, o.sinkCpu(), RECEIVE_PRIORITY, o.replaceRate(), o.flapPeriod(),
                o.flapHold(), dir.resolve("events.log")));
        driver.start();
        step(generator, sinks, 10_000, 3.0);
        double rate = o.rate() > 0 ? o.rate() : ramp(generator, sinks, driver) * o.fraction();
        out.printf("soak rate: %.0f pps%s%n", rate, o.rate() > 0 ? " (--rate)" : String.format(" (%.0f%% of the ramp's highest carried rate)",
                o.fraction() * 100));
        Accounting accounting = new Accounting(new SinkPrediction(o.flows(), o.frameSize()), weights, o.sinks(), o.sinks() - 1, driver.flaps);
        // After the warm-up and the ramp, with no traffic (the heap walk stops the daemon): the reference for "flat".
        long liveBefore = DaemonResources.liveHeap(pid);
        Thread.sleep(1000); // the cleaners free the off-heap memory of what the collection found dead
        DaemonResources before = DaemonResources.sample(pid);
        out.printf("after the ramp: live heap %.1f MiB; %s%n", liveBefore / 1048576.0, before.text());
        Map<String, Long> kernelBefore = kernelDrops(topo);
        Map<String, Long> daemonBefore = daemonCounters(router);
        long gcOffset = PauseLog.length(gcLog);
        long sent0 = generator.framesSent();
        FlowSink.Counts[] c0 = read(sinks);
        accounting.start(c0, System.nanoTime());
        long[][] base = accounting.lastReading();
        long[] samplesSeen = new long[o.sinks()];
        for (int s = 0; s < o.sinks(); s++) {
            samplesSeen[s] = c0[s].latencySamples().length == 0 ? 0 : sampleCount(c0[s]);
        }
        long worstLatency = 0;
        long steal0 = HostSteal.millis(o.routerCpu()), stealPrev = steal0, worstStealSecond = 0;

        long t0 = System.nanoTime();
        generator.start(rate);
        driver.startFlapping();
        long end = t0 + (long) (o.minutes() * 60e9);
        List<DaemonResources> minutes = new ArrayList<>();
        long replaces0 = driver.replaces.get();
        long minuteSent = sent0, minuteReplaces = replaces0, minuteVersion = tableVersion(router);
        long minuteStart = t0, minuteWorst = 0;
        int minute = 0;
        String failure = null;
        java.io.BufferedWriter seconds = Files.newBufferedWriter(dir.resolve("seconds.log"));
        seconds.write("# monotonic ns, worst sampled one-way latency this second (ns), frames sent, frames received, misrouted,"
                + " ms the hypervisor stole the router CPU this second\n");
        while (System.nanoTime() < end && failure == null) {
            Thread.sleep(1000);
            FlowSink.Counts[] c = read(sinks);
            long readAt = System.nanoTime();
            accounting.check(c, readAt);
            long secondWorst = 0, receivedNow = 0;
            for (int s = 0; s < o.sinks(); s++) {
                secondWorst = Math.max(secondWorst, newSamplesMax(c[s], samplesSeen, s));
                receivedNow += c[s].total();
            }
            minuteWorst = Math.max(minuteWorst, secondWorst);
            long stealNow = HostSteal.millis(o.routerCpu());
            long stealSecond = stealNow - stealPrev;
            stealPrev = stealNow;
            worstStealSecond = Math.max(worstStealSecond, stealSecond);
            seconds.write(readAt + " " + secondWorst + " " + generator.framesSent() + " " + receivedNow + " " + accounting.misrouted() + " "
                    + stealSecond + "\n");
            if (driver.failure() != null) {
                failure = "the driver failed: " + driver.failure();
            } else if (generator.failure() != null) {
                failure = "the generator failed: " + generator.failure();
            }
            long now = System.nanoTime();
            if (now - minuteStart >= 60_000_000_000L || now >= end) {
                minute++;
                DaemonResources r = DaemonResources.sample(pid);
                minutes.add(r);
                long sent = generator.framesSent();
                long replaces = driver.replaces.get();
                double secs = (now - minuteStart) / 1e9;
                long received = 0;
                for (long n : accounting.receivedSince(base)) {
                    received += n;
                }
                long version = tableVersion(router);
                out.printf("minute %d: sent %d (%.0f pps), received %d since the start, misroutes %d, replaces %d (%.0f/s), table"
                        + " version %d (+%d), routes +%d -%d, neighbour changes %d, flaps %d; %s; worst latency %.2f ms%n", minute,
                        sent - minuteSent, (sent - minuteSent) / secs, received, accounting.misrouted(), replaces - minuteReplaces,
                        (replaces - minuteReplaces) / secs, version, version - minuteVersion, driver.routeAdds.get(), driver.routeDels.get(),
                        driver.neighbourChanges.get(), driver.flaps.size(), r.text(), minuteWorst / 1e6);
                worstLatency = Math.max(worstLatency, minuteWorst);
                minuteSent = sent;
                minuteReplaces = replaces;
                minuteVersion = version;
                minuteStart = now;
                minuteWorst = 0;
            }
        }
        seconds.close();
        double soakSeconds = (System.nanoTime() - t0) / 1e9;
        long replaces = driver.replaces.get() - replaces0;
        driver.close();
        if (failure == null && driver.failure() != null) {
            failure = "the driver failed: " + driver.failure();
        }
        generator.stop();
        long sent1 = generator.framesSent();
        Thread.sleep(500); // the last frames reach the sinks
        FlowSink.Counts[] c1 = read(sinks);
        accounting.check(c1, System.nanoTime());
        for (int s = 0; s < o.sinks(); s++) {
            worstLatency = Math.max(worstLatency, newSamplesMax(c1[s], samplesSeen, s));
        }
        PauseLog pauses = PauseLog.since(gcLog, gcOffset);
        Map<String, Long> kernelDelta = delta(kernelBefore, kernelDrops(topo));
        Map<String, Long> daemonDelta = delta(daemonBefore, daemonCounters(router));
        DaemonResources lastMinute = minutes.isEmpty() ? DaemonResources.sample(pid) : minutes.getLast();
        DaemonResources firstMinute = minutes.isEmpty() ? lastMinute : minutes.getFirst();
        long liveAfter = DaemonResources.liveHeap(pid);
        Thread.sleep(1000);
        DaemonResources after = DaemonResources.sample(pid);

        // Exact accounting per flow.
        long[] received = accounting.receivedSince(base);
        long totalSent = sent1 - sent0, totalReceived = 0, flappedLoss = 0, otherLoss = 0, duplicates = 0;
        int lossyOther = 0;
        for (int f = 0; f < accounting.flows(); f++) {
            long sent = Accounting.sent(sent0, sent1, o.flows(), f);
            long lost = sent - received[f];
            totalReceived += received[f];
            if (lost < 0) {
                duplicates -= lost;
            } else if (accounting.carriedByFlapped(f) && !driver.flaps.isEmpty()) {
                flappedLoss += lost;
            } else if (lost > 0) {
                otherLoss += lost;
                lossyOther++;
            }
        }
        String flappedPort = BenchTopology.routerPort(o.sinks() - 1);
        // What a port without carrier drops: the kernel refuses the daemon's frames for it (its tx_dropped), and the
        // daemon drops what its full transmit ring for that port cannot take; nexthop_dead if a route had only that nexthop.
        long kernelFlapDrops = kernelDelta.getOrDefault(topo.router + "/" + flappedPort + "/tx_dropped", 0L);
        long daemonFlapDrops = daemonDelta.getOrDefault("ports." + flappedPort + ".tx_ring_full", 0L)
                + daemonDelta.getOrDefault("drops.nexthop_dead", 0L);
        long flapDrops = kernelFlapDrops + daemonFlapDrops;
        long unexplainedFlapLoss = Math.max(0, flappedLoss - flapDrops);
        long unaccounted = otherLoss + unexplainedFlapLoss + duplicates;
        // Frames lost with no counter anywhere: what the sent and received totals leave after every drop counter that moved
        // (the receive ring's overload included, which counts but is not explained by an event).
        long counted = kernelDelta.getOrDefault(topo.router + "/r0/rx_dropped", 0L) + kernelFlapDrops;
        for (Map.Entry<String, Long> e : daemonDelta.entrySet()) {
            if (e.getKey().startsWith("drops.")) {
                counted += e.getValue();
            }
        }
        long uncounted = Math.max(0, totalSent - totalReceived - counted);
        long bad = 0;
        for (FlowSink.Counts x : c1) {
            bad += x.bad();
        }

        List<String> problems = new ArrayList<>();
        if (failure != null) {
            problems.add(failure);
        }
        if (accounting.misrouted() > 0) {
            problems.add(accounting.misrouted() + " frames misrouted: " + accounting.misroutes());
        }
        if (unaccounted > 0) {
            problems.add(unaccounted + " frames unaccounted (" + otherLoss + " lost on " + lossyOther + " flows the flapped port never"
                    + " carries, " + unexplainedFlapLoss + " lost on its flows beyond the drops the flaps explain, " + duplicates
                    + " duplicates; r0 rx_dropped, frames the router's receive ring had no room for, moved by "
                    + kernelDelta.getOrDefault(topo.router + "/r0/rx_dropped", 0L) + ")");
        }
        if (bad > 0) {
            problems.add(bad + " frames failed the sinks' checksum checks");
        }
        if (liveAfter > liveBefore + HEAP_TOLERANCE_BYTES) {
            problems.add("live heap grew from " + liveBefore + " to " + liveAfter + " bytes");
        }
        // Table versions' off-heap memory is freed when the collector finds them unreachable, so between collections it
        // follows the heap's sawtooth; after a full collection (and its cleaners) it must be back where it was.
        if (after.otherNativeBytes() > before.otherNativeBytes() + NATIVE_TOLERANCE_BYTES) {
            problems.add("native (Other) memory after a full GC grew from " + before.otherNativeBytes() + " to "
                    + after.otherNativeBytes() + " bytes");
        }
        if (lastMinute.fds() > firstMinute.fds() + COUNT_TOLERANCE || after.fds() > before.fds() + COUNT_TOLERANCE) {
            problems.add("file descriptors grew: " + firstMinute.fds() + " -> " + lastMinute.fds() + " during, " + before.fds()
                    + " -> " + after.fds() + " before/after");
        }
        if (lastMinute.threads() > firstMinute.threads() + COUNT_TOLERANCE || after.threads() > before.threads() + COUNT_TOLERANCE) {
            problems.add("threads grew: " + firstMinute.threads() + " -> " + lastMinute.threads() + " during, " + before.threads()
                    + " -> " + after.threads() + " before/after");
        }

        List<String> summary = new ArrayList<>();
        summary.add(String.format("soak summary: %.1f min at %.0f pps offered (%.0f pps sent), %d sinks, %d flows, load %s", soakSeconds / 60,
                rate, totalSent / soakSeconds, o.sinks(), o.flows(), loadAverage()));
        summary.add(String.format("  frames: sent %d, received %d, lost on the flapped port's flows %d (drops the flaps explain: kernel %s"
                + " tx_dropped %d, daemon %s tx_ring_full + nexthop_dead %d), unaccounted %d, misrouted %d, checksum failures %d,"
                + " lost with no counter %d", totalSent, totalReceived, flappedLoss, flappedPort, kernelFlapDrops, flappedPort,
                daemonFlapDrops, unaccounted, accounting.misrouted(), bad, uncounted));
        summary.add(String.format("  churn: %d group replaces (%.0f/s, target %.0f; slowest answer %.1f ms), routes +%d -%d, %d neighbour"
                + " changes, %d port flaps", replaces, replaces / soakSeconds, o.replaceRate(),
                driver.maxReplaceNanos.get() / 1e6, driver.routeAdds.get(), driver.routeDels.get(), driver.neighbourChanges.get(),
                driver.flaps.size()));
        summary.add("  daemon counters that moved: " + daemonDelta);
        summary.add("  kernel drop counters that moved: " + kernelDelta);
        summary.add(String.format("  resources: live heap (jcmd GC.class_histogram) %.1f MiB after the ramp, %.1f MiB after the soak; before %s;"
                + " after %s", liveBefore / 1048576.0, liveAfter / 1048576.0, before.text(), after.text()));
        StringBuilder perMinute = new StringBuilder("  per minute:");
        for (int i = 0; i < minutes.size(); i++) {
            DaemonResources r = minutes.get(i);
            perMinute.append(String.format(" [%d] heap %.1f MiB, other %.1f MiB, fds %d, threads %d;", i + 1, r.heapUsedBytes() / 1048576.0,
                    r.otherNativeBytes() / 1048576.0, r.fds(), r.threads()));
        }
        summary.add(perMinute.toString());
        summary.add(String.format("  worst pause: safepoints %d, worst %.3f ms (%s); GCs %d; worst one-way latency of the sampled frames"
                + " (1 in 64) %.3f ms; collector %s", pauses.safepoints(), pauses.worstSafepointNanos() / 1e6, pauses.worstSafepoint(),
                pauses.gcs(), worstLatency / 1e6, o.collector()));
        summary.add(String.format("  host: the hypervisor stole the router CPU %d for %d ms over the soak, %d ms in its worst second"
                + " (/proc/stat; neither the worker nor the receive thread runs meanwhile)", o.routerCpu(), stealPrev - steal0,
                worstStealSecond));
        summary.add(problems.isEmpty() ? "soak: PASSED" : "soak: FAILED: " + String.join("; ", problems));
        for (String l : summary) {
            out.println(l);
        }
        Files.write(dir.resolve("summary.txt"), summary);
        if (!pauses.gcLines().isEmpty()) {
            Files.writeString(dir.resolve("gc-during-soak.txt"), pauses.gcLines());
        }
        return problems.isEmpty();
    }

    /** Sends at {@code rate} for {@code seconds}, then returns {frames sent, frames lost} (sent minus received at the sinks). */
    private long[] step(TrafficGenerator generator, List<FlowSink> sinks, double rate, double seconds) throws InterruptedException {
        long s0 = generator.framesSent(), r0 = received(sinks);
        Map<String, Long> kernel = kernelDrops(topo), daemon = daemonCounters(router);
        generator.start(rate);
        Thread.sleep((long) (seconds * 1000));
        generator.stop();
        Thread.sleep(300);
        long sent = generator.framesSent() - s0;
        if (generator.failure() != null) {
            throw new SoakFailure("the traffic generator failed: " + generator.failure());
        }
        long lost = sent - (received(sinks) - r0);
        if (lost != 0) {
            out.println("ramp: where they went: daemon " + delta(daemon, daemonCounters(router)) + ", kernel "
                    + delta(kernel, kernelDrops(topo)));
        }
        return new long[] {sent, lost};
    }

    /**
     * Doubles the asked rate until a step is not carried, or until the generator (SCHED_OTHER on a
     * shared CPU) no longer sends more for it, then halves the gap to that rate twice. A step is
     * carried when it lost no frame and the driver's group replaces kept at least {@link
     * #CHURN_KEPT} of their target rate: the daemon answers them with the CPU time that forwarding
     * leaves (880 replaces/s at 323 kpps, 998/s at 84 kpps), and the soak is of both at once.
     * Returns the highest rate the generator really sent in a carried step: asked rates say
     * little, since what the generator delivers for one changes with the machine's load.
     */
    private double ramp(TrafficGenerator generator, List<FlowSink> sinks, ChurnDriver driver) throws InterruptedException {
        double good = 0, bad = 0, lastSent = 0;
        for (double rate = 10_000; rate <= 4_000_000; rate *= 2) {
            double sent = carried(generator, sinks, driver, rate);
            if (sent < 0) {
                bad = rate;
                break;
            }
            good = sent;
            if (sent < 1.2 * lastSent) {
                out.println("ramp: the generator's CPU gives no more (it shares it with the machine's other work)");
                break;
            }
            lastSent = sent;
        }
        for (int i = 0; i < 2 && bad > 0 && good > 0; i++) {
            double mid = (good + bad) / 2;
            double sent = carried(generator, sinks, driver, mid);
            if (sent < 0) {
                bad = mid;
            } else {
                good = Math.max(good, sent);
            }
        }
        if (good == 0) {
            throw new SoakFailure("the daemon did not carry even 10,000 pps with the churn (frames lost or replaces behind): the"
                    + " machine is too busy for a soak now (load " + loadAverage() + ")");
        }
        out.printf("ramp: highest rate carried (no frame lost, replaces at %.0f%% of their target or more) %.0f pps sent%n",
                CHURN_KEPT * 100, good);
        return good;
    }

    /** The share of the target replace rate a ramp step must keep to count as carried. */
    static final double CHURN_KEPT = 0.95;

    /** One 2-s ramp step at {@code rate}: the rate sent if the step was carried, else -1. */
    private double carried(TrafficGenerator generator, List<FlowSink> sinks, ChurnDriver driver, double rate)
            throws InterruptedException {
        long replaces0 = driver.replaces.get();
        long t0 = System.nanoTime();
        long[] r = step(generator, sinks, rate, 2.0);
        double replaceRate = (driver.replaces.get() - replaces0) / ((System.nanoTime() - t0) / 1e9);
        double sent = r[0] / 2.0;
        out.printf("ramp: %.0f pps asked, %.0f sent, %d lost, %.0f replaces/s%n", rate, sent, r[1], replaceRate);
        return r[1] > 0 || replaceRate < CHURN_KEPT * o.replaceRate() ? -1 : sent;
    }

    private static long received(List<FlowSink> sinks) {
        long n = 0;
        for (FlowSink s : sinks) {
            n += s.read().total();
        }
        return n;
    }

    private static FlowSink.Counts[] read(List<FlowSink> sinks) {
        FlowSink.Counts[] c = new FlowSink.Counts[sinks.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = sinks.get(i).read();
        }
        return c;
    }

    /** How many latency samples a sink has taken (the length of its sample array, or more once the ring wrapped). */
    private static long sampleCount(FlowSink.Counts c) {
        return c.total() >>> 6;
    }

    /** The largest latency among the samples a sink took since the last call (the ring holds the last 65,536). */
    private static long newSamplesMax(FlowSink.Counts c, long[] seen, int s) {
        long[] ring = c.latencySamples();
        long count = sampleCount(c);
        long from = Math.max(seen[s], count - ring.length);
        long max = 0;
        for (long i = from; i < count && ring.length > 0; i++) {
            max = Math.max(max, ring[(int) (i % ring.length)]);
        }
        seen[s] = count;
        return max;
    }

    private static final Pattern TABLE_VERSION = Pattern.compile("\"version\":\\s*(\\d+)");

    /** The daemon's table version ({@code status}): one more per publication. */
    private static long tableVersion(SoakRouter router) {
        Matcher m = TABLE_VERSION.matcher(router.dpctl("-j", "status"));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static long daemonPid(SoakRouter router) {
        for (int pid : router.processIds()) {
            try {
                if (Files.readString(Path.of("/proc/" + pid + "/comm")).strip().equals("java")) {
                    return pid;
                }
            } catch (IOException gone) {
                // not this one
            }
        }
        throw new SoakFailure("cannot find the daemon's JVM among " + router.processIds());
    }

    private static final Pattern JSON_NUMBER = Pattern.compile("\"([^\"]+)\":\\s*(\\{|\\d+)|(\\})");

    /** The daemon's drop and port counters ({@code -j stats drops} and {@code ports}), flattened to "drops.reason", "ports.r0.name". */
    private static Map<String, Long> daemonCounters(SoakRouter router) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String what : List.of("drops", "ports")) {
            String json = router.dpctl("-j", "stats", what);
            List<String> path = new ArrayList<>();
            Matcher x = JSON_NUMBER.matcher(json);
            while (x.find()) {
                if (x.group(3) != null) {
                    if (!path.isEmpty()) {
                        path.removeLast();
                    }
                } else if (x.group(2).equals("{")) {
                    path.add(x.group(1));
                } else {
                    m.put(String.join(".", path) + (path.isEmpty() ? "" : ".") + x.group(1), Long.parseLong(x.group(2)));
                }
            }
        }
        return m;
    }

    /** Every rx_dropped / tx_dropped of the topology's devices, "namespace/dev/counter". */
    private static Map<String, Long> kernelDrops(BenchTopology topo) {
        Map<String, Long> m = new LinkedHashMap<>();
        List<String> namespaces = new ArrayList<>(List.of(topo.gen, topo.router));
        namespaces.addAll(topo.sinks);
        for (String ns : namespaces) {
            String text = topo.exec(ns, "sh", "-c", "grep -H . /sys/class/net/*/statistics/*_dropped");
            for (String line : text.split("\n")) {
                // /sys/class/net/r1/statistics/tx_dropped:0
                String[] p = line.split("[/:]");
                if (p.length >= 8 && !p[4].equals("lo")) {
                    m.put(ns + "/" + p[4] + "/" + p[6], Long.parseLong(p[7].strip()));
                }
            }
        }
        return m;
    }

    /** The counters that changed between two readings. */
    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new LinkedHashMap<>();
        after.forEach((k, v) -> {
            long diff = v - before.getOrDefault(k, 0L);
            if (diff != 0 && !k.contains("packets") && !k.contains("bytes")) {
                d.put(k, diff);
            }
        });
        return d;
    }

    private void removeLeftovers() {
        String list;
        try {
            Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
            list = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
        } catch (IOException | InterruptedException e) {
            throw new SoakFailure("cannot list network namespaces: " + e.getMessage());
        }
        for (String line : list.split("\n")) {
            String name = line.strip().split(" ")[0];
            String[] parts = name.split("-");
            if (!name.startsWith(PREFIX) || parts.length < 3 || !parts[1].matches("\\d+")) {
                continue;
            }
            long pid = Long.parseLong(parts[1]);
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                continue; // another soak's, still running
            }
            try {
                new ProcessBuilder("ip", "netns", "del", name).start().waitFor();
                out.println("removed namespace " + name + " left by an earlier soak");
            } catch (IOException e) {
                // gone meanwhile
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String loadAverage() {
        try {
            String[] p = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return p[0] + " " + p[1] + " " + p[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
