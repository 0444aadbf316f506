package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.FibPlane;
import io.dataplane.control.command.IpAddress;
import io.dataplane.control.rib.Rib;
import io.dataplane.control.rib.SlotNexthop;
import io.dataplane.ffi.Rtnetlink;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import io.dataplane.testing.Netns;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The kernel's neighbours and links as the daemon follows them: the follower hands on what the
 * kernel reports, the relay turns it into RIB changes, and the RIB (the one neighbour model)
 * decides what the tables hold: static entries win over the kernel's.
 */
class KernelFollowerTest {
    private static final byte[] MAC_A = {2, 0, 0, 0, 0, 0x0a};
    private static final byte[] MAC_B = {2, 0, 0, 0, 0, 0x0b};
    private static final int IFINDEX_P0 = 3;
    private static final int IFINDEX_P1 = 4;

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    private static Rtnetlink.Link link(int index, boolean up) {
        return new Rtnetlink.Link(index, "eth" + index, MAC_A, 1500,
                up ? Rtnetlink.IFF_UP | Rtnetlink.IFF_LOWER_UP : Rtnetlink.IFF_UP, up ? Rtnetlink.OPER_UP : 2);
    }

    /** The nexthop slot of gateway {@code via} on {@code port}. */
    private static SlotNexthop slot(Rib rib, String via, int port) {
        for (int slot = 0; slot < 64; slot++) {
            SlotNexthop s = rib.nexthopSlot(slot);
            if (s != null && s.via().equals(IpAddress.parse(via)) && s.port() == port) {
                return s;
            }
        }
        throw new AssertionError("no slot for " + via + " on port " + port);
    }

    /** The MAC the slot of gateway {@code via} on {@code port} sends to, or -1 while unresolved. */
    private static long slotMac(Rib rib, String via, int port) {
        SlotNexthop s = slot(rib, via, port);
        return s.resolved() ? s.dstMac() : -1;
    }

    /** Addresses added and removed on a followed device: the subnet's connected route comes with its first address, goes with its last. */
    @Test
    void addressesBringAndTakeTheirConnectedRoutes() throws Exception {
        try (Fib forwarding = new Fib(new FibLimits(64, 16, 256, 256, 2))) {
            ControlPlane plane = new ControlPlane(new Rib(64, 16), null, new PortConfiguration());
            plane.loadConfiguration(List.of("port add dev p0 type memory", "route add 10.9.0.0/24 via 10.0.0.2 dev p0"), "k.conf");
            plane.attach(new FibPlane(forwarding));
            Rib rib = plane.rib();
            List<Integer> told = new java.util.ArrayList<>();
            KernelRelay relay = new KernelRelay(plane, Runnable::run, Map.of(IFINDEX_P0, 0), (port, ifindex) -> told.add(port));
            io.dataplane.control.command.Prefix subnet = new io.dataplane.control.command.Prefix(IpAddress.parse("10.5.0.0"), 24);
            relay.onAddress(new Rtnetlink.Address(IFINDEX_P0, ip("10.5.0.1"), 24, null), false);
            assertEquals("kernel", io.dataplane.control.command.RouteProtocol.name(rib.route(subnet).protocol()));
            relay.onAddress(new Rtnetlink.Address(IFINDEX_P0, ip("10.5.0.2"), 24, null), false);
            relay.onAddress(new Rtnetlink.Address(IFINDEX_P0, ip("10.5.0.1"), 24, null), true);
            assertTrue(rib.route(subnet) != null, "a second address in the subnet keeps the route");
            relay.onAddress(new Rtnetlink.Address(IFINDEX_P0, ip("10.5.0.2"), 24, null), true);
            assertEquals(null, rib.route(subnet));
            // a configured route to the subnet wins and is not taken by an address going
            io.dataplane.control.command.Prefix configured = new io.dataplane.control.command.Prefix(IpAddress.parse("10.9.0.0"), 24);
            relay.onAddress(new Rtnetlink.Address(IFINDEX_P0, ip("10.9.0.1"), 24, null), false);
            relay.onAddress(new Rtnetlink.Address(IFINDEX_P0, ip("10.9.0.1"), 24, null), true);
            assertTrue(rib.route(configured) != null && !rib.route(configured).followed());
            relay.onAddress(new Rtnetlink.Address(99, ip("10.6.0.1"), 24, null), false);
            assertEquals(null, rib.route(new io.dataplane.control.command.Prefix(IpAddress.parse("10.6.0.0"), 24)), "not a port's device");
            assertEquals(List.of(0, 0, 0, 0, 0, 0), told);
        }
    }

