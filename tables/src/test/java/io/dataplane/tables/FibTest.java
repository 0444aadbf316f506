package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The single writer's validation and publication rules. */
class FibTest {
    private final Fib f = new Fib(new FibLimits(64, 64, 16, 64, 4));

    @AfterEach
    void close() {
        f.close();
    }

    private static Nexthop nh(int port) {
        return new Nexthop(port, 0x0200000000aaL + port, 0x0200000000bbL, 1500, true, true);
    }

    private static final int NET = IpAddresses.parse4("198.51.100.0");

    @Test
    void routeToGroupIsVisibleAfterOneCommit() {
        f.change().nexthop(1, nh(1)).nexthop(2, nh(2))
                .group(0, new GroupSpec(new int[] {1, 2}, new int[] {1, 2}, MultipathAlgorithm.L4))
                .route4(NET, 24, RouteTarget.group(0)).commit();
        Snapshot s = f.snapshot();
        assertEquals(RouteTarget.group(0), s.route4(NET + 7));
        assertEquals(2, s.groups.get(0).size());
        assertEquals(RouteTarget.NONE, s.route4(IpAddresses.parse4("192.0.2.1")));
    }

    @Test
    void failedValidationChangesNothing() {
        f.change().nexthop(1, nh(1)).route4(NET, 24, RouteTarget.nexthop(1)).commit();
        Snapshot before = f.snapshot();
        var e = assertThrows(IllegalArgumentException.class, () -> f.change()
                .nexthop(2, nh(2))
                .group(3, new GroupSpec(new int[] {1, 9}, new int[] {1, 1}, MultipathAlgorithm.L3))
                .commit());
        assertTrue(e.getMessage().contains("nexthop slot 9"), e.getMessage());
        assertSame(before, f.snapshot());
        assertNull(f.snapshot().nexthops.get(2));
    }

    @Test
    void nexthopUsedByARouteCannotBeRemoved() {
        f.change().nexthop(1, nh(1)).route4(NET, 24, RouteTarget.nexthop(1)).commit();
        var e = assertThrows(IllegalArgumentException.class, () -> f.change().removeNexthop(1).commit());
        assertTrue(e.getMessage().contains("still used by 1 route"), e.getMessage());
        f.change().removeRoute4(NET, 24).removeNexthop(1).commit();
        assertNull(f.snapshot().nexthops.get(1));
    }

    @Test
    void nexthopUsedByAGroupCannotBeRemoved() {
        f.change().nexthop(1, nh(1)).group(0, new GroupSpec(new int[] {1}, new int[] {1}, MultipathAlgorithm.L3)).commit();
        var e = assertThrows(IllegalArgumentException.class, () -> f.change().removeNexthop(1).commit());
        assertTrue(e.getMessage().contains("which this change removes"), e.getMessage());
    }

