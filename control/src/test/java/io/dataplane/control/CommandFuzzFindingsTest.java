package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue #14: what the command fuzzer ({@code fuzz.CommandFuzzer}) found, one test per bug, each
 * failing without its fix. The fixture has gateway objects 1-3 (IPv4) and group 10.
 */
class CommandFuzzFindingsTest {
    private final Fixture f = new Fixture();

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void aReplaceThatCreatesAResilientGroupNeedsBuckets() {
        // was: "internal error, nothing applied: java.lang.NullPointerException" (only 'add' checked for buckets)
        String e = f.fails("nexthop replace id 20 group 1/2 type resilient");
        assertFalse(e.contains("internal error"), e);
        assertTrue(e.contains("needs 'buckets 1..65535'"), e);
        f.ok("nexthop replace id 20 group 1/2 type resilient buckets 8");
        f.ok("nexthop replace id 20 group 1/2/3 type resilient"); // existing: buckets kept
    }

    @Test
    void neighChangeChangesOnlyAnExistingEntry() {
        // was: created the entry, as replace does; ip's change is NLM_F_REPLACE without NLM_F_CREATE
        assertTrue(f.fails("neigh change 192.0.2.9 lladdr 02:00:00:00:00:09 dev p1").contains("no neighbour 192.0.2.9 on p1 to change"));
        f.ok("neigh chg 192.0.2.1 lladdr 02:00:00:00:00:09 dev p1");
        assertEquals(List.of("192.0.2.1 lladdr 02:00:00:00:00:09 PERMANENT"), f.out("neigh show dev p1").subList(0, 1));
        f.ok("neigh replace 192.0.2.9 lladdr 02:00:00:00:00:09 dev p1"); // replace still creates
    }

    @Test
    void aRepeatedArgumentIsRefusedAsIpDoes() {
        // were: accepted, the second value silently winning (ip: "Error: either "lladdr" is duplicate, or ...")
        assertTrue(f.fails("neigh add 192.0.2.9 lladdr 02:00:00:00:00:01 dev p1 lladdr 02:00:00:00:00:03").contains("one 'lladdr'"));
        assertTrue(f.fails("neigh add 192.0.2.9 lladdr 02:00:00:00:00:01 dev p1 dev p2").contains("one 'dev'"));
        assertTrue(f.fails("neigh del 192.0.2.1 dev p1 dev p2").contains("one 'dev'"));
        assertTrue(f.fails("nexthop add id 20 group 1/2 mpalgo l3 mpalgo l4").contains("one 'mpalgo'"));
    }

    @Test
    void anIpv6RouteCannotUseAnIpv4Gateway() {
        // were: accepted and forwarded IPv6 packets to an IPv4 neighbour; the kernel: "IPv6 routes can not use an IPv4 nexthop"
        assertTrue(f.fails("route add 2001:db8:5::/48 via 192.0.2.1 dev p1").contains("cannot use IPv4 gateway 192.0.2.1"));
        assertTrue(f.fails("route add 2001:db8:5::/48 nexthop via 2001:db8::1 dev p1 nexthop via 192.0.2.1 dev p2").contains("IPv4 gateway"));
        assertTrue(f.fails("route add 2001:db8:5::/48 nhid 1").contains("nexthop id 1, which has IPv4 gateway 192.0.2.1"));
        assertTrue(f.fails("route add 2001:db8:5::/48 nhid 10").contains("IPv4 gateway"));
        f.ok("route add 10.5.0.0/16 via 2001:db8::1 dev p1"); // the other way round the kernel allows (RFC 5549)
        f.ok("nexthop add id 4 via 2001:db8::1 dev p1");
        f.ok("nexthop add id 5 via 2001:db8::2 dev p2");
        f.ok("nexthop add id 11 group 4/5");
        f.ok("route add 2001:db8:6::/48 nhid 4");
        f.ok("route add 2001:db8:7::/48 nhid 11");
        assertTrue(f.fails("nexthop replace id 4 via 192.0.2.1 dev p1").contains("is IPv6 and cannot use nexthop id"));
        assertTrue(f.fails("nexthop replace id 11 group 4/1").contains("route 2001:db8:7::/48 is IPv6"));
        f.ok("nexthop replace id 5 via 2001:db8::3 dev p2");
    }

    @Test
    void theProtoSelectorPicksByTheRoutesOwnProtocol() {
        // was: every route counted as boot, so 'proto static' picked nothing and 'proto boot' everything
        f.ok("route add 10.9.0.0/24 via 192.0.2.1 dev p1 proto static");
        f.ok("route add 10.9.1.0/24 via 192.0.2.2 dev p2 proto bgp");
        assertEquals(List.of("10.9.0.0/24 via 192.0.2.1 dev p1"), f.out("route show proto static"),
                "as ip, the protocol selected is not repeated");
        assertEquals(f.out("route show proto static"), f.out("route show proto 4"));
        assertFalse(f.out("route show proto boot").stream().anyMatch(l -> l.startsWith("10.9.")));
        f.ok("route flush proto bgp");
        assertTrue(f.run("route show 10.9.1.0/24").output().isEmpty());
        assertEquals(List.of("10.9.0.0/24 via 192.0.2.1 dev p1 proto static"), f.out("route show 10.9.0.0/24"));
        assertTrue(f.fails("route show proto frobnicate").contains("bad protocol 'frobnicate'"));
    }

