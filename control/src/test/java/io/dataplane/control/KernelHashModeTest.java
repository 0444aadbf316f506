package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.*;

import io.dataplane.tables.HashConfiguration;
import io.dataplane.tables.Snapshot;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel hash mode's commands: {@code set hash-function|hash-policy|hash-fields}, {@code show
 * hash}, the refusal of per-route l3/l4 in kernel mode, and the whole configuration published in
 * one snapshot (a failed batch publishes none of it).
 */
class KernelHashModeTest {
    private final Fixture f = new Fixture();

    @AfterEach
    void close() {
        f.close();
    }

    private Snapshot snap() {
        return f.forwarding.snapshot();
    }

    /** The fixture's group 10 asks for mpalgo l4: replaced without mpalgo, kernel mode is allowed. */
    private void kernelMode() {
        f.ok("nexthop replace id 10 group 1,1/2,3");
        f.ok("set hash-function kernel");
    }

    @Test
    void showHashPrintsTheDefaults() {
        assertEquals(List.of("hash-function jenkins seed 0", "ipv4 policy 0 fields src-ip,dst-ip,ip-proto",
                "ipv6 policy 0 fields src-ip,dst-ip,ip-proto"), f.out("show hash"));
        assertEquals(List.of("{\"function\":\"jenkins\",\"seed\":0,"
                + "\"ipv4\":{\"policy\":0,\"fields\":[\"src-ip\",\"dst-ip\",\"ip-proto\"]},"
                + "\"ipv6\":{\"policy\":0,\"fields\":[\"src-ip\",\"dst-ip\",\"ip-proto\"]}}"), f.out("-j show hash"));
    }

    @Test
    void showHashPrintsEveryPartOfTheConfiguration() {
        kernelMode();
        f.ok("set hash-seed 4294967295");
        f.ok("set hash-policy ipv4 3");
        f.ok("set hash-policy ipv6 2");
        f.ok("set hash-fields ipv4 dst-port,src-ip,inner-dst-ip");
        f.ok("set hash-fields ipv6 flowlabel");
        assertEquals(List.of("hash-function kernel seed 4294967295", "ipv4 policy 3 fields src-ip,dst-port,inner-dst-ip",
                "ipv6 policy 2 fields flowlabel"), f.out("show hash"));
        assertEquals(List.of("{\"function\":\"kernel\",\"seed\":4294967295,"
                + "\"ipv4\":{\"policy\":3,\"fields\":[\"src-ip\",\"dst-port\",\"inner-dst-ip\"]},"
                + "\"ipv6\":{\"policy\":2,\"fields\":[\"flowlabel\"]}}"), f.out("-j show hash"));
        assertEquals(new HashConfiguration(true, -1, 3, 0x00a1, 2, 0x0008), snap().hash());
        assertTrue(snap().kernelHash);
        assertEquals(3, snap().policy4);
        assertEquals(0x0008, snap().fields6);
    }

    @Test
    void batchPublishesTheWholeHashConfigurationInOneVersion() {
        f.ok("nexthop replace id 10 group 1,1/2,3");
        long v = f.version();
        f.ok("batch begin");
        f.ok("set hash-function kernel");
        f.ok("set hash-seed 99");
        f.ok("set hash-policy ipv4 1");
        f.ok("set hash-fields ipv6 src-ip,dst-ip");
        assertFalse(snap().kernelHash, "nothing published before commit");
        f.ok("batch commit");
        assertEquals(v + 1, f.version());
        assertEquals(new HashConfiguration(true, 99, 1, 0x0007, 0, 0x0003), snap().hash());
    }

    @Test
    void aFailedBatchChangesNoPartOfTheHashConfiguration() {
        kernelMode();
        String before = RibState.of(f.plane);
        HashConfiguration published = snap().hash();
        long v = f.version();
        f.ok("batch begin");
        f.ok("set hash-function jenkins");
        f.ok("set hash-seed 5");
        f.ok("set hash-policy ipv6 3");
        f.ok("set hash-fields ipv4 src-port");
        assertFalse(f.run("route add 10.8.0.0/16 nhid 42").ok());
        assertFalse(f.run("batch commit").ok());
        assertEquals(before, RibState.of(f.plane));
        assertEquals(v, f.version());
        assertEquals(published, snap().hash());
        assertEquals("hash-function kernel seed 0", f.out("show hash").get(0));
    }

    @Test
    void kernelModeRefusesANamedL3OrL4SayingThePolicyDecides() {
        kernelMode();
        String e = f.fails("route add 10.9.0.0/24 nexthop via 192.0.2.1 dev p1 nexthop via 192.0.2.2 dev p2 mpalgo l3");
        assertTrue(e.contains("route 10.9.0.0/24: mpalgo l3 is refused with hash-function kernel")
                && e.contains("'set hash-policy ipv4|ipv6 0..3' decides"), e);
        e = f.fails("nexthop add id 20 group 1/2 mpalgo l4");
        assertTrue(e.contains("nexthop id 20: mpalgo l4 is refused with hash-function kernel"), e);
        // the default and per-packet keep working
        f.ok("route add 10.9.0.0/24 nexthop via 192.0.2.1 dev p1 nexthop via 192.0.2.2 dev p2");
        f.ok("nexthop add id 20 group 1/2 mpalgo per-packet");
        f.ok("route add 10.10.0.0/24 nexthop via 192.0.2.1 dev p1 nexthop via 192.0.2.2 dev p2 mpalgo per-packet");
        // back in jenkins mode a named algorithm is fine again
        f.ok("set hash-function jenkins");
        f.ok("route add 10.11.0.0/24 nexthop via 192.0.2.1 dev p1 nexthop via 192.0.2.2 dev p2 mpalgo l4");
    }

    @Test
    void switchingToKernelModeIsRefusedNamingTheL4RoutesAndGroups() {
        f.ok("route add 10.9.0.0/24 nexthop via 192.0.2.1 dev p1 nexthop via 192.0.2.2 dev p2 mpalgo l4");
        String e = f.fails("set hash-function kernel");
        assertTrue(e.contains("mpalgo l4 is set on route 10.9.0.0/24, nexthop id 10;")
                && e.contains("replace them without mpalgo first"), e);
        assertFalse(snap().kernelHash);
        f.ok("route replace 10.9.0.0/24 nexthop via 192.0.2.1 dev p1 nexthop via 192.0.2.2 dev p2");
        f.ok("nexthop replace id 10 group 1,1/2,3");
        // the fixture's IPv6 route names mpalgo l3 explicitly: l3 is the default, it follows the policy
        f.ok("set hash-function kernel");
        assertTrue(snap().kernelHash);
    }
}
