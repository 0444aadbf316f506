package io.dataplane.perf.vskernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The third contender: {@code dpdk-testpmd} forwarding over DPDK's {@code net_af_xdp} driver on
 * the router namespace's r0 and r1, its forwarding lcore on the router CPU. It does no routing
 * and no multipath: it moves every frame from r0 to r1 (mac forward mode, destination MAC of
 * sink 1), which makes it the C user-space ceiling of the AF_XDP-on-veth I/O path, not a router.
 */
final class TestpmdRouter implements RouterUnderTest {
    static final String BINARY = "dpdk-testpmd";

    private final BenchTopology topo;
    private final int generatorCpu;
    private final int routerCpu;
    private Process process;
    private Path log;
    private String lastLog = "";

    TestpmdRouter(BenchTopology topo, int generatorCpu, int routerCpu) {
        this.topo = topo;
        this.generatorCpu = generatorCpu;
        this.routerCpu = routerCpu;
    }

    /** True when dpdk-testpmd is on the PATH. */
    static boolean available() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, BINARY))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String name() {
        return "testpmd";
    }

    @Override
    public void start() {
        // taskset: a child inherits the harness JVM's affinity (the generator CPU only); EAL pins its lcores itself.
        List<String> cmd = new ArrayList<>(List.of("taskset", "-c", generatorCpu + "," + routerCpu, "ip", "netns", "exec",
                topo.router, BINARY, "--no-huge", "-m", "512",
                "--no-pci", "--no-shconf", "--no-telemetry", "-l", generatorCpu + "," + routerCpu,
                "--main-lcore", String.valueOf(generatorCpu), "--file-prefix", "vsk" + ProcessHandle.current().pid(),
                "--vdev", "net_af_xdp0,iface=r0,start_queue=0,queue_count=1",
                "--vdev", "net_af_xdp1,iface=" + BenchTopology.routerPort(0) + ",start_queue=0,queue_count=1",
                "--", "--forward-mode=mac", "--port-topology=chained", "--nb-cores=1", "--total-num-mbufs=16384",
                "--eth-peer=1," + BenchTopology.macText(BenchTopology.sinkMac(0)),
                "--eth-peer=0," + BenchTopology.macText(BenchTopology.GEN_MAC), "--auto-start", "--stats-period", "1"));
        try {
            log = Files.createTempFile("vsk-testpmd", ".log");
            process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + 15_000_000_000L;
            while (System.nanoTime() < deadline) {
                String text = Files.readString(log);
                if (text.contains("Port statistics") || text.contains("Start automatic packet forwarding")) {
                    Thread.sleep(500);
                    return;
                }
                if (!process.isAlive()) {
                    break;
                }
                Thread.sleep(100);
            }
            String text = Files.readString(log);
            stop();
            throw new BenchException("dpdk-testpmd over net_af_xdp did not start forwarding; its output ends with:\n"
                    + tail(text, 12) + "\nrun with --no-testpmd to leave it out");
        } catch (IOException e) {
            throw new BenchException("cannot start dpdk-testpmd: " + e.getMessage() + "; run with --no-testpmd to leave it out");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new BenchException("interrupted while starting dpdk-testpmd");
        }
    }

    private static String tail(String text, int lines) {
        String[] l = text.strip().split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(l, Math.max(0, l.length - lines), l.length));
    }

    @Override
    public void removeNexthop(int index) {
        throw new UnsupportedOperationException("testpmd does not route");
    }

    /** The pids of testpmd and of the {@code ip netns exec} that started it (their threads are the contender's). */
    java.util.Set<Integer> processIds() {
        return ProcessTree.ids(process);
    }

    /** testpmd's own last statistics lines (RX/TX per port). */
    String lastLog() {
        return lastLog;
    }

    @Override
    public void stop() {
        if (process == null) {
            return;
        }
        // SIGINT lets testpmd stop its ports and detach its XDP programs; SIGKILL only if it hangs.
        ProcessTree.signal(process, "INT");
        ProcessTree.awaitOrKill(process, 10);
        process = null;
        try {
            String text = Files.readString(log);
            int i = text.lastIndexOf("Accumulated forward statistics for all ports");
            if (i >= 0) {
                String[] l = text.substring(i).split("\n");
                lastLog = "testpmd " + String.join(" ", java.util.Arrays.copyOfRange(l, 1, Math.min(l.length, 4)))
                        .replace("+", "").replaceAll("\\s+", " ").strip();
            } else {
                lastLog = tail(text, 3).replaceAll("\\s+", " ");
            }
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // the log is only for the report
        }
    }

    @Override
    public String describe() {
        return "dpdk-testpmd (Debian DPDK) net_af_xdp on r0 and r1, mac forward mode r0 -> r1 only, forwarding lcore "
                + routerCpu + ", main lcore " + generatorCpu + ": an I/O ceiling, no routing or multipath";
    }
}
