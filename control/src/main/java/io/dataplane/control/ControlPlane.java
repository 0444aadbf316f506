package io.dataplane.control;

import io.dataplane.control.command.Command;
import io.dataplane.control.command.Command.*;
import io.dataplane.control.command.CommandException;
import io.dataplane.control.command.CommandParser;
import io.dataplane.control.command.CommandParser.Request;
import io.dataplane.control.command.GlobalOptions;
import io.dataplane.control.rib.NexthopObject;
import io.dataplane.control.rib.Rib;
import io.dataplane.control.rib.Route;
import io.dataplane.control.rib.SlotNexthop;
import io.dataplane.control.rib.Transaction;
import io.dataplane.tables.Change;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.RouteTarget;
import java.util.ArrayList;
import java.util.List;

/**
 * Executes command lines against the {@link Rib} and publishes the result: the single writer of
 * all forwarding state, called only from the control thread.
 *
 * <p>Every state-changing command runs in a {@link Transaction}: it is validated and applied to
 * the RIB, the difference is written into one table {@link Change} and published as one version,
 * and on any error the RIB is rolled back so that neither it nor the tables change. {@code batch begin} widens the
 * transaction to every command up to {@code batch commit}; the first error fails the whole batch.
 * While one session has a batch open, the caller must hold back other sessions' commands
 * ({@link #accepts}), so nobody reads or writes half a batch.
 */
public final class ControlPlane {
    private final Rib rib;
    private final ConfigurationLines configurationLines;
    private ForwardingPlane forwarding;

    /** What the process adds to {@code status} (uptime, configuration, workers); empty without a daemon. */
    private java.util.function.Supplier<java.util.Map<String, Object>> statusSource = java.util.Map::of;

    private Object batchOwner;
    private int batchCommands;
    private String batchFailure;
    private final List<Runnable> batchSideEffects = new ArrayList<>();
    /** The daemon's routing sources (null until it runs), and the sources asked for so far. */
    private RouteSources sources;
    private final List<Command> sourceRequests = new ArrayList<>();

    private final CommandStatistics commandStatistics = new CommandStatistics();
    private String commandKind;
    private MetricsExporter metricsExporter;
    /** The metrics endpoint served (or, before the exporter is attached, to be served); null: none. */
    private MetricsListen metricsEndpoint;
    /** A {@code metrics listen} of the open batch, bound when the batch commits. */
    private MetricsListen pendingMetrics;
    /** The sessions of {@code monitor}, told of each published change. */
    private final ChangeMonitor monitor;

    public ControlPlane(Rib rib, ForwardingPlane forwarding) {
        this(rib, forwarding, ConfigurationLines.NONE);
    }

    /** {@code configurationLines}: the lines of a configuration file that are not routing commands (the daemon's). */
    public ControlPlane(Rib rib, ForwardingPlane forwarding, ConfigurationLines configurationLines) {
        this.rib = rib;
        this.forwarding = forwarding;
        this.configurationLines = configurationLines;
        this.monitor = new ChangeMonitor(rib);
    }

    /**
     * Lets {@code monitor} stream: {@code sink} writes an event's lines to a session as one reply
     * (the command server's; without one, {@code monitor} is refused).
     */
    public void monitorSink(java.util.function.BiConsumer<Object, List<String>> sink) {
        monitor.sink(sink);
    }

    /** Whether {@code session} is monitoring (it waits for events: not idle). */
    public boolean monitoring(Object session) {
        return monitor.watching(session);
    }

    public Rib rib() {
        return rib;
    }

    /** Has {@code status} include what {@code source} says (called on the control thread, per status command). */
    public void statusSource(java.util.function.Supplier<java.util.Map<String, Object>> source) {
        statusSource = source;
    }

    /** Whether {@code session}'s next command may run now (no other session holds a batch). */
    public boolean accepts(Object session) {
        return batchOwner == null || batchOwner == session;
    }

    public boolean batchOpen() {
        return batchOwner != null;
    }

    /** The session went away or timed out: its open batch, if any, is abandoned. */
    public void sessionClosed(Object session) {
        monitor.unsubscribe(session);
        if (batchOwner == session) {
            endBatch();
        }
    }

