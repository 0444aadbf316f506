package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.control.daemon.PortConfiguration;
import io.dataplane.control.rib.Rib;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import java.util.List;

/** A control plane over real (small) forwarding tables, loaded with a typical configuration. */
final class Fixture implements AutoCloseable {
    static final List<String> CONFIG = List.of(
            "# three in-memory ports",
            "port add dev p0 type memory",
            "port add dev p1 type memory mtu 9000",
            "port add dev p2 type memory address 02:aa:00:00:00:02",
            "neigh add 192.0.2.1 lladdr 02:00:00:00:01:01 dev p1",
            "neigh add 192.0.2.2 lladdr 02:00:00:00:02:02 dev p2",
            "neigh add 2001:db8::1 lladdr 02:00:00:00:01:06 dev p1",
            "nexthop add id 1 via 192.0.2.1 dev p1",
            "nexthop add id 2 via 192.0.2.2 dev p2",
            "nexthop add id 3 via 192.0.2.3 dev p2",
            "nexthop add id 10 group 1,1/2,3 mpalgo l4",
            "route add 10.0.0.0/24 nhid 10",
            "route add 10.1.0.0/16 via 192.0.2.1 dev p1",
            "route add 2001:db8:1::/48 nexthop via 2001:db8::1 dev p1 weight 1 nexthop via 2001:db8::2 dev p2 weight 2 mpalgo l3");

    final Fib forwarding = new Fib(new FibLimits(64, 16, 256, 256, 2));
    final FibPlane tables = new FibPlane(forwarding);
    final Rib rib = new Rib(64, 16);
    final ControlPlane plane = new ControlPlane(rib, null, new PortConfiguration());
    final Object session = new Object();

    Fixture() {
        this(CONFIG);
    }

    Fixture(List<String> config) {
        plane.loadConfiguration(config, "test.conf");
        plane.attach(tables);
    }

    Reply run(String line) {
        return plane.execute(session, line);
    }

    void ok(String line) {
        Reply r = run(line);
        assertTrue(r.ok(), () -> line + " -> " + r.error());
    }

    List<String> out(String line) {
        Reply r = run(line);
        assertTrue(r.ok(), () -> line + " -> " + r.error());
        return r.output();
    }

    long version() {
        return forwarding.snapshot().version();
    }

    /** Runs a command that must fail and asserts that neither the RIB nor the tables changed. */
    String fails(String line) {
        String before = RibState.of(plane);
        long v = version();
        Reply r = run(line);
        assertTrue(!r.ok(), () -> line + " was accepted");
        assertEquals(before, RibState.of(plane), () -> line + " changed the RIB");
        assertEquals(v, version(), () -> line + " published a table version");
        return r.error();
    }

    @Override
    public void close() {
        forwarding.close();
    }
}