    @Test
    void routeToMissingTargetIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> f.change().route4(NET, 24, RouteTarget.group(5)).commit());
        assertTrue(e.getMessage().contains("group 5, which does not exist"), e.getMessage());
        assertEquals(RouteTarget.NONE, f.snapshot().route4(NET));
    }

    @Test
    void aRouteSetTwiceInOneChangeCountsAsTheSequence() {
        f.change().nexthop(1, nh(1)).nexthop(2, nh(2)).route4(NET, 24, RouteTarget.nexthop(1)).commit();
        // deleted, then deleted again in the same change: the second finds nothing
        var e = assertThrows(IllegalArgumentException.class, () -> f.change().removeRoute4(NET, 24).removeRoute4(NET, 24).commit());
        assertTrue(e.getMessage().contains("198.51.100.0/24 does not exist"), e.getMessage());
        assertEquals(RouteTarget.nexthop(1), f.snapshot().route4(NET));
        // deleted, then added on another nexthop: the first nexthop has no route left and can go
        f.change().removeRoute4(NET, 24).route4(NET, 24, RouteTarget.nexthop(2)).removeNexthop(1).commit();
        assertEquals(RouteTarget.nexthop(2), f.snapshot().route4(NET));
        assertNull(f.snapshot().nexthops.get(1));
        // moved away and back: the route ends on the second nexthop, which must stay
        f.change().nexthop(3, nh(3)).route4(NET, 24, RouteTarget.nexthop(3)).route4(NET, 24, RouteTarget.nexthop(2)).commit();
        var used = assertThrows(IllegalArgumentException.class, () -> f.change().removeNexthop(2).commit());
        assertTrue(used.getMessage().contains("still used by 1 route"), used.getMessage());
        f.change().removeNexthop(3).commit(); // and the third has no route
    }

    @Test
    void removingAMissingRouteIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> f.change().removeRoute4(NET, 24).commit());
        assertTrue(e.getMessage().contains("198.51.100.0/24 does not exist"), e.getMessage());
    }

    @Test
    void hostBitsAreRefusedWithTheLikelyMeaning() {
        var e = assertThrows(IllegalArgumentException.class, () -> f.change().route4(NET + 1, 24, RouteTarget.nexthop(1)).commit());
        assertTrue(e.getMessage().contains("did you mean 198.51.100.0/24"), e.getMessage());
    }

    @Test
    void outOfRangeSlotsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> f.change().nexthop(64, nh(1)));
        assertThrows(IllegalArgumentException.class, () -> f.change().group(-1, new GroupSpec(new int[] {1}, new int[] {1}, MultipathAlgorithm.L3)));
    }

    @Test
    void deadNexthopLeavesItsGroupsHashSpace() {
        f.change().nexthop(1, nh(1)).nexthop(2, nh(2))
                .group(0, new GroupSpec(new int[] {1, 2}, new int[] {1, 1}, MultipathAlgorithm.L3)).commit();
        f.change().nexthop(2, nh(2).withAlive(false)).commit();
        Snapshot s = f.snapshot();
        int block = s.groups.block(0);
        for (int h = 0; h >= 0; h += 1 << 24) {
            assertEquals(1, s.groups.selectByHash(block, h));
        }
    }

    @Test
    void hashSeedIsPartOfTheSnapshot() {
        f.change().hashSeed(99).commit();
        assertEquals(99, f.snapshot().hashSeed);
    }

    @Test
    void theHashConfigurationIsPublishedWithTheRestOfTheChangeInOneVersion() {
        long v = f.snapshot().version;
        HashConfiguration kernel = new HashConfiguration(true, 7, KernelHash.POLICY_L4, HashField.DEFAULT, KernelHash.POLICY_CUSTOM, 0x0030);
        f.change().nexthop(1, nh(1)).hash(kernel).commit();
        Snapshot s = f.snapshot();
        assertEquals(v + 1, s.version);
        assertEquals(kernel, s.hash);
        assertTrue(s.kernelHash);
        assertEquals(7, s.hashSeed);
        assertEquals(FlowKeys.key(7), s.kernelKey);
        assertEquals(KernelHash.POLICY_L4, s.policy4);
        assertEquals(0x0030, s.fields6);
        f.change().hashSeed(8).commit(); // the seed alone keeps the rest
        assertEquals(kernel.withSeed(8), f.snapshot().hash);
        assertEquals(FlowKeys.key(8), f.snapshot().kernelKey);
        f.change().hash(HashConfiguration.DEFAULT).hashSeed(9).commit(); // a later seed is not lost
        assertEquals(HashConfiguration.DEFAULT.withSeed(9), f.snapshot().hash);
    }

    @Test
    void aHashConfigurationOutOfRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new HashConfiguration(true, 0, 4, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new HashConfiguration(true, 0, 0, 0x1000, 0, 0));
    }

    @Test
    void aChangeCommitsOnce() {
        Change c = f.change().hashSeed(1);
        c.commit();
        assertThrows(IllegalStateException.class, c::commit);
    }
}