    /**
     * Loads a configuration: the lines run as one batch, the {@link ConfigurationLines} among them
     * (how ports are made) included. Throws naming {@code source:LINE} on the first bad line, with
     * nothing applied.
     */
    public void loadConfiguration(List<String> lines, String source) {
        Object session = new Object();
        try {
            check(execute(session, "batch begin"), source, 0);
            for (int i = 0; i < lines.size(); i++) {
                if (CommandParser.isBlank(lines.get(i))) {
                    continue;
                }
                if (isBatchCommand(lines.get(i))) {
                    // a 'batch commit' here would apply the first half of the file on its own
                    throw new CommandException(source + ":" + (i + 1)
                            + ": batch commands are not allowed in a configuration file; the whole file is applied as one batch");
                }
                if (configurationLines.command(lines.get(i)) != null) {
                    applyConfigurationLine(lines.get(i), source, i + 1);
                } else {
                    check(execute(session, lines.get(i)), source, i + 1);
                }
            }
            check(execute(session, "batch commit"), source, lines.size());
        } finally {
            sessionClosed(session);
        }
    }

    /** Runs inside the configuration's open batch: the RIB journals it, so a later bad line undoes it too. */
    private void applyConfigurationLine(String line, String source, int number) {
        try {
            configurationLines.parse(line).accept(rib);
        } catch (CommandException | IllegalArgumentException | IllegalStateException e) {
            throw new CommandException(source + ":" + number + ": " + e.getMessage());
        }
    }

    private static boolean isBatchCommand(String line) {
        try {
            Command c = CommandParser.parse(line).command();
            return c instanceof BatchBegin || c instanceof BatchCommit || c instanceof BatchAbort;
        } catch (CommandException e) {
            return false; // reported with its line number when the line runs
        }
    }

    private static void check(Reply r, String source, int line) {
        if (!r.ok()) {
            throw new CommandException(source + ":" + line + ": " + r.error());
        }
    }

    /**
     * Connects the RIB to running tables and publishes everything it holds as one version (the
     * configuration was loaded before the dataplane existed).
     */
    public void attach(ForwardingPlane plane) {
        this.forwarding = plane;
        Change all = plane.change();
        rib.transaction().writeAll(all);
        all.commit();
        for (Rib.PortEntry p : rib.ports()) {
            if (!p.up()) {
                plane.setPortState(p.index(), false);
            }
        }
    }

    /**
     * Swaps in {@code plane}, a plane over the same tables (workers started on them, or stopped):
     * nothing is published again, since the tables hold every published version. Ports set down
     * stay down. Control thread, also inside a transaction (the first {@code port add} starts the
     * workers).
     */
    public void replacePlane(ForwardingPlane plane) {
        this.forwarding = plane;
        for (Rib.PortEntry p : rib.ports()) {
            if (!p.up()) {
                plane.setPortState(p.index(), false);
            }
        }
    }

    /**
     * Applies a change the devices reported (a learned neighbour, a carrier change) as one
     * transaction and publishes it. Control thread only; the caller must not run it while a
     * session's batch is open ({@link #batchOpen()}), since the batch owns the open transaction.
     */
    public void applyReported(java.util.function.Consumer<Rib> change) {
        if (batchOpen()) {
            throw new IllegalStateException("a batch is open; apply reported changes after it ends");
        }
        mergeBucketActivity();
        try {
            change.accept(rib);
            publish();
        } catch (RuntimeException e) {
            rib.transaction().rollback();
            throw e;
        }
    }

    /**
     * The resilient groups' timers, called by the control thread's loop (a few times a second):
     * folds the workers' bucket use into the groups, then runs every due upkeep as one published
     * change. Skipped while a batch is open (the batch owns the transaction); it runs after.
     */
    public void runTimers() {
        if (batchOpen()) {
            return;
        }
        mergeBucketActivity();
        long now = rib.now();
        boolean due = false;
        for (NexthopObject o : rib.objects().values()) {
            due |= o instanceof NexthopObject.GroupObject g && g.resilient() != null && g.resilient().upkeepDue(now);
        }
        if (due) {
            applyReported(r -> r.resilientUpkeep(now));
        }
    }

    /** The workers' last use of every resilient bucket, into the groups, before anything decides on idleness. */
    private void mergeBucketActivity() {
        if (forwarding == null) {
            return;
        }
        for (NexthopObject o : rib.objects().values()) {
            if (o instanceof NexthopObject.GroupObject g && g.resilient() != null) {
                io.dataplane.tables.BucketActivity a = forwarding.bucketActivity(g.slot());
                if (a != null && a.buckets() == g.resilient().buckets()) {
                    a.mergeInto(g.resilient());
                }
            }
        }
    }