    @Test
    void kernelEntriesReachTheRibAndStaticOnesWin() throws Exception {
        try (Fib forwarding = new Fib(new FibLimits(64, 16, 256, 256, 2))) {
            ControlPlane plane = new ControlPlane(new Rib(64, 16), null, new PortConfiguration());
            plane.loadConfiguration(List.of(
                    "port add dev p0 type memory",
                    "port add dev p1 type memory",
                    "route add 10.1.0.0/16 via 10.0.0.2 dev p0",
                    "route add 10.2.0.0/16 via 10.0.0.2 dev p1"), "k.conf");
            FibPlane tables = new FibPlane(forwarding);
            plane.attach(tables);
            Rib rib = plane.rib();
            // The control thread is this one: every relayed report runs at once.
            KernelRelay relay = new KernelRelay(plane, Runnable::run, Map.of(IFINDEX_P0, 0, IFINDEX_P1, 1));
            Object session = new Object();
            long v0 = tables.version();
            InetAddress nh = ip("10.0.0.2");
            assertEquals(-1, slotMac(rib, "10.0.0.2", 0));

            relay.onNeighbour(new Rtnetlink.Neighbour(IFINDEX_P0, nh, null, Rtnetlink.NUD_INCOMPLETE), false);
            assertEquals(-1, slotMac(rib, "10.0.0.2", 0), "incomplete is unresolved");
            relay.onNeighbour(new Rtnetlink.Neighbour(IFINDEX_P0, nh, MAC_A, Rtnetlink.NUD_REACHABLE), false);
            assertEquals(0x02000000000aL, slotMac(rib, "10.0.0.2", 0));
            relay.onNeighbour(new Rtnetlink.Neighbour(IFINDEX_P0, nh, MAC_A, Rtnetlink.NUD_STALE), false);
            assertEquals(0x02000000000aL, slotMac(rib, "10.0.0.2", 0), "stale is still usable, as in the kernel");
            assertEquals(-1, slotMac(rib, "10.0.0.2", 1), "per interface");

            assertTrue(plane.execute(session, "neigh add 10.0.0.2 lladdr 02:00:00:00:00:0b dev p0").ok());
            assertEquals(0x02000000000bL, slotMac(rib, "10.0.0.2", 0));
            relay.onNeighbour(new Rtnetlink.Neighbour(IFINDEX_P0, nh, MAC_A, Rtnetlink.NUD_FAILED), false);
            assertEquals(0x02000000000bL, slotMac(rib, "10.0.0.2", 0), "static wins over the kernel");
            assertTrue(plane.execute(session, "neigh del 10.0.0.2 dev p0").ok());
            assertEquals(-1, slotMac(rib, "10.0.0.2", 0), "the kernel's entry had failed meanwhile");

            relay.onNeighbour(new Rtnetlink.Neighbour(IFINDEX_P0, nh, MAC_B, Rtnetlink.NUD_REACHABLE), false);
            relay.onNeighbour(new Rtnetlink.Neighbour(IFINDEX_P0, nh, MAC_B, Rtnetlink.NUD_REACHABLE), true);
            assertEquals(-1, slotMac(rib, "10.0.0.2", 0), "deleted");

            relay.onLink(link(IFINDEX_P0, true), false);
            relay.onLink(link(IFINDEX_P0, true), false);
            relay.onLink(link(IFINDEX_P0, false), false);
            assertFalse(rib.carrier(0));
            assertFalse(slot(rib, "10.0.0.2", 0).alive(), "no carrier: the port's nexthops are dead");
            relay.onLink(link(9, false), false);
            assertTrue(rib.carrier(1), "links that are not ports are ignored; ports never reported are up");

            // a, static b, unresolved, b, unresolved, carrier down: one table version per change, none for repeats
            assertEquals(6, tables.version() - v0);
        }
    }

