package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.control.CommandServer;
import io.dataplane.control.ControlPlane;
import io.dataplane.control.rib.Rib;
import io.dataplane.ffi.Privileges;
import io.dataplane.port.MemoryPort;
import io.dataplane.port.Port;
import io.dataplane.tables.MacAddress;
import io.dataplane.tables.packet.Frames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code metrics listen}: a daemon (control plane, command socket, workers on memory ports, the
 * metrics endpoint, wired as {@code dataplane run} wires them) forwards frames, and its
 * {@code /metrics} shows them in the Prometheus text format: {@code promtool check metrics}
 * accepts it, and a real Prometheus server scrapes it and answers a query with the counted value.
 */
class MetricsTest {
    private static final int FORWARDED = 100;
    private static final int UNROUTED = 7;
    private static final long CLIENT_MAC = 0x02_00_00_00_00_aaL;

    private final Path dir;
    private final int metricsPort;
    private Daemon daemon;
    private CommandServer server;
    private MetricsServer metrics;
    private Thread control;

    MetricsTest() throws IOException {
        dir = Files.createTempDirectory("metrics-test");
        metricsPort = freePort();
    }

    @BeforeEach
    void start() throws Exception {
        PortConfiguration ports = new PortConfiguration(new UsableCpus(new BitSet()));
        daemon = new Daemon();
        ControlPlane plane = new ControlPlane(new Rib(daemon.nexthopSlots(), daemon.groupSlots()), null, ports);
        plane.loadConfiguration(List.of(
                "port add dev a type memory",
                "port add dev b type memory",
                "neigh add 192.0.2.2 lladdr 02:00:00:00:00:99 dev b",
                "nexthop add id 10 via 192.0.2.2 dev b",
                "nexthop add id 20 group 10,3",
                "route add 198.51.100.0/24 nhid 20",
                "metrics listen 127.0.0.1:" + metricsPort), "test.conf");
        server = CommandServer.open(dir.resolve("dp.sock"), "root", plane, CommandServer.Limits.defaults());
        daemon.start(plane, ports, server::submit);
        metrics = new MetricsServer(server::submit, plane::metricsText);
        plane.metricsExporter(metrics);
        control = Thread.ofPlatform().name("control").start(() -> {
            try {
                server.run();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
            control.join(10_000);
            server.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        if (daemon != null) {
            daemon.stop();
        }
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private MemoryPort port(String name) {
        for (Port p : daemon.workers().ports()) {
            if (p.name().equals(name)) {
                return (MemoryPort) p;
            }
        }
        throw new AssertionError("no port " + name);
    }

    /** Sends FORWARDED frames to the route and UNROUTED to nowhere, and waits until the worker counted them all. */
    private String forwardTraffic() throws Exception {
        MemoryPort a = port("a");
        MemoryPort b = port("b");
        long routerMac = MacAddress.parse("02:00:00:00:00:01");
        Frames routed = Frames.ipv4("10.0.0.1", "198.51.100.7").macs(routerMac, CLIENT_MAC).udp(4000, 53);
        Frames lost = Frames.ipv4("10.0.0.1", "203.0.113.9").macs(routerMac, CLIENT_MAC).udp(4000, 53);
        for (int sent = 0; sent < FORWARDED; ) {
            sent += a.inject(routed::write, FORWARDED - sent);
            b.drain((m, o, l) -> { }, 256);
        }
        for (int sent = 0; sent < UNROUTED; ) {
            sent += a.inject(lost::write, UNROUTED - sent);
        }
        String expected = "dataplane_port_rx_packets_total{port=\"a\"} " + (FORWARDED + UNROUTED);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String text = scrape().body();
        while (!text.contains(expected) && System.nanoTime() < deadline) {
            b.drain((m, o, l) -> { }, 256);
            Thread.sleep(50);
            text = scrape().body();
        }
        assertTrue(text.contains(expected), text);
        return scrape().body();
    }

    private HttpResponse<String> scrape() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void theCountersOfForwardedTrafficAreServedInThePrometheusFormat() throws Exception {
        assertEquals(0, Dpctl.run(new String[] {"--socket", dir.resolve("dp.sock").toString(), "route", "show"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream())));
        String text = forwardTraffic();
        HttpResponse<String> r = scrape();
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        assertTrue(text.contains("# TYPE dataplane_port_rx_packets_total counter\n"), text);
        assertTrue(text.contains("dataplane_port_tx_packets_total{port=\"b\"} " + FORWARDED + "\n"), text);
        assertTrue(text.contains("dataplane_port_tx_bytes_total{port=\"b\"} " + FORWARDED * (long) Frames.ipv4("10.0.0.1",
                "198.51.100.7").udp(4000, 53).length() + "\n"), text);
        assertTrue(text.contains("dataplane_drops_total{reason=\"no_route\"} " + UNROUTED + "\n"), text);
        assertTrue(text.contains("dataplane_nexthop_packets_total{slot=\"") && text.contains(
                "\",nexthop=\"10\",gateway=\"192.0.2.2\",dev=\"b\"} " + FORWARDED + "\n"), text);
        assertTrue(text.contains("dataplane_nexthop_group_member_weight{group=\"20\",nexthop=\"10\"} 3\n"), text);
        assertTrue(text.contains("dataplane_worker_packets_total{worker=\"0\"} " + (FORWARDED + UNROUTED) + "\n"), text);
        assertTrue(text.contains("dataplane_commands_total{command=\"route show\",result=\"ok\"} 1\n"), text);
        assertTrue(text.contains("dataplane_command_duration_seconds_count{command=\"route show\"} 1\n"), text);
        assertTrue(text.contains("# TYPE dataplane_command_duration_seconds histogram\n"), text);
        assertTrue(text.matches("(?s).*\ndataplane_table_version [1-9][0-9]*\n.*"), text);
        assertEquals(404, http("/").statusCode());

        String promtool = tool("promtool");
        if (promtool != null) {
            Process p = new ProcessBuilder(promtool, "check", "metrics").redirectErrorStream(true).start();
            p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), "promtool check metrics: " + out + "\n" + text);
            assertEquals("", out.strip(), "promtool's lint findings");
        }
    }

    /** {@code dpctl metrics listen} moves the endpoint: the new one serves, the old one is closed and can be bound again. */
    @Test
    void theEndpointMovesWithTheSocketCommand() throws Exception {
        int other = freePort();
        assertEquals(0, dpctl("metrics", "listen", "127.0.0.1:" + other));
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> moved = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + other + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, moved.statusCode());
            assertTrue(moved.body().contains("dataplane_commands_total{command=\"metrics listen\",result=\"ok\"} 2\n"), moved.body());
        }
        assertThrows(IOException.class, this::scrape, "the old endpoint still answers");
        assertEquals(0, dpctl("metrics", "listen", "127.0.0.1:" + metricsPort), "the old port was not released");
        assertEquals(200, scrape().statusCode());
        try (ServerSocket released = new ServerSocket(other, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertEquals(other, released.getLocalPort(), "the endpoint left behind is free for others");
        }
    }

    private int dpctl(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--socket";
        all[1] = dir.resolve("dp.sock").toString();
        System.arraycopy(args, 0, all, 2, args.length);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Dpctl.run(all, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        if (status != 0) {
            System.err.println(err.toString(StandardCharsets.UTF_8));
        }
        return status;
    }

    /** A Prometheus server scrapes the endpoint every second and answers a query through its HTTP API. */
    @Test
    void aPrometheusServerScrapesItAndAnswersAQuery() throws Exception {
        String prometheus = tool("prometheus");
        forwardTraffic();
        int web = freePort();
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: dataplane
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(metricsPort));
        Process p = new ProcessBuilder(prometheus, "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + web).redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
        try {
            String query = "http://127.0.0.1:" + web + "/api/v1/query?query=dataplane_port_rx_packets_total%7Bport%3D%22a%22%7D";
            String want = "\"" + (FORWARDED + UNROUTED) + "\"]";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String answer = "";
            while (!answer.contains(want) && System.nanoTime() < deadline) {
                Thread.sleep(500);
                assertTrue(p.isAlive(), () -> "prometheus exited: " + log());
                try (HttpClient http = HttpClient.newHttpClient()) {
                    answer = http.send(HttpRequest.newBuilder(URI.create(query)).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                } catch (IOException e) {
                    answer = e.toString(); // not listening yet
                }
            }
            String seen = answer;
            assertTrue(answer.contains("\"status\":\"success\"") && answer.contains("\"job\":\"dataplane\"") && answer.contains(want),
                    () -> "query answer: " + seen + "\nprometheus log: " + log());
        } finally {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("prometheus.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private HttpResponse<String> http(String path) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    /** The tool's path; outside CI a missing one skips the test (CI installs Debian's prometheus package). */
    private static String tool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        if (Privileges.inCi()) {
            throw new AssertionError(name + " is missing in CI: bin/test installs Debian's 'prometheus' package");
        }
        Assumptions.abort("skipped: " + name + " is not installed (apt-get install prometheus; bin/test installs it)");
        return null;
    }
}
