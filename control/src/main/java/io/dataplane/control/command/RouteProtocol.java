package io.dataplane.control.command;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Route protocols (the kernel's rtm_protocol, 0..255) by the names of iproute2's
 * {@code /etc/iproute2/rt_protos} and FRR's {@code rt_protos.d/frr.conf}: {@code proto bgp} is
 * 186 everywhere. A number without a name is shown as the number, as {@code ip route} does.
 */
public final class RouteProtocol {
    /** RTPROT_BOOT: what {@code ip route add} sets when no protocol is given; not printed by {@code ip route show}. */
    public static final int BOOT = 3;
    /** RTPROT_KERNEL: routes the kernel made (connected subnets). */
    public static final int KERNEL = 2;

    private static final Map<Integer, String> NAMES = new TreeMap<>(Map.ofEntries(
            Map.entry(0, "unspec"), Map.entry(1, "redirect"), Map.entry(2, "kernel"), Map.entry(3, "boot"),
            Map.entry(4, "static"), Map.entry(8, "gated"), Map.entry(9, "ra"), Map.entry(10, "mrt"),
            Map.entry(11, "zebra"), Map.entry(12, "bird"), Map.entry(13, "dnrouted"), Map.entry(14, "xorp"),
            Map.entry(15, "ntk"), Map.entry(16, "dhcp"), Map.entry(17, "mrouted"), Map.entry(18, "keepalived"),
            Map.entry(42, "babel"), Map.entry(99, "openr"), Map.entry(186, "bgp"), Map.entry(187, "isis"),
            Map.entry(188, "ospf"), Map.entry(189, "rip"), Map.entry(190, "ripng"), Map.entry(191, "nhrp"),
            Map.entry(192, "eigrp"), Map.entry(193, "ldp"), Map.entry(194, "sharp"), Map.entry(195, "pbr"),
            Map.entry(197, "openfabric"), Map.entry(198, "srte")));

    private RouteProtocol() {
    }

    /** The protocol's name, or its number when it has none. */
    public static String name(int protocol) {
        String n = NAMES.get(protocol);
        return n != null ? n : Integer.toString(protocol);
    }

    /** A name (case-insensitive) or a number 0..255; throws naming the accepted names otherwise. */
    public static int parse(String token) {
        String t = token.toLowerCase(Locale.ROOT);
        for (Map.Entry<Integer, String> e : NAMES.entrySet()) {
            if (e.getValue().equals(t)) {
                return e.getKey();
            }
        }
        return (int) Tokens.parseLong(t, 0, 255, "bad protocol '" + token + "': expected a number 0..255 or one of "
                + String.join(", ", NAMES.values()));
    }
}
