package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.*;

import io.dataplane.control.command.IpAddress;
import io.dataplane.control.rib.Rib;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue #13, the second part: route metrics, scope and onlink, the linkdown/dead flags, nexthop
 * ids picked by the RIB, neigh flush and the kernel's neighbours, route get iif, the kernel's
 * ifindex, each as the running kernel's {@code ip} does it.
 */
class IpRouteAttributesTest {
    private final Fixture f = new Fixture();

    @AfterEach
    void close() {
        f.close();
    }

    private String getDev(String address) {
        String line = f.out("route get " + address).get(0);
        return line.substring(line.indexOf(" dev ") + 5).split(" ")[0];
    }

    @Test
    void routesDifferingByMetricCoexistAndTheLowestForwards() {
        f.ok("route add 10.5.0.0/16 via 192.0.2.1 dev p1 metric 10");
        f.ok("route add 10.5.0.0/16 via 192.0.2.2 dev p2 preference 5");
        f.ok("route add 10.5.0.0/16 via 192.0.2.2 dev p2 priority 20");
        assertEquals(List.of("10.5.0.0/16 via 192.0.2.2 dev p2 metric 5", "10.5.0.0/16 via 192.0.2.1 dev p1 metric 10",
                "10.5.0.0/16 via 192.0.2.2 dev p2 metric 20"), f.out("route show 10.5.0.0/16"), "in metric order, as the kernel lists them");
        assertEquals("p2", getDev("10.5.1.1"), "the lowest metric forwards");
        assertTrue(f.fails("route add 10.5.0.0/16 via 192.0.2.1 dev p1 metric 10").contains("10.5.0.0/16 metric 10 already exists"));
        assertTrue(f.fails("route change 10.5.0.0/16 via 192.0.2.1 dev p1").contains("no route 10.5.0.0/16 to change"),
                "change finds the route by its metric too (0 here)");
        f.ok("route change 10.5.0.0/16 via 192.0.2.1 dev p1 metric 20");
        assertEquals(List.of("10.5.0.0/16 via 192.0.2.1 dev p1"), f.out("route show 10.5.0.0/16 metric 20"),
                "the metric selector picks one and is not repeated, as ip");
        f.ok("route del 10.5.0.0/16");
        assertEquals("p1", getDev("10.5.1.1"), "del without a metric removes the lowest; the next takes over");
        f.ok("route del 10.5.0.0/16 metric 20");
        assertEquals(List.of("10.5.0.0/16 via 192.0.2.1 dev p1 metric 10"), f.out("route show 10.5.0.0/16"));
        assertTrue(f.fails("route del 10.5.0.0/16 metric 7").contains("no route 10.5.0.0/16 metric 7"));
        f.ok("route replace 10.5.0.0/16 via 192.0.2.2 dev p2");
        assertEquals("p2", getDev("10.5.1.1"), "a metric 0 route added by replace goes before metric 10");
        assertEquals("[{\"dst\":\"10.5.0.0/16\",\"gateway\":\"192.0.2.2\",\"dev\":\"p2\",\"flags\":[]},"
                + "{\"dst\":\"10.5.0.0/16\",\"gateway\":\"192.0.2.1\",\"dev\":\"p1\",\"metric\":10,\"flags\":[]}]",
                f.out("-j route show 10.5.0.0/16").get(0));
        f.ok("route flush 10.5.0.0/16");
        assertTrue(f.run("route show 10.5.0.0/16").output().isEmpty(), "flush takes every metric");
    }

    @Test
    void ipv6RoutesShowTheKernelsDefaultMetricAndPreference() {
        f.ok("route add 2001:db8:5::/48 via 2001:db8::1 dev p1");
        f.ok("route add 2001:db8:5::/48 via 2001:db8::2 dev p2 metric 100 pref medium");
        assertEquals(List.of("2001:db8:5::/48 via 2001:db8::2 dev p2 metric 100 pref medium",
                "2001:db8:5::/48 via 2001:db8::1 dev p1 metric 1024 pref medium"), f.out("route show 2001:db8:5::/48"));
        assertTrue(f.out("-j route show 2001:db8:5::/48").get(0).startsWith(
                "[{\"dst\":\"2001:db8:5::/48\",\"gateway\":\"2001:db8::2\",\"dev\":\"p2\",\"metric\":100,\"flags\":[],\"pref\":\"medium\"}"));
        assertTrue(f.fails("route add 2001:db8:6::/48 via 2001:db8::1 dev p1 pref high").contains("every IPv6 route is 'pref medium'"));
    }

