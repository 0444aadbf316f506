package io.dataplane.control.daemon;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.Reply;
import io.dataplane.control.RunningConfig;
import io.dataplane.control.command.CommandException;
import io.dataplane.control.rib.Rib;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * SIGHUP: re-reads the configuration file and applies what changed since the file was last loaded,
 * as one batch on the running control plane.
 *
 * <p>The difference is taken between the new file and the previously loaded file, not the running
 * state, as the kernel's configuration reloads do: what an operator added with {@code dpctl} and
 * the file never mentioned stays; what the file changed wins, also over a {@code dpctl} change of
 * the same route, nexthop id, neighbour or setting; what the file no longer has is removed (if it
 * is still there). Both files are compared as {@link RunningConfig} renderings, keyed line by line.
 *
 * <p>The new file is first loaded on its own into a scratch RIB, so any bad line is refused with
 * {@code FILE:LINE: message} before anything runs; then the changes run as one batch, so a change
 * the running state refuses leaves everything as it was. A new {@code port add} line adds the port
 * to the running workers, a port line gone removes it (after the routes that the file dropped with
 * it), both in that batch, so a port that cannot be opened fails the whole reload; the other ports
 * forward on. A port line that changed, or a changed {@code dpdk eal}, is refused, naming it: a
 * port's options are those it was opened with ('port del' it and add it again to change them).
 *
 * <p>Runs on the control thread (the control plane's single writer).
 */
final class ConfigurationReload {
    private final ControlPlane plane;
    private final PortConfiguration ports;
    private final Path file;
    private final int nexthopSlots;
    private final int groupSlots;
    private Map<String, RunningConfig.Line> loaded;
    private Instant loadedAt;

    /** The outcome: applied (with how many changes) or not, and the message for the log. */
    record Outcome(boolean applied, int changes, String message) {
    }

    ConfigurationReload(ControlPlane plane, PortConfiguration ports, Path file, int nexthopSlots, int groupSlots) {
        this.plane = plane;
        this.ports = ports;
        this.file = file;
        this.nexthopSlots = nexthopSlots;
        this.groupSlots = groupSlots;
    }

    /** Remembers what the file said, right after the daemon loaded it at start. */
    void loaded() {
        loaded = RunningConfig.byKey(RunningConfig.of(plane.rib(), ports, plane.metricsEndpoint()));
        loadedAt = Instant.now();
    }

    Path file() {
        return file;
    }

    /** When the file was last loaded successfully (at start, or by a reload). */
    Instant loadedAt() {
        return loadedAt;
    }

    /** Reads the file and applies its difference; never throws for a bad file. */
    Outcome reload() {
        List<String> text;
        try {
            text = Files.readAllLines(file);
        } catch (IOException e) {
            return new Outcome(false, 0, "configuration " + file + " not reloaded, nothing changed: cannot read it: " + e);
        }
        if (plane.batchOpen()) {
            return new Outcome(false, 0, "configuration " + file + " not reloaded, nothing changed: a dpctl session has a"
                    + " batch open; send SIGHUP again when it ends");
        }
        Map<String, RunningConfig.Line> next;
        try {
            next = stateOf(text);
        } catch (CommandException e) {
            return new Outcome(false, 0, "configuration not reloaded, nothing changed: " + withoutBatchAdvice(e.getMessage()));
        }
        List<String> commands;
        try {
            commands = difference(next);
        } catch (CommandException e) {
            return new Outcome(false, 0, "configuration " + file + " not reloaded, nothing changed: " + e.getMessage());
        }
        String failure = apply(commands);
        if (failure != null) {
            return new Outcome(false, 0, "configuration " + file + " not reloaded, nothing changed: " + failure);
        }
        loaded = next;
        loadedAt = Instant.now();
        return new Outcome(true, commands.size(), "configuration " + file + " reloaded: " + commands.size() + " change"
                + (commands.size() == 1 ? "" : "s") + " applied as one batch; " + plane.rib());
    }

    /** The file loaded on its own (a scratch RIB, no tables), rendered: throws FILE:LINE: message for a bad line. */
    private Map<String, RunningConfig.Line> stateOf(List<String> text) {
        PortConfiguration scratchPorts = ports.fresh();
        ControlPlane scratch = new ControlPlane(new Rib(nexthopSlots, groupSlots), null, scratchPorts);
        scratch.loadConfiguration(text, file.toString());
        return RunningConfig.byKey(RunningConfig.of(scratch.rib(), scratchPorts, scratch.metricsEndpoint()));
    }

    /**
     * The commands that turn the previously loaded file's state into the new one's: new and changed
     * lines first, in load order (as replacements, so a line dpctl already added does not fail),
     * then the removals, last loaded first (routes before the nexthops and ports they use).
     */
    private List<String> difference(Map<String, RunningConfig.Line> next) {
        Map<String, RunningConfig.Line> running = RunningConfig.byKey(RunningConfig.of(plane.rib(), ports, plane.metricsEndpoint()));
        List<String> portChanges = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        for (RunningConfig.Line line : next.values()) {
            RunningConfig.Line before = loaded.get(line.key());
            if (before != null && before.text().equals(line.text())) {
                continue;
            }
            if (isPortLine(line)) {
                RunningConfig.Line now = running.get(line.key());
                if (now != null && now.text().equals(line.text())) {
                    continue; // added with dpctl as the file now says
                }
                if (before != null || now != null || line.key().equals("dpdk eal")) {
                    portChanges.add("'" + (before != null ? before : now).text() + "' became '" + line.text() + "'");
                    continue;
                }
                commands.add(line.text()); // a new port: added to the running workers
                continue;
            }
            commands.add(asReplacement(line.text()));
        }
        List<RunningConfig.Line> previous = new ArrayList<>(loaded.values());
        for (int i = previous.size() - 1; i >= 0; i--) {
            RunningConfig.Line line = previous.get(i);
            if (next.containsKey(line.key())) {
                continue;
            }
            if (line.key().equals("dpdk eal")) {
                portChanges.add("'" + line.text() + "' is gone");
            } else if (running.containsKey(line.key()) && line.undo() != null) {
                commands.add(line.undo());
            }
        }
        if (!portChanges.isEmpty()) {
            throw new CommandException("port lines changed (" + String.join("; ", portChanges) + "); a port keeps the options it"
                    + " was opened with: put the lines back as they were, or remove the port (its line, or 'port del') and add it"
                    + " again, or restart the daemon");
        }
        return commands;
    }

    private static boolean isPortLine(RunningConfig.Line line) {
        return line.key().startsWith("port ") || line.key().equals("dpdk eal");
    }

    /** 'route add', 'nexthop add' and 'neigh add' as 'replace' (same syntax; creates what is missing); other lines set or overwrite as they are. */
    private static String asReplacement(String line) {
        if (line.startsWith("route add ")) {
            return "route replace " + line.substring("route add ".length());
        }
        if (line.startsWith("nexthop add ")) {
            return "nexthop replace " + line.substring("nexthop add ".length());
        }
        if (line.startsWith("neigh add ")) {
            return "neigh replace " + line.substring("neigh add ".length());
        }
        return line;
    }

    /** The batch's own advice (send 'batch abort') is for dpctl users; the reload's session ends by itself. */
    private static String withoutBatchAdvice(String message) {
        return message.replaceFirst(" \\(batch failed: .*\\)$", "");
    }

    /** Runs the commands as one batch; returns null when applied, else what failed (and nothing changed). */
    private String apply(List<String> commands) {
        if (commands.isEmpty()) {
            return null;
        }
        Object session = new Object();
        try {
            Reply begin = plane.execute(session, "batch begin");
            if (!begin.ok()) {
                return begin.error();
            }
            for (String c : commands) {
                Reply r = plane.execute(session, c);
                if (!r.ok()) {
                    return "applying '" + c + "' to the running state: " + withoutBatchAdvice(r.error());
                }
            }
            Reply commit = plane.execute(session, "batch commit");
            return commit.ok() ? null : commit.error();
        } finally {
            plane.sessionClosed(session);
        }
    }
}
