package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.*;

import io.dataplane.control.command.CommandParser;
import io.dataplane.control.command.Command.RouteGet;
import io.dataplane.pipeline.PacketBatch;
import io.dataplane.pipeline.Pipeline;
import io.dataplane.tables.FlowKeys;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.KernelHash;
import io.dataplane.tables.UpperBounds;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * {@code route get} reports what the pipeline does with the same packet: the nexthop and egress
 * port chosen by the workers' own code ({@link Pipeline#process}), for every algorithm and both
 * address families.
 */
class RouteGetTest {
    private final Fixture f = new Fixture(List.of(
            "port add dev p0 type memory",
            "port add dev p1 type memory",
            "port add dev p2 type memory",
            "port add dev p3 type memory",
            "neigh add 192.0.2.1 lladdr 02:00:00:00:01:01 dev p1",
            "neigh add 192.0.2.2 lladdr 02:00:00:00:01:02 dev p2",
            "neigh add 192.0.2.3 lladdr 02:00:00:00:01:03 dev p3",
            "neigh add 2001:db8::1 lladdr 02:00:00:00:06:01 dev p1",
            "neigh add 2001:db8::2 lladdr 02:00:00:00:06:02 dev p2",
            "neigh add 2001:db8::3 lladdr 02:00:00:00:06:03 dev p3"));

    @AfterEach
    void close() {
        f.close();
    }

    private static final Pattern NEXTHOP = Pattern.compile("\"nexthop_slot\":(\\d+)");
    private static final Pattern DEV = Pattern.compile("\"dev\":\"(\\w+)\"");
    private static final Pattern HASH = Pattern.compile("\"hash\":(-?\\d+)");
    private static final Pattern GATEWAY = Pattern.compile("\"gateway\":\"([0-9a-f.:]+)\"");

    private static String field(Pattern p, String json) {
        Matcher m = p.matcher(json);
        return m.find() ? m.group(1) : null;
    }

    private void multipath(String algo) {
        f.ok("route add 10.0.0.0/8 nexthop via 192.0.2.1 dev p1 weight 1 nexthop via 192.0.2.2 dev p2 weight 2 "
                + "nexthop via 192.0.2.3 dev p3 weight 3 mpalgo " + algo);
        f.ok("route add 2001:db8:100::/48 nexthop via 2001:db8::1 dev p1 weight 3 nexthop via 2001:db8::2 dev p2 weight 1 "
                + "nexthop via 2001:db8::3 dev p3 weight 1 mpalgo " + algo);
    }

    /** The verdict and nexthop the workers' code gives the frame the query describes. */
    private static int[] pipeline(Pipeline p, Fixture f, String query) {
        RouteGet q = (RouteGet) CommandParser.parse(query).command();
        MemorySegment frame = FibPlane.probe(q);
        PacketBatch batch = new PacketBatch(1);
        batch.add(0, 0, (int) frame.byteSize());
        p.process(f.forwarding.snapshot(), frame, batch);
        return new int[] {batch.verdict[0], batch.nexthop[0]};
    }

    @ParameterizedTest(name = "mpalgo {0}")
    @ValueSource(strings = {"l3", "l4"})
    void routeGetAgreesWithThePipelineForHashedAlgorithms(String algo) {
        multipath(algo);
        Pipeline reference = new Pipeline(f.forwarding.limits().groups());
        Random rnd = new Random(42);
        int[] seen = new int[4];
        for (int i = 0; i < 300; i++) {
            boolean v6 = i % 2 == 1;
            String dst = v6 ? "2001:db8:100::" + Integer.toHexString(rnd.nextInt(0xffff)) : "10." + rnd.nextInt(256) + "." + rnd.nextInt(256) + ".9";
            String src = v6 ? "2001:db8:9::" + Integer.toHexString(rnd.nextInt(0xffff)) : "172.16." + rnd.nextInt(256) + "." + rnd.nextInt(256);
            String proto = i % 3 == 0 ? "tcp" : "udp";
            String query = "route get " + dst + " from " + src + " ipproto " + proto + " sport " + rnd.nextInt(65536)
                    + " dport " + rnd.nextInt(65536) + (v6 ? " flowlabel " + rnd.nextInt(0xfffff) : "");
            String json = f.out("-j " + query).get(0);
            int[] expected = pipeline(reference, f, query);
            assertTrue(expected[0] >= 0, query);
            assertEquals(String.valueOf(expected[1]), field(NEXTHOP, json), query + " -> " + json);
            assertEquals("p" + expected[0], field(DEV, json), query + " -> " + json);
            assertTrue(json.contains("\"mpalgo\":\"" + algo + "\""), json);
            assertNotNull(field(HASH, json));
            seen[expected[0]]++;
        }
        assertTrue(seen[1] > 0 && seen[2] > 0 && seen[3] > 0, "flows spread over every member");
    }

