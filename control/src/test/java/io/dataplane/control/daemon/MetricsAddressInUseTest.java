package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The metrics endpoint's address: a configuration whose {@code metrics listen} address is taken
 * does not start the daemon, and says so; an endpoint bound for a batch that then failed gives
 * its address back.
 */
class MetricsAddressInUseTest {
    @Test
    void aBoundEndpointThatIsNotServedGivesItsAddressBack() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        MetricsServer server = new MetricsServer(Runnable::run, () -> "");
        var endpoint = new io.dataplane.control.command.Command.MetricsListen(
                io.dataplane.control.command.IpAddress.parse("127.0.0.1"), port);
        server.bind(endpoint).close();
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(port, again.getLocalPort());
        }
        server.close();
    }

    @Test
    void theDaemonRefusesToStartAndNamesTheAddress() throws Exception {
        Path dir = Files.createTempDirectory("metrics-in-use");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path config = dir.resolve("router.conf");
            Files.write(config, List.of("port add dev p0 type memory", "metrics listen 127.0.0.1:" + taken.getLocalPort()));
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = DataplaneMain.run(new String[] {"--config", config.toString(), "--socket", dir.resolve("dp.sock").toString()},
                    new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
            String log = err.toString(StandardCharsets.UTF_8);
            assertEquals(1, status, log);
            assertTrue(log.contains("cannot listen for metrics on 127.0.0.1:" + taken.getLocalPort() + ": Address already in use"), log);
            assertTrue(log.contains("choose another port"), log);
            assertFalse(Files.exists(dir.resolve("dp.sock")), "the command socket stays open after the failed start");
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
