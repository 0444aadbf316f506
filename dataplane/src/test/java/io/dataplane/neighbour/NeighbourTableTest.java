package io.dataplane.neighbour;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.ffi.Rtnetlink;
import io.dataplane.testing.Netns;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NeighbourTableTest {
    private static final byte[] MAC_A = {2, 0, 0, 0, 0, 0x0a};
    private static final byte[] MAC_B = {2, 0, 0, 0, 0, 0x0b};

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    private static Rtnetlink.Link link(int index, boolean up) {
        return new Rtnetlink.Link(index, "eth" + index, MAC_A, 1500,
                up ? Rtnetlink.IFF_UP | Rtnetlink.IFF_LOWER_UP : Rtnetlink.IFF_UP, up ? Rtnetlink.OPER_UP : 2);
    }

    @Test
    void followsKernelEntriesAndStaticOnesWin() throws Exception {
        NeighbourTable t = new NeighbourTable();
        List<String> events = new ArrayList<>();
        t.addListener(new NeighbourTable.Listener() {
            @Override
            public void onNeighbour(int ifindex, InetAddress address, long mac) {
                events.add(ifindex + " " + address.getHostAddress() + " " + (mac < 0 ? "unresolved" : Long.toHexString(mac)));
            }

            @Override
            public void onLink(int ifindex, boolean up) {
                events.add(ifindex + (up ? " up" : " down"));
            }
        });
        InetAddress nh = ip("10.0.0.2");
        assertEquals(NeighbourTable.UNRESOLVED, t.lookup(3, nh));

        t.onNeighbour(new Rtnetlink.Neighbour(3, nh, null, Rtnetlink.NUD_INCOMPLETE), false);
        assertEquals(NeighbourTable.UNRESOLVED, t.lookup(3, nh), "incomplete is unresolved");
        t.onNeighbour(new Rtnetlink.Neighbour(3, nh, MAC_A, Rtnetlink.NUD_REACHABLE), false);
        assertEquals(0x02000000000aL, t.lookup(3, nh));
        t.onNeighbour(new Rtnetlink.Neighbour(3, nh, MAC_A, Rtnetlink.NUD_STALE), false);
        assertEquals(0x02000000000aL, t.lookup(3, nh), "stale is still usable, as in the kernel");
        assertEquals(NeighbourTable.UNRESOLVED, t.lookup(4, nh), "per interface");

        t.addStatic(3, nh, 0x02000000000bL);
        assertEquals(0x02000000000bL, t.lookup(3, nh));
        t.onNeighbour(new Rtnetlink.Neighbour(3, nh, MAC_A, Rtnetlink.NUD_FAILED), false);
        assertEquals(0x02000000000bL, t.lookup(3, nh), "static wins over the kernel");
        assertTrue(t.removeStatic(3, nh));
        assertEquals(NeighbourTable.UNRESOLVED, t.lookup(3, nh), "the kernel's entry had failed meanwhile");

        t.onNeighbour(new Rtnetlink.Neighbour(3, nh, MAC_B, Rtnetlink.NUD_REACHABLE), false);
        t.onNeighbour(new Rtnetlink.Neighbour(3, nh, MAC_B, Rtnetlink.NUD_REACHABLE), true);
        assertEquals(NeighbourTable.UNRESOLVED, t.lookup(3, nh), "deleted");

        t.onLink(link(3, true), false);
        t.onLink(link(3, true), false);
        t.onLink(link(3, false), false);
        assertFalse(t.linkUp(3));
        assertTrue(t.linkUp(9), "unknown links are assumed up");

        assertEquals(List.of("3 10.0.0.2 2000000000a", "3 10.0.0.2 2000000000b", "3 10.0.0.2 unresolved",
                "3 10.0.0.2 2000000000b", "3 10.0.0.2 unresolved", "3 up", "3 down"), events,
                "one event per change of the effective entry, none for repeats");
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
            NeighbourTable t = new NeighbourTable();
            try (NeighbourFollower f = new NeighbourFollower(t, r)) {
                f.awaitLoaded(5, TimeUnit.SECONDS);
                assertEquals(0x020000000809L, t.lookup(r0, ip("10.8.0.9")), "from the dump");
                assertEquals(NeighbourTable.UNRESOLVED, t.lookup(r0, ip("10.8.0.2")));
                f.resolve(r0, ip("10.8.0.2"));
                long deadline = System.nanoTime() + 3_000_000_000L;
                while (t.lookup(r0, ip("10.8.0.2")) < 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(0x020000000802L, t.lookup(r0, ip("10.8.0.2")), "resolved through the kernel");
                netns.ip(s, "link", "set", "s0", "down");
                deadline = System.nanoTime() + 3_000_000_000L;
                while (t.linkUp(r0) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertFalse(t.linkUp(r0), "peer down: r0 lost carrier");
            }
        }
    }
}
