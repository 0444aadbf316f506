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
 *
 * <p>With a kernel hop, a namespace "khop" that forwards with the kernel sits between the client
 * and our router (client c0 -- k0 khop k1 -- r0 router), as a host's or container's own router
 * would; the client keeps its addresses, and the router reaches it via {@link #HOP4} / {@link #HOP6}.
 *
 * <p>Every veth keeps the kernel's default offloads (TX checksum offload on): what users get.
 * {@link #hostsComputeChecksums()} turns it off on the hosts, as the tests did before the
 * dataplane handled it.
 */
public final class RouterTopology implements AutoCloseable {
    public static final String ANYCAST6 = "fc00::1";
    public static final String ANYCAST4 = "198.18.0.1";
    public static final String CLIENT4 = "10.0.1.2", CLIENT6 = "2001:db8:1::2";
    public static final String ROUTER_C4 = "10.0.1.1", ROUTER_C6 = "2001:db8:1::1";
    public static final String SERVER1_4 = "10.0.2.2", SERVER1_6 = "2001:db8:2::2";
    public static final String SERVER2_4 = "10.0.3.2", SERVER2_6 = "2001:db8:3::2";
    /** With a kernel hop: the router's r0 and the hop's k1, the router's gateway to the client's subnet. */
    public static final String ROUTER_HOP4 = "10.0.9.1", ROUTER_HOP6 = "2001:db8:9::1";
    public static final String HOP4 = "10.0.9.2", HOP6 = "2001:db8:9::2";
    /** Size of the file the transfer servers send and hash ({@link #startTransferServers()}). */
    public static final int TRANSFER_BYTES = 2 * 1024 * 1024;

    public final Netns netns;
    public final String client;
    public final String router;
    public final String server1;
    public final String server2;
    /** The kernel router between client and router, or null. */
    public final String khop;
    private final List<Process> servers = new ArrayList<>();
    private final Path scratch;

    public RouterTopology(String tag) {
        this(tag, false);
    }

    /** The topology, with a kernel-forwarding namespace between the client and the router if {@code kernelHop}. */
    public RouterTopology(String tag, boolean kernelHop) {
        netns = new Netns(tag);
        try {
            client = netns.add("client");
            khop = kernelHop ? netns.add("khop") : null;
            router = netns.add("router");
            server1 = netns.add("server1");
            server2 = netns.add("server2");
            if (kernelHop) {
                netns.veth(client, "c0", khop, "k0");
                netns.veth(khop, "k1", router, "r0");
            } else {
                netns.veth(client, "c0", router, "r0");
            }
            netns.veth(router, "r1", server1, "s1");
            netns.veth(router, "r2", server2, "s2");
            // Kernel forwarding off: a packet that crosses the router was forwarded by the dataplane.
            netns.exec(router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=0", "net.ipv6.conf.all.forwarding=0");
            address(client, "c0", CLIENT4 + "/24", CLIENT6 + "/64");
            if (kernelHop) {
                address(khop, "k0", ROUTER_C4 + "/24", ROUTER_C6 + "/64");
                address(khop, "k1", HOP4 + "/24", HOP6 + "/64");
                address(router, "r0", ROUTER_HOP4 + "/24", ROUTER_HOP6 + "/64");
                netns.exec(khop, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
                netns.ip(khop, "route", "add", "default", "via", ROUTER_HOP4);
                netns.ip(khop, "-6", "route", "add", "default", "via", ROUTER_HOP6);
            } else {
                address(router, "r0", ROUTER_C4 + "/24", ROUTER_C6 + "/64");
            }
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
            scratch = Files.createTempDirectory("dpt-http");
        } catch (RuntimeException | IOException e) {
            netns.close();
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    /**
     * Turns TX checksum offload off on the client's and the servers' veths, so that they put
     * finished TCP/UDP checksums on the wire themselves. An AF_XDP router needs that of the hosts
     * it receives from (see the README, "Checksums on veth"); the daemon does it for its ports.
     */
    public void hostsComputeChecksums() {
        netns.exec(client, "ethtool", "-K", "c0", "tx", "off");
        netns.exec(server1, "ethtool", "-K", "s1", "tx", "off");
        netns.exec(server2, "ethtool", "-K", "s2", "tx", "off");
    }

    /** Whether {@code dev} in {@code ns} offloads TX checksums ("tx-checksumming: on"). */
    public boolean txChecksumOffload(String ns, String dev) {
        return netns.exec(ns, "ethtool", "-k", dev).contains("tx-checksumming: on");
    }

    /** A counter of {@code nstat -a} in {@code ns} (e.g. TcpInCsumErrors), 0 when the kernel has not counted any. */
    public long nstat(String ns, String counter) {
        for (String line : netns.exec(ns, "nstat", "-a", "-z", counter).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].equals(counter)) {
                return Long.parseLong(f[1]);
            }
        }
        return 0;
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
     * Starts, in both server namespaces and on both anycast addresses: a TCP server on port 8080
     * that sends {@link #TRANSFER_BYTES} of fixed pseudo-random bytes, one on port 8081 that
     * answers the SHA-256 of what it received, and a UDP server on port 5353 that answers every
     * datagram with its name. Together they check both directions' TCP and UDP checksums: a
     * receiving kernel drops a segment whose checksum is wrong.
     */
    public void startTransferServers() throws IOException, InterruptedException {
        byte[] blob = new byte[TRANSFER_BYTES];
        new java.util.Random(10).nextBytes(blob);
        Files.write(transferFile(), blob);
        for (String[] s : new String[][] {{server1, "server1"}, {server2, "server2"}}) {
            for (String[] family : new String[][] {{"4", "bind=" + ANYCAST4}, {"6", "bind=[" + ANYCAST6 + "]"}}) {
                String bind = family[1] + ",reuseaddr,fork";
                for (String[] command : new String[][] {
                    {"TCP" + family[0] + "-LISTEN:8080," + bind, "OPEN:" + transferFile() + ",rdonly"},
                    {"TCP" + family[0] + "-LISTEN:8081," + bind, "SYSTEM:sha256sum"},
                    {"UDP" + family[0] + "-RECVFROM:5353," + family[1] + ",fork", "SYSTEM:echo $NAME"}}) {
                    ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", s[0], "socat", command[0], command[1])
                            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                                    scratch.resolve(s[1] + "-transfer.log").toFile()));
                    pb.environment().put("NAME", s[1]);
                    servers.add(pb.start());
                }
            }
        }
        for (String ns : new String[] {server1, server2}) {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!(netns.exec(ns, "ss", "-Hltn").contains(":8081") && netns.exec(ns, "ss", "-Hlun").contains(":5353"))
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
    }

    private Path transferFile() {
        return scratch.resolve("transfer.bin");
    }

    /** SHA-256 (hex) of the bytes the transfer servers send and expect. */
    public String transferSha256() throws IOException {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(transferFile()));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String socatAddress(String type, String host, int port) {
        boolean v6 = host.contains(":");
        return type + (v6 ? "6:[" + host + "]:" : "4:" + host + ":") + port;
    }

    /** Downloads the transfer file from {@code host} (port 8080) to the client; returns the SHA-256 of what arrived. */
    public String download(String host) {
        return netns.exec(client, "bash", "-c", "socat -u " + socatAddress("TCP", host, 8080) + " - | sha256sum | cut -d' ' -f1")
                .strip();
    }

    /** Uploads the transfer file from the client to {@code host} (port 8081); returns the SHA-256 the server received. */
    public String upload(String host) {
        // socat's address parser would eat the quotes of "cut -d' '": the server prints "HASH  -".
        return netns.exec(client, "bash", "-c", "socat -t 20 " + socatAddress("TCP", host, 8081) + " - < " + transferFile()
                + " | cut -c1-64").strip();
    }

    /**
     * Sends a UDP datagram from the client to {@code host} port 5353 and returns the answering
     * server's name, or "failed". socat waits 1 s for the answer after sending; a datagram may
     * be lost on a loaded machine (socat's forking UDP server misses one now and then: in 2 of about
     * 20 runs all of three tries to the IPv6 anycast went unanswered while the daemon had every
     * neighbour resolved and counted no drop), so it tries up to six times; a checksum the receiver
     * rejects fails every try.
     */
    public String udpRequest(String host) {
        String out = netns.output(client, "bash", "-c", "for t in 1 2 3 4 5 6; do a=$(echo ping | socat -T 1 - "
                + socatAddress("UDP", host, 5353) + "); [ -n \"$a\" ] && { echo \"$a\"; break; }; done").strip();
        return out.isEmpty() ? "failed" : out;
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
