package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.FibPlane;
import io.dataplane.control.Reply;
import io.dataplane.control.command.Prefix;
import io.dataplane.control.rib.Rib;
import io.dataplane.control.rib.Route;
import io.dataplane.ffi.Libc;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import io.dataplane.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The kernel's routes and nexthop objects followed into the RIB over rtnetlink, in a namespace
 * with two veth devices as our ports: multipath with weights, nexthop groups and their
 * replacement in place, routes not followed and why, operators refused on followed routes, a
 * configured route winning, and the resynchronisation after the kernel dropped notifications.
 */
class KernelRouteFollowTest {
    private static final int MAIN = 254;

    /** The control thread of the test: the relay's tasks and the test's commands run on it, one at a time. */
    private final ExecutorService control = Executors.newSingleThreadExecutor();

    private <T> T onControl(Supplier<T> body) throws Exception {
        return control.submit(body::get).get(10, TimeUnit.SECONDS);
    }

    /** Waits for {@code check}, generously: the machine may be loaded (this is not a timing assertion). */
    private static void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    @FunctionalInterface
    interface Check {
        boolean ok() throws Exception;
    }

    private String run(ControlPlane plane, String line) throws Exception {
        Reply r = onControl(() -> plane.execute(this, line));
        return r.ok() ? String.join("\n", r.output()) : "error: " + r.error();
    }

