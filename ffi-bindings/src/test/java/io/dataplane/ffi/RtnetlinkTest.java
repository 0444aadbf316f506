package io.dataplane.ffi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** rtnetlink against a veth pair in a private namespace. */
class RtnetlinkTest {
    private static final String NS = "dpt-rtnl-" + ProcessHandle.current().pid();
    /** The peer lives in its own namespace: ARP between two local addresses of one namespace is not answered. */
    private static final String PEER = NS + "-p";

    @BeforeAll
    static void namespace() {
        Privileges.assumeRoot();
        Shell.run("ip", "netns", "add", NS);
        Shell.run("ip", "netns", "add", PEER);
        Shell.run("ip", "-n", NS, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", PEER);
        Shell.run("ip", "-n", NS, "link", "set", "va", "mtu", "1400", "address", "02:00:00:00:0a:01");
        Shell.run("ip", "-n", PEER, "link", "set", "vb", "address", "02:00:00:00:0b:01");
        Shell.run("ip", "-n", NS, "addr", "add", "10.9.0.1/24", "brd", "+", "dev", "va");
        Shell.run("ip", "-n", NS, "addr", "add", "2001:db8:9::1/64", "dev", "va", "nodad");
        Shell.run("ip", "-n", PEER, "addr", "add", "10.9.0.2/24", "dev", "vb");
        Shell.run("ip", "-n", NS, "link", "set", "va", "up");
        Shell.run("ip", "-n", PEER, "link", "set", "vb", "up");
    }

    @AfterAll
    static void removeNamespace() {
        Shell.quiet("ip", "netns", "del", NS);
        Shell.quiet("ip", "netns", "del", PEER);
    }

    @Test
    void linkAttributesAndAddresses() {
        NetNamespace.call(NS, () -> {
            try (Rtnetlink nl = Rtnetlink.open()) {
                int va = Libc.ifNameToIndex("va");
                Rtnetlink.Link link = nl.link(va);
                assertEquals("va", link.name());
                assertEquals(1400, link.mtu());
                assertArrayEquals(HexFormat.ofDelimiter(":").parseHex("02:00:00:00:0a:01"), link.mac());
                assertTrue(link.up(), "veth with both ends up is up: " + link);
                assertTrue(nl.links().stream().anyMatch(l -> "lo".equals(l.name())));

                InetAddress v4 = InetAddress.getByName("10.9.0.1");
                InetAddress bcast = InetAddress.getByName("10.9.0.255");
                InetAddress v6 = InetAddress.getByName("2001:db8:9::1");
                InetAddress other = InetAddress.getByName("10.9.0.2");
                List<Rtnetlink.Address> addrs = nl.addresses(va);
                assertTrue(addrs.stream().anyMatch(a -> a.address().equals(v4)
                        && a.prefixLength() == 24 && bcast.equals(a.broadcast())), addrs.toString());
                assertTrue(addrs.stream().anyMatch(a -> a.address().equals(v6)), addrs.toString());
                assertFalse(addrs.stream().anyMatch(a -> a.address().equals(other)));

                NativeException e = assertThrows(NativeException.class, () -> nl.link(99999));
                assertTrue(e.getMessage().contains("RTM_GETLINK"), e.getMessage());
            }
            return null;
        });
    }

    @Test
    void neighbourDumpResolutionAndNotifications() {
        NetNamespace.call(NS, () -> {
            int va = Libc.ifNameToIndex("va");
            Shell.run("ip", "-n", NS, "neigh", "replace", "10.9.0.7", "lladdr", "02:00:00:00:00:07", "dev", "va");
            try (Rtnetlink nl = Rtnetlink.open();
                 Rtnetlink events = Rtnetlink.subscribe(Rtnetlink.GROUP_NEIGH | Rtnetlink.GROUP_LINK)) {
                Rtnetlink.Neighbour stat = nl.neighbours().stream()
                        .filter(n -> n.address().getHostAddress().equals("10.9.0.7")).findFirst().orElseThrow();
                assertEquals(va, stat.ifindex());
                assertEquals(Rtnetlink.NUD_PERMANENT, stat.state());
                assertTrue(stat.usable());

                nl.resolve(va, InetAddress.getByName("10.9.0.2"));
                AtomicReference<Rtnetlink.Neighbour> resolved = new AtomicReference<>();
                AtomicReference<Rtnetlink.Link> down = new AtomicReference<>();
                Rtnetlink.Listener listener = new Rtnetlink.Listener() {
                    @Override
                    public void onLink(Rtnetlink.Link link, boolean deleted) {
                        if (link.index() == va && !link.up()) {
                            down.set(link);
                        }
                    }

                    @Override
                    public void onNeighbour(Rtnetlink.Neighbour n, boolean deleted) {
                        if (n.address().getHostAddress().equals("10.9.0.2") && n.usable()) {
                            resolved.set(n);
                        }
                    }
                };
                long deadline = System.nanoTime() + 3_000_000_000L;
                while (resolved.get() == null && System.nanoTime() < deadline) {
                    events.readNotifications(200, listener);
                }
                assertNotNull(resolved.get(), "the kernel resolved 10.9.0.2 after the NTF_USE request");
                assertArrayEquals(HexFormat.ofDelimiter(":").parseHex("02:00:00:00:0b:01"), resolved.get().mac());

                Shell.run("ip", "-n", PEER, "link", "set", "vb", "down");
                deadline = System.nanoTime() + 3_000_000_000L;
                while (down.get() == null && System.nanoTime() < deadline) {
                    events.readNotifications(200, listener);
                }
                assertNotNull(down.get(), "peer down takes va's carrier away and the kernel says so");
                Shell.run("ip", "-n", PEER, "link", "set", "vb", "up");
            }
            return null;
        });
    }
}