    @Test
    void followerLoadsTheDumpResolvesAndSeesLinkDown() throws Exception {
        try (Netns netns = new Netns("neigh")) {
            String r = netns.add("r");
            String s = netns.add("s");
            netns.veth(r, "r0", s, "s0");
            netns.ip(r, "addr", "add", "10.8.0.1/24", "dev", "r0");
            netns.ip(s, "addr", "add", "10.8.0.2/24", "dev", "s0");
            netns.ip(s, "link", "set", "s0", "address", "02:00:00:00:08:02");
            netns.ip(r, "neigh", "add", "10.8.0.9", "lladdr", "02:00:00:00:08:09", "dev", "r0");
            int r0 = netns.call(r, () -> io.dataplane.ffi.Libc.ifNameToIndex("r0"));
            Map<InetAddress, Long> neighbours = new ConcurrentHashMap<>();
            Map<Integer, Boolean> links = new ConcurrentHashMap<>();
            Map<String, Boolean> addresses = new ConcurrentHashMap<>();
            Rtnetlink.Listener heard = new Rtnetlink.Listener() {
                @Override
                public void onLink(Rtnetlink.Link link, boolean deleted) {
                    links.put(link.index(), !deleted && link.up());
                }

                @Override
                public void onNeighbour(Rtnetlink.Neighbour n, boolean deleted) {
                    if (n.ifindex() == r0) {
                        neighbours.put(n.address(), deleted || !n.usable() ? -1 : KernelAddresses.mac(n.mac()));
                    }
                }

                @Override
                public void onAddress(Rtnetlink.Address a, boolean deleted) {
                    if (a.ifindex() == r0) {
                        addresses.put(a.address().getHostAddress() + "/" + a.prefixLength(), !deleted);
                    }
                }
            };
            try (KernelFollower f = new KernelFollower(heard, r)) {
                f.awaitLoaded(5, TimeUnit.SECONDS);
                assertEquals(0x020000000809L, neighbours.get(ip("10.8.0.9")), "from the dump");
                assertEquals(-1L, neighbours.getOrDefault(ip("10.8.0.2"), -1L));
                assertEquals(Boolean.TRUE, links.get(r0), "the dump has the links too");
                f.resolve(r0, ip("10.8.0.2"));
                long deadline = System.nanoTime() + 3_000_000_000L;
                while (neighbours.getOrDefault(ip("10.8.0.2"), -1L) < 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(0x020000000802L, neighbours.get(ip("10.8.0.2")), "resolved through the kernel");
                netns.ip(r, "addr", "add", "10.8.1.1/24", "dev", "r0");
                netns.ip(r, "addr", "add", "2001:db8:8::1/64", "dev", "r0", "nodad");
                netns.ip(r, "addr", "del", "10.8.1.1/24", "dev", "r0");
                deadline = System.nanoTime() + 3_000_000_000L;
                while ((addresses.get("10.8.1.1/24") != Boolean.FALSE || addresses.get("2001:db8:8:0:0:0:0:1/64") == null)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(Boolean.FALSE, addresses.get("10.8.1.1/24"), "added, then removed: " + addresses);
                assertEquals(Boolean.TRUE, addresses.get("2001:db8:8:0:0:0:0:1/64"), "added: " + addresses);
                netns.ip(s, "link", "set", "s0", "down");
                deadline = System.nanoTime() + 3_000_000_000L;
                while (links.get(r0) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertFalse(links.get(r0), "peer down: r0 lost carrier");
            }
        }
    }

    @Test
    void addressesConvertBothWays() throws Exception {
        assertEquals(IpAddress.parse("192.0.2.7"), KernelAddresses.ipAddress(ip("192.0.2.7")));
        assertEquals(IpAddress.parse("2001:db8::9"), KernelAddresses.ipAddress(ip("2001:db8::9")));
        assertEquals(ip("2001:db8::9"), KernelAddresses.inetAddress(IpAddress.parse("2001:db8::9")));
        assertEquals(ip("192.0.2.7"), KernelAddresses.inetAddress(IpAddress.parse("192.0.2.7")));
        assertEquals(0x02000000000aL, KernelAddresses.mac(MAC_A));
        assertEquals(KernelAddresses.NO_MAC, KernelAddresses.mac(new byte[4]));
    }
}
