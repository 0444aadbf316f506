package io.dataplane.control.daemon;

import static java.lang.System.Logger.Level.ERROR;
import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import io.dataplane.control.CommandServer;
import io.dataplane.control.ControlPlane;
import io.dataplane.control.command.CommandException;
import io.dataplane.tables.MacAddress;
import io.dataplane.control.rib.Rib;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;

/**
 * Entry point of {@code bin/dataplane}: a plain switch over the sub-command ({@code run} the
 * daemon, or the {@link Demo}).
 */
public final class DataplaneMain {

    static final String USAGE = """
            usage: dataplane run [--config FILE] [--socket PATH] [--group NAME] [--log-level LEVEL]
                                 [--keep-running-on-worker-error]
                   dataplane demo [ARGS...]
                   dataplane --help | --version

              run     start the daemon: load FILE (the control commands, one per line, applied as
                      one batch: a bad line names its number and nothing is loaded), start the
                      dataplane on the declared ports, and serve the command socket until
                      SIGINT/SIGTERM. With no FILE it starts with no ports and no routes.
                      SIGHUP re-reads FILE and applies what changed since it was last loaded as
                      one batch (routes, nexthops, neighbours, settings, ports added or removed;
                      a port line that changed is refused); a bad file changes nothing and the
                      log says FILE:LINE: why.
                      Under systemd (NOTIFY_SOCKET set) it reports READY, RELOADING, STOPPING.
                        --socket PATH   command socket (default /run/dataplane/dataplane.sock);
                                        created mode 0660, owner root, group NAME
                        --group NAME    group allowed to use the socket besides root (default root)
                        --log-level L   error, warn, info (default) or debug; the log goes to stderr,
                                        one line each: UTC time, level, component, message
                        --keep-running-on-worker-error
                                        when a worker cannot start or its thread ends, log it and
                                        keep serving; by default the daemon then detaches every
                                        port and exits 1, so a supervisor can restart it
                      exit status: 1 when it cannot start or a worker stopped, 2 on bad usage; stopped by SIGTERM or
                                   SIGINT it exits 143 or 130 (128 + the signal), as the JVM does
              demo    run the built-in weighted-ECMP example in memory (see 'dataplane demo --help')

            Configuration and socket commands (also: dpctl --help):
            """;

    /** The component name of the daemon's own log lines. */
    private static final String COMPONENT = "dataplane";
    private static final System.Logger LOG = System.getLogger("io.dataplane." + COMPONENT);

    private DataplaneMain() {
    }

    public static void main(String[] args) throws Exception {
        String sub = args.length == 0 ? "--help" : args[0];
        String[] rest = java.util.Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        switch (sub) {
            case "run" -> System.exit(run(rest, System.out, System.err));
            case "demo" -> System.exit(Demo.run(rest));
            case "--help", "-h", "help" -> System.out.println(USAGE + CommandReference.text());
            case "--version", "-V" -> System.out.println("dataplane " + Version.number());
            default -> {
                System.err.println("dataplane: unknown command '" + sub + "'\n" + USAGE);
                System.exit(2);
            }
        }
    }

