package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.*;

import io.dataplane.control.daemon.PortConfiguration;
import io.dataplane.control.rib.Rib;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link RunningConfig}: what it writes loads back into the same state, in kernel hash mode too. */
class RunningConfigTest {

    private static ControlPlane loaded(List<String> lines) {
        ControlPlane plane = new ControlPlane(new Rib(64, 16), null, new PortConfiguration());
        plane.loadConfiguration(lines, "test.conf");
        return plane;
    }

    private static List<String> running(ControlPlane plane) {
        Reply r = plane.execute(new Object(), "show running-config");
        assertTrue(r.ok(), r::error);
        return r.output();
    }

    @Test
    void kernelModeSettingsComeBeforeTheRoutesTheyAllow() {
        ControlPlane a = loaded(List.of(
                "port add dev p0 type memory",
                "port add dev p1 type memory",
                "set hash-function kernel",
                "set hash-policy ipv4 1",
                "route add 10.0.0.0/8 nexthop via 192.0.2.1 dev p0 nexthop via 192.0.2.2 dev p1"));
        List<String> text = running(a);
        assertEquals(List.of(
                "port add dev p0 type memory",
                "port add dev p1 type memory",
                "set hash-policy ipv4 1",
                "set hash-function kernel",
                "route add 10.0.0.0/8 nexthop via 192.0.2.1 dev p0 nexthop via 192.0.2.2 dev p1"), text);
        assertEquals(text, running(loaded(text)));
    }

    @Test
    void theFixturesStateRoundTrips() {
        List<String> text = running(loaded(Fixture.CONFIG));
        assertTrue(text.contains("nexthop add id 10 group 1/2,3 mpalgo l4"), text::toString);
        assertTrue(text.contains("port add dev p2 type memory address 02:aa:00:00:00:02"), text::toString);
        assertEquals(text, running(loaded(text)));
    }

    @Test
    void theMetricsEndpointIsAConfigurationLineToo() {
        List<String> text = running(loaded(List.of("port add dev p0 type memory", "metrics listen [::1]:9100")));
        assertEquals(List.of("port add dev p0 type memory", "metrics listen [::1]:9100"), text);
        assertEquals(text, running(loaded(text)));
    }

    @Test
    void resilientGroupsKeepTheirBucketsAndTimers() {
        List<String> text = running(loaded(List.of(
                "port add dev p0 type memory",
                "nexthop add id 1 via 192.0.2.1 dev p0",
                "nexthop add id 2 via 192.0.2.2 dev p0",
                "nexthop add id 10 group 1/2,3 type resilient buckets 32 idle_timer 5 unbalanced_timer 60",
                "route add 10.0.0.0/8 nhid 10")));
        assertTrue(text.contains("nexthop add id 10 group 1/2,3 type resilient buckets 32 idle_timer 5 unbalanced_timer 60"),
                text::toString);
        assertEquals(text, running(loaded(text)));
    }

    @Test
    void showRunningConfigTakesNoArguments() {
        Reply r = loaded(List.of()).execute(new Object(), "show running-config all");
        assertFalse(r.ok());
        assertTrue(r.error().contains("all"), r.error());
    }
}
