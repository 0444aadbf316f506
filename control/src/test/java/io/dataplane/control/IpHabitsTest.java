package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.*;

import io.dataplane.control.command.Keywords;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue #13: an operator's ip habits (abbreviations, global options, route selectors and verbs) work as in ip. */
class IpHabitsTest {
    private final Fixture f = new Fixture();

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void keywordsResolveByPrefixWithIpsPrecedence() {
        assertEquals("route", Keywords.OBJECTS.resolve("r"), "ip r is route, not rule");
        assertEquals("rule", Keywords.OBJECTS.resolve("ru"));
        assertEquals("neigh", Keywords.OBJECTS.resolve("n"), "ip n is neighbor, before ntable and nexthop");
        assertEquals("nexthop", Keywords.OBJECTS.resolve("nexth"));
        assertEquals("nexthop", Keywords.OBJECTS.resolve("nh"));
        assertEquals("link", Keywords.OBJECTS.resolve("l"), "link comes before l2tp");
        assertEquals("address", Keywords.OBJECTS.resolve("a"));
        assertEquals("stats", Keywords.OBJECTS.resolve("st"));
        assertEquals("change", Keywords.ROUTE_VERBS.resolve("c"));
        assertEquals("change", Keywords.ROUTE_VERBS.resolve("chg"));
        assertEquals("replace", Keywords.ROUTE_VERBS.resolve("r"));
        assertEquals("del", Keywords.ROUTE_VERBS.resolve("d"));
        assertEquals("show", Keywords.ROUTE_VERBS.resolve("ls"), "ls is a prefix of lst");
        assertEquals("show", Keywords.ROUTE_VERBS.resolve("l"));
        assertEquals("get", Keywords.ROUTE_VERBS.resolve("g"));
        assertEquals("flush", Keywords.ROUTE_VERBS.resolve("f"));
        assertEquals("prepend", Keywords.ROUTE_VERBS.resolve("p"));
        assertEquals("show", Keywords.LINK_VERBS.resolve("sh"));
        assertEquals("set", Keywords.LINK_VERBS.resolve("s"));
        assertEquals("-batch", Keywords.OPTIONS.resolve("-b"));
        assertEquals("-brief", Keywords.OPTIONS.resolve("-br"));
        assertEquals("-stats", Keywords.OPTIONS.resolve("-s"));
        assertEquals("-family", Keywords.OPTIONS.resolve("-f"));
        assertEquals("-force", Keywords.OPTIONS.resolve("-fo"));
        assertEquals("-pretty", Keywords.OPTIONS.resolve("-p"));
        assertEquals("frobnicate", Keywords.ROUTE_VERBS.resolve("frobnicate"), "an unknown word is left as it is");
    }

    @Test
    void abbreviatedCommandsDoWhatTheWholeWordsDo() {
        f.ok("ro a 10.9.0.0/24 via 192.0.2.1 dev p1");
        assertEquals(List.of("10.9.0.0/24 via 192.0.2.1 dev p1"), f.out("r s 10.9.0.0/24"));
        f.ok("r repl 10.9.0.0/24 via 192.0.2.2 dev p2");
        assertEquals(List.of("10.9.0.0/24 via 192.0.2.2 dev p2"), f.out("r l 10.9.0.0/24"));
        assertTrue(f.out("r g 10.9.0.7").get(0).startsWith("10.9.0.7 via 192.0.2.2 dev p2"));
        f.ok("r d 10.9.0.0/24");
        assertEquals(f.out("route show"), f.out("r"));
        assertEquals(f.out("link show"), f.out("li sh"));
        assertEquals(f.out("neigh show"), f.out("nei sh"));
        assertEquals(f.out("nexthop show"), f.out("nexth"));
        assertEquals(f.out("nexthop show"), f.out("nexthop s"));
        assertEquals(f.out("stats workers"), f.out("stat w"));
        assertEquals(f.out("show hash"), f.out("sho h"));
    }

    @Test
    void ipObjectsDpctlDoesNotHaveAreNamedInTheError() {
        assertTrue(f.fails("a show").contains("'a' is ip's 'address' object, which dpctl does not have"));
        assertTrue(f.fails("ru show").contains("ip's 'rule' object"));
        assertTrue(f.fails("-t route show").contains("'-t' is ip's '-timestamp' option, which dpctl does not have"));
    }