    @Test
    void scopeAndOnlinkAreAcceptedAndShownAsIpShowsThem() {
        f.ok("route add 10.6.0.0/16 via 203.0.113.1 dev p1 onlink proto static scope 10");
        assertEquals(List.of("10.6.0.0/16 via 203.0.113.1 dev p1 proto static scope 10 onlink"), f.out("route show 10.6.0.0/16"));
        assertEquals("[{\"dst\":\"10.6.0.0/16\",\"gateway\":\"203.0.113.1\",\"dev\":\"p1\",\"protocol\":\"static\",\"scope\":\"10\",\"flags\":[\"onlink\"]}]",
                f.out("-j route show 10.6.0.0/16").get(0));
        f.ok("route add 10.7.0.0/16 nexthop via 192.0.2.1 dev p1 onlink nexthop via 192.0.2.2 dev p2 metric 7");
        assertEquals(List.of("10.7.0.0/16 mpalgo l3 metric 7", "\tnexthop via 192.0.2.1 dev p1 weight 1 onlink",
                "\tnexthop via 192.0.2.2 dev p2 weight 1"), f.out("route show 10.7.0.0/16"));
        f.ok("route add 10.8.0.0/16 via 192.0.2.1 dev p1 scope global");
        assertEquals(List.of("10.6.0.0/16 via 203.0.113.1 dev p1 proto static onlink"), f.out("route show scope 10"),
                "the scope selector picks and is not repeated, as ip");
        assertTrue(f.fails("route add 10.9.0.0/16 via 192.0.2.1 dev p1 scope host").contains("cannot have scope host"));
        assertTrue(f.fails("route add 10.9.0.0/16 via 192.0.2.1 dev p1 scope link").contains("cannot have scope link"));
        assertTrue(f.out("show running-config").contains("route add 10.6.0.0/16 via 203.0.113.1 dev p1 onlink proto static scope 10"),
                "the running configuration keeps them");
    }

    @Test
    void gatewaysOnAPortDownAreDeadAndWithoutCarrierLinkdown() {
        f.ok("link set dev p2 down");
        assertEquals(List.of("10.0.0.0/24 nhid 10", "\tnexthop via 192.0.2.1 dev p1 weight 1", "\tnexthop via 192.0.2.2 dev p2 weight 3 dead linkdown"),
                f.out("route show 10.0.0.0/24"));
        assertTrue(f.out("-j route show 10.0.0.0/24").get(0).contains("{\"gateway\":\"192.0.2.2\",\"dev\":\"p2\",\"weight\":3,\"flags\":[\"dead\",\"linkdown\"]}"));
        assertTrue(f.out("nexthop show id 2").get(0).startsWith("id 2 via 192.0.2.2 dev p2 scope link dead linkdown "), f.out("nexthop show id 2").get(0));
        f.ok("link set dev p2 up");
        f.plane.applyReported(r -> r.carrier(1, false));
        assertEquals(List.of("10.1.0.0/16 via 192.0.2.1 dev p1 linkdown"), f.out("route show 10.1.0.0/16"));
        assertEquals("[{\"dst\":\"10.1.0.0/16\",\"gateway\":\"192.0.2.1\",\"dev\":\"p1\",\"flags\":[\"linkdown\"]}]", f.out("-j route show 10.1.0.0/16").get(0));
        assertTrue(f.out("-j nexthop show id 1").get(0).contains("\"flags\":[\"linkdown\"]"));
    }

    @Test
    void nexthopAddWithoutAnIdPicksTheNextFreeOneAsTheKernel() {
        f.ok("nexthop add via 192.0.2.1 dev p1");
        f.ok("nexthop add id 0 via 192.0.2.2 dev p2");
        f.ok("nexthop add via 192.0.2.9 dev p2");
        assertEquals(List.of("id 4 via 192.0.2.1 dev p1 scope link", "id 5 via 192.0.2.2 dev p2 scope link", "id 6 via 192.0.2.9 dev p2 scope link unresolved"),
                f.out("nexthop show").subList(3, 6).stream().map(l -> l.replaceAll(" packets.*", "")).toList(),
                "1, 2 and 3 are taken: the kernel's search goes on from the last id it picked");
        f.ok("nexthop del id 4");
        f.ok("nexthop add via 192.0.2.1 dev p1");
        assertNotNull(f.rib.objects().get(7), "ids are not reused at once: the search starts after the last one picked");
    }

