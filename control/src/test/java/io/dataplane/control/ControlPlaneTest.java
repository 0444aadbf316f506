package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.*;

import io.dataplane.control.command.CommandException;
import io.dataplane.control.daemon.PortConfiguration;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import io.dataplane.tables.Snapshot;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Behaviours of the control plane over real forwarding tables: what each command publishes. */
class ControlPlaneTest {
    private final Fixture f = new Fixture();

    @AfterEach
    void close() {
        f.close();
    }

    private static int v4(String a) {
        return io.dataplane.control.command.IpAddress.parse(a).v4Value();
    }

    private Snapshot snap() {
        return f.forwarding.snapshot();
    }

    @Test
    void configurationIsPublishedAsOneVersion() {
        // version 1 is the empty table; attach publishes the whole configuration in one change
        // (two snapshots at most: slots first, then none removed), so a reader never saw half of it
        assertTrue(snap().version() <= 3);
        int t = snap().route4(v4("10.0.0.7"));
        assertTrue(RouteTarget.isGroup(t));
        GroupSpec g = snap().groups.get(RouteTarget.index(t));
        assertEquals(MultipathAlgorithm.L4, g.algorithm());
        assertArrayEquals(new int[] {1, 3}, g.weights());
    }

    @Test
    void routeViaGatewayTakesDestinationMacFromNeighbourAndSourceMacAndMtuFromPort() {
        int t = snap().route4(v4("10.1.2.3"));
        assertFalse(RouteTarget.isGroup(t));
        Nexthop nh = snap().nexthops.get(RouteTarget.index(t));
        assertEquals(1, nh.port());
        assertEquals(0x02_00_00_00_01_01L, nh.dstMac());
        assertEquals(0x02_00_00_00_00_02L, nh.srcMac()); // p1 is port index 1: 02:00:00:00:00:02
        assertEquals(9000, nh.mtu());
        assertTrue(nh.resolved() && nh.alive());
    }

    @Test
    void gatewayWithoutNeighbourIsUnresolvedUntilNeighAddResolvesItInPlace() {
        f.ok("route add 10.5.0.0/16 via 192.0.2.50 dev p2");
        int t = snap().route4(v4("10.5.0.1"));
        assertFalse(snap().nexthops.get(RouteTarget.index(t)).resolved());
        f.ok("neigh add 192.0.2.50 lladdr 02:00:00:00:00:50 dev p2");
        assertEquals(t, snap().route4(v4("10.5.0.1")), "same slot, rewritten in place");
        Nexthop nh = snap().nexthops.get(RouteTarget.index(t));
        assertTrue(nh.resolved());
        assertEquals(0x02_00_00_00_00_50L, nh.dstMac());
        f.ok("neigh del 192.0.2.50 dev p2");
        assertFalse(snap().nexthops.get(RouteTarget.index(t)).resolved());
    }

    @Test
    void multipathRouteReplaceRewritesItsGroupSlotInPlace() {
        int before = snap().route6(io.dataplane.control.command.IpAddress.parse("2001:db8:1::5").hi(),
                io.dataplane.control.command.IpAddress.parse("2001:db8:1::5").lo());
        f.ok("route replace 2001:db8:1::/48 nexthop via 2001:db8::1 dev p1 weight 5 nexthop via 2001:db8::3 dev p2 weight 7 mpalgo per-packet");
        var a = io.dataplane.control.command.IpAddress.parse("2001:db8:1::5");
        int after = snap().route6(a.hi(), a.lo());
        assertEquals(before, after, "the route keeps pointing at the same group slot");
        GroupSpec g = snap().groups.get(RouteTarget.index(after));
        assertArrayEquals(new int[] {5, 7}, g.weights());
        assertEquals(MultipathAlgorithm.PER_PACKET, g.algorithm());
    }

    @Test
    void nexthopGroupReplaceChangesMembersAndWeightsWithoutTouchingTheRoute() {
        int t = snap().route4(v4("10.0.0.1"));
        f.ok("nexthop replace id 10 group 1,2/2,2/3,4 mpalgo l3");
        assertEquals(t, snap().route4(v4("10.0.0.1")));
        GroupSpec g = snap().groups.get(RouteTarget.index(t));
        assertEquals(3, g.size());
        assertArrayEquals(new int[] {2, 2, 4}, g.weights());
        assertEquals(MultipathAlgorithm.L3, g.algorithm());
    }

    @Test
    void routesThroughTheSameGatewayShareOneNexthopSlotAndFreeItWithTheLastRoute() {
        int used = f.rib.nexthopSlotsInUse();
        f.ok("route add 10.2.0.0/16 via 192.0.2.1 dev p1");
        assertEquals(used, f.rib.nexthopSlotsInUse(), "shares 10.1.0.0/16's slot");
        assertEquals(snap().route4(v4("10.1.0.1")), snap().route4(v4("10.2.0.1")));
        f.ok("route del 10.2.0.0/16");
        f.ok("route del 10.1.0.0/16");
        assertEquals(used - 1, f.rib.nexthopSlotsInUse());
        assertEquals(RouteTarget.NONE, snap().route4(v4("10.1.0.1")));
    }

