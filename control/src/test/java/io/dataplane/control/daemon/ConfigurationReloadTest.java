package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SIGHUP on a running daemon (its own JVM): the file's difference against the previously loaded
 * file is applied as one batch; what dpctl added and the file never named survives; a bad file
 * changes nothing and the log names FILE:LINE.
 */
class ConfigurationReloadTest {
    private static final List<String> FIRST = List.of(
            "port add dev p0 type memory",
            "port add dev p1 type memory",
            "neigh add 192.0.2.1 lladdr 02:00:00:00:01:01 dev p0",
            "nexthop add id 1 via 192.0.2.1 dev p0",
            "nexthop add id 2 via 198.51.100.1 dev p1",
            "route add 10.1.0.0/16 via 192.0.2.1 dev p0",
            "route add 10.2.0.0/16 nhid 1",
            "route add 10.3.0.0/16 via 198.51.100.1 dev p1");

    @Test
    void reloadAppliesTheFilesDifferenceAndKeepsWhatDpctlAdded() throws Exception {
        try (DaemonProcess d = new DaemonProcess(null, FIRST)) {
            d.awaitServing();
            d.dpctl("route", "add", "10.9.0.0/16", "via", "198.51.100.1", "dev", "p1").ok();
            Files.write(d.configFile(), List.of(
                    "port add dev p0 type memory",
                    "port add dev p1 type memory",
                    "set hash-seed 7",
                    "neigh add 192.0.2.1 lladdr 02:00:00:00:01:02 dev p0",  // changed MAC
                    "nexthop add id 1 via 192.0.2.1 dev p0",
                    "nexthop add id 2 via 198.51.100.1 dev p1",
                    "nexthop add id 3 group 1/2,3",                          // new group
                    "route add 10.1.0.0/16 via 198.51.100.1 dev p1",         // changed gateway
                    "route add 10.2.0.0/16 nhid 3",                          // changed target
                    "route add 10.4.0.0/16 via 192.0.2.1 dev p0"));          // new; 10.3/16 is gone
            d.signal("HUP");
            assertTrue(d.awaitLog("reloaded"), d::output);
            assertTrue(d.output().contains("configuration " + d.configFile() + " reloaded: "), d::output);
            String routes = d.dpctl("route", "show").ok();
            assertTrue(routes.contains("10.1.0.0/16 via 198.51.100.1 dev p1"), routes);
            assertTrue(routes.contains("10.2.0.0/16 nhid 3"), routes);
            assertTrue(routes.contains("10.4.0.0/16 via 192.0.2.1 dev p0"), routes);
            assertFalse(routes.contains("10.3.0.0/16"), "removed from the file, so removed: " + routes);
            assertTrue(routes.contains("10.9.0.0/16 via 198.51.100.1 dev p1"), "added with dpctl, not in either file: " + routes);
            assertTrue(d.dpctl("show", "hash").ok().contains("seed 7"));
            assertTrue(d.dpctl("neigh", "show").ok().contains("02:00:00:00:01:02"));
            assertTrue(d.dpctl("nexthop", "show").ok().contains("id 3 group 1/2,3"), d.dpctl("nexthop", "show").out());
            assertTrue(d.alive(), "SIGHUP must not stop the daemon");
        }
    }

    @Test
    void aBadFileChangesNothingAndTheLogSaysWhere() throws Exception {
        try (DaemonProcess d = new DaemonProcess(null, FIRST)) {
            d.awaitServing();
            String before = d.dpctl("route", "show").ok();
            Files.write(d.configFile(), List.of(
                    "port add dev p0 type memory",
                    "port add dev p1 type memory",
                    "route add 10.5.0.0/16 via 192.0.2.1 dev p0",
                    "route add 10.6.0.0/16 via 192.0.2.1 dev p9"));
            d.signal("HUP");
            assertTrue(d.awaitLog("not reloaded"), d::output);
            assertTrue(d.output().contains("configuration not reloaded, nothing changed: " + d.configFile() + ":4: unknown device 'p9'"),
                    d::output);
            assertEquals(before, d.dpctl("route", "show").ok(), "nothing of the bad file was applied");
            assertTrue(d.alive());
        }
    }

    @Test
    void aFileTheRunningStateRefusesChangesNothing() throws Exception {
        try (DaemonProcess d = new DaemonProcess(null, FIRST)) {
            d.awaitServing();
            // dpctl points a route at nexthop 2; the new file drops nexthop 2 and changes a route:
            // the delete is refused by the running state, so the route change is not applied either.
            d.dpctl("route", "add", "10.8.0.0/16", "nhid", "2").ok();
            List<String> next = new java.util.ArrayList<>(FIRST);
            next.remove("nexthop add id 2 via 198.51.100.1 dev p1");
            next.set(next.indexOf("route add 10.1.0.0/16 via 192.0.2.1 dev p0"), "route add 10.1.0.0/16 nhid 1");
            Files.write(d.configFile(), next);
            String before = d.dpctl("route", "show").ok();
            d.signal("HUP");
            assertTrue(d.awaitLog("not reloaded"), d::output);
            assertTrue(d.output().contains("applying 'nexthop del id 2' to the running state: nexthop id 2 is used by 1 route"),
                    d::output);
            assertEquals(before, d.dpctl("route", "show").ok());
        }
    }

