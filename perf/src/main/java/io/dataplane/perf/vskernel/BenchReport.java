package io.dataplane.perf.vskernel;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** Turns the rounds into the Markdown report, the SVG chart, the terminal summary and the last line. */
final class BenchReport {
    private static final String[] COLOURS = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
        "#ff9da7", "#9c755f", "#bab0ac"};

    private final BenchOptions o;
    private final List<RoundResult> rounds;
    private final List<RemovalResult> removals;
    private final List<RoundResult> paced;
    private final List<double[]> noDrop;
    private final double generatorAlone;
    private final String loadBefore;
    private final String loadAfter;
    private final String kernelText;
    private final String dataplaneText;
    private final String testpmdText;

    BenchReport(BenchOptions o, List<RoundResult> rounds, List<double[]> noDrop, List<RoundResult> paced, List<RemovalResult> removals, double generatorAlone,
            String loadBefore, String loadAfter, String kernelText, String dataplaneText, String testpmdText) {
        this.o = o;
        this.rounds = rounds;
        this.removals = removals;
        this.paced = paced;
        this.noDrop = noDrop;
        this.generatorAlone = generatorAlone;
        this.loadBefore = loadBefore;
        this.loadAfter = loadAfter;
        this.kernelText = kernelText;
        this.dataplaneText = dataplaneText;
        this.testpmdText = testpmdText;
    }

    double median(String router, ToDoubleFunction<RoundResult> f) {
        double[] v = rounds.stream().filter(r -> r.router().equals(router)).mapToDouble(f).filter(d -> !Double.isNaN(d))
                .sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static String splitText(RoundResult r) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < r.perSink().length; i++) {
            sb.append(i == 0 ? "" : ":").append(String.format(Locale.ROOT, "%.1f", r.share(i) * 100));
        }
        return sb.append(" %").toString();
    }

    private String weightShares() {
        long total = Arrays.stream(o.weights()).sum();
        StringBuilder sb = new StringBuilder();
        for (long w : o.weights()) {
            sb.append(sb.isEmpty() ? "" : ":").append(String.format(Locale.ROOT, "%.1f", w * 100.0 / total));
        }
        return sb.append(" %").toString();
    }

    /** A plain-words reading of what held a contender back in the saturated rounds. */
    String limit(String router) {
        double loss = median(router, RoundResult::loss);
        double own = median(router, r -> (r.routerCpuSeconds() - r.foreignRouterCpuSeconds()) / r.seconds());
        double foreign = median(router, r -> r.foreignRouterCpuSeconds() / r.seconds());
        String others = foreign > 0.05 ? String.format(Locale.ROOT, "; other people's threads took %.0f %% of the router CPU",
                foreign * 100) : "";
        if (loss < 0.01) {
            return "the generator: it forwarded everything offered, so its own limit is higher" + others;
        }
        boolean fillEmpty = rounds.stream().anyMatch(r -> r.router().equals(router) && r.notes().contains("rx_fill_ring_empty"));
        String cpu = String.format(Locale.ROOT, "the router CPU (%.0f %% busy with its work)", own * 100);
        boolean cpuBound = own + foreign > 0.85;
        return switch (router) {
            case "kernel" -> (cpuBound ? cpu + ": r0's NAPI thread receives, routes and transmits every frame"
                    : "not its CPU alone: frames overflowed r0's 256-entry veth ring while its NAPI thread waited to run") + others;
            case "dataplane" -> (fillEmpty ? cpu + ": r0's NAPI thread (XDP redirect, copy into the UMEM) and the worker"
                    + " (pipeline, copy-mode transmit) share it; the fill ring ran empty, so the kernel dropped frames it had"
                    + " already paid to receive" : cpu) + others;
            default -> cpu + ": testpmd's polling lcore and r0's NAPI thread share it" + others;
        };
    }

    private String[] contenders() {
        return testpmdText == null ? new String[] {"kernel", "dataplane"} : new String[] {"kernel", "dataplane", "testpmd"};
    }

    String lastLine() {
        double k = median("kernel", RoundResult::forwardedPps);
        double d = median("dataplane", RoundResult::forwardedPps);
        return String.format(Locale.ROOT, "vs-kernel pps median: kernel %d dataplane %d ratio %.2f", Math.round(k),
                Math.round(d), k > 0 ? d / k : 0.0);
    }

    private String medianLine(String router) {
        return String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.1f %% | %.2f | %.0f | %.3f | %.0f | %.1f | %.1f | %.1f |",
                router, median(router, RoundResult::offeredPps) / 1e6, median(router, RoundResult::forwardedPps) / 1e6,
                median(router, RoundResult::loss) * 100, median(router, r -> r.routerCpuSeconds() / r.seconds()),
                median(router, RoundResult::cpuNsPerPacket), median(router, r -> r.splitDeviation(o.weights())),
                median(router, r -> r.regressions()), median(router, r -> r.latencyUs(50)),
                median(router, r -> r.latencyUs(99)), median(router, r -> r.latencyUs(99.9)));
    }

    String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "generator offered (alone) %.2f Mpps; weights %s%n", generatorAlone / 1e6, weightShares()));
        sb.append(String.format(Locale.ROOT, "%-12s %9s %9s %7s %6s %7s %7s %8s %8s%n", "median of " + o.rounds(), "fwd Mpps", "offered",
                "loss", "cores", "ns/pkt", "split", "reorder", "p99 us"));
        for (String r : contenders()) {
            sb.append(String.format(Locale.ROOT, "%-12s %9.3f %9.3f %6.1f%% %6.2f %7.0f %6.1f%% %8.0f %8.1f%n", r,
                    median(r, RoundResult::forwardedPps) / 1e6, median(r, RoundResult::offeredPps) / 1e6,
                    median(r, RoundResult::loss) * 100, median(r, x -> x.routerCpuSeconds() / x.seconds()),
                    median(r, RoundResult::cpuNsPerPacket), median(r, x -> x.splitDeviation(o.weights())) * 100,
                    median(r, x -> x.regressions()), median(r, x -> x.latencyUs(99))));
        }
        String[] names = contenders();
        for (int i = 0; i < noDrop.size(); i++) {
            sb.append(String.format(Locale.ROOT, "no-drop %-9s %.3f Mpps (loss <= %.1f%%)%n", names[i], noDrop.get(i)[0] / 1e6,
                    VsKernel.NO_DROP_LOSS * 100));
        }
        for (RoundResult r : paced) {
            sb.append(String.format(Locale.ROOT, "paced %-6s %9.0f pps fwd, latency p50 %.1f p99 %.1f p99.9 %.1f us%n",
                    r.router(), r.forwardedPps(), r.latencyUs(50), r.latencyUs(99), r.latencyUs(99.9)));
        }
        for (RemovalResult r : removals) {
            sb.append(String.format(Locale.ROOT, "removal %-9s nexthop %d: %.3f of flows moved, hash-threshold expects %.3f%n",
                    r.router(), r.removed(), r.movedFraction(), r.expected()));
        }
        return sb.toString();
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# vs-kernel: kernel forwarding against the dataplane\n\n");
        sb.append("Command: `bin/bench vs-kernel ").append(String.join(" ", o.commandLine())).append("`\n\n");
        sb.append(String.format(Locale.ROOT, "- Traffic: IPv%d UDP, %d flows, %d-byte frames (no FCS), to %s; %d route(s)"
                + " installed in each router, all via one multipath group\n", o.family(), o.flows(), o.frameSize(),
                o.family() == 4 ? BenchTopology.DST4 : BenchTopology.DST6, o.routes()));
        sb.append("- Nexthops: ").append(o.nexthops()).append(", weights ").append(Arrays.toString(o.weights()))
                .append(" (shares ").append(weightShares()).append("), hash ").append(o.algorithm().name().toLowerCase())
                .append(" (kernel fib_multipath_hash_policy=").append(o.policy()).append(")\n");
        sb.append(String.format(Locale.ROOT, "- Rounds: %d per contender of %.0f s each, taken in turns (kernel, dataplane%s,"
                + " kernel, ...), after %.1f s warm-up each%n", o.rounds(), o.seconds(), testpmdText == null ? "" : ", testpmd", 0.5));
        sb.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, Linux ")
                .append(System.getProperty("os.version")).append("; load average before ").append(loadBefore)
                .append(", after ").append(loadAfter)
                .append(loadBefore.startsWith("0.") ? "" : " (**other work was running: figures are low and noisy**)")
                .append("\n");
        sb.append("- Kernel router: ").append(kernelText).append("\n");
        sb.append("- Dataplane router: ").append(dataplaneText).append("\n");
        if (testpmdText != null) {
            sb.append("- Third contender: ").append(testpmdText).append(" (its split and reorder figures only say that"
                    + " everything went to nexthop 0)\n");
        }
        sb.append(String.format(Locale.ROOT, "- Generator: XDP program run by BPF_PROG_TEST_RUN with live frames (XDP_TX out"
                + " of the generator's veth), pinned to CPU %d; alone it offers **%.2f Mpps**%n%n", o.generatorCpu(),
                generatorAlone / 1e6));
        sb.append("## CPU budget\n\n");
        sb.append(String.format(Locale.ROOT, "Every contender gets CPU %1$d and only that for forwarding. veth would run the"
                + " router's receive NAPI on the CPU that sent into it (the generator's), so r0 runs threaded NAPI (GRO on,"
                + " /sys/class/net/r0/threaded = 1) and its napi/r0 kernel thread is pinned to CPU %1$d. There the kernel"
                + " round builds skbs, routes and transmits; the dataplane round runs its XDP redirect and the copy into the"
                + " UMEM (copy mode), while its worker, pinned to CPU %1$d as well, does the pipeline and the copy-mode transmit;"
                + " testpmd's forwarding lcore is CPU %1$d. The sinks' XDP runs on the transmitting CPU, CPU %1$d, for all."
                + " CPU %2$d runs only the generator. 'router CPU' is CPU %1$d's busy share from /proc/stat"
                + " (user+system+irq+softirq+steal); in brackets the part other people's threads took there (from"
                + " /proc/*/task/*/stat, by the CPU each last ran on); ns/pkt divides the rest by forwarded packets. A"
                + " polling thread (testpmd's lcore) counts as busy even when idle. perf stat cycles/instructions are not"
                + " available in this VM (no PMU), so none are reported.%n%n", o.routerCpu(), o.generatorCpu()));
        sb.append("## Medians\n\n");
        sb.append("| router | offered Mpps | forwarded Mpps | loss | router CPU cores | ns/pkt | split deviation | reorders | p50 us | p99 us | p99.9 us |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String r : contenders()) {
            sb.append(medianLine(r)).append("\n");
        }
        sb.append("\n");
        sb.append("What limited each (read from the medians and the counters below):\n\n");
        for (String r : contenders()) {
            sb.append("- ").append(r).append(": ").append(limit(r)).append("\n");
        }
        sb.append("\n");
        sb.append("Split deviation: the largest |share/weight share - 1| over the sinks; the kernel selftests pass at 0.15."
                + " Reorders: frames whose per-flow sequence number was lower than one already received.\n\n");
        sb.append("## Rounds\n\n");
        sb.append("| # | router | offered Mpps | forwarded Mpps | loss | gen CPU | router CPU (of it others') | ns/pkt | split % (weights ")
                .append(weightShares()).append(") | reorders | p50 / p99 / p99.9 / max us |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (RoundResult r : rounds) {
            sb.append(String.format(Locale.ROOT, "| %d | %s | %.3f | %.3f | %.1f %% | %.2f | %.2f (%.2f) | %.0f | %s | %d | %.1f / %.1f / %.1f / %.1f |%n",
                    r.number(), r.router(), r.offeredPps() / 1e6, r.forwardedPps() / 1e6, r.loss() * 100,
                    r.generatorCpuSeconds() / r.seconds(), r.routerCpuSeconds() / r.seconds(),
                    r.foreignRouterCpuSeconds() / r.seconds(),
                    r.cpuNsPerPacket(), splitText(r), r.regressions(), r.latencyUs(50), r.latencyUs(99), r.latencyUs(99.9),
                    r.latencyUs(100)));
        }
        sb.append("\nRouter counters per round (the dataplane's own: received, sent per nexthop port, drops by reason,"
                + " the AF_XDP socket's kernel statistics; the kernel's: softnet counters of the router CPU in hex):\n\n");
        for (RoundResult r : rounds) {
            sb.append("- ").append(r.number()).append(' ').append(r.router()).append(": ").append(r.notes()).append('\n');
        }
        sb.append("\n![packets per second per round, split per nexthop](chart.svg)\n\n");
        if (!noDrop.isEmpty()) {
            sb.append("## No-drop rate\n\n");
            sb.append(String.format(Locale.ROOT, "The highest paced rate each contender forwarded with at most %.1f %% loss"
                    + " (RFC 2544 throughput, binary search, %d trials of %.0f s each with the router up throughout). Saturated"
                    + " rounds above measure what is left when the router drowns; this is what it carries without loss.%n%n",
                    VsKernel.NO_DROP_LOSS * 100, (int) noDrop.getFirst()[2], o.searchSeconds()));
            sb.append("| router | no-drop Mpps | vs kernel |\n|---|---|---|\n");
            String[] names = contenders();
            for (int i = 0; i < noDrop.size(); i++) {
                sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.2f |%n", names[i], noDrop.get(i)[0] / 1e6,
                        noDrop.getFirst()[0] > 0 ? noDrop.get(i)[0] / noDrop.getFirst()[0] : Double.NaN));
            }
            sb.append("\n");
        }
        if (!paced.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "## Latency at a paced %d pps%n%n", o.latencyRate()));
            sb.append("One round per contender with the generator paced one frame at a time, so queues stay short and the"
                    + " figures are the forwarding path's own delay (plus the sinks' and the generator's, the same for all).\n\n");
            sb.append("| router | offered pps | forwarded pps | loss | router CPU | ns/pkt | reorders | p50 / p90 / p99 / p99.9 / max us |\n");
            sb.append("|---|---|---|---|---|---|---|---|\n");
            for (RoundResult r : paced) {
                sb.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f %% | %.2f | %.0f | %d | %.1f / %.1f / %.1f / %.1f / %.1f |%n",
                        r.router(), r.offeredPps(), r.forwardedPps(), r.loss() * 100, r.routerCpuSeconds() / r.seconds(),
                        r.cpuNsPerPacket(), r.regressions(), r.latencyUs(50), r.latencyUs(90), r.latencyUs(99),
                        r.latencyUs(99.9), r.latencyUs(100)));
            }
            sb.append("\n");
        }
        if (!removals.isEmpty()) {
            int k = removals.getFirst().removed();
            sb.append("## Nexthop removed mid-round\n\n");
            sb.append(String.format(Locale.ROOT, "Nexthop %d of %d leaves half way through one extra round per router. A flow moved"
                    + " when the sink that got most of its packets before differs from the one after. Hash-threshold with these"
                    + " weights moves %.3f of the hash space", k, o.nexthops(), removals.getFirst().expected()));
            boolean equal = Arrays.stream(o.weights()).distinct().count() == 1;
            sb.append(equal ? String.format(Locale.ROOT, "; RFC 2992's D = 1/2 - k(N-1-k)/(N(N-1)) = %.3f.%n%n",
                    RemovalResult.rfc2992(o.nexthops(), k)) : " (RFC 2992's D assumes equal weights).\n\n");
            sb.append("| router | flows seen | flows moved | fraction | expected |\n|---|---|---|---|---|\n");
            for (RemovalResult r : removals) {
                sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %.3f | %.3f |%n", r.router(), r.flowsSeen(),
                        r.flowsMoved(), r.movedFraction(), r.expected()));
            }
            sb.append("\n");
        }
        sb.append("## What the figures can and cannot say\n\n");
        sb.append("- Offered is what the generator produced during the round; frames the router's ingress veth could not take"
                + " count as loss, which is the router's limit. If a router's loss is near 0, the generator, not the router, may"
                + " be the limit: compare its forwarded rate with the generator-alone rate above.\n");
        sb.append("- Sequence numbers and send times are written by the generator program on every frame (flow = counter mod"
                + " flows, sequence = counter div flows, time = bpf_ktime_get_ns at send). Latency is one-way, CLOCK_MONOTONIC on"
                + " both ends, sampled on every 64th frame (ring of the last 65536 samples per sink), and includes the time a frame"
                + " waits in full queues when the router is saturated.\n");
        sb.append("- The UDP checksum is 0 (the generator does not compute it); IPv6 receivers would reject that, routers do"
                + " not look.\n");
        sb.append("- Medians, not means; one run on one machine. Re-run when the load average was high.\n");
        return sb.toString();
    }

    String svg() {
        int n = rounds.size();
        int w = 120 + n * 70, h = 360, top = 40, bottom = 300, left = 70;
        double max = 1;
        for (RoundResult r : rounds) {
            max = Math.max(max, Math.max(r.forwardedPps(), r.offeredPps() * 0 + r.forwardedPps()));
        }
        max = niceCeiling(max);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", w + 120, h));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\">Forwarded packets/s per round (stacked by nexthop), IPv%d, %d nexthops, %s</text>%n",
                left, o.family(), o.nexthops(), o.algorithm().name().toLowerCase()));
        for (int i = 0; i <= 4; i++) {
            double v = max * i / 4;
            double y = bottom - (bottom - top) * i / 4.0;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", left, left + n * 70, y, y));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f M</text>%n", left - 5, y + 4, v / 1e6));
        }
        for (int i = 0; i < n; i++) {
            RoundResult r = rounds.get(i);
            double x = left + 10 + i * 70;
            double y = bottom;
            for (int s = 0; s < r.perSink().length; s++) {
                double hh = (bottom - top) * (r.perSink()[s] / r.seconds()) / max;
                y -= hh;
                sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"50\" height=\"%.1f\" fill=\"%s\" stroke=\"%s\"/>%n",
                        x, y, hh, COLOURS[s % COLOURS.length], r.router().equals("dataplane") ? "none" : "#333"));
            }
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.2f</text>%n", x + 25, y - 4, r.forwardedPps() / 1e6));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d %s</text>%n", x + 25, bottom + 16, r.number(), r.router()));
        }
        int lx = left + n * 70 + 20;
        for (int s = 0; s < o.nexthops(); s++) {
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">nexthop %d (w %d)</text>%n",
                    lx, top + s * 18, COLOURS[s % COLOURS.length], lx + 16, top + s * 18 + 10, s, o.weights()[s]));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", left, bottom + 40, escape(lastLine())));
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static double niceCeiling(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;");
    }
}