    @Test
    void routeReplaceFromGatewayToNexthopObjectRepointsTheRoute() {
        f.ok("route replace 10.1.0.0/16 nhid 2");
        Nexthop nh = snap().nexthops.get(RouteTarget.index(snap().route4(v4("10.1.0.1"))));
        assertEquals(2, nh.port());
        f.fails("nexthop del id 2");
    }

    @Test
    void linkDownMarksItsNexthopsDeadAndLinkUpRevivesThem() {
        f.ok("link set dev p1 down");
        assertFalse(snap().nexthops.get(RouteTarget.index(snap().route4(v4("10.1.0.1")))).alive());
        assertTrue(String.join("\n", f.out("link show dev p1")).matches("(?s).*<BROADCAST,MULTICAST> mtu \\d+ state DOWN.*"));
        f.ok("link set dev p1 up");
        assertTrue(snap().nexthops.get(RouteTarget.index(snap().route4(v4("10.1.0.1")))).alive());
    }

    @Test
    void hashSeedIsPublished() {
        f.ok("set hash-seed 0xdeadbeef");
        assertEquals(0xdeadbeef, snap().hashSeed());
    }

    @Test
    void batchIsPublishedAsOneChangeOnlyAtCommit() {
        long v = f.version();
        f.ok("batch begin");
        f.ok("route add 10.7.0.0/16 via 192.0.2.2 dev p2");
        f.ok("route add 10.8.0.0/16 nhid 1");
        assertEquals(v, f.version(), "nothing published before commit");
        assertEquals(RouteTarget.NONE, snap().route4(v4("10.7.0.1")));
        f.ok("batch commit");
        assertNotEquals(RouteTarget.NONE, snap().route4(v4("10.7.0.1")));
        assertNotEquals(RouteTarget.NONE, snap().route4(v4("10.8.0.1")));
    }

    @Test
    void batchWithOneBadCommandAppliesNothing() {
        String fp = RibState.of(f.plane);
        long v = f.version();
        f.ok("batch begin");
        f.ok("route add 10.7.0.0/16 via 192.0.2.2 dev p2");
        f.ok("nexthop replace id 10 group 1/2/3");
        Reply bad = f.run("route add 10.8.0.0/16 nhid 42");
        assertFalse(bad.ok());
        assertTrue(bad.error().contains("batch failed"));
        Reply later = f.run("route add 10.9.0.0/16 nhid 1");
        assertFalse(later.ok(), "commands after the failure are refused too");
        Reply commit = f.run("batch commit");
        assertFalse(commit.ok());
        assertTrue(commit.error().contains("nothing changed"), commit.error());
        assertEquals(fp, RibState.of(f.plane));
        assertEquals(v, f.version());
        assertEquals(2, snap().groups.get(RouteTarget.index(snap().route4(v4("10.0.0.1")))).size());
    }

    @Test
    void batchAbortRestoresTheRib() {
        String fp = RibState.of(f.plane);
        f.ok("batch begin");
        f.ok("route del 10.1.0.0/16");
        f.ok("nexthop replace id 10 group 2");
        f.ok("link set dev p2 down");
        f.ok("batch abort");
        assertEquals(fp, RibState.of(f.plane));
    }

    @Test
    void batchDoesNotNest() {
        f.ok("batch begin");
        assertTrue(f.run("batch begin").error().contains("do not nest"));
    }

    @Test
    void whileOneSessionHoldsABatchOtherSessionsWait() {
        Object other = new Object();
        assertTrue(f.plane.accepts(other));
        f.ok("batch begin");
        assertFalse(f.plane.accepts(other));
        assertTrue(f.plane.accepts(f.session));
        f.plane.sessionClosed(f.session); // the owner vanished: its batch is abandoned
        assertTrue(f.plane.accepts(other));
    }

    @Test
    void batchSlotsFreedInsideABatchAreNotReusedUntilCommit() {
        f.ok("batch begin");
        f.ok("route del 10.1.0.0/16");
        f.ok("route add 10.3.0.0/16 via 192.0.2.9 dev p1");
        f.ok("batch commit");
        // if the freed slot had been reused, the Change would have rewritten a slot that the
        // old route still pointed at before being removed; the tables accept only a clean change
        assertNotEquals(RouteTarget.NONE, snap().route4(v4("10.3.0.1")));
        assertEquals(RouteTarget.NONE, snap().route4(v4("10.1.0.1")));
    }

