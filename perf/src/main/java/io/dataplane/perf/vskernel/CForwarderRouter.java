package io.dataplane.perf.vskernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The C reference: {@code perf/src/main/c/xsk_fwd.c}, compiled by the harness with gcc against
 * libxdp and libbpf, run in the router namespace on the router core. It receives on r0 and
 * transmits on the route's ports r1..rN with their sinks' MACs, the flows split by the route's
 * weights with a hash of addresses and ports (no routing table, no checks): the same sockets,
 * sinks and shares as the dataplane's multipath route, so the same I/O. AF_XDP copy mode with
 * need_wakeup, sleeping in poll() or spinning when its receive ring is empty, optionally
 * SCHED_FIFO. What it forwards is what this AF_XDP path costs in C.
 */
final class CForwarderRouter implements RouterUnderTest {
    static final String SOURCE = "perf/src/main/c/xsk_fwd.c";

    private final BenchTopology topo;
    private final String name;
    private final int routerCpu;
    private final String idle;
    private final int fifo;
    private final Path binary;
    private final long[] weights;
    private Process process;
    private Path log;
    private String lastLog = "";

    private CForwarderRouter(String name, BenchTopology topo, long[] weights, int routerCpu, String idle, int fifo, Path binary) {
        this.name = name;
        this.weights = weights;
        this.topo = topo;
        this.routerCpu = routerCpu;
        this.idle = idle;
        this.fifo = fifo;
        this.binary = binary;
    }

    /**
     * Compiles the forwarder into a temporary directory and returns the contender, or null with
     * the reason in {@code why[0]} when it cannot be built here (no source, gcc, libxdp or libbpf).
     */
    static CForwarderRouter build(BenchTopology topo, long[] weights, int routerCpu, String idle, int fifo, String[] why) {
        Path home = DaemonRouter.home();
        Path source = home == null ? null : home.resolve(SOURCE);
        if (source == null || !Files.isReadable(source)) {
            why[0] = "its source " + SOURCE + " is not under DATAPLANE_HOME (bin/bench sets it)";
            return null;
        }
        if (!Files.exists(Path.of("/usr/include/xdp/xsk.h")) || !Files.exists(Path.of("/usr/include/bpf/libbpf.h"))) {
            why[0] = "libxdp or libbpf headers missing (Debian packages libxdp-dev and libbpf-dev; bin/test installs them)";
            return null;
        }
        try {
            Path dir = Files.createTempDirectory("vsk-xskfwd");
            Path bin = dir.resolve("xsk_fwd");
            Shell.run("gcc", "-O2", "-Wall", "-o", bin.toString(), source.toString(), "-lxdp", "-lbpf");
            bin.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return new CForwarderRouter("c-forwarder", topo, weights, routerCpu, idle, fifo, bin);
        } catch (IOException | BenchException e) {
            why[0] = "gcc could not build " + SOURCE + ": " + e.getMessage();
            return null;
        }
    }

    /** The same binary as another contender, {@code name}, with another idle mode and scheduling. */
    CForwarderRouter withMode(String name, String idle, int fifo) {
        return new CForwarderRouter(name, topo, weights, routerCpu, idle, fifo, binary);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void start() {
        List<String> cmd = new ArrayList<>(List.of("taskset", "-c", String.valueOf(routerCpu), "ip", "netns", "exec", topo.router,
                binary.toString(), "--in", "r0"));
        for (int i = 0; i < weights.length; i++) {
            cmd.addAll(List.of("--out", BenchTopology.routerPort(i), "--dst-mac", BenchTopology.macText(BenchTopology.sinkMac(i)),
                    "--src-mac", BenchTopology.macText(BenchTopology.routerOutMac(i)), "--weight", String.valueOf(weights[i])));
        }
        cmd.addAll(List.of("--cpu", String.valueOf(routerCpu), "--idle", idle, "--fifo", String.valueOf(fifo)));
        try {
            log = Files.createTempFile("vsk-xskfwd", ".log");
            process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline) {
                if (Files.readString(log).contains("ready")) {
                    return;
                }
                if (!process.isAlive()) {
                    break;
                }
                Thread.sleep(50);
            }
            String text = Files.readString(log).strip();
            stop();
            throw new BenchException("the C forwarder did not start: " + text + "; run with --no-c-forwarder to leave it out");
        } catch (IOException e) {
            throw new BenchException("cannot start the C forwarder: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new BenchException("interrupted while starting the C forwarder");
        }
    }

    @Override
    public void removeNexthop(int index) {
        throw new UnsupportedOperationException("the C forwarder does not route");
    }

    /** Its pid and that of the {@code ip netns exec} around it. */
    Set<Integer> processIds() {
        return ProcessTree.ids(process);
    }

    /** Its counters line of the last round. */
    String lastLog() {
        return lastLog;
    }

    @Override
    public void stop() {
        if (process == null) {
            return;
        }
        ProcessTree.signal(process, "TERM"); // taskset and ip netns exec exec the forwarder: usually it is the process itself
        ProcessTree.awaitOrKill(process, 10);
        process = null;
        try {
            lastLog = Files.readString(log).lines().filter(l -> l.startsWith("xsk_fwd:")).collect(Collectors.joining("; "));
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // the log is only for the report
        }
    }

    @Override
    public String describe() {
        return "perf/src/main/c/xsk_fwd.c (gcc -O2, libxdp): AF_XDP copy mode, need_wakeup, r0 -> r1..r" + weights.length
                + " with the sinks' MACs, flows split by weights " + java.util.Arrays.toString(weights) + " (a hash of addresses"
                + " and ports), one UMEM for all sockets, batches of 64, CPU " + routerCpu + ", idle " + idle
                + (fifo > 0 ? ", SCHED_FIFO " + fifo : ", SCHED_OTHER") + ": the I/O ceiling in C, no routing table or checks";
    }
}
