package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.control.command.Command.FpmListen;
import io.dataplane.control.command.Command.RibFollow;
import io.dataplane.control.command.Command.RouteSet;
import io.dataplane.control.command.CommandException;
import io.dataplane.control.command.CommandParser;
import io.dataplane.control.command.RouteProtocol;
import io.dataplane.control.rib.Rib;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The grammar of routing sources ({@code rib follow kernel}, {@code fpm listen}) and the route {@code proto} attribute. */
class RibFollowGrammarTest {

    @Test
    void ribFollowKernelTakesTableProtocolsAndBuffer() {
        assertEquals(new RibFollow(254, Set.of(), 0), CommandParser.parse("rib follow kernel").command());
        assertEquals(new RibFollow(100, Set.of(186, 188), 1 << 20),
                CommandParser.parse("rib follow kernel table 100 proto bgp,ospf rcvbuf 1048576").command());
        assertEquals(new RibFollow(254, Set.of(42), 0), CommandParser.parse("rib follow kernel table main proto 42").command());
        CommandException e = assertThrows(CommandException.class, () -> CommandParser.parse("rib follow kernel proto bgpp"));
        assertTrue(e.getMessage().contains("bad protocol 'bgpp'") && e.getMessage().contains("bgp"), e.getMessage());
        assertThrows(CommandException.class, () -> CommandParser.parse("rib follow kernel proto bgp,bgp"));
        assertThrows(CommandException.class, () -> CommandParser.parse("rib follow kernel table 0"));
        assertThrows(CommandException.class, () -> CommandParser.parse("rib follow bird"));
    }

    @Test
    void fpmListenDefaultsToZebrasAddressAndPort() {
        assertEquals(new FpmListen("127.0.0.1", 2620), CommandParser.parse("fpm listen").command());
        assertEquals(new FpmListen("::1", 2621), CommandParser.parse("fpm listen ::1 2621").command());
        assertEquals(new FpmListen("127.0.0.1", 2700), CommandParser.parse("fpm listen 2700").command());
        assertThrows(CommandException.class, () -> CommandParser.parse("fpm listen 127.0.0.1 70000"));
    }

    @Test
    void routesCarryTheirProtocolAndShowItLikeIp() {
        assertEquals(186, ((RouteSet) CommandParser.parse("route add 10.0.0.0/8 via 10.1.0.2 dev p0 proto bgp").command()).protocol());
        assertEquals(RouteProtocol.BOOT, ((RouteSet) CommandParser.parse("route add 10.0.0.0/8 via 10.1.0.2 dev p0").command()).protocol());
        assertThrows(CommandException.class, () -> CommandParser.parse("route add 10.0.0.0/8 via 10.1.0.2 dev p0 proto bgp proto ospf"));
        try (Fib fib = new Fib(FibLimits.defaults())) {
            ControlPlane plane = new ControlPlane(new Rib(64, 16), new FibPlane(fib));
            plane.rib().addPort("p0", 0x020000000001L, 1500, java.util.Map.of());
            plane.rib().transaction().commit();
            Object s = new Object();
            assertTrue(plane.execute(s, "route add 10.0.0.0/8 via 10.1.0.2 dev p0 proto static").ok());
            assertTrue(plane.execute(s, "route add 10.9.0.0/16 nexthop via 10.1.0.2 dev p0 nexthop via 10.1.0.3 dev p0 proto 99").ok());
            assertTrue(plane.execute(s, "route add 11.0.0.0/8 via 10.1.0.2 dev p0").ok());
            assertEquals(List.of("10.0.0.0/8 via 10.1.0.2 dev p0 proto static", "10.9.0.0/16 mpalgo l3 proto openr",
                    "\tnexthop via 10.1.0.2 dev p0 weight 1", "\tnexthop via 10.1.0.3 dev p0 weight 1", "11.0.0.0/8 via 10.1.0.2 dev p0"),
                    plane.execute(s, "route show").output());
            assertTrue(plane.execute(s, "-j route show 10.0.0.0/8").output().getFirst().contains("\"protocol\":\"static\""));
            assertTrue(plane.execute(s, "rib follow show").output().getFirst().contains("no routing source is followed"));
        }
    }
}