    @Test
    void familyOptionsSplitRouteShowAndDefaultNamesBothFamilies() {
        f.ok("route add default via 2001:db8::1 dev p1");
        f.ok("route add default via 192.0.2.1 dev p1");
        assertEquals(List.of("default via 192.0.2.1 dev p1", "10.0.0.0/24 nhid 10", "\tnexthop via 192.0.2.1 dev p1 weight 1",
                "\tnexthop via 192.0.2.2 dev p2 weight 3", "10.1.0.0/16 via 192.0.2.1 dev p1"), f.out("-4 route show"));
        assertEquals(List.of("2001:db8:1::/48 mpalgo l3 metric 1024 pref medium", "\tnexthop via 2001:db8::1 dev p1 weight 1",
                "\tnexthop via 2001:db8::2 dev p2 weight 2", "default via 2001:db8::1 dev p1 metric 1024 pref medium"), f.out("-6 route show"),
                "IPv6 in the kernel's order: a prefix after those inside it, so default last");
        assertEquals(List.of("default via 2001:db8::1 dev p1 metric 1024 pref medium"), f.out("-6 route show default"));
        assertEquals(List.of("default via 192.0.2.1 dev p1"), f.out("-f inet route show default"));
        f.ok("-6 route del default");
        assertEquals(List.of("default via 192.0.2.1 dev p1"), f.out("route show default"));
    }

    @Test
    void hostRoutesArePrintedWithoutTheirLength() {
        f.ok("route add 10.9.9.9/32 via 192.0.2.1 dev p1");
        f.ok("route add 2001:db8:9::9 via 2001:db8::1 dev p1");
        assertEquals(List.of("10.9.9.9 via 192.0.2.1 dev p1"), f.out("route show 10.9.9.9"));
        assertEquals(List.of("2001:db8:9::9 via 2001:db8::1 dev p1 metric 1024 pref medium"), f.out("route show 2001:db8:9::9/128"));
    }

    @Test
    void selectorsPickRoutesAsIpRouteShowDoes() {
        f.ok("route add 10.1.2.0/24 via 192.0.2.2 dev p2");
        assertEquals(List.of("10.1.0.0/16 via 192.0.2.1 dev p1", "10.1.2.0/24 via 192.0.2.2 dev p2"), f.out("route show root 10.0.0.0/8").subList(3, 5));
        assertEquals(List.of("10.1.0.0/16 via 192.0.2.1 dev p1", "10.1.2.0/24 via 192.0.2.2 dev p2"), f.out("route show match 10.1.2.3"));
        assertEquals(List.of("10.1.0.0/16 via 192.0.2.1 dev p1"), f.out("route show exact 10.1.0.0/16"));
        assertEquals(List.of("10.1.2.0/24 via 192.0.2.2"), f.out("route show to root 10.1.0.0/16 dev p2"), "as ip, the dev selected is not repeated");
        assertEquals(List.of("10.1.2.0/24 dev p2"), f.out("-4 route show via 192.0.2.2"),
                "as ip, via picks single-gateway routes (not 10.0.0.0/24's group) and is not repeated");
        assertEquals(f.out("route show"), f.out("route show table main"));
        assertEquals(f.out("route show"), f.out("route show proto boot"));
        Reply none = f.run("route show 10.99.0.0/16");
        assertTrue(none.ok() && none.output().isEmpty(), "a selector that matches nothing prints nothing and succeeds, as in ip");
        assertTrue(f.fails("route show table 7").contains("dpctl has one table, main"));
        assertTrue(f.fails("route show from 10.0.0.0/8").contains("not supported"));
    }

    @Test
    void flushDeletesWhatTheSelectorPicksAndRefusesToFlushEverything() {
        f.ok("route add 10.1.2.0/24 via 192.0.2.2 dev p2");
        f.ok("route flush root 10.1.0.0/16");
        assertEquals("10.0.0.0/24 nhid 10", String.join("|", f.out("-4 route show")).split("\\|")[0]);
        assertEquals(3, f.out("-4 route show").size(), "10.0.0.0/24 and its group's two nexthop lines are left");
        f.ok("-6 route add 2001:db8:7::/48 via 2001:db8::2 dev p2");
        f.ok("-6 route flush dev p2");
        assertEquals(List.of("2001:db8:1::/48 mpalgo l3 metric 1024 pref medium", "\tnexthop via 2001:db8::1 dev p1 weight 1", "\tnexthop via 2001:db8::2 dev p2 weight 2"),
                f.out("-6 route show"), "dev picks single-gateway routes only, as in ip");
        assertTrue(f.fails("route flush").contains("needs a selector"));
    }

    @Test
    void changeNeedsAnExistingRouteAndPrependAppendSayWhatToUse() {
        assertTrue(f.fails("route change 10.9.0.0/24 via 192.0.2.1 dev p1").contains("no route 10.9.0.0/24 to change"));
        f.ok("route chg 10.1.0.0/16 via 192.0.2.2 dev p2");
        assertEquals(List.of("10.1.0.0/16 via 192.0.2.2 dev p2"), f.out("route show 10.1.0.0/16"));
        assertTrue(f.fails("route prepend 10.1.0.0/16 via 192.0.2.1 dev p1").contains("route replace PREFIX nexthop via"));
        assertTrue(f.fails("route append 10.1.0.0/16 via 192.0.2.1 dev p1").contains("one route per prefix"));
    }