    @Test
    void routeGetAgreesWithThePipelineForPerPacket() {
        multipath("per-packet");
        // Per-packet positions live in each pipeline instance: a fresh reference fed the same
        // sequence of packets must choose the same sequence of nexthops as route get does.
        Pipeline reference = new Pipeline(f.forwarding.limits().groups());
        for (int i = 0; i < 24; i++) {
            // With a source: an arriving packet from 0.0.0.0 is martian, only route get's own probe may have one.
            String query = "route get 10.1.2." + (i % 7 + 1) + " from 172.16.0.1 ipproto udp sport " + i + " dport 53";
            String json = f.out("-j " + query).get(0);
            int[] expected = pipeline(reference, f, query);
            assertEquals(String.valueOf(expected[1]), field(NEXTHOP, json), query + " -> " + json);
            assertTrue(json.contains("\"mpalgo\":\"per-packet\""), json);
        }
    }

    @Test
    void routeGetTextNamesRouteAlgorithmHashAndNexthop() {
        multipath("l4");
        String line = f.out("route get 10.9.9.9 from 172.16.0.1 ipproto tcp sport 1000 dport 80").get(0);
        assertTrue(line.matches("10\\.9\\.9\\.9 from 172\\.16\\.0\\.1 via 192\\.0\\.2\\.[123] dev p[123] route 10\\.0\\.0\\.0/8 mpalgo l4 hash 0x[0-9a-f]+ slot \\d+"), line);
    }

