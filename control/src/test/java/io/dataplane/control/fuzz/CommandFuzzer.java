package io.dataplane.control.fuzz;

import io.dataplane.control.CommandServer;
import io.dataplane.control.ControlPlane;
import io.dataplane.control.FibPlane;
import io.dataplane.control.Reply;
import io.dataplane.control.daemon.Dpctl;
import io.dataplane.control.daemon.PortConfiguration;
import io.dataplane.control.fuzz.ModelCommand.*;
import io.dataplane.control.fuzz.RouterModel.Answer;
import io.dataplane.control.fuzz.RouterModel.Flow;
import io.dataplane.control.fuzz.RouterModel.Outcome;
import io.dataplane.control.rib.Rib;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * One fuzzing run: a seeded random sequence of commands, single lines and batches, applied to
 * an in-process control plane over real (small) forwarding tables and to the {@link RouterModel}.
 * After every step the shows must agree with the model, {@code route get} for sample flows must
 * name the route, gateway, device, verdict and hash the model predicts, and a refused command (or
 * a failed batch) must leave every show and the table version as they were, with an error that
 * names the problem. The first disagreement throws, naming the seed, the step and the lines that
 * led there, so that the seed replays it.
 */
final class CommandFuzzer implements AutoCloseable {
    /** What a run did: counts for the report. */
    static final class Counts {
        long steps;
        long commands;
        long accepted;
        long refused;
        long batches;
        long batchesCommitted;
        /** Times show running-config was loaded into a fresh plane and compared. */
        long runningConfigs;
        /** Batches sent by dpctl's client (-batch, -force -batch) over the socket. */
        long dpctlBatches;
        long routeGets;
        /** Route gets by what the model predicted: a type's verdict, one gateway, a hash (Jenkins l3/l4, kernel), ... */
        final Map<String, Long> routeGetKinds = new TreeMap<>();
        /** Commands the README leaves open, by what the daemon did: "why -> accepted|refused". */
        final Map<String, Long> unspecified = new TreeMap<>();

        void add(Counts o) {
            steps += o.steps;
            commands += o.commands;
            accepted += o.accepted;
            refused += o.refused;
            batches += o.batches;
            batchesCommitted += o.batchesCommitted;
            dpctlBatches += o.dpctlBatches;
            runningConfigs += o.runningConfigs;
            routeGets += o.routeGets;
            o.unspecified.forEach((k, v) -> unspecified.merge(k, v, Long::sum));
            o.routeGetKinds.forEach((k, v) -> routeGetKinds.merge(k, v, Long::sum));
        }

        @Override
        public String toString() {
            return steps + " steps, " + commands + " commands (" + accepted + " accepted, " + refused + " refused), " + batches
                    + " batches (" + batchesCommitted + " committed, " + dpctlBatches + " through dpctl -batch), " + runningConfigs + " running-configs reloaded, " + routeGets + " route gets " + routeGetKinds + "; unspecified " + unspecified;
        }
    }

    private static final List<String> CONFIG = List.of("port add dev p0 type memory", "port add dev p1 type memory",
            "port add dev p2 type memory");

    private final long seed;
    private final SplittableRandom random;
    private final CommandGenerator generator;
    private final Fib fib = new Fib(new FibLimits(512, 128, 256, 256, 2));
    private final Rib rib = new Rib(512, 128);
    private final ControlPlane plane = new ControlPlane(rib, null, new PortConfiguration());
    private final Object session = new Object();
    private final Object reader = new Object();
    private RouterModel model = new RouterModel();
    /** The resilient timers' clock: the fuzzer moves it; in socket mode the server thread reads it. */
    private volatile long now = 1_000_000_000L;
    /**
     * Socket mode (every fourth seed): a CommandServer on its own thread serves the plane, every
     * line goes through the socket, and some batches are sent by dpctl's Java client with -batch
     * or -force -batch. Null in-process.
     */
    private final Path dir;
    private final Path socket;
    private final CommandServer server;
    private final Thread serverThread;
    private final SocketChannelClient client;
    private final Deque<String> history = new ArrayDeque<>();
    final Counts counts = new Counts();

