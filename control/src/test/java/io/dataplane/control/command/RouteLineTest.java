package io.dataplane.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The full-table fast path gives the general grammar's command, and leaves every other line to it. */
class RouteLineTest {
    private static final String NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

    private static String line(Random r) {
        int length = r.nextInt(33);
        int network = length == 0 ? 0 : r.nextInt() & (int) (0xFFFF_FFFFL << (32 - length));
        StringBuilder dev = new StringBuilder();
        for (int k = 1 + r.nextInt(15); k > 0; k--) {
            dev.append(NAME_CHARS.charAt(r.nextInt(NAME_CHARS.length())));
        }
        return "route " + (r.nextBoolean() ? "add " : "replace ") + quad(network) + "/" + length + " via " + quad(r.nextInt())
                + " dev " + dev;
    }

    private static String quad(int a) {
        return (a >>> 24) + "." + (a >>> 16 & 255) + "." + (a >>> 8 & 255) + "." + (a & 255);
    }

    @Test
    void commonLinesGiveTheGrammarsCommand() {
        Random r = new Random(17);
        for (int i = 0; i < 20_000; i++) {
            String l = line(r);
            Command fast = RouteLine.parse(l);
            assertNotNull(fast, l);
            assertEquals(CommandParser.grammar(l).command(), fast, l);
            assertEquals(CommandParser.grammar(l), CommandParser.parse(l), l);
        }
        assertEquals(CommandParser.grammar("route add 16.0.0.0/24 via 10.1.0.2 dev d0"),
                CommandParser.parse("route add 16.0.0.0/24 via 10.1.0.2 dev d0"));
    }

    @Test
    void everyOtherShapeGoesToTheGrammar() {
        for (String l : new String[] {
            "route  add 16.0.0.0/24 via 10.1.0.2 dev d0", "r add 16.0.0.0/24 via 10.1.0.2 dev d0",
            "route a 16.0.0.0/24 via 10.1.0.2 dev d0", "route add\t16.0.0.0/24 via 10.1.0.2 dev d0",
            "route add 016.0.0.0/24 via 10.1.0.2 dev d0", "route add 16.0.0.0/08 via 10.1.0.2 dev d0",
            "route add 16.0.0.1/24 via 10.1.0.2 dev d0", "route add 16.0.0.0/24 via 10.1.0.2 dev d0 ",
            "route add 16.0.0.0/24 via 10.1.0.2 dev d0 metric 5", "route add 16.0.0.0/24 via 10.1.0.2 dev d0 onlink",
            "route add 16.0.0.0/24 via 10.1.0.2 dev d0 proto bgp", "route add 2001:db8::/32 via 10.1.0.2 dev d0",
            "route add 16.0.0.0/24 via fe80::1 dev d0", "route add 16.0.0.0/24 via 10.1.0.2 dev abcdefghijklmnop",
            "route add 16.0.0.0/24 via 10.1.0.2 dev d0/1", "route add 16.0.0.256/24 via 10.1.0.2 dev d0",
            "route add 16.0.0.0 via 10.1.0.2 dev d0", "route add 16.0.0.0/33 via 10.1.0.2 dev d0",
            "route add 16.0.0.0/24 via 10.1.0.02 dev d0", "route add 16.0.0.0/24 via 10.1.0 dev d0",
            "route add 16.0.0.0/24 dev d0", "route add 16.0.0.0/24 via 10.1.0.2 dev", "route add default via 10.1.0.2 dev d0",
            "route change 16.0.0.0/24 via 10.1.0.2 dev d0", "-j route add 16.0.0.0/24 via 10.1.0.2 dev d0",
            " route add 16.0.0.0/24 via 10.1.0.2 dev d0", "route add 16.0.0.0/24 dev d0 via 10.1.0.2",
            "route add 16.0.0.0/24 via 10.1.0.2 dev d0 weight 2", "route add 1111.0.0.0/24 via 10.1.0.2 dev d0",
            "route add 16.0.0.0/-1 via 10.1.0.2 dev d0", "route add 16.0.0.0/2x via 10.1.0.2 dev d0",
        }) {
            assertNull(RouteLine.parse(l), l);
        }
    }

    /** One character changed anywhere: either the fast path steps aside, or the grammar agrees with it. */
    @Test
    void mutatedLinesAreTheGrammarsOrNotTaken() {
        Random r = new Random(1717);
        String alphabet = "0123456789./ \tabcdevrouteplxz:-_";
        for (int i = 0; i < 50_000; i++) {
            StringBuilder b = new StringBuilder(line(r));
            int at = r.nextInt(b.length());
            switch (r.nextInt(3)) {
                case 0 -> b.setCharAt(at, alphabet.charAt(r.nextInt(alphabet.length())));
                case 1 -> b.insert(at, alphabet.charAt(r.nextInt(alphabet.length())));
                default -> b.deleteCharAt(at);
            }
            String l = b.toString();
            Command fast = RouteLine.parse(l);
            if (fast != null) {
                assertEquals(CommandParser.grammar(l).command(), fast, l);
            }
        }
    }
}