    /**
     * {@code dataplane run}: returns 2 on bad usage, 1 when the daemon cannot start; a serving daemon
     * returns only after SIGTERM/SIGINT, and then the JVM exits with the signal's status (143, 130).
     */
    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        return run(args, out, err, new PortConfiguration());
    }

    /** As {@link #run(String[], PrintStream, PrintStream)}, with the port configuration (a test's CPU set). */
    static int run(String[] args, PrintStream out, PrintStream err, PortConfiguration ports) throws Exception {
        Path config = null;
        Path socket = CommandServer.DEFAULT_SOCKET;
        String group = "root";
        Level logLevel = Level.INFO;
        boolean keepRunning = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                out.println(USAGE + CommandReference.text());
                return 0;
            }
            if (a.equals("--keep-running-on-worker-error")) {
                keepRunning = true;
                continue;
            }
            if (!(a.equals("--config") || a.equals("--socket") || a.equals("--group") || a.equals("--log-level"))) {
                err.println("dataplane run: unknown option '" + a + "'\n" + USAGE);
                return 2;
            }
            if (i + 1 >= args.length) {
                err.println("dataplane run: " + a + " needs a value");
                return 2;
            }
            String v = args[++i];
            switch (a) {
                case "--config" -> config = Path.of(v);
                case "--socket" -> socket = Path.of(v);
                case "--group" -> group = v;
                default -> {
                    try {
                        logLevel = LogLine.level(v);
                    } catch (IllegalArgumentException e) {
                        err.println("dataplane run: " + e.getMessage());
                        return 2;
                    }
                }
            }
        }
        try (AutoCloseable log = LogLine.install(err, logLevel)) {
            return run(config, socket, group, keepRunning, ports, err);
        }
    }

    private static int run(Path config, Path socket, String group, boolean keepRunning, PortConfiguration ports,
                           PrintStream err) throws IOException {
        Daemon daemon = new Daemon();
        ControlPlane plane = new ControlPlane(new Rib(daemon.nexthopSlots(), daemon.groupSlots()), null, ports);
        if (config != null) {
            List<String> lines;
            try {
                lines = Files.readAllLines(config);
            } catch (NoSuchFileException e) {
                LOG.log(ERROR, "configuration file " + config + " does not exist");
                return 1;
            }
            try {
                plane.loadConfiguration(lines, config.toString());
            } catch (CommandException e) {
                LOG.log(ERROR, "configuration not loaded, nothing applied: " + e.getMessage());
                return 1;
            }
        }
        ConfigurationReload reload = config == null ? null
                : new ConfigurationReload(plane, ports, config, daemon.nexthopSlots(), daemon.groupSlots());
        if (reload != null) {
            reload.loaded();
        }
        CommandServer server;
        try {
            server = CommandServer.open(socket, group, plane, CommandServer.Limits.defaults());
        } catch (IOException e) {
            LOG.log(ERROR, "cannot serve " + socket + ": " + e.getMessage());
            return 1;
        }
        // The counter file lives next to the socket, in the run directory: dataplane.sock -> dataplane.counters.
        AtomicInteger status = new AtomicInteger();
        daemon.onWorkerStopped(reason -> {
            if (keepRunning) {
                LOG.log(ERROR, reason + "; serving on without it (--keep-running-on-worker-error)");
                return;
            }
            LOG.log(ERROR, reason + "; stopping the daemon (--keep-running-on-worker-error would keep it serving)");
            status.set(1);
            server.stop();
        });
        daemon.countersFile(socket.resolveSibling(socket.getFileName().toString().replaceFirst("\\.sock$", "") + ".counters"));
        daemon.vethChecksumLedger(socket.resolveSibling(socket.getFileName().toString().replaceFirst("\\.sock$", "") + ".veth-offloads"));
        try {
            daemon.start(plane, ports, server::submit);
        } catch (RuntimeException e) {
            server.close();
            LOG.log(ERROR, "cannot start the dataplane: " + e.getMessage());
            return 1;
        }
        MetricsServer metrics = new MetricsServer(server::submit, plane::metricsText);
        try {
            plane.metricsExporter(metrics); // the configuration's 'metrics listen', if any
        } catch (IllegalStateException e) {
            server.close();
            daemon.stop();
            LOG.log(ERROR, e.getMessage());
            return 1;
        }
        for (Rib.PortEntry p : plane.rib().ports()) {
            String how = daemon.bound(p.index());
            LOG.log(INFO, "port " + p.index() + " " + p.name() + ": type " + ports.spec(p).type().label()
                    + (how.isEmpty() ? "" : ", " + how) + ", mtu " + p.mtu() + ", address " + MacAddress.format(p.mac()));
        }
        Instant started = Instant.now();
        plane.statusSource(() -> status(started, socket, reload, daemon, server.counters()));
        ServiceManager manager = ServiceManager.fromEnvironment();
        // Before the "serving" line: a SIGHUP from then on must reload, not stop the JVM.
        onReloadSignal(() -> server.submit(() -> reload(reload, plane, manager)));
        LOG.log(INFO, plane.rib() + "; serving " + socket + " (group " + group + ")");
        manager.ready("serving " + socket + ": " + plane.rib());
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.stop();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "dataplane-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Thread.currentThread().setName("control");
        try {
            server.run();
        } finally {
            manager.stopping();
            metrics.close();
            server.close();
            daemon.stop();
            manager.close();
            LogLine.print(err, Level.INFO, COMPONENT, "stopped");
            done.countDown();
        }
        if (status.get() != 0) {
            Runtime.getRuntime().removeShutdownHook(hook); // stopped by a worker, not by the JVM's exit
        }
        return status.get();
    }

    /**
     * SIGHUP runs {@code action} (on the JVM's signal thread: it only hands the work to the control
     * thread). {@code sun.misc.Signal} is the JDK's supported-but-unsupported signal API: exported by
     * the {@code jdk.unsupported} module (no {@code --add-exports}, unlike {@code jdk.internal.misc.Signal}),
     * and it replaces the JVM's own SIGHUP handler, which would run the shutdown hooks. A signalfd or
     * sigwaitinfo thread through FFM would need SIGHUP blocked in every thread, and the JVM starts its
     * own threads, with the signal unblocked, before any of our code runs, so the JVM's handler would
     * still see it.
     */
    private static void onReloadSignal(Runnable action) {
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> action.run());
    }

    /** The process's part of {@code dpctl status}; the control plane adds the tables'. */
    private static Map<String, Object> status(Instant started, Path socket, ConfigurationReload reload, Daemon daemon,
                                              CommandServer.Counters socketCounters) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("pid", ProcessHandle.current().pid());
        d.put("version", Version.number());
        d.put("started", started.truncatedTo(ChronoUnit.SECONDS).toString());
        d.put("uptime_seconds", Duration.between(started, Instant.now()).toSeconds());
        d.put("socket", socket.toString());
        m.put("daemon", d);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("file", reload == null ? "none" : reload.file().toString());
        if (reload != null) {
            c.put("loaded", reload.loadedAt().truncatedTo(ChronoUnit.SECONDS).toString());
        }
        m.put("config", c);
        m.put("socket", socketCounters.asMap());
        m.put("workers", daemon.workerStatus());
        return m;
    }

    /** On the control thread: reloads the file (or says there is none), telling the service manager around it. */
    private static void reload(ConfigurationReload reload, ControlPlane plane, ServiceManager manager) {
        if (reload == null) {
            LOG.log(WARNING, "SIGHUP: nothing to reload, the daemon was started without --config");
            return;
        }
        manager.reloading();
        LOG.log(INFO, "SIGHUP: reloading " + reload.file());
        ConfigurationReload.Outcome outcome = reload.reload();
        LOG.log(outcome.applied() ? INFO : ERROR, outcome.message());
        manager.ready((outcome.applied() ? "serving, configuration reloaded: " : "serving, reload failed (old configuration kept): ")
                + plane.rib());
    }
}