    /** Runs one command line from {@code session} and returns the reply. Never throws for bad input. */
    public Reply execute(Object session, String line) {
        if (CommandParser.isBlank(line)) {
            return Reply.success();
        }
        long start = System.nanoTime();
        commandKind = CommandStatistics.INVALID;
        Reply reply = executeLine(session, line);
        commandStatistics.record(commandKind, reply.ok(), System.nanoTime() - start);
        return reply;
    }

    private Reply executeLine(Object session, String line) {
        if (configurationLines.command(line) != null) {
            commandKind = "configuration";
            try {
                return runConfigurationLine(session, configurationLines.parseLive(line));
            } catch (CommandException | IllegalArgumentException | IllegalStateException e) {
                return failInBatch(session, e.getMessage());
            } catch (RuntimeException e) {
                return failInBatch(session, "internal error, nothing applied: " + e);
            }
        }
        Request req;
        try {
            req = CommandParser.parse(line);
        } catch (CommandException e) {
            return failInBatch(session, e.getMessage());
        }
        commandKind = CommandStatistics.kind(req.command());
        try {
            return run(session, req);
        } catch (CommandException | IllegalArgumentException | IllegalStateException e) {
            return failInBatch(session, e.getMessage());
        } catch (RuntimeException e) {
            // A bug must not take the daemon down: the transaction was rolled back, say what happened.
            return failInBatch(session, "internal error, nothing applied: " + e);
        }
    }

    private Reply run(Object session, Request req) {
        Command c = req.command();
        boolean inBatch = batchOwner == session;
        switch (c) {
            case BatchBegin b -> {
                if (inBatch) {
                    throw new CommandException("a batch is already open (" + batchCommands
                            + " commands so far); batches do not nest: 'batch commit' or 'batch abort' it first");
                }
                batchOwner = session;
                batchCommands = 0;
                batchFailure = null;
                return Reply.success();
            }
            case BatchCommit b -> {
                if (!inBatch) {
                    return Reply.error("no batch is open; 'batch begin' starts one");
                }
                if (batchFailure != null) {
                    String f = batchFailure;
                    endBatch();
                    return Reply.error("batch not applied, nothing changed: " + f);
                }
                try {
                    // bound before anything is published: an address in use fails the whole batch
                    MetricsExporter.Binding metrics = bindMetrics(pendingMetrics);
                    try {
                        publish();
                    } catch (RuntimeException e) {
                        if (metrics != null) {
                            metrics.close();
                        }
                        throw e;
                    }
                    serveMetrics(pendingMetrics, metrics);
                    batchSideEffects.forEach(Runnable::run);
                } finally {
                    endBatch();
                }
                return Reply.success();
            }
            case BatchAbort b -> {
                if (!inBatch) {
                    return Reply.error("no batch is open to abort");
                }
                endBatch();
                return Reply.success();
            }
            case RibFollow f -> {
                return requestSource(f, inBatch);
            }
            case FpmListen f -> {
                return requestSource(f, inBatch);
            }
            case Monitor m -> {
                if (inBatch) {
                    throw new CommandException("'monitor' is not part of a batch; run it on a session of its own");
                }
                if (!monitor.canStream()) {
                    throw new CommandException("'monitor' streams over the command socket (dpctl monitor); it has nowhere to go here");
                }
                monitor.subscribe(session, m);
                return Reply.success();
            }
            default -> {
            }
        }
        if (inBatch && batchFailure != null) {
            return batchAlreadyFailed();
        }
        if (c instanceof MetricsListen m) {
            if (inBatch) {
                batchCommands++;
                pendingMetrics = m;
            } else {
                serveMetrics(m, bindMetrics(m));
            }
            return Reply.success();
        }
        if (c.changesState()) {
            if (c instanceof NexthopSet || c instanceof LinkSet) {
                mergeBucketActivity(); // a resilient group may migrate: it must know which buckets are busy
            }
            if (inBatch) {
                batchCommands++;
                rib.apply(c);
                sideEffect(c, batchSideEffects);
                return Reply.success();
            }
            alone(() -> rib.apply(c));
            List<Runnable> effects = new ArrayList<>();
            sideEffect(c, effects);
            effects.forEach(Runnable::run);
            return Reply.success();
        }
        return show(req.options(), c);
    }

    /** A configuration line allowed on the socket ({@code port add}): one state-changing command, in the batch if one is open. */
    private Reply runConfigurationLine(Object session, java.util.function.Consumer<Rib> change) {
        if (batchOwner == session) {
            if (batchFailure != null) {
                return batchAlreadyFailed();
            }
            batchCommands++;
            change.accept(rib);
            return Reply.success();
        }
        alone(() -> change.accept(rib));
        return Reply.success();
    }