    @Test
    void neighFlushLeavesStaticEntriesUnlessNudPermanentAsIp() {
        f.ok("neigh flush dev p1");
        assertEquals(2, f.out("neigh show dev p1").size(), "ip's flush skips PERMANENT entries by default");
        f.ok("neigh flush 192.0.2.0/24 nud permanent");
        assertEquals(List.of("2001:db8::1 lladdr 02:00:00:00:01:06 PERMANENT"), f.out("neigh show dev p1"));
        f.ok("-6 neigh flush all nud all");
        assertTrue(f.run("neigh show dev p1").output().isEmpty());
        assertTrue(f.fails("neigh flush").contains("needs a selector"));
        assertTrue(f.fails("-6 neigh flush").contains("needs a selector"), "as ip: a family is not a selector");
        assertTrue(f.fails("neigh flush dev p9").contains("unknown device 'p9'"));
        assertEquals("unresolved", String.join(" ", f.out("nexthop show id 1")).contains("unresolved") ? "unresolved" : "resolved",
                "the gateway lost its static MAC");
    }

    @Test
    void neighbourTheKernelResolvedIsListedWithItsState() {
        f.plane.applyReported(r -> r.learnNeighbour(IpAddress.parse("192.0.2.3"), 2, 0x02_00_00_00_03_03L, 0x04));
        assertEquals(List.of("192.0.2.2 lladdr 02:00:00:00:02:02 PERMANENT", "192.0.2.3 lladdr 02:00:00:00:03:03 STALE"), f.out("neigh show dev p2"));
        assertEquals("[{\"dst\":\"192.0.2.3\",\"dev\":\"p2\",\"lladdr\":\"02:00:00:00:03:03\",\"state\":[\"STALE\"]}]", f.out("-j neigh show 192.0.2.3").get(0));
        assertFalse(String.join(" ", f.out("nexthop show id 3")).contains("unresolved"), "and forwards with it");
        f.plane.applyReported(r -> r.learnNeighbour(IpAddress.parse("192.0.2.3"), 2, 0x02_00_00_00_03_03L, 0x02));
        assertEquals(List.of("192.0.2.3 dev p2 lladdr 02:00:00:00:03:03 REACHABLE"), f.out("neigh show 192.0.2.3"));
        assertFalse(String.join("\n", f.out("show running-config")).contains("192.0.2.3 lladdr"), "the kernel's entries are not configuration");
    }

    @Test
    void routeGetTakesIifAndLinkShowGivesTheKernelsIfindex() {
        String get = f.out("route get 10.1.2.3 from 198.51.100.7 iif p2").get(0);
        assertTrue(get.startsWith("10.1.2.3 from 198.51.100.7 via 192.0.2.1 dev p1 iif p2 "), get);
        assertTrue(f.out("-j route get 10.1.2.3 from 198.51.100.7 iif p2").get(0).contains("\"iif\":\"p2\""));
        assertTrue(f.fails("route get 10.1.2.3 from 198.51.100.7 iif p9").contains("unknown device 'p9'"));
        assertTrue(f.fails("route get 10.1.2.3 iif p2").contains("needs 'from SRC'"), "the kernel refuses iif without a source too");
        assertTrue(f.out("-j link show p1").get(0).startsWith("[{\"ifindex\":1,"), "a memory port has no kernel device: our index");
        f.plane.applyReported(r -> r.kernelIfindex(1, 17));
        String json = f.out("-j link show p1").get(0);
        assertTrue(json.startsWith("[{\"ifindex\":17,") && json.contains("\"port_index\":1"), json);
        assertTrue(f.out("link show p1").get(0).startsWith("17: p1: "));
        assertEquals(Rib.Neighbour.PERMANENT, f.rib.neighbours().get(0).state());
    }
    /** Where route get says a packet to {@code address} goes: "dev PORT mac MAC verdict V" (the neighbour's MAC from the slot). */
    private String forwarding(String address) {
        String json = f.out("-j route get " + address).get(0);
        java.util.regex.Matcher slot = java.util.regex.Pattern.compile("\"nexthop_slot\":(\\d+)").matcher(json);
        java.util.regex.Matcher dev = java.util.regex.Pattern.compile("\"dev\":\"(\\w+)\"").matcher(json);
        java.util.regex.Matcher verdict = java.util.regex.Pattern.compile("\"verdict\":\"(\\w+)\"").matcher(json);
        assertTrue(slot.find() && dev.find() && verdict.find(), json);
        long mac = f.rib.nexthopSlot(Integer.parseInt(slot.group(1))).dstMac();
        return "dev " + dev.group(1) + " mac " + io.dataplane.tables.MacAddress.format(mac) + " verdict " + verdict.group(1);
    }

