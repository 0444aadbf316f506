package io.dataplane.perf.vskernel;

import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.worker.Workers;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;

/** The command line of {@code bin/bench vs-kernel}, checked; {@link #USAGE} is its {@code --help}. */
record BenchOptions(int family, int flows, int frameSize, int nexthops, long[] weights, MultipathAlgorithm algorithm,
        int routes, double seconds, int rounds, Path out, int generatorCpu, int routerCpu, int removeNexthop,
        long minRate, Workers.Idle idle, boolean testpmd, long latencyRate, int napiPriority, double searchSeconds, boolean inProcess, List<String> commandLine) {

    static final String USAGE = """
            usage: bin/bench vs-kernel [options]

            Kernel forwarding against our dataplane on this machine, same traffic, same routes, same CPU
            budget, rounds alternating kernel, dataplane, kernel, ... Needs root (network namespaces,
            bpf(2), AF_XDP) and Linux 5.18+ (BPF_PROG_TEST_RUN live frames). Builds namespaces
            vsk-<pid>-gen, -router, -sink1..N and removes them at the end, also on Ctrl-C. Our
            router runs as 'bin/dataplane run --config FILE' in the router namespace.

            Per contender: saturated rounds (forwarded pps, loss, CPU per packet, split against the
            weights, reordering, latency), a no-drop rate search, a paced latency round; then one
            round per router that removes a nexthop half way (flows moved against RFC 2992).

              --family 4|6            IP version of the traffic (default 4)
              --flows N               distinct UDP flows, 1..64512 (default 8192)
              --frame-size B          frame length without FCS (default 64; raised to the 58/78-byte
                                      minimum that holds the headers and the stamped payload)
              --nexthops N            sinks behind the router, 1..32 (default 2)
              --weights W1,W2,...     one weight per nexthop, 1..255 (default 1,2 for two nexthops,
                                      otherwise all 1)
              --mpalgo l3|l4          hash policy of both routers (default l4); per-packet is refused:
                                      the kernel has no per-packet multipath to compare with
              --routes N              routes installed in both routers, all via the multipath group;
                                      the traffic goes to the first (default 1)
              --seconds S             measured seconds per round (default 5)
              --rounds R              rounds per contender, taken in turns: kernel, dataplane,
                                      testpmd, kernel, ... (default 3)
              --no-testpmd            leave out the third contender, dpdk-testpmd forwarding r0 -> r1
                                      over net_af_xdp (an I/O ceiling, no routing; it is left out
                                      anyway when dpdk-testpmd is not installed)
              --cpus G,R              generator CPU and router CPU (default 0,1): the router's
                                      forwarding work is confined to R in both rounds
              --remove-nexthop K      after the rounds, one extra round per router that removes
                                      nexthop K (0-based) half way and counts the flows that moved
                                      (default 0; -1 skips it)
              --search-seconds S      after the rounds, a binary search per contender for its no-drop
                                      rate (loss <= 0.1%, RFC 2544 style) with trials of S seconds
                                      (default 1; 0 skips it)
              --latency-rate PPS      after the rounds, one round per contender at this paced rate,
                                      below every contender's limit, for latency without queueing
                                      (default 100000; 0 skips it)
              --napi-priority P       SCHED_FIFO priority of r0's NAPI thread on the router CPU, so that
                                      receive work preempts user threads as softirq would (default 0:
                                      SCHED_OTHER, time-sliced like ksoftirqd under overload; FIFO
                                      starves an AF_XDP worker behind it when overloaded)
              --min-rate PPS          refuse to run when the generator alone offers less (default 0)
              --in-process            run our router inside the harness JVM (Workers + AfXdpPort)
                                      instead of 'bin/dataplane run --config FILE' in the router
                                      namespace (the default)
              --idle busy-spin|yield|backoff   the in-process worker's idle strategy (default backoff)
              --out DIR               results folder (default results/vs-kernel-<timestamp>)
              -h, --help              this text

            Writes DIR/report.md and DIR/chart.svg. The last line printed is
              vs-kernel pps median: kernel <pps> dataplane <pps> ratio <dataplane/kernel>
            """;

    static BenchOptions parse(String[] args) {
        int family = 4, flows = 8192, frameSize = 64, nexthops = 2, routes = 1, rounds = 3, removeNexthop = 0;
        boolean testpmd = true, inProcess = false;
        int generatorCpu = 0, routerCpu = 1;
        double seconds = 5;
        long minRate = 0, latencyRate = 100_000;
        int napiPriority = 0;
        double searchSeconds = 1;
        String weightText = null;
        MultipathAlgorithm algorithm = MultipathAlgorithm.L4;
        Workers.Idle idle = Workers.Idle.BACKOFF;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                throw new HelpRequested();
            }
            if (a.equals("--no-testpmd")) {
                testpmd = false;
                continue;
            }
            if (a.equals("--in-process")) {
                inProcess = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new BenchException("option " + a + " needs a value (or is unknown); see 'bin/bench vs-kernel --help'");
            }
            String v = args[++i];
            switch (a) {
                case "--family" -> family = number(a, v, 4, 6);
                case "--flows" -> flows = number(a, v, 1, TrafficPrograms.MAX_FLOWS);
                case "--frame-size" -> frameSize = number(a, v, 1, 1514);
                case "--nexthops" -> nexthops = number(a, v, 1, 32);
                case "--weights" -> weightText = v;
                case "--mpalgo" -> algorithm = switch (v) {
                    case "l3" -> MultipathAlgorithm.L3;
                    case "l4" -> MultipathAlgorithm.L4;
                    case "per-packet" -> throw new BenchException("--mpalgo per-packet has no kernel counterpart (Linux"
                            + " multipath hashes every packet of a flow to one nexthop), so there is nothing to compare;"
                            + " use l3 or l4");
                    default -> throw new BenchException("--mpalgo must be l3 or l4, was '" + v + "'");
                };
                case "--routes" -> routes = number(a, v, 1, 65536);
                case "--seconds" -> {
                    try {
                        seconds = Double.parseDouble(v);
                    } catch (NumberFormatException e) {
                        seconds = -1;
                    }
                    if (!(seconds >= 1 && seconds <= 3600)) {
                        throw new BenchException("--seconds must be 1..3600, was '" + v + "'");
                    }
                }
                case "--rounds" -> rounds = number(a, v, 1, 1000);
                case "--cpus" -> {
                    String[] p = v.split(",");
                    if (p.length != 2) {
                        throw new BenchException("--cpus takes two CPU numbers, generator and router, e.g. 0,1; was '" + v + "'");
                    }
                    generatorCpu = number(a, p[0], 0, 4095);
                    routerCpu = number(a, p[1], 0, 4095);
                }
                case "--remove-nexthop" -> removeNexthop = number(a, v, -1, 31);
                case "--min-rate" -> minRate = number(a, v, 0, Integer.MAX_VALUE);
                case "--latency-rate" -> latencyRate = number(a, v, 0, 100_000_000);
                case "--napi-priority" -> napiPriority = number(a, v, 0, 99);
                case "--search-seconds" -> searchSeconds = number(a, v, 0, 60);
                case "--idle" -> {
                    try {
                        idle = Workers.Idle.parse(v);
                    } catch (IllegalArgumentException e) {
                        throw new BenchException("--idle: " + e.getMessage());
                    }
                }
                case "--out" -> out = Path.of(v);
                default -> throw new BenchException("unknown option " + a + "; see 'bin/bench vs-kernel --help'");
            }
        }
        if (family != 4 && family != 6) {
            throw new BenchException("--family must be 4 or 6, was " + family);
        }
        long[] weights = new long[nexthops];
        if (weightText == null) {
            Arrays.fill(weights, 1);
            if (nexthops == 2) {
                weights[1] = 2;
            }
        } else {
            String[] w = weightText.split(",");
            if (w.length != nexthops) {
                throw new BenchException("--weights has " + w.length + " values but --nexthops is " + nexthops
                        + "; give one weight per nexthop");
            }
            for (int i = 0; i < nexthops; i++) {
                weights[i] = number("--weights", w[i].strip(), 1, 255); // the kernel's weight range
            }
        }
        if (generatorCpu == routerCpu) {
            throw new BenchException("--cpus: the generator and the router need different CPUs, both were " + routerCpu);
        }
        int cpus = CpuTimes.read().busyTicks().length; // online CPUs, whatever this JVM's affinity
        if (Math.max(generatorCpu, routerCpu) >= cpus) {
            throw new BenchException("--cpus " + generatorCpu + "," + routerCpu + ": this machine has CPUs 0.." + (cpus - 1)
                    + (cpus < 2 ? "; the harness needs two (one generates, one forwards)" : ""));
        }
        if (removeNexthop >= nexthops || (removeNexthop >= 0 && nexthops < 2)) {
            removeNexthop = nexthops < 2 ? -1 : removeNexthop;
            if (removeNexthop >= nexthops) {
                throw new BenchException("--remove-nexthop " + removeNexthop + " but there are only " + nexthops
                        + " nexthops (0-based); use 0.." + (nexthops - 1) + " or -1");
            }
        }
        frameSize = Math.max(frameSize, TrafficPrograms.minFrameLength(family));
        if (out == null) {
            out = Path.of("results", "vs-kernel-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        return new BenchOptions(family, flows, frameSize, nexthops, weights, algorithm, routes, seconds, rounds, out,
                generatorCpu, routerCpu, removeNexthop, minRate, idle, testpmd, latencyRate, napiPriority, searchSeconds, inProcess, List.of(args));
    }

    private static int number(String option, String v, int min, int max) {
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new BenchException(option + " must be a whole number in " + min + ".." + max + ", was '" + v + "'");
    }

    String policy() {
        return algorithm == MultipathAlgorithm.L3 ? "0" : "1";
    }

    /** Thrown for -h/--help. */
    static final class HelpRequested extends RuntimeException {
        HelpRequested() {
            super(null, null, false, false);
        }
    }
}