    @Test
    void onelineJoinsContinuationLinesAndPrettyJsonIsLaidOutAsIpDoes() {
        assertEquals(List.of("2001:db8:1::/48 mpalgo l3 metric 1024 pref medium \\\tnexthop via 2001:db8::1 dev p1 weight 1 \\\tnexthop via 2001:db8::2 dev p2 weight 2"),
                f.out("-o -6 route show"));
        assertEquals(List.of(
                "[ {",
                "        \"dst\": \"10.1.0.0/16\",",
                "        \"gateway\": \"192.0.2.1\",",
                "        \"dev\": \"p1\",",
                "        \"flags\": [ ]",
                "    } ]"), f.out("-j -p route show 10.1.0.0/16"));
        assertEquals(f.out("-j route show"), f.out("--json r"));
    }

    @Test
    void statsOptionAddsIpsStats64AndBriefIsOneLinePerPort() {
        assertFalse(String.join("\n", f.out("-j link show dev p1")).contains("stats64"), "ip prints stats64 only with -s");
        String json = f.out("-j -s link show dev p1").get(0);
        assertTrue(json.contains("\"stats64\":{\"rx\":{\"bytes\":0,\"packets\":0,\"errors\":0,\"dropped\":0,\"over_errors\":0,\"multicast\":0},"
                + "\"tx\":{\"bytes\":0,\"packets\":0,\"errors\":0,\"dropped\":0,\"carrier_errors\":0,\"collisions\":0}}"), json);
        List<String> text = f.out("-s link show p1");
        assertEquals("    RX:  bytes packets errors dropped  missed   mcast", text.get(2));
        assertEquals("             0       0      0       0       0       0", text.get(3));
        assertEquals(2, f.out("link show p1").size(), "without -s no counters, as ip");
        assertEquals(List.of("p1               UP             02:00:00:00:00:02 <BROADCAST,MULTICAST,UP,LOWER_UP>"), f.out("-br link show p1"));
    }

    @Test
    void routeTypesAreAcceptedShownAndTracedAsTheKernelTreatsThem() {
        f.ok("route add blackhole 10.9.1.0/24");
        f.ok("route add unreachable 10.9.2.0/24");
        f.ok("route add prohibit 10.9.3.0/24");
        f.ok("route add throw 10.9.4.0/24");
        f.ok("route add unreachable 2001:db8:8::/48");
        assertEquals(List.of("blackhole 10.9.1.0/24", "unreachable 10.9.2.0/24", "prohibit 10.9.3.0/24", "throw 10.9.4.0/24"),
                f.out("route show root 10.9.0.0/16"));
        assertEquals(List.of("unreachable 2001:db8:8::/48 metric 1024 pref medium"), f.out("-6 route show type unreachable"));
        assertEquals("[{\"type\":\"unreachable\",\"dst\":\"10.9.2.0/24\",\"flags\":[]}]", f.out("-4 -j route show type unreachable").get(0));
        assertTrue(f.out("route get 10.9.1.7").get(0).endsWith("verdict blackhole"), f.out("route get 10.9.1.7").get(0));
        assertTrue(f.out("route get 10.9.3.7").get(0).endsWith("verdict prohibited"));
        assertTrue(f.fails("route del blackhole 10.9.2.0/24").contains("does not match"), "the type must match, as in ip");
        f.ok("route del unreachable 10.9.2.0/24");
        f.ok("route del 10.9.1.0/24");
        f.ok("route replace blackhole 10.9.3.0/24");
        assertEquals(List.of("blackhole 10.9.3.0/24", "throw 10.9.4.0/24"), f.out("route show root 10.9.0.0/16"));
        assertTrue(f.fails("route add local 10.9.5.0/24").contains("route type 'local' is not supported"));
    }

    @Test
    void neighAddOverAnEntryFailsAndReplaceChangesItNeighShowFilters() {
        assertTrue(f.fails("neigh add 192.0.2.1 lladdr 02:00:00:00:01:09 dev p1").contains("already exists (lladdr 02:00:00:00:01:01); 'neigh replace' changes it"));
        f.ok("neigh replace 192.0.2.1 lladdr 02:00:00:00:01:09 dev p1");
        assertEquals(List.of("192.0.2.1 dev p1 lladdr 02:00:00:00:01:09 PERMANENT"), f.out("neigh show 192.0.2.1"));
        assertEquals(List.of("2001:db8::1 dev p1 lladdr 02:00:00:00:01:06 PERMANENT"), f.out("-6 neigh show"));
        assertEquals(2, f.out("-4 n").size());
        assertEquals(List.of("id 10 group 1/2,3 mpalgo l4"), f.out("nexthop show group").subList(0, 1));
        assertEquals(2, f.out("nexthop show dev p2").size(), "ids 2 and 3 are on p2");
    }
}
