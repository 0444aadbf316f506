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
        int routes, double seconds, double warmupSeconds, int rounds, Path out, int generatorCpu, int routerCpu, int removeNexthop,
        long minRate, Workers.Idle idle, boolean testpmd, boolean cForwarder, String cIdle, int cFifo, List<String> contenders,
        List<Layout> layouts, double[] curve, double curveSeconds, int generatorPriority, int napiPriority,
        double profileSeconds, boolean inProcess, int queues, List<String> commandLine, boolean kernelHash, long hashSeed,
        int dataplaneRings) {

    static final String USAGE = """
            usage: bin/bench vs-kernel [options]

            Kernel forwarding against our dataplane and a C AF_XDP forwarder on this machine: same
            traffic, routes, sinks and CPU budget, in up to three layouts of the work on the two CPUs,
            rounds interleaved kernel, dataplane, c-forwarder, testpmd, kernel, ... Needs root (network
            namespaces, bpf(2), AF_XDP) and Linux 5.18+ (BPF_PROG_TEST_RUN live frames). Builds
            namespaces vsk-<pid>-gen, -router, -sink1..N and removes them at the end, also on Ctrl-C.
            Our router runs as 'bin/dataplane run --config FILE' in the router namespace.

            Per layout and contender: saturated rounds sampled every second (forwarded pps counting
            only frames whose IPv4 and UDP checksums verify at the sink, loss, router-core time per
            packet from per-thread schedstat, split against the weights, reordering, latency, other
            processes' time on the router core, steal, the CPU-to-CPU round trip), medians of the
            per-round medians over undisturbed seconds; then a loss-versus-rate curve from paced
            trials; then one round per router that removes a nexthop half way (flows moved).

              --family 4|6            IP version of the traffic (default 4)
              --flows N               distinct UDP flows, 1..64512 (default 8192)
              --frame-size B          frame length without FCS (default 64; raised to the 58/78-byte
                                      minimum that holds the headers and the stamped payload)
              --nexthops N            sinks behind the router, 1..32 (default 2)
              --weights W1,W2,...     one weight per nexthop, 1..255 (default 1,2 for two nexthops,
                                      otherwise all 1)
              --mpalgo l3|l4          hash policy of both routers (default l4); per-packet is refused:
                                      the kernel has no per-packet multipath to compare with
              --hash-function jenkins|kernel   our router's hash (default jenkins). kernel: the kernel's
                                      SipHash with --hash-seed as fib_multipath_hash_seed in both
                                      routers and the --mpalgo policy; the report then says how many
                                      flows reached another sink than under the kernel in layout a
                                      (expects 0; b and c give the kernel RPS, whose skb->hash its
                                      policy 1 uses instead of its own)
              --hash-seed N           kernel mode: fib_multipath_hash_seed of both, 1..4294967295
                                      (default 1; 0 would make the kernel use a random boot key)
              --routes N              routes installed in both routers, all via the multipath group;
                                      the traffic goes to the first (default 1)
              --layouts L,...         a: everything the router does on the router CPU; b: receive
                                      (r0's NAPI thread) on the generator CPU, forwarding on the router
                                      CPU (kernel: RPS); c: the kernel alone, veth's receive softirq
                                      where veth puts it plus RPS (default a,b,c)
              --seconds S             measured seconds per round, sampled every second (default 10)
              --warmup-seconds S      traffic before each round's measurement, with the generator at
                                      SCHED_OTHER so that the contenders' JIT compilers (on the
                                      generator CPU) get to compile (default 3)
              --rounds R              rounds per contender and layout, interleaved (default 5)
              --curve F1,F2,...       paced trials at these fractions of each contender's saturated
                                      rate, for the loss-versus-rate curve and ns/packet below
                                      saturation (default 0.25,0.5,0.75,0.9,1.1)
              --curve-seconds S       seconds per paced trial (default 5; 0 skips the curve)
              --contenders C,...      run only these of kernel, dataplane (the daemon's defaults: idle
                                      poll, sched fifo 1), dataplane-spin (idle busy-spin, sched
                                      other), c-forwarder (--c-idle, --c-fifo), c-forwarder-spin
                                      (busy-spin, SCHED_OTHER), testpmd, dataplane-rings (with
                                      --dataplane-rings) (default all)
              --dataplane-rings N     one more contender, dataplane-rings: the daemon's defaults with
                                      'rx-ring N tx-ring N' on every port line (N a power of two,
                                      64..16384; the daemon's default rings have 2048 entries)
              --no-testpmd            leave out dpdk-testpmd forwarding r0 -> r1 over net_af_xdp (left
                                      out anyway when dpdk-testpmd is not installed)
              --no-c-forwarder        leave out the C AF_XDP forwarder (perf/src/main/c/xsk_fwd.c,
                                      built with gcc against libxdp; left out when it cannot be built)
              --c-idle poll|busy-spin the C forwarder's empty-ring behaviour (default poll)
              --c-fifo PRIO           its SCHED_FIFO priority, 0 for SCHED_OTHER (default 1: sleeping
                                      in poll() it lets r0's NAPI thread batch, and preempts it when
                                      frames are ready)
              --queues 1|2            2: every veth gets two queues and the harness runs the multi-queue
                                      layouts q1 (one generator, one busy queue and worker on the
                                      router CPU) and q2 (a generator, queue and worker per CPU) for
                                      the kernel and the dataplane: the 1 -> 2 worker scaling factor
                                      (default 1: layouts a, b, c)
              --cpus G,R              generator CPU and router CPU (default 0,1)
              --generator-priority P  the generator's SCHED_FIFO priority (default 10; 0: SCHED_OTHER).
                                      The sinks' NAPI threads run on the generator CPU at P+10, r0's
                                      NAPI thread in layout b at P+5
              --napi-priority P       layout a: SCHED_FIFO priority of r0's NAPI thread on the router
                                      CPU (default 0: SCHED_OTHER; FIFO starves an AF_XDP worker behind
                                      it when overloaded)
              --remove-nexthop K      after the rounds, one extra round per router (layout a) that
                                      removes nexthop K (0-based) half way and counts the flows that
                                      moved (default 0; -1 skips it)
              --profile-seconds S     after the rounds, one unmeasured saturated round per contender and
                                      layout under 'perf record -e cpu-clock -a -g' for S seconds;
                                      writes DIR/profile-<layout>-<contender>.txt (default 0: none)
              --min-rate PPS          refuse to run when the generator alone offers less (default 0)
              --in-process            run our router inside the harness JVM (Workers + AfXdpPort)
                                      instead of 'bin/dataplane run --config FILE' in the router
                                      namespace (the default)
              --idle busy-spin|yield|backoff   the in-process worker's idle strategy (default backoff)
              --out DIR               results folder (default results/vs-kernel-<timestamp>)
              -h, --help              this text

            Writes DIR/report.md and DIR/chart.svg. The last line printed is (layout a, or the first
            layout run)
              vs-kernel pps median: kernel <pps> dataplane <pps> ratio <dataplane/kernel> c-forwarder <pps> ratio-c <dataplane/c-forwarder>
            """;

    /**
     * Every contender, in report order: the dataplane with the daemon's defaults (idle poll, sched
     * fifo 1) and busy-spinning at SCHED_OTHER, the C forwarder in the same two modes.
     */
    static final List<String> CONTENDERS = List.of("kernel", "dataplane", "dataplane-spin", "c-forwarder", "c-forwarder-spin",
            "testpmd", "dataplane-rings");

    static BenchOptions parse(String[] args) {
        int family = 4, flows = 8192, frameSize = 64, nexthops = 2, routes = 1, rounds = 5, removeNexthop = 0;
        int dataplaneRings = 0;
        boolean testpmd = true, cForwarder = true, inProcess = false, kernelHash = false;
        long hashSeed = 1;
        int generatorCpu = 0, routerCpu = 1, queues = 1;
        boolean layoutsGiven = false;
        double seconds = 10, warmupSeconds = 3, curveSeconds = 5, profileSeconds = 0;
        long minRate = 0;
        int napiPriority = 0, generatorPriority = 10, cFifo = 1;
        String cIdle = "poll";
        List<String> contenders = CONTENDERS;
        List<Layout> layouts = List.of(Layout.A, Layout.B, Layout.C);
        double[] curve = {0.25, 0.5, 0.75, 0.9, 1.1};
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
            if (a.equals("--no-c-forwarder")) {
                cForwarder = false;
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
                case "--hash-function" -> kernelHash = switch (v) {
                    case "jenkins" -> false;
                    case "kernel" -> true;
                    default -> throw new BenchException("--hash-function must be jenkins or kernel, was '" + v + "'");
                };
                case "--hash-seed" -> hashSeed = seed(a, v);
                case "--routes" -> routes = number(a, v, 1, 65536);
                case "--seconds" -> seconds = decimal(a, v, 1, 3600);
                case "--rounds" -> rounds = number(a, v, 1, 1000);
                case "--warmup-seconds" -> warmupSeconds = decimal(a, v, 0.1, 600);
                case "--layouts" -> {
                    layouts = Layout.parse(v);
                    layoutsGiven = true;
                }
                case "--queues" -> queues = number(a, v, 1, 2);
                case "--curve" -> {
                    String[] p = v.split(",");
                    curve = new double[p.length];
                    for (int k = 0; k < p.length; k++) {
                        curve[k] = decimal(a, p[k].strip(), 0.01, 2);
                    }
                }
                case "--curve-seconds" -> curveSeconds = v.equals("0") ? 0 : decimal(a, v, 1, 600);
                case "--profile-seconds" -> profileSeconds = v.equals("0") ? 0 : decimal(a, v, 1, 600);
                case "--c-idle" -> {
                    if (!v.equals("poll") && !v.equals("busy-spin")) {
                        throw new BenchException("--c-idle must be poll or busy-spin, was '" + v + "'");
                    }
                    cIdle = v;
                }
                case "--c-fifo" -> cFifo = number(a, v, 0, 99);
                case "--dataplane-rings" -> {
                    dataplaneRings = number(a, v, 64, 16384);
                    if (Integer.bitCount(dataplaneRings) != 1) {
                        throw new BenchException("--dataplane-rings must be a power of two (64..16384, as the daemon's rx-ring"
                                + " and tx-ring), was " + v);
                    }
                }
                case "--contenders" -> {
                    contenders = Arrays.stream(v.split(",")).map(String::strip).toList();
                    for (String c : contenders) {
                        if (!CONTENDERS.contains(c)) {
                            throw new BenchException("--contenders takes " + String.join(", ", CONTENDERS) + "; '" + c
                                    + "' is none of them");
                        }
                    }
                }
                case "--generator-priority" -> generatorPriority = number(a, v, 0, 80);
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
                case "--napi-priority" -> napiPriority = number(a, v, 0, 99);
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
        if (queues == 2 && Math.min(generatorCpu, routerCpu) != 0 || queues == 2 && Math.max(generatorCpu, routerCpu) != 1) {
            throw new BenchException("--queues 2 needs --cpus 0,1: veth puts what CPU c sends on queue c mod 2, and the"
                    + " daemon pins worker q to CPU q");
        }
        if (queues == 2 && !layoutsGiven) {
            layouts = List.of(Layout.Q1, Layout.Q2);
        }
        for (Layout l : layouts) {
            if (l.multiQueue() != (queues == 2)) {
                throw new BenchException(queues == 2 ? "--queues 2 runs the multi-queue layouts q1 and q2; layout " + l.label()
                        + " has one queue: run it without --queues" : "layout " + l.label() + " needs --queues 2");
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
        int cpus = CpuTimes.read().cpus(); // online CPUs, whatever this JVM's affinity
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
        return new BenchOptions(family, flows, frameSize, nexthops, weights, algorithm, routes, seconds, warmupSeconds, rounds, out,
                generatorCpu, routerCpu, removeNexthop, minRate, idle, testpmd, cForwarder, cIdle, cFifo, contenders, layouts, curve,
                curveSeconds, generatorPriority, napiPriority, profileSeconds, inProcess, queues, List.of(args), kernelHash, hashSeed,
                dataplaneRings);
    }

    private static double decimal(String option, String v, double min, double max) {
        try {
            double d = Double.parseDouble(v.strip());
            if (d >= min && d <= max) {
                return d;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new BenchException(option + " must be a number in " + min + ".." + max + ", was '" + v + "'");
    }

    /** A kernel hash seed: 0 is refused, since the kernel then hashes with a random boot-time key nobody can know. */
    private static long seed(String option, String v) {
        try {
            long n = Long.parseLong(v.strip());
            if (n >= 1 && n <= 0xffff_ffffL) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new BenchException(option + " must be a whole number in 1..4294967295 (0 makes the kernel hash with a random"
                + " boot-time key, which our router cannot know), was '" + v + "'");
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
