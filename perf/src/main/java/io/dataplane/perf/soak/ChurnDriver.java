package io.dataplane.perf.soak;

import io.dataplane.perf.vskernel.BenchTopology;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The churn of a soak, through the command socket while traffic flows, on three threads:
 * <ul>
 * <li>group replaces at a target rate, alternating the traffic's group between two weight sets;
 * <li>table changes: routes added and deleted (up to {@link #LIVE_ROUTES} /24s in 17.0.0.0/8 that
 *     no frame matches, and the less specific {@link SoakRouter#COVER_ROUTE} over the traffic's
 *     /24, which must not take a frame), neighbours replaced with the MAC they have on the traffic's
 *     gateways and unused neighbours added and deleted;
 * <li>a port flap: the flapped sink's veth goes down (the router's end loses carrier, the daemon
 *     marks its nexthop dead) and comes back up.
 * </ul>
 * Every change is logged with its monotonic time (the clock of the frames' timestamps) to the
 * event log; the flaps are also kept as {@link Flap} windows, which decide what the accounting allows.
 */
final class ChurnDriver implements AutoCloseable {
    static final int LIVE_ROUTES = 200;
    static final int REPLACE_WINDOW = 8;
    /** How long the driver waits for the daemon to report a flapped nexthop dead or alive again. */
    private static final long STATE_TIMEOUT_NANOS = 10_000_000_000L;

    /** One flap of the flapped port: when it was taken down, seen dead, brought up, seen alive (monotonic ns; 0 = not yet). */
    static final class Flap {
        volatile long down, dead, up, alive;
    }

    private final Path socket;
    private final BenchTopology topo;
    private final int[][] weightSets;
    private final int flapped;
    /** The CPU and SCHED_FIFO priority of the sinks' receive threads (what {@code BenchTopology.sinksOn} gave them). */
    private final int sinkCpu;
    private final int sinkPriority;
    private final double replaceRate;
    private final double flapPeriodSeconds, flapHoldSeconds;
    private final BufferedWriter log;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running, flapping;
    private volatile Throwable failure;

    final AtomicLong replaces = new AtomicLong(), routeAdds = new AtomicLong(), routeDels = new AtomicLong(),
            neighbourChanges = new AtomicLong(), maxReplaceNanos = new AtomicLong();
    final List<Flap> flaps = new CopyOnWriteArrayList<>();

    ChurnDriver(Path socket, BenchTopology topo, int[][] weightSets, int flapped, int sinkCpu, int sinkPriority, double replaceRate,
            double flapPeriodSeconds, double flapHoldSeconds, Path eventLog) throws IOException {
        this.sinkCpu = sinkCpu;
        this.sinkPriority = sinkPriority;
        this.socket = socket;
        this.topo = topo;
        this.weightSets = weightSets;
        this.flapped = flapped;
        this.replaceRate = replaceRate;
        this.flapPeriodSeconds = flapPeriodSeconds;
        this.flapHoldSeconds = flapHoldSeconds;
        this.log = Files.newBufferedWriter(eventLog);
    }

    /** Starts replacing the group and changing the tables; the port flaps only from {@link #startFlapping} on. */
    void start() {
        running = true;
        threads.add(loop("soak-replace", this::replaceGroups));
        threads.add(loop("soak-tables", this::changeTables));
        threads.add(loop("soak-flap", this::flapPort));
    }

    /** Flaps the port from now on (the ramp runs without flaps: their drops would read as the daemon's limit). */
    void startFlapping() {
        flapping = true;
    }

    private interface Body {
        void run() throws Exception;
    }

    private Thread loop(String name, Body body) {
        return Thread.ofPlatform().name(name).daemon().start(() -> {
            try {
                body.run();
            } catch (Throwable t) {
                failure = t;
                running = false;
            }
        });
    }

    private synchronized void event(String kind, String detail) {
        try {
            log.write(System.nanoTime() + " " + kind + " " + detail + "\n");
        } catch (IOException e) {
            failure = e;
        }
    }

    /**
     * Replaces the group at the target rate. Up to {@link #REPLACE_WINDOW} replaces are in flight at
     * once (the daemon applies them in order, each its own publication), so that one slow answer
     * does not cost the rate; behind schedule, it sends as fast as the window lets it.
     */
    private void replaceGroups() throws Exception {
        try (CommandChannel c = new CommandChannel(socket)) {
            long interval = (long) (1e9 / replaceRate);
            long next = System.nanoTime();
            Deque<long[]> inFlight = new ArrayDeque<>(); // {send time}
            Deque<String> commands = new ArrayDeque<>();
            for (long n = 0; running || !inFlight.isEmpty(); n++) {
                long wait = next - System.nanoTime();
                while (!inFlight.isEmpty() && (wait > 0 || inFlight.size() >= REPLACE_WINDOW || !running)) {
                    c.reply(commands.poll());
                    long took = System.nanoTime() - inFlight.poll()[0];
                    maxReplaceNanos.accumulateAndGet(took, Math::max);
                    replaces.incrementAndGet();
                    wait = next - System.nanoTime();
                }
                if (!running) {
                    break;
                }
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                next = Math.max(next + interval, System.nanoTime() - 10 * interval); // no long catch-up bursts
                String command = SoakRouter.groupCommand("replace", weightSets[(int) ((n + 1) % weightSets.length)]);
                inFlight.add(new long[] {System.nanoTime()});
                commands.add(command);
                c.write(command);
                event("replace", command);
            }
        }
    }

    /** Routes and neighbours, about 20 route and 10 neighbour changes a second. */
    private void changeTables() throws Exception {
        Deque<String> live = new ArrayDeque<>();
        boolean cover = false;
        try (CommandChannel c = new CommandChannel(socket)) {
            for (long tick = 0; running; tick++) {
                String prefix = "17." + (tick >> 8 & 0xff) + "." + (tick & 0xff) + ".0/24";
                send(c, "route add " + prefix + " nhid " + SoakRouter.GROUP, "route-add");
                routeAdds.incrementAndGet();
                live.add(prefix);
                if (live.size() > LIVE_ROUTES) {
                    send(c, "route del " + live.poll(), "route-del");
                    routeDels.incrementAndGet();
                }
                if (tick % 10 == 0) {
                    send(c, (cover ? "route del " + SoakRouter.COVER_ROUTE : "route add " + SoakRouter.COVER_ROUTE + " nhid "
                            + SoakRouter.COVER_GROUP), cover ? "route-del" : "route-add");
                    (cover ? routeDels : routeAdds).incrementAndGet();
                    cover = !cover;
                }
                int k = (int) (tick % topo.nexthops);
                String dev = BenchTopology.routerPort(k);
                if (tick % 2 == 0) {
                    send(c, "neigh replace " + BenchTopology.sinkAddress4(k) + " lladdr " + BenchTopology.macText(BenchTopology.sinkMac(k))
                            + " dev " + dev, "neigh");
                } else {
                    String unused = "10.10." + (k + 1) + ".100";
                    boolean add = tick / topo.nexthops % 2 == 0;
                    send(c, add ? "neigh add " + unused + " lladdr 02:00:00:00:09:0" + (k + 1) + " dev " + dev
                            : "neigh del " + unused + " dev " + dev, "neigh");
                }
                neighbourChanges.incrementAndGet();
                Thread.sleep(50);
            }
            while (!live.isEmpty()) {
                send(c, "route del " + live.poll(), "route-del");
                routeDels.incrementAndGet();
            }
            if (cover) {
                send(c, "route del " + SoakRouter.COVER_ROUTE, "route-del");
                routeDels.incrementAndGet();
            }
        }
    }

    private void send(CommandChannel c, String command, String kind) throws IOException {
        c.send(command);
        event(kind, command);
    }

    /** Flaps the sink's veth every period; leaves it up when the soak stops. */
    private void flapPort() throws Exception {
        String sinkNs = topo.sinks.get(flapped);
        String dev = "s" + (flapped + 1);
        String nexthop = "nexthop show id " + (flapped + 1);
        try (CommandChannel c = new CommandChannel(socket)) {
            while (running && !flapping) {
                Thread.sleep(20);
            }
            long next = System.nanoTime() + (long) (flapPeriodSeconds * 1e9 / 2);
            while (running) {
                if (System.nanoTime() < next) {
                    Thread.sleep(20);
                    continue;
                }
                next += (long) (flapPeriodSeconds * 1e9);
                Flap f = new Flap();
                flaps.add(f);
                f.down = System.nanoTime();
                topo.ip(sinkNs, "link", "set", dev, "down");
                event("port-down", dev + " (" + BenchTopology.routerPort(flapped) + " loses carrier)");
                f.dead = awaitState(c, nexthop, true);
                event("nexthop-dead", nexthop);
                Thread.sleep((long) (flapHoldSeconds * 1000));
                java.util.Set<Long> before = BenchTopology.napiThreads(dev);
                f.up = System.nanoTime();
                topo.ip(sinkNs, "link", "set", dev, "up");
                event("port-up", dev);
                pinNewReceiveThreads(dev, before);
                f.alive = awaitState(c, nexthop, false);
                event("nexthop-alive", nexthop);
            }
        }
    }

    /**
     * Opening the veth again gives it a new threaded-NAPI kernel thread, which runs wherever and as
     * SCHED_OTHER; pinned and prioritised like the sinks' others ({@code sinksOn}) it keeps up, left
     * alone it fell behind under load and the router's veth dropped what the sink could not take.
     * Only threads that appeared with this link-up are touched (another harness may have an s4 too).
     */
    private void pinNewReceiveThreads(String dev, java.util.Set<Long> before) throws Exception {
        long deadline = System.nanoTime() + 2_000_000_000L;
        java.util.Set<Long> fresh = new java.util.HashSet<>();
        while (fresh.isEmpty() && System.nanoTime() < deadline) {
            fresh.addAll(BenchTopology.napiThreads(dev));
            fresh.removeAll(before);
            if (fresh.isEmpty()) {
                Thread.sleep(5);
            }
        }
        for (long tid : fresh) {
            run("taskset", "-pc", String.valueOf(sinkCpu), String.valueOf(tid));
            run("chrt", "-f", "-p", String.valueOf(sinkPriority), String.valueOf(tid));
        }
        event("sink-napi-pinned", dev + " threads " + fresh);
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new SoakFailure(String.join(" ", command) + " failed: " + out.strip());
        }
    }

    /** Polls {@code nexthop show id K} until it says dead (or no longer does); returns when it was first seen. */
    private long awaitState(CommandChannel c, String show, boolean dead) throws Exception {
        long deadline = System.nanoTime() + STATE_TIMEOUT_NANOS;
        while (System.nanoTime() < deadline) {
            List<String> out = c.send(show);
            // A nexthop whose device lost carrier shows 'linkdown' as in ip (and forwards nothing: the
            // daemon counts its frames nexthop_dead); a port set down shows 'dead linkdown'.
            if (String.join(" ", out).contains(" linkdown") == dead) {
                return System.nanoTime();
            }
            Thread.sleep(2);
        }
        throw new SoakFailure("the daemon did not report '" + show + "' " + (dead ? "dead" : "alive") + " within "
                + STATE_TIMEOUT_NANOS / 1_000_000_000 + " s of the port's link going " + (dead ? "down" : "up"));
    }

    /** The first error of a driver thread, or null. */
    Throwable failure() {
        return failure;
    }

    /** Stops the churn (routes it added are deleted, the port is left up) and closes the event log. */
    @Override
    public void close() throws IOException {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            log.close();
        }
    }
}