    /**
     * Kernel mode: the nexthop is the one the kernel's hash-threshold bounds give for
     * {@link KernelHash}'s hash, for every policy. IPv4 against {@link KernelHash#routeGet4} (what
     * {@code ip route get} hashes); IPv6 against the forwarded packet's hash, and for policies 0 and
     * 1 also against {@link KernelHash#routeGet6} ({@code ip -6 route get} hashes the flow
     * descriptor, which differs from forwarding in policies 2 and 3).
     */
    @ParameterizedTest(name = "policy {0}")
    @ValueSource(ints = {0, 1, 2, 3})
    void kernelModeRouteGetPicksTheNexthopOfKernelHashAndTheKernelBounds(int policy) {
        int seed = 0x1234abcd;
        f.ok("set hash-function kernel");
        f.ok("set hash-seed " + Integer.toUnsignedString(seed));
        f.ok("set hash-policy ipv4 " + policy);
        f.ok("set hash-policy ipv6 " + policy);
        f.ok("set hash-fields ipv4 src-ip,dst-ip,ip-proto,src-port,dst-port");
        f.ok("set hash-fields ipv6 src-ip,dst-ip,flowlabel,dst-port");
        int fields4 = 0x0037;
        int fields6 = 0x002b;
        // no mpalgo: in kernel mode the policy decides
        f.ok("route add 10.0.0.0/8 nexthop via 192.0.2.1 dev p1 weight 1 nexthop via 192.0.2.2 dev p2 weight 2 "
                + "nexthop via 192.0.2.3 dev p3 weight 3");
        f.ok("route add 2001:db8:100::/48 nexthop via 2001:db8::1 dev p1 weight 3 nexthop via 2001:db8::2 dev p2 weight 1 "
                + "nexthop via 2001:db8::3 dev p3 weight 1");
        boolean[] alive = {true, true, true};
        int[] bounds4 = UpperBounds.compute(new int[] {1, 2, 3}, alive);
        int[] bounds6 = UpperBounds.compute(new int[] {3, 1, 1}, alive);
        Random rnd = new Random(policy);
        int[] seen = new int[3];
        for (int i = 0; i < 200; i++) {
            boolean v6 = i % 2 == 1;
            String dst = v6 ? "2001:db8:100::" + Integer.toHexString(rnd.nextInt(0xffff)) : "10." + rnd.nextInt(256) + "." + rnd.nextInt(256) + ".9";
            String src = v6 ? "2001:db8:9::" + Integer.toHexString(rnd.nextInt(0xffff)) : "172.16." + rnd.nextInt(256) + "." + rnd.nextInt(256);
            int proto = i % 3 == 0 ? 6 : 17;
            int sport = rnd.nextInt(65536);
            int dport = rnd.nextInt(65536);
            int label = rnd.nextInt(0x100000);
            String query = "route get " + dst + " from " + src + " ipproto " + proto + " sport " + sport + " dport " + dport
                    + (v6 ? " flowlabel " + label : "");
            int hash;
            if (v6) {
                MemorySegment frame = FibPlane.probe((RouteGet) CommandParser.parse(query).command());
                hash = KernelHash.ipv6(frame, 14, (int) frame.byteSize() - 14, policy, fields6, FlowKeys.key(seed), new FlowKeys());
                if (policy <= 1) {
                    assertEquals(KernelHash.routeGet6(IpAddresses.parse6(src), IpAddresses.parse6(dst), proto, sport, dport, label,
                            policy, fields6, seed), hash, query + ": ip -6 route get hashes the same");
                }
            } else {
                hash = KernelHash.routeGet4(IpAddresses.parse4(src), IpAddresses.parse4(dst), proto, sport, dport, policy, fields4, seed);
            }
            int member = UpperBounds.select(v6 ? bounds6 : bounds4, hash);
            String json = f.out("-j " + query).get(0);
            assertEquals(String.valueOf(hash), field(HASH, json), query + " -> " + json);
            assertEquals((v6 ? "2001:db8::" : "192.0.2.") + (member + 1), field(GATEWAY, json), query + " -> " + json);
            assertTrue(json.contains("\"hash_function\":\"kernel\",\"hash_policy\":" + policy), json);
            assertFalse(json.contains("mpalgo"), json);
            seen[member]++;
        }
        assertTrue(seen[0] > 0 && seen[1] > 0 && seen[2] > 0, "flows spread over every member");
        String text = f.out("route get 10.9.9.9 from 172.16.0.1 ipproto tcp sport 1000 dport 80").get(0);
        assertTrue(text.matches("10\\.9\\.9\\.9 from 172\\.16\\.0\\.1 via 192\\.0\\.2\\.[123] dev p[123] route 10\\.0\\.0\\.0/8 hash-function kernel policy "
                + policy + " hash 0x[0-9a-f]+ slot \\d+"), text);
    }

    @Test
    void routeGetThroughAnUnresolvedGatewayReportsTheDropReason() {
        f.ok("route add 10.0.0.0/8 via 192.0.2.99 dev p1");
        String line = f.out("route get 10.1.1.1").get(0);
        assertTrue(line.endsWith("verdict neighbour_unresolved"), line);
    }

    @Test
    void routeGetWithoutARouteIsAnError() {
        assertTrue(f.run("route get 10.1.1.1").error().startsWith("no route to 10.1.1.1"));
    }

    @Test
    void routeGetNamesTheNexthopObjectAndItsSlot() {
        f.ok("nexthop add id 7 via 192.0.2.2 dev p2");
        f.ok("route add 10.0.0.0/8 nhid 7");
        String json = f.out("-j route get 10.2.3.4").get(0);
        assertTrue(json.contains("\"gateway\":\"192.0.2.2\",\"nexthop_slot\":0,\"nhid\":7,\"dev\":\"p2\",\"verdict\":\"forward\""), json);
        assertEquals("10.2.3.4 via 192.0.2.2 dev p2 route 10.0.0.0/8 nhid 7 slot 0", f.out("route get 10.2.3.4").get(0));
    }
}