    /** Runs {@code change} as its own transaction and publishes it; on any failure rolls the RIB back and rethrows. */
    private void alone(Runnable change) {
        try {
            change.run();
            publish();
        } catch (RuntimeException e) {
            rib.transaction().rollback();
            throw e;
        }
    }

    private Reply batchAlreadyFailed() {
        return Reply.error("batch already failed (" + batchFailure + "); nothing will be applied: send 'batch abort'");
    }

    /**
     * Connects the daemon's routing sources and starts those the configuration asked for. Control
     * thread (or before it runs).
     */
    public void sources(RouteSources running) {
        sources = running;
        for (Command c : sourceRequests) {
            running.start(c);
        }
    }

    /** {@code rib follow kernel} or {@code fpm listen}: started now, at the batch's commit, or when the daemon runs. */
    private Reply requestSource(Command c, boolean inBatch) {
        for (Command r : sourceRequests) {
            if (r.getClass() == c.getClass()) {
                throw new CommandException("'" + (c instanceof RibFollow ? "rib follow kernel" : "fpm listen")
                        + "' was given already; each source is started once ('rib follow show' shows it)");
            }
        }
        Runnable start = () -> {
            if (sources != null) {
                sources.start(c);
            }
            sourceRequests.add(c);
        };
        if (inBatch) {
            batchCommands++;
            batchSideEffects.add(start);
        } else {
            start.run();
        }
        return Reply.success();
    }

    /** Publishes the open transaction; on rejection rolls the RIB back and rethrows. */
    private void publish() {
        Transaction tx = rib.transaction();
        if (forwarding != null) {
            try {
                Change change = forwarding.change();
                tx.writeTo(change);
                change.commit();
            } catch (IllegalArgumentException | IllegalStateException e) {
                tx.rollback();
                throw new CommandException("the forwarding tables rejected the change, nothing applied: " + e.getMessage());
            }
        }
        tx.commit();
        configurationLines.published();
        monitor.published();
    }

    private void sideEffect(Command c, List<Runnable> effects) {
        if (c instanceof LinkSet l && forwarding != null) {
            int port = rib.portByName(l.dev()).index();
            effects.add(() -> forwarding.setPortState(port, l.up()));
        }
    }

    private Reply failInBatch(Object session, String message) {
        if (batchOwner == session && batchFailure == null) {
            batchFailure = "command " + (batchCommands + 1) + " of the batch: " + message;
            rib.transaction().rollback();
            batchSideEffects.clear();
            return Reply.error(message + " (batch failed: nothing of it will be applied; send 'batch abort')");
        }
        return Reply.error(message);
    }

    /**
     * Connects {@code metrics listen} to the daemon's HTTP endpoint, and serves the endpoint the
     * configuration asked for (it was loaded before the exporter existed). Throws
     * IllegalStateException, with nothing served, when that endpoint cannot be bound.
     */
    public void metricsExporter(MetricsExporter exporter) {
        this.metricsExporter = exporter;
        MetricsListen asked = metricsEndpoint;
        metricsEndpoint = null;
        serveMetrics(asked, bindMetrics(asked));
    }

    /** The endpoint {@code metrics listen} asked for, or null. */
    public MetricsListen metricsEndpoint() {
        return metricsEndpoint;
    }

    /** The metrics in the Prometheus text format, for the exporter. Control thread only. */
    public String metricsText() {
        return new MetricsText(rib, forwarding, commandStatistics).render();
    }

    /** Binds {@code m}, unless there is nothing to bind: no request, no exporter yet, or the endpoint served already. */
    private MetricsExporter.Binding bindMetrics(MetricsListen m) {
        if (m == null || metricsExporter == null || m.equals(metricsEndpoint)) {
            return null;
        }
        return metricsExporter.bind(m);
    }

    private void serveMetrics(MetricsListen m, MetricsExporter.Binding binding) {
        if (m == null) {
            return;
        }
        if (binding != null) {
            binding.start();
        }
        metricsEndpoint = m;
    }

    private void endBatch() {
        pendingMetrics = null;
        rib.transaction().rollback(); // no-op after a commit
        batchOwner = null;
        batchFailure = null;
        batchCommands = 0;
        batchSideEffects.clear();
    }

    // ---------------------------------------------------------------- read-only commands

