package io.dataplane.control;

import io.dataplane.control.command.CommandException;
import io.dataplane.control.rib.Rib;
import java.util.List;
import java.util.function.Consumer;

/**
 * Configuration-file lines that are not commands of the routing model: the daemon's grammar for
 * how ports are made ({@code port add ...}, {@code port del ...}, {@code dpdk eal ...}). The control
 * plane runs them in the configuration's one batch, in file order, and on the command socket as
 * the lines themselves allow ({@link #parseLive}), without knowing what they say.
 */
public interface ConfigurationLines {

    /** No lines of its own: every line is a routing command. */
    ConfigurationLines NONE = new ConfigurationLines() {
        @Override
        public String command(String line) {
            return null;
        }

        @Override
        public Consumer<Rib> parse(String line) {
            throw new IllegalStateException("no configuration lines of its own: " + line);
        }
    };

    /** The command words the line starts with (e.g. "port add") if it is one of these lines, else null. */
    String command(String line);

    /**
     * Parses the line (throwing a CommandException that says what is wrong with it) into what it
     * registers in the RIB. The control plane runs that inside the configuration's open transaction,
     * so a later bad line rolls it back; on the socket it only checks the line and refuses it.
     */
    Consumer<Rib> parse(String line);

    /**
     * The line as a state-changing command on the command socket (or in a reload): what it changes,
     * run inside the command's or batch's transaction like {@link #parse}'s, or a CommandException
     * saying why it cannot run now. By default every such line is configuration-only.
     */
    default Consumer<Rib> parseLive(String line) {
        parse(line); // a bad line is told what is wrong with it first
        throw new CommandException("'" + command(line) + "' is configuration-only: put it in the --config file and restart the daemon");
    }

    /** A transaction was published: finish what its lines began that must wait for that (ports removed leave the workers). */
    default void published() {
    }

    /**
     * These lines as they are now, for {@code show running-config}: what made the RIB's ports,
     * in load order, each keyed (e.g. "port NAME") so two states can be compared. None by default.
     */
    default List<RunningConfig.Line> running(Rib rib) {
        return List.of();
    }
}
