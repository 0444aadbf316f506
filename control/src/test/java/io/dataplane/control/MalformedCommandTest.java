package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every malformed or impossible command gets an error that names the problem, and leaves the RIB
 * and the published tables exactly as they were (same {@link RibState}, same snapshot version;
 * see {@link Fixture#fails}).
 */
class MalformedCommandTest {
    private final Fixture f = new Fixture();

    @AfterEach
    void close() {
        f.close();
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                // line, a fragment the error must contain
                Arguments.of("route add 10.0.0.300/24 via 192.0.2.1 dev p1", "octet 300 is above 255"),
                Arguments.of("route add 10.9.0.0/33 via 192.0.2.1 dev p1", "prefix length 33 is above 32"),
                Arguments.of("route add 10.9.0.1/24 via 192.0.2.1 dev p1", "host bits set"),
                Arguments.of("route add 10.9.0.0/x via 192.0.2.1 dev p1", "prefix length 'x'"),
                Arguments.of("route add 2001:db8:::/48 via 192.0.2.1 dev p1", "not an IPv6 address"),
                Arguments.of("route add 2001:db8::/129 via 192.0.2.1 dev p1", "above 128"),
                Arguments.of("route add 10.9.0.0/24 via 192.0.2 dev p1", "bad via '192.0.2'"),
                Arguments.of("route add 10.9.0.0/24 via 192.0.2.1 dev nosuch", "unknown device 'nosuch'"),
                Arguments.of("route add 10.9.0.0/24 via 192.0.2.1", "expected 'dev PORT'"),
                Arguments.of("route add 10.9.0.0/24 nexthop dev p1 nexthop via 192.0.2.2 dev p2", "'via ADDR' in the nexthop"),
                Arguments.of("nexthop add id 20 dev p1", "a device-only path is a route of its own here"),
                Arguments.of("route add 10.9.0.0/24", "expected 'via ADDR dev PORT'"),
                Arguments.of("route add 10.9.0.0/24 via 192.0.2.1 dev p1 weight 0", "argument \"0\" is wrong: \"weight\" is invalid"),
                Arguments.of("route add 10.9.0.0/24 via 192.0.2.1 dev p1 weight 257", "257 is out of range"),
                Arguments.of("route add 10.9.0.0/24 via 192.0.2.1 dev p1 weight -1", "argument \"-1\" is wrong: \"weight\" is invalid"),
                Arguments.of("route add 10.9.0.0/24 nexthop via 192.0.2.1 dev p1 nexthop via 192.0.2.2 dev p2 mpalgo drr",
                        "mpalgo drr is reserved and unsupported"),
                Arguments.of("route add 10.9.0.0/24 nexthop via 192.0.2.1 dev p1 nexthop via 192.0.2.2 dev p2 mpalgo random",
                        "mpalgo random is reserved"),
                Arguments.of("route add 10.9.0.0/24 nexthop via 192.0.2.1 dev p1 nexthop via 192.0.2.2 dev p2 mpalgo wrandom",
                        "mpalgo wrandom is reserved"),
                Arguments.of("route add 10.9.0.0/24 nexthop via 192.0.2.1 dev p1 nexthop via 192.0.2.2 dev p2 mpalgo l5",
                        "unknown mpalgo 'l5'"),
                Arguments.of("route add 10.9.0.0/24 nexthop via 192.0.2.1 dev p1 nexthop via 192.0.2.1 dev p1", "twice"),
                Arguments.of("route add 10.9.0.0/24 via 192.0.2.1 dev p1 mpalgo l4", "mpalgo needs a multipath route"),
                Arguments.of("route add 10.9.0.0/24 via 192.0.2.1 via 192.0.2.2 dev p1", "one 'via'"),
                Arguments.of("route add 10.9.0.0/24 via 192.0.2.1 dev p1 bogus", "unexpected 'bogus'"),
                Arguments.of("route add 10.1.0.0/16 via 192.0.2.2 dev p2", "already exists"),
                Arguments.of("route add 10.9.0.0/24 nhid 99", "nexthop id 99 does not exist"),
                Arguments.of("route add 10.9.0.0/24 nhid 0", "bad nhid '0'"),
                Arguments.of("route del 10.99.0.0/16", "no route 10.99.0.0/16"),
                Arguments.of("route del 10.1.0.0/16 via 192.0.2.2 dev p2", "does not match"),
                Arguments.of("route frobnicate", "expected a route command"),
                Arguments.of("route show 10.1.0.0/16 extra", "expected the end of the command"),
                Arguments.of("route get 10.1.2.3 sport 70000", "70000 is out of range"),
                Arguments.of("route get 10.1.2.3 ipproto sctpish", "bad ipproto 'sctpish'"),
                Arguments.of("route get 10.1.2.3 flowlabel 5", "applies to IPv6 only"),
                Arguments.of("route get 10.1.2.3 from 2001:db8::1", "different address families"),
                Arguments.of("nexthop add id 1 via 192.0.2.9 dev p1", "nexthop id 1 already exists"),
                Arguments.of("nexthop add id 20 group 1/99", "names nexthop 99, which does not exist"),
                Arguments.of("nexthop add id 20 group 1/10", "itself a group"),
                Arguments.of("nexthop add id 20 group 1,0/2", "argument \"0\" is wrong: \"weight\" is invalid"),
                Arguments.of("nexthop add id 20 group 1,65536/2", "a group weight is 1..65535"),
                Arguments.of("nexthop add id 20 group 1/1", "appears twice"),
                Arguments.of("nexthop add id 20 group 1//2", "bad group member ''"),
                Arguments.of("nexthop add id 20 group 1/2 mpalgo drr", "mpalgo drr is reserved"),
                Arguments.of("nexthop add id 20 via 192.0.2.1 dev p1 weight 2", "weights belong to its groups"),
                Arguments.of("nexthop add id x via 192.0.2.1 dev p1", "bad id 'x'"),
                Arguments.of("nexthop add id 20", "expected 'via ADDR dev PORT' or 'group"),
                Arguments.of("nexthop replace id 10 via 192.0.2.1 dev p1", "is a group and cannot be replaced by a single nexthop"),
                Arguments.of("nexthop replace id 1 group 2", "is a single nexthop and cannot be replaced by a group"),
                Arguments.of("nexthop del id 1", "is a member of group 10"),
                Arguments.of("nexthop del id 10", "is used by 1 route"),
                Arguments.of("nexthop del id 77", "does not exist"),
                Arguments.of("neigh add 192.0.2.7 lladdr 02:00:00:00:00 dev p1", "not a MAC address"),
                Arguments.of("neigh add 192.0.2.7 lladdr 01:00:5e:00:00:01 dev p1", "multicast"),
                Arguments.of("neigh add 192.0.2.7 dev p1", "expected 'lladdr MAC'"),
                Arguments.of("neigh add 192.0.2.7 lladdr 02:00:00:00:00:07 dev p9", "unknown device 'p9'"),
                Arguments.of("neigh del 192.0.2.99 dev p1", "no neighbour 192.0.2.99"),
                Arguments.of("link set dev p9 down", "unknown device 'p9'"),
                Arguments.of("link set dev p1 sideways", "expected 'up' or 'down'"),
                Arguments.of("set hash-seed 4294967296", "bad hash seed"),
                Arguments.of("set hash-seed", "expected a hash seed"),
                Arguments.of("set hash-mode kernel", "expected 'hash-seed', 'hash-function', 'hash-policy' or 'hash-fields'"),
                Arguments.of("set hash-function siphash", "expected 'jenkins' or 'kernel'"),
                Arguments.of("set hash-function", "expected 'jenkins' or 'kernel'"),
                Arguments.of("set hash-function kernel extra", "expected the end of the command"),
                Arguments.of("set hash-function kernel", "mpalgo l4 is set on nexthop id 10"),
                Arguments.of("set hash-policy ipv5 1", "expected 'ipv4' or 'ipv6'"),
                Arguments.of("set hash-policy ipv4 4", "4 is out of range"),
                Arguments.of("set hash-policy ipv6 l4", "bad hash-policy ipv6 'l4'"),
                Arguments.of("set hash-policy ipv4", "expected a policy 0..3"),
                Arguments.of("set hash-fields ipv6 src-ip,dst-mac", "unknown hash field 'dst-mac'; use src-ip, dst-ip"),
                Arguments.of("set hash-fields ipv6 src-ip,,dst-ip", "empty field name"),
                Arguments.of("set hash-fields ipv4 src-ip,src-ip", "field src-ip is named twice"),
                Arguments.of("set hash-fields ipv4", "expected hash fields FIELD[,FIELD...]"),
                Arguments.of("set hash-fields ipv4 src-ip dst-ip", "expected the end of the command"),
                Arguments.of("show hash extra", "expected the end of the command"),
                Arguments.of("show routes", "expected 'hash'"),
                Arguments.of("stats everything", "'ports', 'drops', 'nexthops' or 'workers'"),
                Arguments.of("port add dev p3 type memory", "runs on a started daemon only"),
                Arguments.of("port del dev p1", "runs on a started daemon only"),
                Arguments.of("port del dev", "expected a port name"),
                Arguments.of("port del dev p1 force", "expected the end of the command"),
                Arguments.of("port show", "ports are listed by 'link show'"),
                Arguments.of("dpdk eal --no-huge", "read when the daemon starts only"),
                Arguments.of("dpdk eal --vdev=net_null0", "do not pass --vdev here"),
                Arguments.of("port add dev dp0 type dpdk vdev net_null0 burst 999", "burst must be 1..256"),
                Arguments.of("batch commit", "no batch is open"),
                Arguments.of("batch abort", "no batch is open"),
                Arguments.of("batch sideways", "'begin', 'commit' or 'abort'"),
                Arguments.of("routes add 10.9.0.0/24 via 192.0.2.1 dev p1", "expected an object"),
                Arguments.of("-x route show", "expected an option (-j)"),
                Arguments.of("route add 10.9.0.0/24 via 192.0.2.1 dev name-that-is-far-too-long", "bad port name"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedCommandIsRejectedNamingTheProblemAndChangesNothing(String line, String expected) {
        String error = f.fails(line);
        assertTrue(error.contains(expected), () -> "'" + line + "' -> '" + error + "' lacks '" + expected + "'");
    }

    /** Accepted commands of every kind: each must show in the state that {@link Fixture#fails} compares. */
    static Stream<String> accepted() {
        return Stream.of(
                "route add 10.9.0.0/24 via 192.0.2.1 dev p1",
                "route replace 10.1.0.0/16 via 192.0.2.2 dev p2",
                "route del 10.1.0.0/16",
                "nexthop add id 20 via 192.0.2.9 dev p1",
                "nexthop replace id 10 group 1/2",
                "nexthop del id 3",
                "neigh add 192.0.2.3 lladdr 02:00:00:00:02:03 dev p2",
                "neigh del 192.0.2.1 dev p1",
                "link set dev p1 down",
                "set hash-seed 7",
                "set hash-policy ipv4 1",
                "set hash-policy ipv6 3",
                "set hash-fields ipv4 src-ip,dst-port",
                "set hash-fields ipv6 inner-flowlabel");
    }

    /** Without this, "changes nothing" above could hold only because the comparison misses the change. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void theUnchangedCheckWouldSeeTheChange(String line) {
        String before = RibState.of(f.plane);
        f.ok(line);
        assertNotEquals(before, RibState.of(f.plane), () -> line + " left no trace in the compared state");
    }
}