    CommandFuzzer(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.generator = new CommandGenerator(random);
        rib.clock(() -> now);
        plane.loadConfiguration(CONFIG, "fuzz.conf");
        plane.attach(new FibPlane(fib));
        if (seed % 4 != 3) {
            dir = null;
            socket = null;
            server = null;
            serverThread = null;
            client = null;
            return;
        }
        try {
            dir = Files.createTempDirectory("dataplane-command-fuzz");
            socket = dir.resolve("dataplane.sock");
            server = CommandServer.open(socket, "root", plane, CommandServer.Limits.defaults());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        serverThread = Thread.ofPlatform().name("control").start(() -> {
            try {
                server.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        client = new SocketChannelClient(socket);
    }

    /** A line from the fuzzer's session: through the socket in socket mode, else straight to the plane. */
    private Reply send(String line) {
        return client != null ? client.execute(line) : plane.execute(session, line);
    }

    /** A line from a reader (shows): the same session in socket mode, where the plane belongs to the server thread. */
    private Reply read(String line) {
        return client != null ? client.execute(line) : plane.execute(reader, line);
    }

    /** Runs {@code steps} steps; throws AssertionError at the first disagreement. */
    void run(int steps) {
        for (int i = 0; i < steps; i++) {
            step();
            if (i % 100 == 99) {
                checkRunningConfig();
            }
        }
    }

    /**
     * {@code show running-config} is a configuration file that loads into the same state (README):
     * loaded into a fresh control plane, every show says what this one says.
     */
    private void checkRunningConfig() {
        counts.runningConfigs++;
        List<String> config = show("show running-config");
        Fib other = new Fib(new FibLimits(512, 128, 256, 256, 2));
        try {
            ControlPlane fresh = new ControlPlane(new Rib(512, 128), null, new PortConfiguration());
            try {
                fresh.loadConfiguration(config, "running-config");
            } catch (RuntimeException e) {
                fail("show running-config does not load: " + e.getMessage() + "\n" + String.join("\n", config));
            }
            fresh.attach(new FibPlane(other));
            Object r = new Object();
            for (String show : List.of("route show", "nexthop show", "neigh show", "link show", "show hash")) {
                List<String> here = show(show);
                Reply there = fresh.execute(r, show);
                if (!there.ok() || !clean(blocks(there.output())).equals(clean(blocks(here)))) {
                    fail("'" + show + "' after loading show running-config differs:\nhere  " + here + "\nthere "
                            + (there.ok() ? there.output() : there.error()) + "\nconfig:\n" + String.join("\n", config));
                }
            }
        } finally {
            other.close();
        }
    }

    void step() {
        counts.steps++;
        now += 1_000_000_000L;
        if (client == null) {
            plane.runTimers(); // in socket mode the server's loop runs them
        }
        int r = random.nextInt(100);
        if (r < 8) {
            if (client != null && random.nextBoolean()) {
                dpctlBatch(random.nextInt(3) == 0);
            } else {
                batch();
            }
        } else if (r < 9) {
            strayBatchLine();
        } else {
            single(generator.next(model));
        }
        checkShows();
        checkRouteGets();
    }

    private Reply execute(String line) {
        Reply reply = send(line);
        history.addLast(line + "  ->  " + (reply.ok() ? "ok" : "error: " + reply.error()));
        if (history.size() > 40) {
            history.removeFirst();
        }
        return reply;
    }

    private void single(ModelCommand c) {
        String line = generator.write(c);
        RouterModel next = model.copy();
        Outcome expected = next.apply(c);
        String before = snapshot();
        Reply reply = execute(line);
        counts.commands++;
        judge(line, expected, reply, before);
        if (reply.ok()) {
            counts.accepted++;
            model = next;
        } else {
            counts.refused++;
        }
    }

    /** Compares the daemon's answer to what the model expected for one line (outside a batch). */
    private void judge(String line, Outcome expected, Reply reply, String before) {
        switch (expected.kind()) {
            case OK -> {
                if (!reply.ok()) {
                    fail("'" + line + "' was refused, the model accepts it: " + reply.error());
                }
            }
            case REFUSED -> {
                if (reply.ok()) {
                    fail("'" + line + "' was accepted, the model refuses it (" + expected.why() + ")");
                }
            }
            case UNSPECIFIED -> counts.unspecified.merge(expected.why() + " -> " + (reply.ok() ? "accepted" : "refused"), 1L, Long::sum);
        }
        if (!reply.ok()) {
            checkRefusal(line, reply.error(), before);
        }
    }

    private void checkRefusal(String line, String error, String before) {
        if (error == null || error.isBlank()) {
            fail("'" + line + "' was refused without a message");
        }
        if (error.contains("internal error")) {
            fail("'" + line + "' hit an internal error: " + error);
        }
        if (!namesSomething(line, error)) {
            fail("'" + line + "' was refused with a message that names nothing of the line: " + error);
        }
        String after = snapshot();
        if (!after.equals(before)) {
            fail("refused '" + line + "' changed the state:\nbefore\n" + before + "\nafter\n" + after);
        }
    }

    /** An error names the problem when it quotes a word, address or number of the line (or says the batch failed). */
    private static boolean namesSomething(String line, String error) {
        for (String word : line.split(" ")) {
            String t = word.replaceFirst("/(32|128)$", ""); // a host route is printed without its length
            if ((t.length() >= 2 || Character.isDigit(t.charAt(0))) && error.contains(t)) {
                return true;
            }
            for (String meant : CommandWriter.meanings(t)) { // 'r p' named as 'route prepend'
                if (error.contains(meant)) {
                    return true;
                }
            }
        }
        return error.contains("batch");
    }

    /**
     * A batch as {@code dpctl -batch} sends it: begin, lines, commit (sometimes abort). The first
     * bad line fails it; what follows is refused; commit then fails and nothing is applied.
     */
    private void batch() {
        counts.batches++;
        String before = snapshot();
        long version = fib.snapshot().version();
        expectOk("batch begin", execute("batch begin"));
        RouterModel pending = model.copy();
        boolean failed = false;
        int n = 1 + random.nextInt(6);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String line;
            Outcome o;
            if (random.nextInt(40) == 0) {
                line = "batch begin";
                o = Outcome.refused("batches do not nest");
            } else {
                ModelCommand c = generator.next(pending, 3);
                line = generator.write(c);
                RouterModel next = pending.copy();
                o = failed ? Outcome.refused("the batch failed already") : next.apply(c);
                if (o.kind() != Outcome.Kind.REFUSED) {
                    pending = next;
                }
            }
            lines.add(line);
            Reply reply = execute(line);
            counts.commands++;
            if (failed) {
                // refused; a line that does not parse says why it does not, the others that the batch failed
                if (reply.ok() || reply.error().isBlank()) {
                    fail("line " + (i + 1) + " '" + line + "' after a failed line of the batch: " + (reply.ok() ? "ok" : reply.error()));
                }
                continue;
            }
            switch (o.kind()) {
                case OK -> {
                    if (!reply.ok()) {
                        fail("batch line " + (i + 1) + " '" + line + "' was refused, the model accepts it: " + reply.error());
                    }
                }
                case REFUSED -> {
                    if (reply.ok()) {
                        fail("batch line " + (i + 1) + " '" + line + "' was accepted, the model refuses it (" + o.why() + ")");
                    }
                }
                case UNSPECIFIED -> {
                    counts.unspecified.merge(o.why() + " -> " + (reply.ok() ? "accepted" : "refused") + " (in a batch)", 1L, Long::sum);
                }
            }
            if (reply.ok()) {
                counts.accepted++;
            } else {
                counts.refused++;
                failed = true;
                if (reply.error().isBlank() || reply.error().contains("internal error") || !namesSomething(line, reply.error())) {
                    fail("batch line '" + line + "' was refused with an unhelpful message: " + reply.error());
                }
            }
        }
        boolean abort = random.nextInt(7) == 0;
        Reply end = execute(abort ? "batch abort" : "batch commit");
        if (abort || failed) {
            if (abort ? !end.ok() : end.ok()) {
                fail((abort ? "batch abort" : "batch commit after a failed line") + " answered " + (end.ok() ? "ok" : end.error()));
            }
            String after = snapshot();
            if (!after.equals(before) || fib.snapshot().version() != version) {
                fail("a batch that " + (abort ? "was aborted" : "failed") + " changed the state (" + lines + "):\nbefore\n" + before + "\nafter\n" + after);
            }
            return;
        }
        if (!end.ok()) {
            fail("batch commit of " + lines + " failed, every line was accepted: " + end.error());
        }
        counts.batchesCommitted++;
        model = pending;
    }

    /** 'batch commit' or 'batch abort' with no batch open: refused, nothing changes. */
    private void strayBatchLine() {
        String line = random.nextBoolean() ? "batch commit" : "batch abort";
        String before = snapshot();
        Reply reply = execute(line);
        counts.commands++;
        counts.refused++;
        if (reply.ok()) {
            fail("'" + line + "' without a batch was accepted");
        }
        checkRefusal(line, reply.error(), before);
    }

    private void expectOk(String line, Reply r) {
        if (!r.ok()) {
            fail("'" + line + "' failed: " + r.error());
        }
    }

    /** Every show the operator reads, and the table version: what a refused command must leave as it was. */
    private String snapshot() {
        StringBuilder sb = new StringBuilder();
        for (String show : List.of("route show", "nexthop show", "neigh show", "link show", "show hash")) {
            Reply r = read(show);
            sb.append(show).append(": ").append(r.ok() ? String.join("\n", r.output()) : r.error()).append('\n');
        }
        return sb.append("version ").append(fib.snapshot().version()).append('\n').toString();
    }

    private List<String> show(String line) {
        Reply r = read(line);
        if (!r.ok()) {
            fail("'" + line + "' failed: " + r.error());
        }
        return r.output();
    }

    /** Lines grouped into blocks: a line and the tab-indented lines under it. */
    private static List<List<String>> blocks(List<String> lines) {
        List<List<String>> out = new ArrayList<>();
        for (String l : lines) {
            if (l.startsWith("\t") && !out.isEmpty()) {
                out.get(out.size() - 1).add(l);
            } else {
                out.add(new ArrayList<>(List.of(l)));
            }
        }
        return out;
    }

    private void checkShows() {
        List<List<String>> routes = blocks(show("route show"));
        compareBlocks("route show", model.routeBlocks(), routes);
        boolean seenV6 = false;
        for (List<String> b : routes) {
            String dst = b.get(0).replaceFirst("^(blackhole|unreachable|prohibit|throw) ", "").split(" ")[0];
            boolean v6 = dst.contains(":");
            if (seenV6 && !v6 && !dst.equals("default")) {
                fail("route show lists IPv4 route '" + b.get(0) + "' after IPv6 routes");
            }
            seenV6 |= v6;
        }
        compareBlocks("nexthop show", model.nexthopBlocks(), clean(blocks(show("nexthop show"))));
        compareLines("neigh show", model.neighLines(), show("neigh show"));
        if (!show("show hash").get(0).equals(model.hashLine())) {
            fail("show hash says '" + show("show hash").get(0) + "'; the model: " + model.hashLine());
        }
        checkSelectedShows();
        checkBuckets();
        for (String l : show("-br link show")) { // "p1               DOWN           02:... <DOWN>"
            String[] w = l.trim().split(" +");
            if (!w[1].equals(model.alive(new Gw("", false, w[0])) ? "UP" : "DOWN")) {
                fail("-br link show says '" + l + "'; the model has " + w[0] + (model.alive(new Gw("", false, w[0])) ? " up" : " down"));
            }
        }
    }

    /**
     * Every resilient group's bucket table (README): as many buckets as asked for, each owned by a
     * member, and by a live member while any is alive (a member whose port goes down leaves at once).
     */
    private void checkBuckets() {
        for (Map.Entry<Integer, RouterModel.Obj> e : model.objects().entrySet()) {
            if (!(e.getValue() instanceof RouterModel.GroupObj g) || g.resilient() == null) {
                continue;
            }
            Map<Integer, Integer> table = bucketTable(e.getKey());
            List<Integer> live = g.members().stream().map(Member::id)
                    .filter(id -> model.alive(((RouterModel.GatewayObj) model.objects().get(id)).gw())).toList();
            if (table.size() != g.resilient().buckets()) {
                fail("group " + e.getKey() + " shows " + table.size() + " buckets; it has " + g.resilient().buckets());
            }
            Member some = g.members().get(random.nextInt(g.members().size()));
            List<String> owned = show("nexthop bucket show id " + e.getKey() + " nhid " + some.id());
            long expected = table.values().stream().filter(v -> v == some.id()).count();
            if (owned.size() != expected || owned.stream().anyMatch(l -> !l.endsWith(" nhid " + some.id()))) {
                fail("nexthop bucket show id " + e.getKey() + " nhid " + some.id() + " lists " + owned.size() + " buckets; the table has " + expected);
            }
            for (Map.Entry<Integer, Integer> b : table.entrySet()) {
                boolean member = g.members().stream().anyMatch(m -> m.id() == b.getValue());
                if (!member || !live.isEmpty() && !live.contains(b.getValue())) {
                    fail("group " + e.getKey() + "'s bucket " + b.getKey() + " belongs to " + b.getValue() + ", not to a "
                            + (member ? "live " : "") + "member (live " + live + ")");
                }
            }
        }
    }

    private void compareLines(String what, List<String> expected, List<String> actual) {
        List<String> e = new ArrayList<>(expected);
        List<String> a = new ArrayList<>(actual);
        e.sort(null);
        a.sort(null);
        if (!a.equals(e)) {
            fail(what + " differs:\nmodel  " + e + "\ndaemon " + a);
        }
    }

    /** One show with selectors per step: route show SELECTORS, nexthop show id|group|dev, neigh show dev|-4|-6. */
    private void checkSelectedShows() {
        Selector s = generator.selector(model);
        String line = generator.writer().selector("show", s);
        List<List<String>> got = blocks(show(line));
        compareBlocks("'" + line + "'", model.routeBlocks(s), got);
        switch (random.nextInt(3)) {
            case 0 -> {
                int id = 1 + random.nextInt(9);
                Reply r = read("nexthop show id " + id);
                if (model.objects().containsKey(id) != r.ok()) {
                    fail("nexthop show id " + id + ": " + (r.ok() ? r.output() : r.error()) + "; the model has " + model.objects().get(id));
                }
                if (r.ok()) {
                    compareBlocks("nexthop show id " + id, model.nexthopBlocks(id, false, null), clean(blocks(r.output())));
                }
            }
            case 1 -> compareBlocks("nexthop show group", model.nexthopBlocks(null, true, null), clean(blocks(show("nexthop show group"))));
            default -> {
                String dev = RouterModel.PORTS.get(random.nextInt(3));
                compareBlocks("nexthop show dev " + dev, model.nexthopBlocks(null, false, dev), clean(blocks(show("nexthop show dev " + dev))));
                compareLines("neigh show dev " + dev, model.neighLines(dev, 0), show("neigh show dev " + dev));
                int family = random.nextBoolean() ? 4 : 6;
                compareLines("-" + family + " neigh show", model.neighLines(null, family), show("-" + family + " neigh show"));
            }
        }
    }

    /** Without counters and a resilient group's unbalanced_time, which the model does not keep. */
    private static List<List<String>> clean(List<List<String>> blocks) {
        List<List<String>> out = new ArrayList<>();
        for (List<String> b : blocks) {
            List<String> c = new ArrayList<>();
            for (String l : b) {
                c.add(l.replaceFirst(" packets \\d+ bytes \\d+$", "").replaceFirst(" unbalanced_time \\S+", ""));
            }
            out.add(c);
        }
        return out;
    }

    private void compareBlocks(String what, List<List<String>> expected, List<List<String>> actual) {
        List<String> e = expected.stream().map(b -> String.join("\n", b)).sorted().toList();
        List<String> a = actual.stream().map(b -> String.join("\n", b)).sorted().toList();
        if (!e.equals(a)) {
            List<String> missing = new ArrayList<>(e);
            missing.removeAll(a);
            List<String> extra = new ArrayList<>(a);
            extra.removeAll(e);
            fail(what + " differs from the model:\nmodel only:\n" + String.join("\n", missing) + "\ndaemon only:\n" + String.join("\n", extra));
        }
    }

    private void checkRouteGets() {
        List<Flow> flows = new ArrayList<>();
        for (Net n : model.routes().keySet()) {
            if (n.len() == 0) {
                continue; // its network address, 0.0.0.0 or ::, is a martian; the random flows below reach defaults
            }
            flows.add(generator.flow(n.len() == n.bits() ? n : CommandGenerator.net(n.addr(), n.bits())));
            flows.add(generator.flowInside(n));
        }
        for (int i = 0; i < 1; i++) {
            flows.add(generator.randomFlow());
        }
        Map<Integer, Map<Integer, Integer>> buckets = new HashMap<>();
        for (Flow f : flows) {
            counts.routeGets++;
            String line = routeGetLine(f);
            Reply r = read(line);
            Integer reported = r.ok() && parseRouteGet(r.output().get(0)).containsKey("hash")
                    ? Integer.parseUnsignedInt(parseRouteGet(r.output().get(0)).get("hash"), 16) : null;
            Answer a = model.routeGet(f, id -> buckets.computeIfAbsent(id, this::bucketTable), reported);
            counts.routeGetKinds.merge(a.kind(), 1L, Long::sum);
            if (a.refused()) {
                if (r.ok()) {
                    fail("'" + line + "' answered " + r.output() + "; the model has no route");
                }
                continue;
            }
            if (!r.ok()) {
                fail("'" + line + "' failed: " + r.error() + "; the model expects route " + a.route());
            }
            Map<String, String> got = parseRouteGet(r.output().get(0));
            String verdict = got.getOrDefault("verdict", "forward");
            String problem = null;
            if (!a.route().equals(got.get("route"))) {
                problem = "route " + a.route();
            } else if (a.verdict() != null && !a.verdict().equals(verdict)) {
                problem = "verdict " + a.verdict();
            } else if (a.via() != null && (!a.via().equals(got.get("via")) || !a.dev().equals(got.get("dev")))) {
                problem = "via " + a.via() + " dev " + a.dev();
            } else if (a.via() == null && a.choices() == null && a.verdict() != null && !a.verdict().equals("nexthop_dead") && got.containsKey("via")) {
                problem = "no gateway";
            } else if (a.hash() != null && !Integer.toHexString(a.hash()).equals(got.get("hash"))) {
                problem = "hash 0x" + Integer.toHexString(a.hash());
            } else if (a.choices() != null && a.choices().stream().noneMatch(g -> g.via().equals(got.get("via")) && g.dev().equals(got.get("dev")))) {
                problem = "one of " + a.choices();
            }
            if (problem != null) {
                fail("'" + line + "' answered '" + r.output().get(0) + "'; the model expects " + problem);
            }
        }
    }

    /** A resilient group's buckets from {@code nexthop bucket show id G}: index to member id. */
    private Map<Integer, Integer> bucketTable(int group) {
        Map<Integer, Integer> out = new HashMap<>();
        for (String l : show("nexthop bucket show id " + group)) {
            Map<String, String> m = parseRouteGet("x " + l); // "id G index I idle_time T nhid N": key-value pairs
            out.put(Integer.parseInt(m.get("index")), Integer.parseInt(m.get("nhid")));
        }
        return out;
    }

    private static String routeGetLine(Flow f) {
        StringBuilder sb = new StringBuilder("route get " + f.dst().addr());
        if (f.src() != null) {
            sb.append(" from ").append(f.src().addr());
        }
        if (f.proto() >= 0) {
            sb.append(" ipproto ").append(f.proto() == 6 ? "tcp" : f.proto() == 17 ? "udp" : Integer.toString(f.proto()));
        }
        if (f.sport() >= 0) {
            sb.append(" sport ").append(f.sport());
        }
        if (f.dport() >= 0) {
            sb.append(" dport ").append(f.dport());
        }
        if (f.flowlabel() >= 0) {
            sb.append(" flowlabel ").append(f.flowlabel());
        }
        return sb.toString();
    }

    /** "DST via GW dev PORT route P mpalgo A hash 0xH nhid N slot S verdict V": the pairs after DST. */
    private static Map<String, String> parseRouteGet(String line) {
        String[] t = line.split(" ");
        Map<String, String> m = new HashMap<>();
        for (int i = 1; i + 1 < t.length; i += 2) {
            m.put(t[i], t[i + 1].startsWith("0x") ? t[i + 1].substring(2) : t[i + 1]);
        }
        return m;
    }

    private void fail(String what) {
        throw new AssertionError("seed " + seed + ", step " + counts.steps + ": " + what + "\nlast lines:\n  " + String.join("\n  ", history));
    }

    /**
     * {@code dpctl -batch FILE} (one atomic batch: exit 0 when every line applies, else 1 naming the
     * first bad line, nothing applied) or {@code dpctl -force -batch FILE} (each line on its own;
     * exit 1 if any failed), through dpctl's Java client on a connection of its own.
     */
    private void dpctlBatch(boolean force) {
        counts.batches++;
        counts.dpctlBatches++;
        String before = snapshot();
        RouterModel pending = model.copy();
        List<String> lines = new ArrayList<>();
        int firstBad = 0;
        boolean anyBad = false;
        int n = 1 + random.nextInt(6);
        for (int i = 0; i < n; i++) {
            ModelCommand c = generator.next(pending, 3);
            lines.add(generator.write(c));
            RouterModel next = pending.copy();
            Outcome o = next.apply(c);
            if (o.kind() == Outcome.Kind.UNSPECIFIED) {
                return; // the model cannot follow a line whose outcome it does not know in a file it cannot watch
            }
            if (o.kind() == Outcome.Kind.OK) {
                pending = next;
            } else {
                anyBad = true;
                firstBad = firstBad == 0 ? i + 1 : firstBad;
                if (!force) {
                    pending = null; // the rest is refused: nothing applies
                    for (int j = i + 1; j < n; j++) {
                        lines.add(generator.write(generator.next(model)));
                    }
                    break;
                }
            }
        }
        counts.commands += lines.size();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int rc;
        try {
            Path file = dir.resolve("batch");
            Files.write(file, lines);
            List<String> args = new ArrayList<>(List.of("--socket", socket.toString()));
            if (force) {
                args.add("-force");
            }
            args.addAll(List.of("-batch", file.toString()));
            rc = Dpctl.run(args.toArray(String[]::new), new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                    new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String said = err.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
        history.addLast("dpctl " + (force ? "-force " : "") + "-batch " + lines + "  ->  " + rc + " " + said);
        if (rc != (anyBad ? 1 : 0)) {
            fail("dpctl " + (force ? "-force " : "") + "-batch of " + lines + " exited " + rc + " (" + said + "); the model expects "
                    + (anyBad ? "1: line " + firstBad + " is bad" : "0"));
        }
        if (anyBad && !force && !said.contains("batch:" + firstBad + ":")) {
            fail("dpctl -batch of " + lines + " names another line than " + firstBad + ": " + said);
        }
        if (anyBad && !force) {
            String after = snapshot();
            if (!after.equals(before)) {
                fail("dpctl -batch of " + lines + " failed and changed the state:\nbefore\n" + before + "\nafter\n" + after);
            }
            return;
        }
        if (!force) {
            counts.batchesCommitted++;
        }
        model = pending;
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
            server.stop();
            try {
                serverThread.join();
                server.close();
                Files.deleteIfExists(socket);
                Files.deleteIfExists(dir.resolve("batch"));
                Files.deleteIfExists(dir);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        fib.close();
    }
}