    @Test
    void aReloadAddsAndRemovesPortsAndKeepsTheRoutesDpctlAdded() throws Exception {
        try (DaemonProcess d = new DaemonProcess(null, FIRST)) {
            d.awaitServing();
            d.dpctl("route", "add", "10.9.0.0/16", "via", "198.51.100.1", "dev", "p1").ok();
            List<String> next = new java.util.ArrayList<>(FIRST);
            next.add(2, "port add dev p2 type memory");
            next.add("neigh add 203.0.113.1 lladdr 02:00:00:00:02:01 dev p2");
            next.add("route add 10.7.0.0/16 via 203.0.113.1 dev p2");
            Files.write(d.configFile(), next);
            d.signal("HUP");
            assertTrue(d.awaitLog("reloaded: 3 changes"), d::output);
            assertTrue(d.dpctl("link", "show").ok().contains("p2"));
            assertTrue(d.dpctl("route", "show").ok().contains("10.7.0.0/16 via 203.0.113.1 dev p2"));
            assertTrue(d.dpctl("status").ok().contains("p2 queue 0"), d.dpctl("status").out());

            // The port and what used it go in one reload: the routes first, then the port.
            Files.write(d.configFile(), FIRST);
            d.signal("HUP");
            assertTrue(d.awaitLog("reloaded: 3 changes applied as one batch; Rib[4 routes"), d::output);
            assertFalse(d.dpctl("link", "show").ok().contains("p2"), d.dpctl("link", "show").out());
            assertFalse(d.dpctl("show", "running-config").ok().contains("p2"));
            assertTrue(d.dpctl("route", "show").ok().contains("10.9.0.0/16 via 198.51.100.1 dev p1"), "the dpctl route survives");

            // A port line whose options changed is refused, naming it; nothing changes.
            next = new java.util.ArrayList<>(FIRST);
            next.set(1, "port add dev p1 type memory mtu 9000");
            next.add("route add 10.6.0.0/16 via 192.0.2.1 dev p0");
            Files.write(d.configFile(), next);
            d.signal("HUP");
            assertTrue(d.awaitLog("not reloaded"), d::output);
            assertTrue(d.output().contains("port lines changed ('port add dev p1 type memory' became 'port add dev p1 type memory"
                    + " mtu 9000')"), d::output);
            assertFalse(d.dpctl("route", "show").ok().contains("10.6.0.0/16"));
        }
    }

    /** A daemon started on a routes-only file runs no workers; the reload that brings the first ports starts them. */
    @Test
    void aReloadThatAddsTheFirstPortsStartsTheWorkers() throws Exception {
        try (DaemonProcess d = new DaemonProcess(null, List.of("route add blackhole 10.8.0.0/16"))) {
            d.awaitServing();
            assertFalse(d.dpctl("status").ok().contains("queue 0"), d.dpctl("status").out());
            List<String> next = new java.util.ArrayList<>(FIRST);
            next.add("route add blackhole 10.8.0.0/16");
            Files.write(d.configFile(), next);
            d.signal("HUP");
            assertTrue(d.awaitLog("reloaded: " + FIRST.size() + " changes"), d::output);
            assertTrue(d.output().contains("port 0 p0 added: 1 worker(s) started for it"), d::output); // memory ports: one worker
            String status = d.dpctl("-j", "status").ok();
            assertTrue(status.contains("\"ports\":[\"p0 queue 0\",\"p1 queue 0\"]") && status.contains("\"state\":\"running\""),
                    status);
            assertTrue(d.dpctl("route", "get", "10.1.2.3").ok().contains("dev p0"), d::output);
        }
    }

    @Test
    void aReloadWhosePortCannotBeOpenedChangesNothing() throws Exception {
        try (DaemonProcess d = new DaemonProcess(null, FIRST)) {
            d.awaitServing();
            List<String> next = new java.util.ArrayList<>(FIRST);
            next.add(2, "port add dev p2 type memory");
            next.add(3, "port add dev p3 type afxdp"); // not the running ports' type
            next.add("route add 10.7.0.0/16 via 192.0.2.1 dev p0");
            Files.write(d.configFile(), next);
            d.signal("HUP");
            assertTrue(d.awaitLog("not reloaded"), d::output);
            assertTrue(d.output().contains("applying 'port add dev p3' to the running state: port p3 is of type afxdp but the"
                    + " running ports are memory"), d::output);
            assertFalse(d.dpctl("link", "show").ok().contains("p2"), "the port added before the failure is gone again");
            assertFalse(d.dpctl("route", "show").ok().contains("10.7.0.0/16"));
        }
    }
}
