package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Text and JSON output of every show command, shaped like iproute2's. */
class OutputFormatTest {
    private final Fixture f = new Fixture();

    @AfterEach
    void close() {
        f.close();
    }

    private String json(String line) {
        List<String> out = f.out(line);
        assertEquals(1, out.size(), "JSON is one line");
        return out.get(0);
    }

    @Test
    void routeShowTextListsGatewaysNexthopObjectsAndMultipathLikeIpRoute() {
        assertEquals(List.of(
                "10.0.0.0/24 nhid 10",
                "\tnexthop via 192.0.2.1 dev p1 weight 1",
                "\tnexthop via 192.0.2.2 dev p2 weight 3",
                "10.1.0.0/16 via 192.0.2.1 dev p1",
                "2001:db8:1::/48 mpalgo l3 metric 1024 pref medium",
                "\tnexthop via 2001:db8::1 dev p1 weight 1",
                "\tnexthop via 2001:db8::2 dev p2 weight 2"), f.out("route show"));
        assertEquals(List.of("10.1.0.0/16 via 192.0.2.1 dev p1"), f.out("route show 10.1.0.0/16"));
    }

    @Test
    void routeShowJsonUsesIpJsonKeys() {
        assertEquals("[{\"dst\":\"10.0.0.0/24\",\"nhid\":10,\"flags\":[],\"nexthops\":["
                + "{\"gateway\":\"192.0.2.1\",\"dev\":\"p1\",\"weight\":1,\"flags\":[]},{\"gateway\":\"192.0.2.2\",\"dev\":\"p2\",\"weight\":3,\"flags\":[]}]},"
                + "{\"dst\":\"10.1.0.0/16\",\"gateway\":\"192.0.2.1\",\"dev\":\"p1\",\"flags\":[]},"
                + "{\"dst\":\"2001:db8:1::/48\",\"mpalgo\":\"l3\",\"metric\":1024,\"flags\":[],\"pref\":\"medium\",\"nexthops\":["
                + "{\"gateway\":\"2001:db8::1\",\"dev\":\"p1\",\"weight\":1,\"flags\":[]},"
                + "{\"gateway\":\"2001:db8::2\",\"dev\":\"p2\",\"weight\":2,\"flags\":[]}]}]", json("-j route show"));
    }

    @Test
    void emptyShowRepliesOk() {
        f.ok("route del 10.0.0.0/24");
        f.ok("route del 10.1.0.0/16");
        f.ok("route del 2001:db8:1::/48");
        Reply r = f.run("route show");
        assertEquals("ok\n", r.wire());
        assertEquals("[]", json("-j route show"));
    }

    @Test
    void nexthopShowTextAndJsonIncludeGroupsAndPerMemberCounters() {
        List<String> text = f.out("nexthop show");
        assertEquals("id 1 via 192.0.2.1 dev p1 scope link packets 0 bytes 0", text.get(0));
        assertEquals("id 3 via 192.0.2.3 dev p2 scope link unresolved packets 0 bytes 0", text.get(2));
        assertEquals("id 10 group 1/2,3 mpalgo l4", text.get(3));
        assertEquals("\tmember id 2 weight 3 packets 0 bytes 0", text.get(5));
        assertEquals("[{\"id\":10,\"group\":[{\"id\":1,\"packets\":0,\"bytes\":0},"
                + "{\"id\":2,\"weight\":3,\"packets\":0,\"bytes\":0}],\"mpalgo\":\"l4\",\"flags\":[]}]",
                json("-j nexthop show id 10"));
        assertEquals("[{\"id\":1,\"gateway\":\"192.0.2.1\",\"dev\":\"p1\",\"scope\":\"link\",\"flags\":[],\"resolved\":true,\"packets\":0,\"bytes\":0}]",
                json("-j nexthop show id 1"));
    }

    @Test
    void neighShowTextAndJson() {
        assertEquals(List.of(
                "192.0.2.1 dev p1 lladdr 02:00:00:00:01:01 PERMANENT",
                "2001:db8::1 dev p1 lladdr 02:00:00:00:01:06 PERMANENT",
                "192.0.2.2 dev p2 lladdr 02:00:00:00:02:02 PERMANENT"), f.out("neigh show"));
        assertEquals("[{\"dst\":\"192.0.2.2\",\"lladdr\":\"02:00:00:00:02:02\",\"state\":[\"PERMANENT\"]}]",
                json("-j neigh show dev p2"));
    }

    @Test
    void linkShowTextAndJson() {
        List<String> text = f.out("link show p2");
        assertEquals("2: p2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP type memory queues 1", text.get(0));
        assertEquals("    link/ether 02:aa:00:00:00:02", text.get(1));
        assertTrue(json("-j link show dev p1").startsWith(
                "[{\"ifindex\":1,\"ifname\":\"p1\",\"flags\":[\"BROADCAST\",\"MULTICAST\",\"UP\",\"LOWER_UP\"],\"mtu\":9000,\"operstate\":\"UP\",\"link_type\":\"ether\","
                        + "\"address\":\"02:00:00:00:00:02\",\"type\":\"memory\",\"queues\":1"), json("-j link show dev p1"));
    }

    @Test
    void statsTextAndJsonHaveFourSections() {
        String j = json("-j stats");
        assertTrue(j.startsWith("{\"ports\":{\"p0\":{"), j);
        assertTrue(j.contains("\"drops\":{"), j);
        assertTrue(j.contains("\"nexthops\":[{\"index\":"), j);
        assertTrue(j.endsWith("\"workers\":{\"errors\":0}}"), j);
        assertEquals(List.of("workers:", "  errors 0"), f.out("stats workers"));
        assertTrue(json("-j stats drops").startsWith("{\"drops\":"));
        assertEquals("ports:", f.out("stats ports").get(0));
    }

    @Test
    void outputLinesStartingWithADotAreStuffedSoTheEndMarkerStaysUnique() {
        assertEquals("..x\nok?\n.\n", Reply.output(List.of(".x", "ok?")).wire());
    }

    @Test
    void jsonWriterEscapesControlCharactersAndQuotes() {
        assertEquals("{\"a\\\"b\":[1,true,null,\"x\\ny\\u0001\"]}",
                JsonWriter.write(new java.util.LinkedHashMap<>(java.util.Map.of("a\"b", java.util.Arrays.asList(1, true, null, "x\ny\u0001")))));
    }
}
