package io.dataplane.control.command;

import io.dataplane.control.command.Command.MetricsListen;

/**
 * {@code metrics listen ADDRESS:PORT}, where ADDRESS is an IPv4 literal or an IPv6 literal in
 * brackets (as in URLs): never a host name, so that the endpoint does not depend on DNS.
 */
final class MetricsGrammar {
    private static final String ENDPOINT = "ADDRESS:PORT, e.g. 127.0.0.1:9100, 0.0.0.0:9100 or [::1]:9100";

    private MetricsGrammar() {
    }

    static Command parse(Tokens tokens) {
        tokens.keyword("listen");
        String t = tokens.expect(ENDPOINT);
        tokens.end();
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new CommandException("bad metrics endpoint '" + t + "': expected " + ENDPOINT);
        }
        String host = t.substring(0, colon);
        boolean bracketed = host.startsWith("[") && host.endsWith("]");
        if (bracketed) {
            host = host.substring(1, host.length() - 1);
        }
        IpAddress address;
        try {
            address = IpAddress.parse(host);
        } catch (IllegalArgumentException e) {
            throw new CommandException("bad metrics address '" + host + "' in '" + t + "': " + e.getMessage() + "; expected " + ENDPOINT);
        }
        if (address.v6() != bracketed) {
            throw new CommandException("bad metrics endpoint '" + t + "': an IPv6 address goes in brackets ([::1]:9100), an IPv4 one does not");
        }
        int port = (int) Tokens.parseLong(t.substring(colon + 1), 1, 65535,
                "bad metrics port in '" + t + "': expected a TCP port 1..65535");
        return new MetricsListen(address, port);
    }
}
