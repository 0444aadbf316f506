package io.dataplane.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The weighted-ECMP test topology: namespaces client, router, server1, server2 joined by veth
 * pairs, kernel forwarding off in the router (so whatever crosses it was forwarded by us), and an
 * HTTP server (socat) in each server namespace answering with its name on the anycast addresses
 * {@link #ANYCAST6} and {@link #ANYCAST4}. Everything is deleted by {@link #close()}.
 *
 * <pre>
 *  client c0 ---- r0 router r1 ---- s1 server1
 *                        r2 ---- s2 server2
 * </pre>
 */
public final class RouterTopology implements AutoCloseable {
    public static final String ANYCAST6 = "fc00::1";
    public static final String ANYCAST4 = "198.18.0.1";
    public static final String CLIENT4 = "10.0.1.2", CLIENT6 = "2001:db8:1::2";
    public static final String ROUTER_C4 = "10.0.1.1", ROUTER_C6 = "2001:db8:1::1";
    public static final String SERVER1_4 = "10.0.2.2", SERVER1_6 = "2001:db8:2::2";
    public static final String SERVER2_4 = "10.0.3.2", SERVER2_6 = "2001:db8:3::2";

    public final Netns netns;
    public final String client;
    public final String router;
    public final String server1;
    public final String server2;
    private final List<Process> servers = new ArrayList<>();
    private final Path scratch;

    public RouterTopology(String tag) {
        netns = new Netns(tag);
        try {
            client = netns.add("client");
            router = netns.add("router");
            server1 = netns.add("server1");
            server2 = netns.add("server2");
            netns.veth(client, "c0", router, "r0");
            netns.veth(router, "r1", server1, "s1");
            netns.veth(router, "r2", server2, "s2");
            // Kernel forwarding off: a packet that crosses the router was forwarded by the dataplane.
            netns.exec(router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=0", "net.ipv6.conf.all.forwarding=0");
            address(client, "c0", CLIENT4 + "/24", CLIENT6 + "/64");
            address(router, "r0", ROUTER_C4 + "/24", ROUTER_C6 + "/64");
            address(router, "r1", "10.0.2.1/24", "2001:db8:2::1/64");
            address(router, "r2", "10.0.3.1/24", "2001:db8:3::1/64");
            address(server1, "s1", SERVER1_4 + "/24", SERVER1_6 + "/64");
            address(server2, "s2", SERVER2_4 + "/24", SERVER2_6 + "/64");
            netns.ip(client, "route", "add", "default", "via", ROUTER_C4);
            netns.ip(client, "-6", "route", "add", "default", "via", ROUTER_C6);
            for (String[] s : new String[][] {{server1, "s1", "10.0.2.1", "2001:db8:2::1"},
                {server2, "s2", "10.0.3.1", "2001:db8:3::1"}}) {
                netns.ip(s[0], "route", "add", "default", "via", s[2]);
                netns.ip(s[0], "-6", "route", "add", "default", "via", s[3]);
                netns.ip(s[0], "addr", "add", ANYCAST4 + "/32", "dev", "lo");
                netns.ip(s[0], "addr", "add", ANYCAST6 + "/128", "dev", "lo");
                netns.exec(s[0], "sysctl", "-q", "-w", "net.ipv6.flowlabel_reflect=1");
            }
            // AF_XDP forwards bytes, not skb metadata: a checksum the sender left to offload
            // (CHECKSUM_PARTIAL on veth) would arrive unfinished. Hosts compute their own.
            netns.exec(client, "ethtool", "-K", "c0", "tx", "off");
            netns.exec(server1, "ethtool", "-K", "s1", "tx", "off");
            netns.exec(server2, "ethtool", "-K", "s2", "tx", "off");
            scratch = Files.createTempDirectory("dpt-http");
        } catch (RuntimeException | IOException e) {
            netns.close();
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    private void address(String ns, String dev, String v4, String v6) {
        netns.ip(ns, "addr", "add", v4, "dev", dev);
        netns.ip(ns, "addr", "add", v6, "dev", dev, "nodad");
    }

    /** Starts an HTTP server in both server namespaces answering "server1" / "server2" on port 80 of both anycast addresses. */
    public void startHttpServers() throws IOException, InterruptedException {
        Path script = scratch.resolve("answer.sh");
        // Read the request head before answering: closing with unread data would reset the connection.
        Files.writeString(script, """
                #!/bin/bash
                while IFS= read -r line; do line=${line%$'\\r'}; [ -z "$line" ] && break; done
                body="$NAME"
                printf 'HTTP/1.0 200 OK\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n%s\\n' $(( ${#body} + 1 )) "$body"
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String[] s : new String[][] {{server1, "server1"}, {server2, "server2"}}) {
            for (String listen : new String[] {"TCP6-LISTEN:80,bind=[" + ANYCAST6 + "],reuseaddr,fork",
                "TCP4-LISTEN:80,bind=" + ANYCAST4 + ",reuseaddr,fork"}) {
                ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", s[0], "socat", listen, "EXEC:" + script)
                        .redirectErrorStream(true).redirectOutput(scratch.resolve(s[1] + ".log").toFile());
                pb.environment().put("NAME", s[1]);
                servers.add(pb.start());
            }
        }
        // Wait until both listen.
        for (String ns : new String[] {server1, server2}) {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!netns.exec(ns, "ss", "-Hltn").contains(":80") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
    }

    /**
     * Runs {@code count} HTTP requests from the client, each a new TCP connection, and returns how
     * many answers each server name gave ("failed" counts requests that did not complete).
     */
    public Map<String, Integer> requests(String url, int count) {
        return requests(url, count, 0);
    }

    /**
     * As {@link #requests(String, int)}, with request i sent from local port {@code firstPort + i}
     * (0: the kernel picks), so that the set of flows, and with it the expected split, is the same
     * on every run.
     */
    public Map<String, Integer> requests(String url, int count, int firstPort) {
        String port = firstPort > 0 ? " --local-port $((" + firstPort + " + i))" : "";
        String out = netns.exec(client, "bash", "-c",
                "for i in $(seq 0 " + (count - 1) + "); do curl -s -m 3" + port + " " + url + " || echo failed; done");
        Map<String, Integer> counts = new TreeMap<>();
        for (String line : out.split("\n")) {
            String l = line.strip();
            if (!l.isEmpty()) {
                counts.merge(l, 1, Integer::sum);
            }
        }
        return counts;
    }

    @Override
    public void close() {
        for (Process p : servers) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            try {
                p.waitFor(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        servers.clear();
        netns.close();
        if (scratch != null) {
            try (var files = Files.list(scratch)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
                Files.deleteIfExists(scratch);
            } catch (IOException ignored) {
                // temp files: best effort
            }
        }
    }
}
