package io.dataplane.perf.vskernel;

import io.dataplane.control.daemon.Dpctl;
import io.dataplane.tables.MultipathAlgorithm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Our router as an operator runs it: {@code bin/dataplane run --config FILE} in the router
 * namespace, AF_XDP ports on r0..rN (copy mode, the worker on the router CPU), the same routes,
 * weights and algorithm as the kernel's in the file, the sinks' MACs as static neighbours. A
 * nexthop is removed through the daemon's command socket ({@code route replace}, as dpctl sends
 * it). Stopped with SIGTERM, which detaches its XDP programs.
 */
public class DaemonRouter implements RouterUnderTest {
    private final BenchTopology topo;
    private final int routes;
    private final long[] weights;
    private final MultipathAlgorithm algorithm;
    private final int generatorCpu;
    private final int routerCpu;
    private final Path home;
    private final String name;
    /** What r0's port line adds ("idle busy-spin sched other", "rx-ring 32768"), empty for the daemon's defaults. */
    private final String workerOptions;
    /** What every port line adds ("rx-ring 2048 tx-ring 2048"), empty for the daemon's defaults. */
    private String portOptions = "";
    private Path dir;
    private Process process;
    private String lastCounters = "";
    /** {@code set hash-...} lines that go before the routes (kernel hash mode), or none. */
    private List<String> hashConfig = List.of();
    /** JVM options the daemon gets on top of pom.xml's (GC logging, a collector), or none. */
    private List<String> jvmOptions = List.of();

    DaemonRouter(BenchTopology topo, int routes, long[] weights, MultipathAlgorithm algorithm, int generatorCpu, int routerCpu) {
        this(topo, routes, weights, algorithm, generatorCpu, routerCpu, "dataplane", "");
    }

    /** A contender named {@code name} whose r0 port line adds {@code workerOptions} (idle mode, scheduling, rings). */
    public DaemonRouter(BenchTopology topo, int routes, long[] weights, MultipathAlgorithm algorithm, int generatorCpu, int routerCpu,
            String name, String workerOptions) {
        this.name = name;
        this.workerOptions = workerOptions;
        this.topo = topo;
        this.routes = routes;
        this.weights = weights;
        this.algorithm = algorithm;
        this.generatorCpu = generatorCpu;
        this.routerCpu = routerCpu;
        this.home = home();
    }

    /** The installation whose bin/dataplane runs, from DATAPLANE_HOME (bin/bench and the test suite set it). */
    static Path home() {
        String h = System.getenv("DATAPLANE_HOME");
        return h == null ? null : Path.of(h);
    }

    /** True when bin/dataplane can be started (or, in the test suite, its main class). */
    public static boolean available() {
        Path h = home();
        return h != null && Files.isExecutable(h.resolve("bin/dataplane"));
    }

    /** Options every port line gets (ring sizes); set before {@link #start}. */
    DaemonRouter portOptions(String options) {
        this.portOptions = options;
        return this;
    }

    @Override
    public String name() {
        return name;
    }

    private String route(int r, int family, int without) {
        StringBuilder sb = new StringBuilder(family == 4 ? BenchTopology.route4(r) : BenchTopology.route6(r));
        if (topo.nexthops - (without >= 0 ? 1 : 0) == 1) { // one gateway left: the grammar's single-path form
            int i = without == 0 ? 1 : 0;
            return sb.append(" via ").append(family == 4 ? BenchTopology.sinkAddress4(i) : BenchTopology.sinkAddress6(i))
                    .append(" dev ").append(BenchTopology.routerPort(i)).toString();
        }
        for (int i = 0; i < topo.nexthops; i++) {
            if (i != without) {
                sb.append(" nexthop via ").append(family == 4 ? BenchTopology.sinkAddress4(i) : BenchTopology.sinkAddress6(i))
                        .append(" dev ").append(BenchTopology.routerPort(i)).append(" weight ").append(weights[i]);
            }
        }
        if (!hashConfig.isEmpty()) {
            return sb.toString(); // kernel hash mode refuses mpalgo: the hash policy decides, as in the kernel
        }
        return sb.append(" mpalgo ").append(algorithm == MultipathAlgorithm.L3 ? "l3" : "l4").toString();
    }

    /** The configuration's routing lines: the multipath routes, as the kernel has them. */
    protected List<String> routeLines() {
        List<String> lines = new ArrayList<>();
        for (int r = 0; r < routes; r++) {
            lines.add("route add " + route(r, 4, -1));
            lines.add("route add " + route(r, 6, -1));
        }
        return lines;
    }

    /** Configures the daemon's hash with these {@code set} lines (kernel hash mode); call before {@link #start}. */
    void hashConfiguration(List<String> lines) {
        hashConfig = List.copyOf(lines);
    }

    /** Starts the daemon's JVM with these options as well (DATAPLANE_JAVA_OPTS for bin/dataplane); call before {@link #start}. */
    public void jvmOptions(List<String> options) {
        jvmOptions = List.copyOf(options);
    }

    /** The daemon's command socket. */
    public Path socket() {
        return dir.resolve("dp.sock");
    }

