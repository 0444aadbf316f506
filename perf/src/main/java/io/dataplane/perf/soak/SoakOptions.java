package io.dataplane.perf.soak;

import java.nio.file.Path;
import java.util.List;

/** The command line of {@code bin/bench soak}. */
record SoakOptions(double minutes, int sinks, int flows, int frameSize, double replaceRate, double rate, double fraction,
        String collector, double flapPeriod, double flapHold, Path out, int generatorCpu, int routerCpu,
        boolean receiveOnRouter, int rxRing) {

    static final String USAGE = """
            usage: bin/bench soak [--minutes N] [options]     (root: namespaces, bpf(2), AF_XDP)

              The AF_XDP daemon (bin/dataplane run --config FILE) in network namespaces: a generator,
              the router, 2-4 sinks behind one ECMP group. A short ramp, with the churn running, finds
              the highest rate it carries right now (no frame lost, and the group replaces kept at
              95% of their target rate or more); then it soaks at a fraction of that while a driver,
              through the command socket, replaces the group (alternating two weight sets), adds
              and deletes routes, changes neighbours and flaps the last sink's port (link down:
              the router's veth loses carrier, the daemon marks the nexthop dead). Once a second
              every flow's frames at every sink are checked against the sinks the hash predicts
              for the table versions live meanwhile; at the end every frame sent is accounted for.
              Prints a line per minute (rates, churn, the daemon's heap, native memory, fds,
              threads, worst latency) and a summary; exits 1 on any misroute, unaccounted frame,
              resource growth beyond the tolerances, or driver failure, 2 on a bad command line.

              --minutes N          soak length (default 10; fractions allowed)
              --sinks N            sinks behind the group, 2..4 (default 4)
              --flows N            flows, 16..4096 (default 1024)
              --frame-size N       bytes per frame, 64..1500 (default 64)
              --replace-rate N     group replaces per second the driver aims at (default 1000)
              --rate PPS           soak at this rate, no ramp
              --fraction F         soak at F times the ramp's highest carried rate (default 0.8)
              --collector C        the daemon's collector: z (the default, pom.xml's: its pauses stayed
                                   under 1 ms where ParallelGC's young pauses reached 238 ms and lost
                                   frames), parallel, g1 or shenandoah
              --flap-period S      seconds between port flaps (default 20)
              --flap-hold S        seconds the port stays down (default 2)
              --out DIR            where the event log, the daemon's GC/safepoint log and the summary
                                   go (default: a new directory under /tmp)
              --cpus G,R           generator CPU and router (worker) CPU (default 0,1)
              --rx-ring N          the daemon's receive port's fill and RX rings (its port line's rx-ring;
                                   default 32768: 86 ms of frames at 380 kpps, for the router CPU's stalls
                                   on a shared host; the daemon's default then, 4096, lost 40,720 frames in a
                                   10-minute soak at 378 kpps while the host took the CPU for 10-25 ms)
              --receive WHERE      where r0's receive work (threaded NAPI: XDP redirect, the copy into the
                                   UMEM) runs: generator (the default) on the generator's CPU, with the
                                   sinks' receive work on the worker's, so that each veth ring (256
                                   frames) is drained on the CPU that fills it and only the daemon's
                                   rings span the CPUs, as a NIC's ring spans the wire and the
                                   router; router swaps them (r0's receive on the worker's CPU, as
                                   vs-kernel's layout a), where any stall of one CPU over ~3 ms at
                                   84 kpps loses frames at a veth ring
            """;

    static final class HelpRequested extends RuntimeException {
        HelpRequested() {
            super("help");
        }
    }

    static final class BadUsage extends RuntimeException {
        BadUsage(String message) {
            super(message);
        }
    }

    static SoakOptions parse(String... args) {
        double minutes = 10, replaceRate = 1000, rate = 0, fraction = 0.8, flapPeriod = 20, flapHold = 2;
        int sinks = 4, flows = 1024, frameSize = 64, generatorCpu = 0, routerCpu = 1;
        String collector = "z";
        Path out = null;
        boolean receiveOnRouter = false;
        int rxRing = 32768;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                throw new HelpRequested();
            }
            if (i + 1 >= args.length) {
                throw new BadUsage(a.startsWith("--") ? a + " needs a value" : "unknown argument '" + a + "'");
            }
            String v = args[++i];
            switch (a) {
                case "--minutes" -> minutes = number(a, v, 0.05, 10_000);
                case "--sinks" -> sinks = (int) number(a, v, 2, 4);
                case "--flows" -> flows = (int) number(a, v, 16, 4096);
                case "--frame-size" -> frameSize = (int) number(a, v, 64, 1500);
                case "--replace-rate" -> replaceRate = number(a, v, 1, 100_000);
                case "--rate" -> rate = number(a, v, 1000, 100_000_000);
                case "--fraction" -> fraction = number(a, v, 0.05, 1);
                case "--collector" -> {
                    if (!List.of("default", "parallel", "g1", "z", "shenandoah").contains(v)) {
                        throw new BadUsage("--collector is default, parallel, g1, z or shenandoah; was '" + v + "'");
                    }
                    collector = v;
                }
                case "--flap-period" -> flapPeriod = number(a, v, 2, 3600);
                case "--flap-hold" -> flapHold = number(a, v, 0.1, 3600);
                case "--out" -> out = Path.of(v);
                case "--cpus" -> {
                    String[] p = v.split(",");
                    if (p.length != 2) {
                        throw new BadUsage("--cpus takes two CPU numbers, generator and router, e.g. 0,1; was '" + v + "'");
                    }
                    generatorCpu = (int) number(a, p[0], 0, 4095);
                    routerCpu = (int) number(a, p[1], 0, 4095);
                }
                case "--rx-ring" -> {
                    rxRing = (int) number(a, v, 64, 32768);
                    if (Integer.bitCount(rxRing) != 1) {
                        throw new BadUsage("--rx-ring must be a power of two 64..32768, was " + v);
                    }
                }
                case "--receive" -> {
                    if (!v.equals("generator") && !v.equals("router")) {
                        throw new BadUsage("--receive is generator or router; was '" + v + "'");
                    }
                    receiveOnRouter = v.equals("router");
                }
                default -> throw new BadUsage("unknown option '" + a + "'");
            }
        }
        if (flapHold >= flapPeriod) {
            throw new BadUsage("--flap-hold " + flapHold + " must be shorter than --flap-period " + flapPeriod);
        }
        if (generatorCpu == routerCpu) {
            throw new BadUsage("--cpus: the generator and the router need different CPUs");
        }
        return new SoakOptions(minutes, sinks, flows, frameSize, replaceRate, rate, fraction, collector, flapPeriod, flapHold, out,
                generatorCpu, routerCpu, receiveOnRouter, rxRing);
    }

    private static double number(String option, String v, double min, double max) {
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new BadUsage(option + " takes a number, was '" + v + "'");
        }
        if (!(d >= min && d <= max)) {
            throw new BadUsage(option + " must be between " + min + " and " + max + ", was " + v);
        }
        return d;
    }

    /** The CPU of r0's receive work (its threaded NAPI): the generator's, or with {@code --receive router} the worker's. */
    int receiveCpu() {
        return receiveOnRouter ? routerCpu : generatorCpu;
    }

    /** The CPU of the sinks' receive work: the other one of the two. */
    int sinkCpu() {
        return receiveOnRouter ? generatorCpu : routerCpu;
    }

    /** The JVM options that select the collector: every other one off first (pom.xml's arguments choose ZGC), then the one asked for. */
    List<String> collectorOptions() {
        String on = switch (collector) {
            case "g1" -> "-XX:+UseG1GC";
            case "z" -> "-XX:+UseZGC";
            case "shenandoah" -> "-XX:+UseShenandoahGC";
            case "parallel" -> "-XX:+UseParallelGC";
            default -> null;
        };
        return on == null ? List.of()
                : List.of("-XX:-UseZGC", "-XX:-UseParallelGC", "-XX:-UseG1GC", "-XX:-UseShenandoahGC", on);
    }
}