    @Test
    void aConnectedRouteForwardsToTheDestinationItselfOnceItsNeighbourIsKnown() {
        int slots = f.rib.nexthopSlotsInUse();
        f.ok("route add 10.30.0.0/24 dev p1");
        assertEquals(List.of("10.30.0.0/24 dev p1 scope link"), f.out("route show 10.30.0.0/24"));
        assertEquals("[{\"dst\":\"10.30.0.0/24\",\"dev\":\"p1\",\"scope\":\"link\",\"flags\":[]}]", f.out("-j route show 10.30.0.0/24").get(0));
        assertTrue(f.out("route get 10.30.0.5").get(0).startsWith("10.30.0.5 dev p1 route 10.30.0.0/24 "), "no gateway: the destination is the neighbour");
        assertTrue(forwarding("10.30.0.5").endsWith("verdict neighbour_unresolved"), "an unknown host is unresolved, as the kernel queues it");
        assertTrue(f.rib.unresolvedGateways().stream().noneMatch(n -> n.address().toString().equals("0.0.0.0")), "the route's own slot is never asked for");
        assertEquals(1, f.rib.unresolvedConnectedHost(IpAddress.parse("10.30.0.5")), "the daemon asks the kernel for it on p1");
        assertEquals(-1, f.rib.unresolvedConnectedHost(IpAddress.parse("192.0.2.77")), "not behind a connected route");

        f.ok("neigh add 10.30.0.5 lladdr 02:00:00:00:30:05 dev p1");
        assertEquals("dev p1 mac 02:00:00:00:30:05 verdict forward", forwarding("10.30.0.5"));
        assertEquals(-1, f.rib.unresolvedConnectedHost(IpAddress.parse("10.30.0.5")), "known now: nothing to ask");
        f.plane.applyReported(r -> r.learnNeighbour(IpAddress.parse("10.30.0.7"), 1, 0x02_00_00_00_30_07L, 0x02));
        assertEquals("dev p1 mac 02:00:00:00:30:07 verdict forward", forwarding("10.30.0.7"), "a neighbour the kernel resolved too");
        f.ok("neigh add 10.30.0.9 lladdr 02:00:00:00:30:09 dev p2");
        assertTrue(forwarding("10.30.0.9").endsWith("verdict neighbour_unresolved"), "a neighbour on another port is not on the route's link");
        assertEquals(List.of("10.30.0.0/24 dev p1 scope link"), f.out("route show root 10.30.0.0/16"), "host entries are not routes");

        f.ok("route add 10.30.0.0/28 via 192.0.2.2 dev p2");
        assertEquals("dev p2 mac 02:00:00:00:02:02 verdict forward", forwarding("10.30.0.5"), "a more specific route wins, as in the kernel");
        f.ok("route del 10.30.0.0/28");
        assertEquals("dev p1 mac 02:00:00:00:30:05 verdict forward", forwarding("10.30.0.5"));
        f.ok("route add 10.30.0.5/32 via 192.0.2.1 dev p1");
        assertEquals("dev p1 mac 02:00:00:00:01:01 verdict forward", forwarding("10.30.0.5"), "an operator's host route wins");
        f.ok("route del 10.30.0.5/32");
        assertEquals("dev p1 mac 02:00:00:00:30:05 verdict forward", forwarding("10.30.0.5"));
        f.ok("neigh del 10.30.0.5 dev p1");
        assertTrue(forwarding("10.30.0.5").endsWith("verdict neighbour_unresolved"));
        assertTrue(f.out("show running-config").contains("route add 10.30.0.0/24 dev p1 scope link"));
        f.ok("route add 10.33.0.0/24 dev p2"); // another connected route stays
        f.ok("route del 10.30.0.0/24 dev p1");
        assertTrue(f.fails("route get 10.30.0.7").contains("no route to 10.30.0.7"), "its host entries went with it");
        f.ok("route del 10.33.0.0/24");
        assertEquals(slots, f.rib.nexthopSlotsInUse(), "and their slots");
    }