    @Override
    public void start() {
        List<String> config = new ArrayList<>();
        config.add("# written by bin/bench vs-kernel: the same routes and weights as the kernel's");
        config.addAll(hashConfig);
        // With two queues, worker q owns queue q of every port and is pinned to CPU q: veth puts what CPU q sends on queue q.
        String queues = topo.queues > 1 ? " queues " + topo.queues : "";
        String every = portOptions.isEmpty() ? "" : " " + portOptions;
        config.add("port add dev r0 mode copy" + queues + " cpu " + (topo.queues > 1 ? 0 : routerCpu)
                + (workerOptions.isEmpty() ? "" : " " + workerOptions) + every);
        for (int i = 0; i < topo.nexthops; i++) {
            config.add("port add dev " + BenchTopology.routerPort(i) + " mode copy" + queues + every);
        }
        for (int i = 0; i < topo.nexthops; i++) {
            String mac = BenchTopology.macText(BenchTopology.sinkMac(i));
            config.add("neigh add " + BenchTopology.sinkAddress4(i) + " lladdr " + mac + " dev " + BenchTopology.routerPort(i));
            config.add("neigh add " + BenchTopology.sinkAddress6(i) + " lladdr " + mac + " dev " + BenchTopology.routerPort(i));
        }
        config.addAll(routeLines());
        try {
            dir = Files.createTempDirectory("vsk-daemon");
            Path file = dir.resolve("router.conf");
            Files.write(file, config);
            Path log = dir.resolve("daemon.log");
            // The daemon's JVM threads may use both CPUs, as on a router: confined to the generator CPU, its JIT
            // compilers got too little of it to compile the worker (it ran C1 code). What they and its other threads
            // take of the router core counts as the contender's. Its worker pins itself to the router CPU.
            List<String> cmd = new ArrayList<>(List.of("taskset", "-c", generatorCpu + "," + routerCpu, "ip", "netns", "exec",
                    topo.router));
            String classpath = System.getProperty("java.class.path");
            if (classpath.contains("perf.jar")) {
                cmd.add(home.resolve("bin/dataplane").toString()); // started by bin/bench: the build is current
            } else {
                // From the test suite (classes, not jars yet): what bin/dataplane runs, without its build check,
                // which would start a nested Maven build in the middle of this one.
                // The JVM flags are pom.xml's dataplane.jvm.args, which the build hands the tests as a property.
                String jvmArgs = System.getProperty("dataplane.jvm.args");
                if (jvmArgs == null || jvmArgs.isBlank()) {
                    throw new BenchException("system property dataplane.jvm.args is not set (the build sets it from pom.xml)");
                }
                cmd.add(ProcessHandle.current().info().command().orElse("java"));
                cmd.addAll(List.of(jvmArgs.strip().split("\\s+")));
                cmd.addAll(jvmOptions);
                cmd.addAll(List.of("-cp", classpath, "io.dataplane.control.daemon.DataplaneMain"));
            }
            cmd.addAll(List.of("run", "--config", file.toString(), "--socket", socket().toString()));
            ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            if (!jvmOptions.isEmpty()) {
                builder.environment().merge("DATAPLANE_JAVA_OPTS", String.join(" ", jvmOptions), (a, b) -> a + " " + b);
            }
            process = builder.start();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() < deadline) {
                String out = Files.readString(log, StandardCharsets.UTF_8);
                if (out.contains("serving")) {
                    return;
                }
                if (!process.isAlive()) {
                    break;
                }
                Thread.sleep(100);
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            stop();
            throw new BenchException("bin/dataplane run --config did not start serving; its output:\n" + out.strip()
                    + "\n(the configuration it got: " + file + ")");
        } catch (IOException e) {
            stop();
            throw new BenchException("cannot start bin/dataplane: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new BenchException("interrupted while starting bin/dataplane");
        }
    }

    /** Sends one command to the daemon's socket, as dpctl does; returns its output. */
    public String dpctl(String... command) {
        String[] args = new String[command.length + 2];
        args[0] = "--socket";
        args[1] = socket().toString();
        System.arraycopy(command, 0, args, 2, command.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Dpctl.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        if (rc != 0) {
            throw new BenchException("dpctl " + String.join(" ", command) + " failed: " + err.toString(StandardCharsets.UTF_8).strip());
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void removeNexthop(int index) {
        for (int r = 0; r < routes; r++) {
            dpctl(("route replace " + route(r, 4, index)).split(" "));
            dpctl(("route replace " + route(r, 6, index)).split(" "));
        }
    }

    /** The daemon's process ids (ip netns exec execs bin/dataplane, which execs java: usually one). */
    public Set<Integer> processIds() {
        return ProcessTree.ids(process);
    }

    /** The daemon's counters for r0 from {@code -s link show} (with the kernel's XDP_STATISTICS) at the end of the last round. */
    String lastCounters() {
        return lastCounters;
    }

    @Override
    public void stop() {
        if (process == null) {
            return;
        }
        try {
            lastCounters = "bin/dataplane -s link show dev r0: " + dpctl("-s", "link", "show", "dev", "r0").replaceAll("\\s+", " ").strip();
        } catch (RuntimeException e) {
            lastCounters = "counters unavailable: " + e.getMessage();
        }
        process.destroy(); // SIGTERM: the daemon detaches its programs and closes its sockets
        ProcessTree.awaitOrKill(process, 20);
        process = null;
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temporary directory
        }
    }

    @Override
    public String describe() {
        return "bin/dataplane run --config FILE (its own JVM, in the router namespace): AF_XDP copy mode on r0..r"
                + topo.nexthops + (topo.queues > 1 ? ", " + topo.queues + " queues, worker q pinned to CPU q"
                        : ", one worker pinned to CPU " + routerCpu) + ", "
                + (workerOptions.isEmpty() ? "the daemon's default idle mode and scheduling (idle poll, sched fifo 1)"
                        : "'" + workerOptions + "' on the port line")
                + (portOptions.isEmpty() ? "" : ", '" + portOptions + "' on every port line")
                + ", routes, weights and static neighbours from the file";
    }
}
