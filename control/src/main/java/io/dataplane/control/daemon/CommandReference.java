package io.dataplane.control.daemon;

import io.dataplane.control.command.CommandParser;

/** The command reference that {@code dataplane --help} and {@code dpctl --help} print: the routing grammar, then the port grammar. */
final class CommandReference {
    private CommandReference() {
    }

    /** Both grammars, indented by two spaces under the caller's usage text. */
    static String text() {
        return indent(CommandParser.GRAMMAR) + "\n\nPorts (how they are made; in the configuration file, and on the socket while the daemon runs,"
                + " but 'dpdk eal' and type dpdk, read at start only):\n" + indent(PortGrammar.GRAMMAR);
    }

    private static String indent(String text) {
        return "  " + text.replace("\n", "\n  ");
    }
}