    private Reply show(GlobalOptions options, Command c) {
        boolean json = options.json();
        ShowOutput out = new ShowOutput(rib, forwarding);
        return switch (c) {
            case RouteShow s -> {
                // like ip, a selector that matches nothing prints nothing and succeeds
                List<Route> routes = rib.routes(s.selector());
                yield json ? jsonReply(options, out.routesJson(routes, s.selector())) : text(OneLine.apply(options, out.routesText(routes, s.selector())));
            }
            case NexthopShow s -> {
                List<NexthopObject> objs;
                if (s.id() == null) {
                    Integer devPort = s.dev() == null ? null : rib.portByName(s.dev()).index();
                    // as ip: 'group' lists the groups, 'dev' the nexthops on that port
                    objs = rib.objects().values().stream()
                            .filter(o -> !s.groups() || o instanceof NexthopObject.GroupObject)
                            .filter(o -> devPort == null || o instanceof NexthopObject.GatewayObject g && g.port() == devPort)
                            .toList();
                } else {
                    NexthopObject o = rib.objects().get(s.id());
                    if (o == null) {
                        throw new CommandException("nexthop id " + s.id() + " does not exist; 'nexthop show' lists them");
                    }
                    objs = List.of(o);
                }
                yield json ? jsonReply(options, out.nexthopsJson(objs)) : text(OneLine.apply(options, out.nexthopsText(objs)));
            }
            case NeighShow s -> {
                if (s.dev() != null) {
                    rib.portByName(s.dev());
                }
                yield json ? jsonReply(options, out.neighboursJson(s)) : text(OneLine.apply(options, out.neighboursText(s)));
            }
            case LinkShow s -> {
                List<Rib.PortEntry> ports = s.dev() == null ? rib.ports() : List.of(rib.portByName(s.dev()));
                yield json ? jsonReply(options, out.linksJson(ports, options.stats())) : text(OneLine.apply(options, out.linksText(ports, options.stats(), options.brief())));
            }
            case Stats s -> {
                var stats = out.stats(s.what());
                yield json ? jsonReply(options, stats) : text(ShowOutput.statsText(stats));
            }
            case RouteGet g -> routeGet(options, g);
            case ShowRunningConfig r -> text(RunningConfig.text(rib, configurationLines, metricsEndpoint));
            case Status st -> {
                var m = StatusOutput.of(statusSource.get(), rib, forwarding);
                yield json ? jsonReply(options, m) : text(StatusOutput.text(m));
            }
            case NexthopBucketShow s -> bucketShow(options, s);
            case RibFollowShow f -> json ? jsonReply(options, FollowOutput.json(rib.followedSources()))
                    : text(FollowOutput.text(rib.followedSources(), pendingSources()));
            case ShowHash h -> json ? jsonReply(options, ShowOutput.hashJson(rib.hash())) : text(ShowOutput.hashText(rib.hash()));
            default -> throw new IllegalStateException("no output for " + c);
        };
    }

    private Reply bucketShow(GlobalOptions options, NexthopBucketShow s) {
        List<NexthopObject> objs = List.copyOf(rib.objects().values());
        if (s.id() != null) {
            NexthopObject o = rib.objects().get(s.id());
            if (o == null) {
                throw new CommandException("nexthop id " + s.id() + " does not exist; 'nexthop show' lists them");
            }
            if (!(o instanceof NexthopObject.GroupObject g) || g.resilient() == null) {
                throw new CommandException("nexthop id " + s.id() + " is not a resilient group; only 'type resilient' groups have buckets");
            }
            objs = List.of(o);
        }
        mergeBucketActivity();
        List<ResilientOutput.Bucket> buckets = ResilientOutput.buckets(objs, s.nhid(), rib.now());
        return options.json() ? jsonReply(options, ResilientOutput.bucketsJson(buckets)) : text(ResilientOutput.bucketsText(buckets));
    }

    /** Sources asked for that the daemon has not started yet (the configuration was loaded, the dataplane not yet). */
    private List<String> pendingSources() {
        return sources != null ? List.of() : sourceRequests.stream().map(c -> c instanceof RibFollow ? "kernel" : "fpm").toList();
    }

    private static Reply text(List<String> lines) {
        return lines.isEmpty() ? Reply.success() : Reply.output(lines);
    }

    private static Reply jsonReply(GlobalOptions options, Object value) {
        return Reply.output(options.pretty() ? PrettyJson.lines(value) : List.of(JsonWriter.write(value)));
    }