    @Test
    void aConnectedHostRouteResolvesItsDestinationAndOneInABatchIsAtomic() {
        f.ok("route add 10.31.0.9/32 dev p2 scope global");
        assertEquals(List.of("10.31.0.9 dev p2"), f.out("route show 10.31.0.9"));
        assertTrue(f.rib.unresolvedGateways().stream().anyMatch(n -> n.address().toString().equals("10.31.0.9")),
                "the daemon asks the kernel to resolve the destination");
        f.ok("batch begin");
        f.ok("route add 10.32.0.0/24 dev p1");
        f.ok("neigh add 10.32.0.1 lladdr 02:00:00:00:32:01 dev p1");
        assertTrue(f.run("route add 10.32.0.0/24 dev p1").error().contains("already exists"));
        f.ok("batch abort");
        assertTrue(f.run("route show 10.32.0.0/24").output().isEmpty());
        f.ok("-6 route add 2001:db8:32::/64 dev p1");
        f.ok("neigh add 2001:db8:32::1 lladdr 02:00:00:00:32:06 dev p1");
        assertEquals("dev p1 mac 02:00:00:00:32:06 verdict forward", forwarding("2001:db8:32::1"));
        assertEquals(List.of("2001:db8:32::/64 dev p1 metric 1024 pref medium"), f.out("route show 2001:db8:32::/64"));
    }
    @Test
    void theSubnetsOfAPortsKernelAddressesAreConnectedAsTheKernelsRoutes() {
        f.plane.applyReported(r -> {
            r.connectedSubnet(1, io.dataplane.control.command.Prefix.parse("203.0.113.0/24"));
            r.connectedSubnet(1, io.dataplane.control.command.Prefix.parse("203.0.114.7/32"));
            r.connectedSubnet(1, io.dataplane.control.command.Prefix.parse("fe80::/64"));
            r.connectedSubnet(2, io.dataplane.control.command.Prefix.parse("2001:db8:77::/64"));
            r.connectedSubnet(2, io.dataplane.control.command.Prefix.parse("10.1.0.0/16")); // a configured route is there: it stays
        });
        assertEquals(List.of("203.0.113.0/24 dev p1 proto kernel scope link"), f.out("route show root 203.0.112.0/22"),
                "as ip route show prints the kernel's route for an address; a host address makes none");
        assertEquals(List.of("2001:db8:77::/64 dev p2 proto kernel metric 256 pref medium"), f.out("route show 2001:db8:77::/64"));
        assertTrue(f.out("-6 route show").stream().noneMatch(l -> l.startsWith("fe80")), "no link-local route");
        assertEquals(List.of("10.1.0.0/16 via 192.0.2.1 dev p1"), f.out("route show 10.1.0.0/16"));
        f.ok("neigh add 203.0.113.1 lladdr 02:00:00:00:71:01 dev p1");
        assertEquals("dev p1 mac 02:00:00:00:71:01 verdict forward", forwarding("203.0.113.1"),
                "the next router on the port's own subnet is reachable with no route line");
        assertTrue(f.fails("route del 203.0.113.0/24").contains("comes from the address of p1 (proto kernel)"));
        assertFalse(String.join("\n", f.out("show running-config")).contains("203.0.113.0"), "the kernel's routes are not configuration");
        // A route configured here for a connected subnet wins, now as at start; deleted, the connected route is back.
        f.ok("route add 203.0.113.0/24 via 192.0.2.1 dev p1");
        assertEquals(List.of("203.0.113.0/24 via 192.0.2.1 dev p1"), f.out("route show 203.0.113.0/24"));
        f.ok("route del 203.0.113.0/24");
        assertEquals(List.of("203.0.113.0/24 dev p1 proto kernel scope link"), f.out("route show 203.0.113.0/24"));
        f.ok("route del 10.1.0.0/16");
        assertEquals(List.of("10.1.0.0/16 dev p2 proto kernel scope link"), f.out("route show 10.1.0.0/16"),
                "the subnet a configured route held at start becomes connected once it is deleted");
    }
}
