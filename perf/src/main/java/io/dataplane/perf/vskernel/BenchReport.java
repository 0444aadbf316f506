package io.dataplane.perf.vskernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the rounds and paced trials into the Markdown report (one section per layout), the SVG
 * chart, the terminal summary and the last line.
 */
final class BenchReport {
    private static final String[] COLOURS = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
        "#ff9da7", "#9c755f", "#bab0ac"};
    private static final List<String> ORDER = BenchOptions.CONTENDERS;

    private final BenchOptions o;
    private final List<RoundResult> rounds;
    private final List<RoundResult> curve;
    private final List<RemovalResult> removals;
    private final double generatorAlone;
    private final String loadBefore;
    private final String loadAfter;
    private final Map<String, String> described;

    BenchReport(BenchOptions o, List<RoundResult> rounds, List<RoundResult> curve, List<RemovalResult> removals,
            double generatorAlone, String loadBefore, String loadAfter, Map<String, String> described) {
        this.o = o;
        this.rounds = rounds;
        this.curve = curve;
        this.removals = removals;
        this.generatorAlone = generatorAlone;
        this.loadBefore = loadBefore;
        this.loadAfter = loadAfter;
        this.described = described;
    }

    private List<RoundResult> of(Layout layout, String router) {
        return rounds.stream().filter(r -> r.layout() == layout && r.router().equals(router)).toList();
    }

    /** The median over this layout's rounds of {@code f} (for rates: the median of the per-round medians). */
    double median(Layout layout, String router, ToDoubleFunction<RoundResult> f) {
        return RoundResult.median(of(layout, router).stream().mapToDouble(f).toArray());
    }

    private List<Layout> layouts() {
        return o.layouts().stream().filter(l -> rounds.stream().anyMatch(r -> r.layout() == l)).toList();
    }

    private List<String> contenders(Layout layout) {
        return ORDER.stream().filter(c -> !of(layout, c).isEmpty()).toList();
    }

    static String splitText(RoundResult r) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < r.perSink().length; i++) {
            sb.append(i == 0 ? "" : ":").append(String.format(Locale.ROOT, "%.1f", r.share(i) * 100));
        }
        return sb.append(" %").toString();
    }

    /** "napi/r0-5 on 1 0.45, dataplane-worker on 1 0.55" in cores (seconds per second). */
    static String threadsText(Map<String, Double> threads, double seconds) {
        StringBuilder sb = new StringBuilder();
        threads.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(k).append(' ')
                .append(String.format(Locale.ROOT, "%.2f", v / seconds)));
        return sb.isEmpty() ? "-" : sb.toString();
    }

    private String weightShares() {
        long total = Arrays.stream(o.weights()).sum();
        StringBuilder sb = new StringBuilder();
        for (long w : o.weights()) {
            sb.append(sb.isEmpty() ? "" : ":").append(String.format(Locale.ROOT, "%.1f", w * 100.0 / total));
        }
        return sb.append(" %").toString();
    }

    /** The round whose forwarded rate is the median one (for its counters and thread times). */
    private RoundResult medianRound(Layout layout, String router) {
        List<RoundResult> l = new ArrayList<>(of(layout, router));
        l.sort(Comparator.comparingDouble(RoundResult::forwardedPps));
        return l.isEmpty() ? null : l.get(l.size() / 2);
    }

    /** The NAPI thread of r0 and its CPU share in this round, if it ran. */
    private static double napiShare(RoundResult r, int cpu) {
        return r.usage().threads().entrySet().stream().filter(e -> e.getKey().startsWith("napi/r0-")
                && e.getKey().endsWith(" on " + cpu)).mapToDouble(Map.Entry::getValue).sum() / r.seconds();
    }

    /** A plain-words reading of what held a contender back in a layout's saturated rounds. */
    String limit(Layout layout, String router) {
        RoundResult m = medianRound(layout, router);
        if (m == null) {
            return "not run";
        }
        double loss = median(layout, router, RoundResult::loss);
        double cores = median(layout, router, RoundResult::routerCores);
        double foreign = median(layout, router, r -> r.usage().foreign() / r.seconds());
        String others = foreign > 0.05 ? String.format(Locale.ROOT, "; other people's processes took %.0f %% of the"
                + " router core", foreign * 100) : "";
        String bad = m.bad() > 0 ? String.format(Locale.ROOT, "; %d frames failed the sinks' checksum checks in the median"
                + " round", m.bad()) : "";
        if (loss < 0.01) {
            return "the generator: it forwarded everything offered, so its own limit is higher"
                    + (receiveOnGenerator(layout) ? " (in this layout the generator's CPU also runs r0's NAPI thread and the sinks, above"
                            + " the generator's priority, so it offers less than alone)" : "") + others + bad;
        }
        double napiGen = napiShare(m, o.generatorCpu());
        double napiRouter = napiShare(m, o.routerCpu());
        String where = String.format(Locale.ROOT, "router core %.0f %% busy with its work (%s)", cores * 100,
                threadsText(m.usage().threads(), m.seconds()));
        String reason;
        if (napiGen > 0.85) {
            reason = String.format(Locale.ROOT, "r0's NAPI thread on the generator CPU (%.0f %% of it): receive is the"
                    + " bottleneck in this layout; %s", napiGen * 100, where);
        } else if (cores > 0.9) {
            reason = "the router CPU: " + where + switch (router) {
                case "kernel" -> layout == Layout.A ? "; r0's NAPI thread receives, routes and transmits every frame"
                        : "; RPS makes it route and transmit every frame";
                case "dataplane", "dataplane-spin", "dataplane-rings", "c-forwarder", "c-forwarder-spin" -> layout == Layout.A && napiRouter > 0.2
                        ? "; r0's NAPI thread (XDP redirect, copy into the UMEM) and the worker (copy-mode transmit) share it"
                        : "; the worker's copy-mode transmit (sendto builds an skb per frame)";
                default -> "";
            };
        } else {
            reason = "not the router CPU alone (" + where + "): frames overflowed a ring (r0's 256-entry veth ring or the"
                    + " AF_XDP rings) while the thread that empties it waited to run";
        }
        reason += afXdpDrops(m);
        return reason + others + bad;
    }

    private static final Pattern RING_FULL = Pattern.compile("(?<!\\w)(?:xdp_)?rx_ring_full (\\d+)");
    private static final Pattern FILL_EMPTY = Pattern.compile("(?<!\\w)(?:xdp_)?rx_fill_ring_empty(?:_descs)? (\\d+)");

    /**
     * Where r0's AF_XDP socket lost frames in this round, from the kernel's XDP_STATISTICS in the
     * contender's counters (the C forwarder's {@code rx_ring_full}, the daemon's {@code xdp_rx_ring_full}):
     * such frames cost the router core r0's XDP run and, for a full RX ring, the copy into the UMEM.
     * The rest of the loss is frames r0's veth ring refused, which cost the generator's CPU.
     */
    static String afXdpDrops(RoundResult r) {
        long full = counter(RING_FULL, r.notes());
        long empty = counter(FILL_EMPTY, r.notes());
        long lost = r.offered() - r.forwarded();
        StringBuilder sb = new StringBuilder();
        if (full > 0) {
            sb.append(String.format(Locale.ROOT, "; %d frames (%.0f %% of the measured loss; the counter includes the"
                    + " warm-up) dropped at r0's full AF_XDP RX ring after the copy into the UMEM: router-core work paid"
                    + " for nothing", full, lost > 0 ? 100.0 * full / lost : 0));
        }
        if (empty > 0) {
            sb.append("; the fill ring ran empty ").append(empty).append(" times, so the kernel dropped frames it had already"
                    + " run the XDP program on");
        }
        return sb.toString();
    }

    /** A counter's sum over the notes (one value per queue), 0 if absent. */
    private static long counter(Pattern p, String notes) {
        long sum = 0;
        for (Matcher mt = p.matcher(notes); mt.find(); ) {
            sum += Long.parseLong(mt.group(1));
        }
        return sum;
    }

    private static boolean receiveOnGenerator(Layout layout) {
        return layout == Layout.B || layout == Layout.C;
    }

    private double pps(Layout layout, String router) {
        return median(layout, router, RoundResult::forwardedPps);
    }

    /** The layout the last line describes: a when run, else the first one run. */
    private Layout headline() {
        List<Layout> l = layouts();
        return l.contains(Layout.A) || l.isEmpty() ? Layout.A : l.getFirst();
    }

    String lastLine() {
        Layout l = headline();
        double k = orZero(pps(l, "kernel"));
        double d = orZero(pps(l, "dataplane"));
        double c = orZero(pps(l, "c-forwarder"));
        return String.format(Locale.ROOT, "vs-kernel pps median: kernel %d dataplane %d ratio %.2f c-forwarder %d ratio-c %.2f",
                Math.round(k), Math.round(d), k > 0 ? d / k : 0.0, Math.round(c), c > 0 ? d / c : 0.0);
    }

    private static double orZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    private String ratios(Layout l) {
        double k = pps(l, "kernel"), d = pps(l, "dataplane"), c = pps(l, "c-forwarder"), t = pps(l, "testpmd");
        StringBuilder sb = new StringBuilder();
        if (d > 0 && k > 0) {
            sb.append(String.format(Locale.ROOT, "dataplane/kernel %.2f", d / k));
        }
        if (d > 0 && c > 0) {
            sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "dataplane/c-forwarder %.2f", d / c));
        }
        if (d > 0 && t > 0) {
            sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "dataplane/testpmd %.2f", d / t));
        }
        double ds = pps(l, "dataplane-spin"), cs = pps(l, "c-forwarder-spin");
        if (ds > 0 && cs > 0) {
            sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "dataplane-spin/c-forwarder-spin %.2f", ds / cs));
        }
        double dr = pps(l, "dataplane-rings");
        if (dr > 0 && c > 0) {
            sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "dataplane-rings/c-forwarder %.2f", dr / c));
        }
        double bestD = Math.max(orZero(d), orZero(ds)), bestC = Math.max(orZero(c), orZero(cs));
        if (bestD > 0 && bestC > 0 && (ds > 0 || cs > 0)) {
            sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "best dataplane mode/best C mode %.2f", bestD / bestC));
        }
        return sb.isEmpty() ? "no ratios (a contender is missing or forwarded nothing)" : sb.toString();
    }

    String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "generator offered (alone) %.2f Mpps; weights %s%n", generatorAlone / 1e6, weightShares()));
        for (Layout l : layouts()) {
            sb.append(String.format(Locale.ROOT, "layout %s, median of %d %-5s %9s %9s %7s %6s %7s %6s %8s %9s%n", l.label(),
                    o.rounds(), "", "fwd Mpps", "offered", "loss", "cores", "ns/pkt", "bad", "others s", "disturbed"));
            for (String r : contenders(l)) {
                sb.append(String.format(Locale.ROOT, "  %-24s %9.3f %9.3f %6.1f%% %6.2f %7.0f %6d %8.2f %9d%n", r,
                        pps(l, r) / 1e6, median(l, r, RoundResult::offeredPps) / 1e6, median(l, r, RoundResult::loss) * 100,
                        median(l, r, RoundResult::routerCores), median(l, r, RoundResult::nsPerPacket),
                        of(l, r).stream().mapToLong(RoundResult::bad).sum(),
                        median(l, r, x -> x.usage().foreign()), of(l, r).stream().mapToInt(RoundResult::disturbedSeconds).sum()));
            }
            sb.append("  ").append(ratios(l)).append('\n');
            for (String r : contenders(l)) {
                List<RoundResult> c = curve(l, r);
                if (!c.isEmpty()) {
                    sb.append(String.format(Locale.ROOT, "  loss curve %-11s", r));
                    for (RoundResult p : c) {
                        sb.append(String.format(Locale.ROOT, " %.3f:%.1f%%", p.rate() / 1e6, p.loss() * 100));
                    }
                    sb.append('\n');
                }
            }
        }
        for (RemovalResult r : removals) {
            sb.append(String.format(Locale.ROOT, "removal %-9s nexthop %d: %.3f of flows moved, expected %.3f%n",
                    r.router(), r.removed(), r.movedFraction(), r.expected()));
        }
        return sb.toString();
    }

    private List<RoundResult> curve(Layout l, String router) {
        return curve.stream().filter(r -> r.layout() == l && r.router().equals(router))
                .sorted(Comparator.comparingDouble(RoundResult::rate)).toList();
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# vs-kernel: kernel forwarding, the dataplane and a C AF_XDP forwarder\n\n");
        sb.append("Command: `bin/bench vs-kernel ").append(String.join(" ", o.commandLine())).append("`\n\n");
        sb.append(String.format(Locale.ROOT, "- Traffic: IPv%d UDP, %d flows, %d-byte frames (no FCS), to %s; %d route(s)"
                + " installed in each router, all via one multipath group\n", o.family(), o.flows(), o.frameSize(),
                o.family() == 4 ? BenchTopology.DST4 : BenchTopology.DST6, o.routes()));
        sb.append("- Nexthops: ").append(o.nexthops()).append(", weights ").append(Arrays.toString(o.weights()))
                .append(" (shares ").append(weightShares()).append("), hash ").append(o.algorithm().name().toLowerCase())
                .append(" (kernel fib_multipath_hash_policy=").append(o.policy()).append(")\n");
        sb.append(String.format(Locale.ROOT, "- Rounds: %d per contender and layout of %.0f s each, interleaved, sampled every"
                + " second; paced trials of %.0f s at %s of each contender's saturated rate%n", o.rounds(), o.seconds(),
                o.curveSeconds(), Arrays.toString(o.curve())));
        sb.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPU(s) visible to the harness, Linux ")
                .append(System.getProperty("os.version")).append("; load average before ").append(loadBefore)
                .append(", after ").append(loadAfter)
                .append(loadBefore.startsWith("0.") ? "" : " (**other work was running**: see 'others' per round)")
                .append("\n");
        described.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append("\n"));
        sb.append(String.format(Locale.ROOT, "- Generator: XDP program run by BPF_PROG_TEST_RUN with live frames (XDP_TX out"
                + " of the generator's veth), SCHED_FIFO %d on CPU %d; paced, each run waits in the kernel for its frame's send"
                + " time and frames leave in bursts of " + TrafficGenerator.PACED_BATCH + " (never paced by dropping frames); alone it offers **%.2f Mpps**. It"
                + " fills in the IPv4 header and the UDP checksums%n", o.generatorPriority(), o.generatorCpu(),
                generatorAlone / 1e6));
        sb.append(String.format(Locale.ROOT, "- Sinks: an XDP program on each sink veth, run by that veth's threaded NAPI on"
                + " CPU %d (SCHED_FIFO %d, above the generator), so no sink work lands on the router core. It counts a frame"
                + " as forwarded only if its IPv4 header checksum and its UDP checksum verify; the others are counted as"
                + " 'bad' and dropped%n%n", o.generatorCpu(), o.generatorPriority() + 10));
        sb.append("## Method\n\n");
        sb.append(String.format(Locale.ROOT, "Each round starts with %.0f s of traffic from a SCHED_OTHER generator, paced"
                + " at %.2f Mpps for saturated rounds (the daemon's JIT compilers share these two CPUs with its worker and"
                + " must get to compile before the measurement: a SCHED_FIFO worker overloaded from the start starves them),"
                + " then the generator turns SCHED_FIFO (saturated rounds: unpaced) and the measurement starts.%n%n",
                o.warmupSeconds(), VsKernel.WARMUP_PPS / 1e6));
        sb.append(String.format(Locale.ROOT, "Every round samples every second: frames offered, frames forwarded (verified),"
                + " bad frames, and every thread's run time from /proc/<pid>/task/<tid>/schedstat (exact nanoseconds, not"
                + " /proc/stat's tick samples), attributed to the CPU it last ran on. The router core's time is split into"
                + " the contender's (its processes and the kernel's threads there: NAPI, softirq, workqueues), the harness's"
                + " (kept off it: bin/bench starts the JVM on CPU %1$d) and other people's processes. A second is"
                + " **disturbed** and left out when others took more than 5 %% of the router core, the harness did, steal"
                + " on either CPU was above 5 %%, or the generator offered less than half its round median; the count is"
                + " reported. A round's rate is the median of its undisturbed seconds; a layout's is the median of those"
                + " round medians. ns/pkt is the contender's router-core time over the frames it forwarded. Before each"
                + " round the CPU %1$d-CPU %2$d cache-line round trip is measured (two pinned threads handing a counter"
                + " back and forth): in a VM it says whether the two virtual CPUs run at the same time. No PMU here, so no"
                + " cycles. Softirq work that interrupts the idle task (RPS in layouts b and c) is charged to no thread, so"
                + " the kernel's router-core time there is a lower bound; the idle column (NO_HZ idle time from /proc/stat,"
                + " measured at idle entry and exit) bounds it from the other side.%n%n", o.generatorCpu(), o.routerCpu()));
        for (Layout l : layouts()) {
            layoutSection(sb, l);
        }
        if (!removals.isEmpty()) {
            int k = removals.getFirst().removed();
            sb.append("## Nexthop removed mid-round (layout a)\n\n");
            sb.append(String.format(Locale.ROOT, "Nexthop %d of %d leaves half way through one extra round per router. A flow moved"
                    + " when the sink that got most of its packets before differs from the one after. Hash-threshold with these"
                    + " weights moves %.3f of the hash space", k, o.nexthops(), removals.getFirst().expected()));
            boolean equal = Arrays.stream(o.weights()).distinct().count() == 1;
            sb.append(equal ? String.format(Locale.ROOT, "; RFC 2992's D = 1/2 - k(N-1-k)/(N(N-1)) = %.3f.%n%n",
                    RemovalResult.rfc2992(o.nexthops(), k)) : " (RFC 2992's D assumes equal weights).\n\n");
            if (removals.stream().anyMatch(r -> r.router().endsWith("resilient"))) {
                sb.append("Resilient rows: the routes go through resilient nexthop groups of " + ResilientContender.BUCKETS
                        + " buckets; only the leaving member's buckets move, so its weight share is expected.\n\n");
            }
            sb.append("| router | flows seen | flows moved | fraction | expected |\n|---|---|---|---|---|\n");
            for (RemovalResult r : removals) {
                sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %.3f | %.3f |%n", r.router(), r.flowsSeen(),
                        r.flowsMoved(), r.movedFraction(), r.expected()));
            }
            sb.append("\n");
        }
        sb.append("## What the figures can and cannot say\n\n");
        sb.append("- Offered is what the generator produced; frames the router's ingress could not take count as loss, which"
                + " is the router's limit. A contender with loss near 0 was limited by the generator, not by itself.\n");
        sb.append("- The C forwarder splits the flows over the route's ports by its weights (a hash of addresses and ports)"
                + " but has no routing table and checks nothing: the I/O ceiling of this AF_XDP path in C, with the route's"
                + " sockets and sinks. testpmd does no routing and no multipath (everything to nexthop 0); its split and"
                + " reorder figures only say that.\n");
        sb.append("- Latency is one-way, CLOCK_MONOTONIC on both ends, sampled on every 64th frame, and includes the time a"
                + " frame waits in full queues when the router is saturated; the paced trials show it without queueing.\n");
        sb.append("- This is a 2-vCPU VM with veth: every contender forwards several times fewer packets than on a real NIC;"
                + " the ratios, not the absolute rates, carry over, and only for copy-mode AF_XDP.\n");
        sb.append("\n![packets per second per round, split per nexthop](chart.svg)\n");
        return sb.toString();
    }

    private void layoutSection(StringBuilder sb, Layout l) {
        sb.append("## Layout ").append(l.label()).append("\n\n");
        sb.append(capitalised(l.description)).append(".\n\n");
        sb.append("On a real NIC: ").append(l.realNic).append(".\n\n");
        sb.append("| router | forwarded Mpps | offered Mpps | loss | router core | ns/pkt | r0 NAPI on generator CPU (cores, ns/pkt)"
                + " | bad frames | split deviation | reorders | p99 us | others on router core s | disturbed s | round trip ns |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String r : contenders(l)) {
            double napi = median(l, r, x -> napiShare(x, o.generatorCpu()));
            sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.1f %% | %.2f | %.0f | %.2f, %.0f | %d | %.3f | %.0f | %.1f | %.2f | %d | %.0f |%n",
                    r, pps(l, r) / 1e6, median(l, r, RoundResult::offeredPps) / 1e6, median(l, r, RoundResult::loss) * 100,
                    median(l, r, RoundResult::routerCores), median(l, r, RoundResult::nsPerPacket), napi,
                    median(l, r, x -> x.forwarded() == 0 ? Double.NaN : napiShare(x, o.generatorCpu()) * x.seconds() * 1e9
                            / x.forwarded()),
                    of(l, r).stream().mapToLong(RoundResult::bad).sum(), median(l, r, x -> x.splitDeviation(o.weights())),
                    median(l, r, x -> x.regressions()), median(l, r, x -> x.latencyUs(99)),
                    median(l, r, x -> x.usage().foreign()), of(l, r).stream().mapToInt(RoundResult::disturbedSeconds).sum(),
                    median(l, r, RoundResult::roundTripNs)));
        }
        sb.append("\nRatios: ").append(ratios(l)).append(".\n\n");
        sb.append("What limited each:\n\n");
        for (String r : contenders(l)) {
            sb.append("- ").append(r).append(": ").append(limit(l, r)).append("\n");
        }
        sb.append("\n");
        if (curve.stream().anyMatch(r -> r.layout() == l)) {
            sb.append("Loss versus offered rate (paced trials; rates as fractions of each contender's saturated rate),"
                    + " with router-core ns/packet below saturation:\n\n");
            sb.append("| router | asked Mpps | offered Mpps | forwarded Mpps | loss | router core | ns/pkt | p50 / p99 us | bad | disturbed s |\n");
            sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
            for (String r : contenders(l)) {
                for (RoundResult p : curve(l, r)) {
                    sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.2f %% | %.2f | %.0f | %.1f / %.1f | %d | %d |%n",
                            r, p.rate() / 1e6, p.offeredPps() / 1e6, p.forwardedPps() / 1e6, p.loss() * 100,
                            p.routerCores(), p.nsPerPacket(), p.latencyUs(50), p.latencyUs(99), p.bad(), p.disturbedSeconds()));
                }
            }
            sb.append("\n");
        }
        sb.append("Rounds (threads: the contender's and the NAPI threads, 'on CPU', in cores):\n\n");
        sb.append("| # | router | fwd Mpps | offered | loss | router core | idle | ns/pkt | bad | split % (weights ")
                .append(weightShares()).append(") | reorders | others s | steal s | disturbed | round trip ns | threads |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (RoundResult r : rounds) {
            if (r.layout() != l) {
                continue;
            }
            double steal = r.samples().stream().mapToDouble(s -> s.stealGenerator() + s.stealRouter()).sum();
            sb.append(String.format(Locale.ROOT, "| %d | %s | %.3f | %.3f | %.1f %% | %.2f | %.2f | %.0f | %d | %s | %d | %.2f%s | %.2f | %d/%d%s | %.0f | %s |%n",
                    r.number(), r.router(), r.forwardedPps() / 1e6, r.offeredPps() / 1e6, r.loss() * 100, r.routerCores(),
                    r.routerIdleSeconds() / r.seconds(), r.nsPerPacket(), r.bad(), splitText(r), r.regressions(),
                    r.usage().foreign(), r.usage().foreignTop().isEmpty() ? "" : " (" + r.usage().foreignTop() + ")", steal,
                    r.disturbedSeconds(), r.samples().size(), r.allDisturbed() ? " (all: kept)" : "", r.roundTripNs(),
                    threadsText(r.usage().threads(), r.seconds())));
        }
        sb.append("\nCounters per round (the contender's own, or the kernel's softnet counters in hex):\n\n");
        for (RoundResult r : rounds) {
            if (r.layout() == l) {
                sb.append("- ").append(r.number()).append(' ').append(r.router()).append(": ").append(r.notes()).append('\n');
            }
        }
        sb.append("\n");
    }

    private static String capitalised(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    String svg() {
        int n = rounds.size();
        int w = 120 + n * 70, h = 360, top = 40, bottom = 300, left = 70;
        double max = 1;
        for (RoundResult r : rounds) {
            max = Math.max(max, orZero(r.forwardedPps()));
        }
        max = niceCeiling(max);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", w + 120, h));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\">Forwarded packets/s per round (median second, stacked by nexthop), IPv%d, %d nexthops, %s</text>%n",
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
            double pps = orZero(r.forwardedPps());
            for (int s = 0; s < r.perSink().length; s++) {
                double hh = (bottom - top) * (pps * r.share(s)) / max;
                y -= hh;
                sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"50\" height=\"%.1f\" fill=\"%s\" stroke=\"%s\"/>%n",
                        x, y, hh, COLOURS[s % COLOURS.length], r.router().equals("dataplane") ? "none" : "#333"));
            }
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.2f</text>%n", x + 25, y - 4, pps / 1e6));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s%d %s</text>%n", x + 25, bottom + 16,
                    r.layout().label(), r.number(), r.router()));
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