    @Test
    void anUnknownTypeSelectorIsRefused() {
        // was: 'route flush type frob' selected nothing and succeeded; ip: "node type value is invalid"
        assertTrue(f.fails("route flush type frob").contains("expected a route type"));
        assertTrue(f.fails("route show type blackhol").contains("expected a route type"));
        f.ok("route add blackhole 10.9.0.0/24");
        assertEquals(List.of("blackhole 10.9.0.0/24"), f.out("route show type blackhole"));
        assertTrue(f.run("route show type local").output().isEmpty());
    }

    @Test
    void anExplicitIpv4DefaultIsNotTheIpv6DefaultInASelector() {
        // was: '-6 route show 0.0.0.0/0' showed ::/0, as only the word 'default' should
        f.ok("route add default via 2001:db8::1 dev p1");
        assertEquals(List.of("default via 2001:db8::1 dev p1 metric 1024 pref medium"), f.out("-6 route show default"));
        assertTrue(f.run("-6 route show 0.0.0.0/0").output().isEmpty());
    }

    @Test
    void runningConfigKeepsRouteTypesProtocolsAndTheIpv6Default() {
        // was: 'route add 10.9.0.0/24 ' for a blackhole (a file that does not load), no proto,
        // 'route add default nhid N' for ::/0 (loads as the IPv4 default) and 'route add default via
        // 2001:db8::1 ...' for 0.0.0.0/0 (loads as ::/0)
        f.ok("route add blackhole 10.9.0.0/24 proto static");
        f.ok("nexthop add id 4 via 2001:db8::1 dev p1");
        f.ok("-6 route add default nhid 4 proto bgp");
        f.ok("route add 10.9.1.0/24 via 192.0.2.1 dev p1 proto 200");
        f.ok("route add 0.0.0.0/0 via 2001:db8::1 dev p1"); // IPv4, over an IPv6 gateway
        List<String> config = f.out("show running-config");
        assertTrue(config.contains("route add blackhole 10.9.0.0/24 proto static"), config::toString);
        assertTrue(config.contains("route add ::/0 nhid 4 proto bgp"), config::toString);
        assertTrue(config.contains("route add 10.9.1.0/24 via 192.0.2.1 dev p1 proto 200"), config::toString);
        assertTrue(config.contains("route add 0.0.0.0/0 via 2001:db8::1 dev p1"), config::toString);
        try (Fixture again = new Fixture(config)) {
            assertEquals(f.out("route show"), again.out("route show"));
        }
    }

    @Test
    void aBatchFileWithABadBatchLineStaysAtomic() throws Exception {
        // was: any line starting with 'batch ' made dpctl send the file unwrapped, so the lines before
        // 'batch frobnicate' applied; only batch begin/commit/abort mean the file manages its batches
        try (ServerHarness h = new ServerHarness(CommandServer.Limits.defaults())) {
            java.nio.file.Path file = h.dir.resolve("batch");
            java.nio.file.Files.write(file, List.of("route add blackhole 10.9.0.0/24", "batch frobnicate"));
            var err = new java.io.ByteArrayOutputStream();
            int rc = io.dataplane.control.daemon.Dpctl.run(new String[] {"--socket", h.socket.toString(), "-batch", file.toString()},
                    new java.io.PrintStream(new java.io.ByteArrayOutputStream()), new java.io.PrintStream(err));
            java.nio.file.Files.delete(file);
            assertEquals(1, rc);
            assertTrue(err.toString().contains("batch:2: unexpected 'frobnicate'"), err::toString);
            try (ServerHarness.Client c = h.client()) {
                assertEquals(List.of("ok"), c.call("route show 10.9.0.0/24"), "nothing of the file was applied");
            }
        }
    }

    @Test
    void anExplicitIpv4DefaultStaysIpv4() {
        // was: '0.0.0.0/0' over an IPv6 first gateway became ::/0, as only the word 'default' should
        f.ok("route add 0.0.0.0/0 nexthop via 2001:db8::1 dev p1 nexthop via 192.0.2.1 dev p1");
        assertEquals(3, f.out("-4 route show default").size());
        assertTrue(f.run("-6 route show default").output().isEmpty());
        f.ok("route add default via 2001:db8::1 dev p1"); // the word takes the gateway's family
        assertEquals(List.of("default via 2001:db8::1 dev p1 metric 1024 pref medium"), f.out("-6 route show default"));
    }
}
