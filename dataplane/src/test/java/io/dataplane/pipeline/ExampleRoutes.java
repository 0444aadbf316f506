package io.dataplane.pipeline;

import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;

/**
 * Test fixture: the weighted-ECMP example. Port 0 faces the client, ports 1 and 2 the servers.
 * Nexthop 1 = server1 (port 1), nexthop 2 = server2 (port 2), nexthop 3 = a dead one on port 1,
 * nexthop 4 = unresolved on port 2, nexthop 5 = MTU 1280 on port 1.
 * Group 0 (1:2, l4) serves 198.51.100.0/24 and 2001:db8:100::/64; group 1 (1:2, l3) 203.0.113.0/24
 * and fc00::1/128; group 2 (1:2, per-packet) 192.0.2.128/25; single-nexthop routes for the odd
 * nexthops.
 */
final class ExampleRoutes {
    static final long SERVER1_MAC = 0x020000000001L;
    static final long SERVER2_MAC = 0x020000000002L;
    static final long ROUTER_MAC = 0x0200000000feL;

    static Fib build() {
        Fib f = new Fib(new FibLimits(64, 16, 64, 64, 4));
        f.change()
                .nexthop(1, new Nexthop(1, SERVER1_MAC, ROUTER_MAC, 1500, true, true))
                .nexthop(2, new Nexthop(2, SERVER2_MAC, ROUTER_MAC, 1500, true, true))
                .nexthop(3, new Nexthop(1, SERVER1_MAC, ROUTER_MAC, 1500, false, true))
                .nexthop(4, new Nexthop(2, 0, ROUTER_MAC, 1500, true, false))
                .nexthop(5, new Nexthop(1, SERVER1_MAC, ROUTER_MAC, 1280, true, true))
                .group(0, new GroupSpec(new int[] {1, 2}, new int[] {1, 2}, MultipathAlgorithm.L4))
                .group(1, new GroupSpec(new int[] {1, 2}, new int[] {1, 2}, MultipathAlgorithm.L3))
                .group(2, new GroupSpec(new int[] {1, 2}, new int[] {1, 2}, MultipathAlgorithm.PER_PACKET))
                .route4(v4("198.51.100.0"), 24, RouteTarget.group(0))
                .route4(v4("203.0.113.0"), 24, RouteTarget.group(1))
                .route4(v4("192.0.2.128"), 25, RouteTarget.group(2))
                .route4(v4("10.3.0.0"), 16, RouteTarget.nexthop(3))
                .route4(v4("10.4.0.0"), 16, RouteTarget.nexthop(4))
                .route4(v4("10.5.0.0"), 16, RouteTarget.nexthop(5))
                .route6(v6("2001:db8:100::")[0], 0, 64, RouteTarget.group(0))
                .route6(v6("fc00::1")[0], v6("fc00::1")[1], 128, RouteTarget.group(1))
                .commit();
        return f;
    }

    static int v4(String a) {
        return IpAddresses.parse4(a);
    }

    static long[] v6(String a) {
        return IpAddresses.parse6(a);
    }

    private ExampleRoutes() {
    }
}
