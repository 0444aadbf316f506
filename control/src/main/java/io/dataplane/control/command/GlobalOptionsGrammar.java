package io.dataplane.control.command;

/**
 * Reads the global options at the start of a command line ({@code -j -p -4 -6 -s -d -o -br
 * -family inet|inet6}), abbreviated as ip abbreviates them ({@link Keywords#OPTIONS}); a
 * leading {@code --} is read as {@code -}, as ip does.
 */
final class GlobalOptionsGrammar {
    static final String SUPPORTED = "-j, -p, -4, -6, -f inet|inet6, -s, -d, -o, -br";

    private GlobalOptionsGrammar() {
    }

    static GlobalOptions parse(Tokens tokens) {
        boolean json = false;
        boolean pretty = false;
        int family = 0;
        int stats = 0;
        boolean details = false;
        boolean oneline = false;
        boolean brief = false;
        while (tokens.peek() != null && tokens.peek().startsWith("-") && tokens.peek().length() > 1) {
            String typed = tokens.next();
            String opt = Keywords.OPTIONS.resolve(typed.startsWith("--") ? typed.substring(1) : typed);
            switch (opt) {
                case "-json" -> json = true;
                case "-pretty" -> pretty = true;
                case "-4" -> family = 4;
                case "-6" -> family = 6;
                case "-family" -> {
                    String f = tokens.expect("a family: inet or inet6");
                    family = switch (f) {
                        case "inet", "ipv4" -> 4;
                        case "inet6", "ipv6" -> 6;
                        default -> throw tokens.error(f, "a family: inet or inet6 (dpctl has no other)");
                    };
                }
                case "-stats" -> stats++;
                case "-details" -> details = true;
                case "-oneline" -> oneline = true;
                case "-brief" -> brief = true;
                case "-force", "-batch" -> throw new CommandException("'" + typed + "' is an option of bin/dpctl itself ('dpctl "
                        + opt + " ...'), not of a command line");
                default -> throw Keywords.OPTIONS.knows(opt)
                        ? new CommandException("'" + typed + "' is ip's '" + opt + "' option, which dpctl does not have; its options are " + SUPPORTED)
                        : tokens.error(typed, "an option (-j) or another of " + SUPPORTED.substring(4) + ", or an object (route, nexthop, neigh, link, set, show, stats, batch)");
            }
        }
        return new GlobalOptions(json, pretty, family, stats, details, oneline, brief);
    }
}