    private Reply routeGet(GlobalOptions options, RouteGet g) {
        boolean json = options.json();
        Route route = rib.lookup(g.dst());
        var m = new java.util.LinkedHashMap<String, Object>();
        m.put("dst", g.dst().toString());
        if (g.src() != null) {
            m.put("from", g.src().toString());
        }
        if (g.ipproto() >= 0) {
            m.put("ipproto", g.ipproto());
        }
        if (g.sport() >= 0) {
            m.put("sport", g.sport());
        }
        if (g.dport() >= 0) {
            m.put("dport", g.dport());
        }
        if (g.flowlabel() >= 0) {
            m.put("flowlabel", g.flowlabel());
        }
        if (g.iif() != null) {
            rib.portByName(g.iif()); // an unknown port is an error, as in ip
        }
        if (route == null) {
            throw new CommandException("no route to " + g.dst() + "; 'route show' lists the routes");
        }
        m.put("route", route.prefix().toString());
        if (forwarding == null) {
            throw new CommandException("the dataplane is not running yet, so no packet can be traced; route "
                    + route.prefix() + " " + rib.describe(route) + " would be used");
        }
        ForwardingPlane.RouteTrace t = forwarding.trace(g);
        if (t.algorithm() != null && RouteTarget.isGroup(t.routeTarget())) {
            boolean hashed = !t.algorithm().equals(MultipathAlgorithm.PER_PACKET.keyword());
            if (hashed && t.kernelHash()) {
                // kernel mode: the family's policy decides, the group's algorithm does not
                m.put("hash_function", "kernel");
                m.put("hash_policy", t.hashPolicy());
            } else {
                m.put("hash_function", "jenkins");
                m.put("mpalgo", t.algorithm());
            }
            m.put("hash", t.hash());
        }
        if (t.nexthop() >= 0) {
            SlotNexthop s = rib.nexthopSlot(t.nexthop());
            boolean connected = route.hops().size() == 1 && route.hops().get(0).via() == null; // the destination is the neighbour
            if (s != null && !connected) {
                m.put("gateway", s.via().toString());
            }
            // the table slot, and the nexthop object's id when the slot is one (ids and slots differ)
            m.put("nexthop_slot", t.nexthop());
            for (NexthopObject o : rib.objects().values()) {
                if (o instanceof NexthopObject.GatewayObject gw && gw.slot() == t.nexthop()) {
                    m.put("nhid", gw.id());
                }
            }
        }
        if (t.egressPort() >= 0) {
            m.put("dev", rib.portName(t.egressPort()));
        } else if (t.nexthop() >= 0 && rib.nexthopSlot(t.nexthop()) != null) {
            // the port the packet would leave by, even while the neighbour is unresolved (as ip prints it)
            m.put("dev", rib.portName(rib.nexthopSlot(t.nexthop()).port()));
        }
        if (g.iif() != null) {
            m.put("iif", g.iif());
        }
        m.put("verdict", t.verdict() >= 0 ? "forward" : forwarding.verdictLabel(t.verdict()));
        if (json) {
            return jsonReply(options, List.of(m));
        }
        StringBuilder sb = new StringBuilder(g.dst().toString());
        if (g.src() != null) {
            sb.append(" from ").append(g.src()); // where ip prints it
        }
        if (m.containsKey("gateway")) {
            sb.append(" via ").append(m.get("gateway"));
        }
        if (m.containsKey("dev")) {
            sb.append(" dev ").append(m.get("dev"));
        }
        if (g.iif() != null) {
            sb.append(" iif ").append(g.iif()); // ip prints it on its cache line
        }
        sb.append(" route ").append(route.prefix());
        if (m.containsKey("hash_policy")) {
            sb.append(" hash-function kernel policy ").append(m.get("hash_policy")).append(" hash 0x").append(Integer.toHexString(t.hash()));
        } else if (m.containsKey("mpalgo")) {
            sb.append(" mpalgo ").append(m.get("mpalgo")).append(" hash 0x").append(Integer.toHexString(t.hash()));
        }
        if (m.containsKey("nhid")) {
            sb.append(" nhid ").append(m.get("nhid"));
        }
        if (m.containsKey("nexthop_slot")) {
            sb.append(" slot ").append(m.get("nexthop_slot"));
        }
        if (t.verdict() < 0) {
            sb.append(" verdict ").append(m.get("verdict"));
        }
        return Reply.output(List.of(sb.toString()));
    }

}
