package io.dataplane.control.command;

import java.util.Locale;
import java.util.Map;

/**
 * Route scopes (the kernel's rtm_scope, 0..255) by the names of iproute2's {@code rt_scopes}:
 * {@code global} (0, a route through a gateway), {@code link} (253, a directly connected
 * subnet), {@code host} (254). A number without a name is shown as the number, as {@code ip} does.
 */
public final class RouteScope {
    public static final int GLOBAL = 0;
    public static final int LINK = 253;
    public static final int HOST = 254;

    private static final Map<String, Integer> NAMES = Map.of("global", GLOBAL, "universe", GLOBAL, "site", 200,
            "link", LINK, "host", HOST, "nowhere", 255);

    private RouteScope() {
    }

    /** The scope's name as {@code ip route show} prints it, or its number. */
    public static String name(int scope) {
        return switch (scope) {
            case GLOBAL -> "global";
            case 200 -> "site";
            case LINK -> "link";
            case HOST -> "host";
            case 255 -> "nowhere";
            default -> Integer.toString(scope);
        };
    }

    /** A name (case-insensitive) or a number 0..255. */
    public static int parse(String token) {
        Integer named = NAMES.get(token.toLowerCase(Locale.ROOT));
        return named != null ? named : (int) Tokens.parseLong(token, 0, 255,
                "bad scope '" + token + "': expected global, site, link, host or a number 0..255");
    }
}
