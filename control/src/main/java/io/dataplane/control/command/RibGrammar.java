package io.dataplane.control.command;

import io.dataplane.control.command.Command.FpmListen;
import io.dataplane.control.command.Command.RibFollow;
import io.dataplane.control.command.Command.RibFollowShow;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The grammar of routing sources: {@code rib follow kernel ...} (the kernel's FIB over rtnetlink),
 * {@code rib follow show}, and {@code fpm listen ...} (FRR zebra's FPM). Called by
 * {@link CommandParser} for the objects {@code rib} and {@code fpm}.
 */
final class RibGrammar {
    /** The kernel's main routing table (RT_TABLE_MAIN), followed when no table is named. */
    static final int MAIN_TABLE = 254;
    /** FPM's well-known port (FPM_DEFAULT_PORT in FRR's fpm.h). */
    static final int FPM_PORT = 2620;

    static final String GRAMMAR = String.join("\n",
            "rib follow kernel [table main|1..4294967295] [proto P[,P...]] [rcvbuf BYTES]   (follow the kernel's routes through our ports)",
            "rib follow show   (the followed sources, what they gave, and what was not followed and why)",
            "fpm listen [ADDRESS] [PORT]   (FRR zebra -M dplane_fpm_nl; default 127.0.0.1 2620)");

    private RibGrammar() {
    }

    static Command parse(String object, Tokens tokens) {
        return object.equals("fpm") ? fpm(tokens) : rib(tokens);
    }

    private static Command rib(Tokens tokens) {
        tokens.keyword("follow");
        String what = tokens.expect("'kernel' or 'show'");
        switch (what) {
            case "show" -> {
                tokens.end();
                return new RibFollowShow();
            }
            case "kernel" -> {
                int table = MAIN_TABLE;
                Set<Integer> protocols = new LinkedHashSet<>();
                int receiveBuffer = 0;
                boolean tableGiven = false;
                while (tokens.peek() != null) {
                    String k = tokens.next();
                    switch (k) {
                        case "table" -> {
                            if (tableGiven) {
                                throw tokens.error(k, "one 'table'");
                            }
                            tableGiven = true;
                            String t = tokens.expect("a table: main or 1..4294967295");
                            table = t.equals("main") ? MAIN_TABLE
                                    : (int) Tokens.parseLong(t, 1, 0xFFFFFFFFL, "bad table '" + t + "' (token " + tokens.position()
                                    + "): expected main or 1..4294967295");
                        }
                        case "proto" -> {
                            if (!protocols.isEmpty()) {
                                throw tokens.error(k, "one 'proto' (list several as P,P,...)");
                            }
                            String list = tokens.expect("protocols P[,P...], e.g. bgp,ospf");
                            for (String p : list.split(",", -1)) {
                                if (!protocols.add(RouteProtocol.parse(p))) {
                                    throw new CommandException("protocol '" + p + "' appears twice in '" + list + "'; list each once");
                                }
                            }
                        }
                        case "rcvbuf" -> receiveBuffer = tokens.number("rcvbuf", "a socket buffer size 4096..1073741824 bytes", 4096, 1 << 30);
                        default -> throw tokens.error(k, "'table', 'proto' or 'rcvbuf'");
                    }
                }
                return new RibFollow(table, Set.copyOf(protocols), receiveBuffer);
            }
            default -> throw tokens.error(what, "'kernel' or 'show'");
        }
    }

    private static Command fpm(Tokens tokens) {
        tokens.keyword("listen");
        String address = "127.0.0.1";
        int port = FPM_PORT;
        if (tokens.peek() != null && !io.dataplane.tables.IpAddresses.asciiDigits(tokens.peek())) {
            IpAddress a = tokens.parseWith("listen", "an IPv4 or IPv6 address to listen on", IpAddress::parse);
            address = a.toString();
        }
        if (tokens.peek() != null) {
            port = tokens.number("address", "a TCP port 1..65535", 1, 65535);
        }
        tokens.end();
        return new FpmListen(address, port);
    }
}