    @Test
    void followsRoutesGroupsAndResyncs() throws Exception {
        try (Netns netns = new Netns("follow"); Fib fib = new Fib(FibLimits.defaults())) {
            String r = netns.add("r");
            String peer = netns.add("p");
            for (int i = 0; i < 3; i++) {
                netns.veth(r, "d" + i, peer, "e" + i);
            }
            netns.ip(r, "addr", "add", "10.1.0.1/24", "dev", "d0");
            netns.ip(r, "addr", "add", "10.2.0.1/24", "dev", "d1");
            netns.ip(r, "addr", "add", "10.3.0.1/24", "dev", "d2");
            netns.ip(r, "-6", "addr", "add", "2001:db8:1::1/64", "dev", "d0", "nodad");
            // before following: in the dump
            netns.ip(r, "route", "add", "198.51.100.0/24", "proto", "bgp", "nexthop", "via", "10.1.0.2", "dev", "d0",
                    "nexthop", "via", "10.2.0.2", "dev", "d1", "weight", "3");
            netns.ip(r, "route", "add", "192.0.2.0/24", "via", "10.3.0.2", "dev", "d2");
            Map<Integer, String> ports = Map.of(
                    netns.call(r, () -> Libc.ifNameToIndex("d0")), "d0",
                    netns.call(r, () -> Libc.ifNameToIndex("d1")), "d1");

            ControlPlane plane = new ControlPlane(new Rib(1024, 256), null, new PortConfiguration());
            plane.loadConfiguration(List.of("port add dev d0 type memory", "port add dev d1 type memory",
                    "route add 203.0.113.0/24 via 10.1.0.9 dev d0"), "f.conf");
            plane.attach(new FibPlane(fib));
            Rib rib = plane.rib();
            onControl(() -> rib.follow("kernel", "the kernel's table 254", MAIN, Set.of()));
            RouteRelay relay = new RouteRelay(plane, control, "kernel", MAIN, ports);
            try (KernelFollower follower = new KernelFollower(relay, r, KernelFollower.Tables.ROUTES, 0)) {
                follower.awaitLoaded(10, TimeUnit.SECONDS);
                Prefix mp = Prefix.parse("198.51.100.0/24");
                await("the multipath route from the dump", () -> onControl(() -> rib.route(mp)) != null);
                assertEquals("198.51.100.0/24 mpalgo l3 proto bgp\n\tnexthop via 10.1.0.2 dev d0 weight 1\n"
                        + "\tnexthop via 10.2.0.2 dev d1 weight 3", run(plane, "route show 198.51.100.0/24"));
                assertTrue(run(plane, "route del 198.51.100.0/24").contains("comes from the kernel's table 254 (proto bgp)"),
                        "operators are told where a followed route comes from");
                assertTrue(run(plane, "rib follow show").contains("device ifindex"), run(plane, "rib follow show"));

                // nexthop objects: a group, then the group replaced without one member (a path withdrawn)
                netns.ip(r, "nexthop", "add", "id", "11", "via", "10.1.0.2", "dev", "d0");
                netns.ip(r, "nexthop", "add", "id", "12", "via", "10.2.0.2", "dev", "d1");
                netns.ip(r, "nexthop", "add", "id", "20", "group", "11,2/12,5");
                netns.ip(r, "route", "add", "100.64.0.0/16", "nhid", "20", "proto", "ospf");
                netns.ip(r, "-6", "route", "add", "2001:db8:99::/48", "via", "2001:db8:1::2", "dev", "d0", "proto", "static");
                Prefix g = Prefix.parse("100.64.0.0/16");
                await("the route through the group", () -> onControl(() -> rib.route(g)) != null);
                Route before = onControl(() -> rib.route(g));
                assertEquals(2, before.hops().size());
                assertEquals(List.of(2, 5), before.hops().stream().map(h -> h.weight()).toList(), "group weights");
                netns.ip(r, "nexthop", "replace", "id", "20", "group", "11,2/12,1");
                await("the group's new weights", () -> onControl(() -> rib.route(g)).hops().get(1).weight() == 1);
                assertEquals(before.ownGroup(), onControl(() -> rib.route(g)).ownGroup(),
                        "a group change rewrites the route's group slot in place (one atomic replace)");
                netns.ip(r, "nexthop", "replace", "id", "20", "group", "12");
                await("one path left", () -> onControl(() -> rib.route(g)).hops().size() == 1);
                assertEquals("100.64.0.0/16 via 10.2.0.2 dev d1 proto ospf", run(plane, "route show 100.64.0.0/16"));
                await("the IPv6 route", () -> onControl(() -> rib.route(Prefix.parse("2001:db8:99::/48"))) != null);
                assertTrue(run(plane, "-j route show 2001:db8:99::/48").contains("\"protocol\":\"static\""));

                // a route configured here wins; when it goes, the kernel's takes its place
                netns.ip(r, "route", "add", "203.0.113.0/24", "via", "10.2.0.7", "dev", "d1", "proto", "bgp");
                await("the kernel's route held back", () -> run(plane, "rib follow show").contains("a route configured here"));
                assertEquals("203.0.113.0/24 via 10.1.0.9 dev d0", run(plane, "route show 203.0.113.0/24"));
                assertEquals("", run(plane, "route del 203.0.113.0/24"));
                assertEquals("203.0.113.0/24 via 10.2.0.7 dev d1 proto bgp", run(plane, "route show 203.0.113.0/24"));

                netns.ip(r, "route", "del", "198.51.100.0/24");
                await("the deleted route gone", () -> onControl(() -> rib.route(mp)) == null);

                // a route without a gateway is followed as a connected route: the destination is the neighbour
                netns.ip(r, "route", "add", "100.66.0.0/24", "dev", "d0", "proto", "static");
                Prefix dev = Prefix.parse("100.66.0.0/24");
                await("the connected route", () -> onControl(() -> rib.route(dev)) != null);
                assertEquals("100.66.0.0/24 dev d0 proto static scope link", run(plane, "route show 100.66.0.0/24"));
            }

            // A tiny receive buffer and a flood: the kernel drops notifications (ENOBUFS), the
            // follower dumps again, and the RIB ends up equal to the kernel's table.
            Rib rib2 = new Rib(1024, 256);
            ControlPlane plane2 = new ControlPlane(rib2, null, new PortConfiguration());
            plane2.loadConfiguration(List.of("port add dev d0 type memory", "port add dev d1 type memory"), "g.conf");
            try (Fib fib2 = new Fib(FibLimits.defaults())) {
                plane2.attach(new FibPlane(fib2));
                onControl(() -> rib2.follow("kernel", "the kernel's table 254", MAIN, Set.of()));
                RouteRelay relay2 = new RouteRelay(plane2, control, "kernel", MAIN, ports);
                try (KernelFollower follower = new KernelFollower(relay2, r, KernelFollower.Tables.ROUTES, 4096)) {
                    follower.awaitLoaded(10, TimeUnit.SECONDS);
                    int before = onControl(rib2::routeCount);
                    List<String> batch = new ArrayList<>();
                    for (int i = 0; i < 20_000; i++) {
                        batch.add("route add 10." + (100 + i / 65536) + "." + (i / 256 % 256) + "." + (i % 256) + "/32 via 10.1.0.2 dev d0");
                    }
                    Path file = Files.createTempFile("routes", ".batch");
                    Files.write(file, batch);
                    netns.ip(r, "-batch", file.toString());
                    Files.delete(file);
                    try {
                        await("all 20,000 routes after resynchronisation", () -> onControl(rib2::routeCount) == before + 20_000);
                    } catch (AssertionError e) {
                        throw new AssertionError(e.getMessage() + ": " + onControl(rib2::routeCount) + " routes, "
                                + follower.dumps() + " dumps; " + run(plane2, "rib follow show"), e);
                    }
                    assertTrue(follower.dumps() > 1, "the flood overran the 4 KiB buffer and forced a dump");
                }
            }
        } finally {
            control.shutdownNow();
        }
    }
}
