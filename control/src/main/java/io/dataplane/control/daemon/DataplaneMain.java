package io.dataplane.control.daemon;

import io.dataplane.control.CommandServer;
import io.dataplane.control.ControlPlane;
import io.dataplane.control.command.CommandException;
import io.dataplane.tables.MacAddress;
import io.dataplane.control.rib.Rib;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of {@code bin/dataplane}: a plain switch over the sub-command ({@code run} the
 * daemon, or the {@link Demo}).
 */
public final class DataplaneMain {

    static final String USAGE = """
            usage: dataplane run [--config FILE] [--socket PATH] [--group NAME]
                   dataplane demo [ARGS...]
                   dataplane --help

              run     start the daemon: load FILE (the control commands, one per line, applied as
                      one batch: a bad line names its number and nothing is loaded), start the
                      dataplane on the declared ports, and serve the command socket until
                      SIGINT/SIGTERM. With no FILE it starts with no ports and no routes.
                        --socket PATH   command socket (default /run/dataplane/dataplane.sock);
                                        created mode 0660, owner root, group NAME
                        --group NAME    group allowed to use the socket besides root (default root)
              demo    run the built-in weighted-ECMP example in memory (see 'dataplane demo --help')

            Configuration and socket commands (also: dpctl --help):
            """;

    private DataplaneMain() {
    }

    public static void main(String[] args) throws Exception {
        String sub = args.length == 0 ? "--help" : args[0];
        String[] rest = java.util.Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        switch (sub) {
            case "run" -> System.exit(run(rest, System.out, System.err));
            case "demo" -> System.exit(Demo.run(rest));
            case "--help", "-h", "help" -> System.out.println(USAGE + CommandReference.text());
            default -> {
                System.err.println("dataplane: unknown command '" + sub + "'\n" + USAGE);
                System.exit(2);
            }
        }
    }

    /** {@code dataplane run}: returns the exit status (0 after a clean stop). */
    static int run(String[] args, java.io.PrintStream out, java.io.PrintStream err) throws IOException {
        Path config = null;
        Path socket = CommandServer.DEFAULT_SOCKET;
        String group = "root";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!(a.equals("--config") || a.equals("--socket") || a.equals("--group"))) {
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
                default -> group = v;
            }
        }
        Daemon daemon = new Daemon();
        PortConfiguration ports = new PortConfiguration();
        ControlPlane plane = new ControlPlane(new Rib(daemon.nexthopSlots(), daemon.groupSlots()), null, ports);
        if (config != null) {
            List<String> lines;
            try {
                lines = Files.readAllLines(config);
            } catch (NoSuchFileException e) {
                err.println("dataplane: configuration file " + config + " does not exist");
                return 1;
            }
            try {
                plane.loadConfiguration(lines, config.toString());
            } catch (CommandException e) {
                err.println("dataplane: configuration not loaded, nothing applied: " + e.getMessage());
                return 1;
            }
        }
        CommandServer server;
        try {
            server = CommandServer.open(socket, group, plane, CommandServer.Limits.defaults());
        } catch (IOException e) {
            err.println("dataplane: cannot serve " + socket + ": " + e.getMessage());
            return 1;
        }
        // The counter file lives next to the socket, in the run directory: dataplane.sock -> dataplane.counters.
        daemon.countersFile(socket.resolveSibling(socket.getFileName().toString().replaceFirst("\\.sock$", "") + ".counters"));
        try {
            daemon.start(plane, ports, server::submit);
        } catch (RuntimeException e) {
            server.close();
            err.println("dataplane: cannot start the dataplane: " + e.getMessage());
            return 1;
        }
        for (Rib.PortEntry p : plane.rib().ports()) {
            String how = daemon.bound(p.index());
            out.println("dataplane: port " + p.index() + " " + p.name() + ": type " + ports.spec(p).type().label()
                    + (how.isEmpty() ? "" : ", " + how) + ", mtu " + p.mtu() + ", address " + MacAddress.format(p.mac()));
        }
        out.println("dataplane: " + plane.rib() + "; serving " + socket + " (group " + group + ")");
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
            server.close();
            daemon.stop();
            out.println("dataplane: stopped");
            done.countDown();
        }
        return 0;
    }
}
