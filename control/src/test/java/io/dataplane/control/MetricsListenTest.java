package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.control.command.Command.MetricsListen;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code metrics listen ADDRESS:PORT}: the grammar, and the control plane's all-or-nothing rule
 * (in a batch the endpoint is bound before anything is published, so an address in use fails the
 * whole batch; the previous endpoint keeps serving until the new one starts).
 */
class MetricsListenTest {
    private final Fixture f = new Fixture();
    private final List<String> events = new ArrayList<>();

    /** Records what the control plane asks; refuses port 1 as if it were in use. */
    private final MetricsExporter exporter = endpoint -> {
        if (endpoint.port() == 1) {
            throw new IllegalStateException("cannot listen for metrics on " + endpoint.endpoint() + ": Address already in use");
        }
        events.add("bind " + endpoint.endpoint());
        return new MetricsExporter.Binding() {
            @Override
            public void start() {
                events.add("start " + endpoint.endpoint());
            }

            @Override
            public void close() {
                events.add("close " + endpoint.endpoint());
            }
        };
    };

    @Test
    void endpointsAreIpLiteralsWithAPort() {
        f.plane.metricsExporter(exporter);
        f.ok("metrics listen 127.0.0.1:9100");
        f.ok("metrics listen [::1]:9101");
        assertEquals("[::1]:9101", f.plane.metricsEndpoint().endpoint());
        String[][] bad = {
            {"metrics listen", "expected ADDRESS:PORT"},
            {"metrics listen 127.0.0.1", "bad metrics endpoint '127.0.0.1'"},
            {"metrics listen 127.0.0.1:0", "expected a TCP port 1..65535"},
            {"metrics listen 127.0.0.1:65536", "expected a TCP port 1..65535"},
            {"metrics listen ::1:9100", "an IPv6 address goes in brackets"},
            {"metrics listen localhost:9100", "bad metrics address 'localhost'"},
            {"metrics listen 127.0.0.1:9100 extra", "expected the end of the command"},
            {"metrics show", "expected 'listen'"}};
        for (String[] b : bad) {
            Reply r = f.run(b[0]);
            assertFalse(r.ok(), b[0]);
            assertTrue(r.error().contains(b[1]), b[0] + " -> " + r.error());
        }
        assertEquals(List.of("bind 127.0.0.1:9100", "start 127.0.0.1:9100", "bind [::1]:9101", "start [::1]:9101"), events);
    }

    @Test
    void anAddressInUseIsTheReplyAndTheOldEndpointStays() {
        f.plane.metricsExporter(exporter);
        f.ok("metrics listen 127.0.0.1:9100");
        Reply r = f.run("metrics listen 127.0.0.1:1");
        assertFalse(r.ok());
        assertTrue(r.error().contains("Address already in use"), r.error());
        assertEquals("127.0.0.1:9100", f.plane.metricsEndpoint().endpoint());
        f.ok("metrics listen 127.0.0.1:9100");
        assertEquals(List.of("bind 127.0.0.1:9100", "start 127.0.0.1:9100"), events, "the same endpoint again is not bound twice");
    }

    @Test
    void aBatchWhoseEndpointCannotBeBoundAppliesNothing() {
        f.plane.metricsExporter(exporter);
        long version = f.version();
        f.ok("batch begin");
        f.ok("route add 10.77.0.0/16 via 192.0.2.1 dev p1");
        f.ok("metrics listen 127.0.0.1:1");
        Reply r = f.run("batch commit");
        assertFalse(r.ok());
        assertTrue(r.error().contains("Address already in use"), r.error());
        assertEquals(List.of(), f.run("route show 10.77.0.0/16").output(), "the batch's route was applied");
        assertEquals(version, f.version());
        assertNull(f.plane.metricsEndpoint());

        f.ok("batch begin");
        f.ok("route add 10.77.0.0/16 via 192.0.2.1 dev p1");
        f.ok("metrics listen 127.0.0.1:9100");
        assertEquals(List.of(), events, "nothing is bound before the batch commits");
        f.ok("batch commit");
        assertEquals(List.of("bind 127.0.0.1:9100", "start 127.0.0.1:9100"), events);
        assertEquals(1, f.run("route show 10.77.0.0/16").output().size(), "the second batch's route is there");
    }

    @Test
    void theConfigurationsEndpointIsServedOnceTheExporterIsAttached() {
        Fixture loaded = new Fixture(List.of("port add dev p0 type memory", "metrics listen 0.0.0.0:9100"));
        assertEquals(new MetricsListen(io.dataplane.control.command.IpAddress.parse("0.0.0.0"), 9100), loaded.plane.metricsEndpoint());
        loaded.plane.metricsExporter(exporter);
        assertEquals(List.of("bind 0.0.0.0:9100", "start 0.0.0.0:9100"), events);
    }

    @Test
    void commandsAreCountedByKindInTheMetricsText() {
        f.ok("route show");
        f.run("route add 10.9.0.0/16 via 192.0.2.1 dev nosuch");
        f.run("no such command");
        String text = f.plane.metricsText();
        assertTrue(text.contains("dataplane_commands_total{command=\"route show\",result=\"ok\"} 1\n"), text);
        assertTrue(text.contains("dataplane_commands_total{command=\"route add\",result=\"error\"} 1\n"), text);
        assertTrue(text.contains("dataplane_commands_total{command=\"invalid\",result=\"error\"} 1\n"), text);
        assertTrue(text.contains("dataplane_command_duration_seconds_bucket{command=\"route show\",le=\"+Inf\"} 1\n"), text);
        assertTrue(text.contains("dataplane_command_duration_seconds_bucket{command=\"route show\",le=\"0.0001\"} "), text);
        assertTrue(text.contains("dataplane_table_version " + f.version() + "\n"), text);
    }
}
