package io.dataplane.control.command;

/**
 * The selectors of {@code route show} and {@code route flush}, as {@code ip route} reads them
 * ({@code iproute_list_flush_or_save}): {@code [to] [root|match|exact] PREFIX}, {@code dev},
 * {@code via}, {@code proto}, {@code type}, {@code metric}, {@code scope}, {@code table main|all}, keywords abbreviated as
 * {@link Keywords#ROUTE_SELECTORS} says. A bare prefix means {@code exact}, as in ip.
 */
final class RouteSelectorGrammar {
    private static final String EXPECTED = "a prefix, 'root|match|exact PREFIX', 'dev PORT', 'via ADDR', 'proto P', 'type T', 'metric N', 'scope S' or 'table main'";

    /** ip's route types (rtnl_rtntype_a2n); dpctl's routes are unicast or one of the four that forward nothing. */
    private static final java.util.List<String> TYPES = java.util.List.of("unicast", "local", "broadcast", "anycast", "multicast",
            "blackhole", "unreachable", "prohibit", "throw", "nat");

    private RouteSelectorGrammar() {
    }

    static RouteSelector parse(Tokens tokens, int family) {
        Prefix root = null;
        Prefix match = null;
        Prefix exact = null;
        String dev = null;
        IpAddress via = null;
        String protocol = null;
        String type = null;
        Long metric = null;
        Integer scope = null;
        while (tokens.peek() != null) {
            String typed = tokens.next();
            switch (Keywords.ROUTE_SELECTORS.resolve(typed)) {
                case "table" -> {
                    String t = tokens.expect("a table: main or all");
                    if (!t.equals("main") && !t.equals("all") && !t.equals("254")) {
                        throw tokens.error(t, "'main' or 'all' (dpctl has one table, main)");
                    }
                }
                case "protocol" -> {
                    String p = tokens.expect("a protocol such as kernel, boot, static or all");
                    protocol = p.equals("all") ? null : p;
                }
                case "type" -> {
                    type = tokens.expect("a route type: unicast, blackhole, unreachable, prohibit or throw");
                    if (!TYPES.contains(type)) {
                        // as ip ("node type value is invalid"): a typo must not select nothing and succeed
                        throw tokens.error(type, "a route type: " + String.join(", ", TYPES));
                    }
                }
                case "dev" -> dev = tokens.devName();
                case "via" -> via = tokens.parseWith("via", "a gateway address", IpAddress::parse);
                case "root" -> root = prefix(tokens, family);
                case "match" -> match = prefix(tokens, family);
                case "exact" -> exact = prefix(tokens, family);
                case "to" -> {
                }
                case "metric" -> {
                    String t = tokens.expect("a metric 0..4294967295");
                    metric = Tokens.parseLong(t, 0, 0xFFFF_FFFFL, "bad metric '" + t + "' (token " + tokens.position() + "): expected 0..4294967295");
                }
                case "scope" -> scope = tokens.parseWith("scope", "a scope: global, link, host or 0..255", RouteScope::parse);
                case "vrf", "cached", "cloned", "tos", "iif", "mark", "src", "realms", "from" ->
                        throw new CommandException("'route show " + typed + "' is not supported by dpctl (one table, no source or policy routing); "
                                + "it selects with " + EXPECTED);
                default -> {
                    if (exact != null) {
                        throw tokens.error(typed, "the end of the command or a selector: " + EXPECTED);
                    }
                    tokens.back();
                    try {
                        exact = prefix(tokens, family);
                    } catch (CommandException e) {
                        throw tokens.error(typed, EXPECTED);
                    }
                }
            }
        }
        return new RouteSelector(root, match, exact, dev, via, protocol, type, family, metric, scope);
    }

    /** A selector's prefix; the word {@code default} is ::/0 under -6 (0.0.0.0/0 typed as such stays IPv4). */
    private static Prefix prefix(Tokens tokens, int family) {
        boolean word = "default".equals(tokens.peek());
        Prefix p = tokens.parseWith("prefix", "a prefix ADDR[/LEN] or 'default'", Prefix::parse);
        return family == 6 && word ? new Prefix(IpAddress.parse("::"), 0) : p;
    }
}