    @Test
    void configurationWithABadLineNamesTheLineAndLoadsNothing() {
        var plane = new ControlPlane(new io.dataplane.control.rib.Rib(64, 16), null, new PortConfiguration());
        String fp = RibState.of(plane);
        var ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of(
                "port add dev p0 type memory",
                "",
                "route add 10.0.0.0/8 via 192.0.2.1 dev p7"), "bad.conf"));
        assertTrue(ex.getMessage().startsWith("bad.conf:3: unknown device 'p7'"), ex.getMessage());
        assertEquals(fp, RibState.of(plane));
        assertTrue(plane.rib().ports().isEmpty());
    }

    @Test
    void configurationWithABatchBeginLineIsRejected() {
        var plane = new ControlPlane(new io.dataplane.control.rib.Rib(64, 16), null, new PortConfiguration());
        var ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of(
                "port add dev p0 type memory", "batch begin"), "nested.conf"));
        assertTrue(ex.getMessage().contains("nested.conf:2"), ex.getMessage());
        assertTrue(plane.rib().ports().isEmpty());
    }

    @Test
    void configurationCannotCommitHalfOfItselfWithABatchLine() {
        var plane = new ControlPlane(new io.dataplane.control.rib.Rib(64, 16), null, new PortConfiguration());
        var ex = assertThrows(CommandException.class, () -> plane.loadConfiguration(List.of(
                "port add dev p0 type memory", "batch commit", "route add 10.0.0.0/8 via 192.0.2.1 dev p9"), "half.conf"));
        assertTrue(ex.getMessage().startsWith("half.conf:2: batch commands are not allowed"), ex.getMessage());
        assertTrue(plane.rib().ports().isEmpty(), "the first line was not applied on its own");
    }

    @Test
    void tableCapacityExhaustionIsAnErrorAndRollsBack() {
        var small = new ControlPlane(new io.dataplane.control.rib.Rib(2, 1), null, new PortConfiguration());
        small.loadConfiguration(List.of("port add dev p0 type memory"), "s.conf");
        Object s = new Object();
        assertTrue(small.execute(s, "route add 10.1.0.0/16 via 192.0.2.1 dev p0").ok());
        assertTrue(small.execute(s, "route add 10.2.0.0/16 via 192.0.2.2 dev p0").ok());
        String fp = RibState.of(small);
        Reply r = small.execute(s, "route add 10.3.0.0/16 via 192.0.2.3 dev p0");
        assertTrue(r.error().contains("nexthop table is full (2 slots)"), r.error());
        assertEquals(fp, RibState.of(small));
    }

    @Test
    void nexthopDelOfAnUnusedObjectFreesItsSlot() {
        int used = f.rib.nexthopSlotsInUse();
        f.ok("nexthop del id 3");
        assertEquals(used - 1, f.rib.nexthopSlotsInUse());
        assertTrue(f.run("nexthop show id 3").error().contains("does not exist"));
    }

    @Test
    void routeDelWithAMatchingSpecDeletesAndPublishesTheRemoval() {
        f.ok("route del 10.1.0.0/16 via 192.0.2.1 dev p1");
        assertEquals(RouteTarget.NONE, snap().route4(v4("10.1.2.3")));
        f.ok("route del 10.0.0.0/24 nhid 10");
        f.ok("nexthop del id 10");
        f.ok("nexthop del id 1");
    }

    @Test
    void ipv6RoutesAreAddedReplacedAndDeleted() {
        var a = io.dataplane.control.command.IpAddress.parse("2001:db8:2::1");
        // IPv6 objects: an IPv6 route cannot use an IPv4 gateway, as in the kernel
        f.ok("nexthop add id 4 via 2001:db8::1 dev p1");
        f.ok("nexthop add id 11 group 4");
        f.ok("route add 2001:db8:2::/64 nhid 4");
        assertEquals(RouteTarget.nexthop(((io.dataplane.control.rib.NexthopObject.GatewayObject) f.rib.objects().get(4)).slot()),
                snap().route6(a.hi(), a.lo()));
        f.ok("route replace 2001:db8:2::/64 nhid 11");
        assertTrue(RouteTarget.isGroup(snap().route6(a.hi(), a.lo())));
        f.ok("route del 2001:db8:2::/64");
        assertEquals(RouteTarget.NONE, snap().route6(a.hi(), a.lo()));
    }

    @Test
    void replaceCreatesWhatDoesNotExistYetLikeIproute() {
        f.ok("route replace 10.20.0.0/16 via 192.0.2.2 dev p2");
        f.ok("nexthop replace id 30 via 192.0.2.2 dev p2");
        assertNotEquals(RouteTarget.NONE, snap().route4(v4("10.20.0.1")));
        assertNotNull(f.rib.objects().get(30));
    }
}
