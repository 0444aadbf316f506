package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code show running-config} is a configuration file: a second daemon started on it shows the
 * same routes, nexthops, neighbours, hash settings and links as the first, which got its state
 * from a file and then from commands over the socket.
 */
class RunningConfigRoundTripTest {

    @Test
    void aDaemonStartedOnTheRunningConfigShowsTheSameState() throws Exception {
        List<String> commands = List.of(
                "set hash-seed 4000000000",
                "set hash-policy ipv4 3",
                "set hash-fields ipv4 src-ip,dst-ip,src-port",
                "set hash-policy ipv6 1",
                "neigh add 192.0.2.1 lladdr 02:00:00:00:01:01 dev p0",
                "neigh add 2001:db8:1::1 lladdr 02:00:00:00:01:02 dev p1",
                "nexthop add id 10 via 192.0.2.1 dev p0",
                "nexthop add id 11 via 198.51.100.1 dev p1",
                "nexthop add id 12 via 2001:db8:1::1 dev p1",
                "nexthop add id 20 group 10/11,3 mpalgo per-packet",
                "nexthop add id 21 group 10,2/11",
                "route add 10.0.0.0/8 nexthop via 192.0.2.1 dev p0 weight 2 nexthop via 198.51.100.1 dev p1 mpalgo l4",
                "route add 10.1.0.0/16 nhid 20",
                "route add 10.2.0.0/16 nhid 21",
                "route add default via 198.51.100.1 dev p1",
                "route add 2001:db8:100::/64 nhid 12",
                "route add 2001:db8:200::/64 nexthop via 2001:db8:1::1 dev p1 nexthop via 2001:db8:1::2 dev p1 weight 5",
                "link set dev p2 down");
        List<String> shows = List.of("route show", "nexthop show", "neigh show", "show hash", "link show");
        List<String> runningConfig;
        List<String> first = new java.util.ArrayList<>();
        try (DaemonProcess a = new DaemonProcess(null, List.of(
                "port add dev p0 type memory",
                "port add dev p1 type memory mtu 9000 address 02:aa:00:00:00:01",
                "port add dev p2 type memory",
                "route add 10.9.0.0/16 via 192.0.2.9 dev p0"))) {
            a.awaitServing();
            for (String c : commands) {
                a.dpctl(c.split(" ")).ok();
            }
            runningConfig = a.dpctl("show", "running-config").ok().lines().toList();
            for (String s : shows) {
                first.add(a.dpctl(s.split(" ")).ok());
            }
        }
        assertTrue(runningConfig.contains("port add dev p1 type memory mtu 9000 address 02:aa:00:00:00:01"), runningConfig::toString);
        assertTrue(runningConfig.contains("route add 10.9.0.0/16 via 192.0.2.9 dev p0"), "from the file: " + runningConfig);
        assertTrue(runningConfig.contains("link set dev p2 down"), runningConfig::toString);
        try (DaemonProcess b = new DaemonProcess(null, runningConfig)) {
            b.awaitServing();
            for (int i = 0; i < shows.size(); i++) {
                assertEquals(first.get(i), b.dpctl(shows.get(i).split(" ")).ok(), shows.get(i) + " differs; running-config:\n"
                        + String.join("\n", runningConfig));
                assertFalse(first.get(i).isBlank(), shows.get(i) + " printed nothing");
            }
            assertEquals(runningConfig, b.dpctl("show", "running-config").ok().lines().toList(), "a fixed point");
        }
    }
}
