package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.testing.Netns;
import io.dataplane.testing.RouterTopology;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code kill -9} of an AF_XDP daemon while a ping crosses it every millisecond: afterwards no
 * interface keeps an XDP program (the programs are attached through BPF links, which the kernel
 * drops with the process's last file descriptor), the command socket and the counter file it left
 * do not stop a new daemon on the same paths, and the new daemon forwards again. The time from the
 * kill to the first reply forwarded by the new daemon is printed (not asserted: a measurement).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES) // a hang guard, not a measurement
class DaemonKillTest {
    private static final Pattern REPLY = Pattern.compile("^\\[(\\d+)\\.(\\d{6})\\] \\d+ bytes from .*icmp_seq=(\\d+)");

    private static RouterTopology topo;
    private static Path run;

    @BeforeAll
    static void topology() throws Exception {
        Netns.assumeRoot();
        topo = new RouterTopology("kill9");
        run = Files.createTempDirectory("dp-kill9");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (topo != null) {
            topo.close();
        }
        if (run != null) {
            try (var files = Files.list(run)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(run);
        }
    }

    private static DaemonProcess daemon() throws IOException {
        // the same socket (and so the same counter file beside it) for both daemons
        return new DaemonProcess(topo.router, List.of(
                "port add dev r0 mode copy",
                "port add dev r1 mode copy",
                "port add dev r2 mode copy",
                "route add 10.0.1.0/24 via " + RouterTopology.CLIENT4 + " dev r0",
                "route add 10.0.2.0/24 via " + RouterTopology.SERVER1_4 + " dev r1"),
                List.of("--socket", run.resolve("dataplane.sock").toString()));
    }

    @Test
    void afterKill9NothingStaysAttachedAndARestartForwardsAgain() throws Exception {
        Process ping = null;
        try (DaemonProcess first = daemon()) {
            first.awaitServing();
            // Reply lines with their wall-clock time (ping -D): forwarded both ways by the daemon,
            // since kernel forwarding is off in the router namespace.
            ping = new ProcessBuilder("ip", "netns", "exec", topo.client, "ping", "-D", "-n", "-i", "0.001", "-W", "1",
                    RouterTopology.SERVER1_4).redirectErrorStream(true).start();
            AtomicLong lastReplyMicros = new AtomicLong();
            Process p = ping;
            Thread reader = Thread.ofPlatform().daemon().start(() -> readReplies(p, lastReplyMicros));
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (lastReplyMicros.get() == 0) {
                assertTrue(System.nanoTime() < deadline, "the first daemon never forwarded a ping: " + first.output());
                Thread.sleep(10);
            }
            Thread.sleep(500); // mid-traffic
            assertXdp(true, "while the daemon runs (else the checks below would prove nothing)");

            long killedMicros = System.currentTimeMillis() * 1000;
            first.signal("KILL");
            assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the daemon survived kill -9");
            assertXdp(false, "after kill -9");
            Path socket = run.resolve("dataplane.sock");
            assertTrue(Files.exists(socket), "kill -9 leaves the socket file (the restart must cope with it)");
            assertTrue(Files.exists(run.resolve("dataplane.counters")), "kill -9 leaves the counter file");
            assertFalse(peerOffloads(), "kill -9 leaves the veth peers' checksum offload off (else the check below proves nothing)");
            assertTrue(Files.exists(run.resolve("dataplane.veth-offloads")), "the record of what to turn on again survives kill -9");

            long restartMicros = System.currentTimeMillis() * 1000;
            try (DaemonProcess second = daemon()) {
                second.awaitServing();
                long servingMicros = System.currentTimeMillis() * 1000;
                while (lastReplyMicros.get() <= restartMicros) {
                    assertTrue(second.alive(), () -> "the restarted daemon exited: " + second.output());
                    assertTrue(System.nanoTime() < deadline + 120_000_000_000L,
                            () -> "the restarted daemon never forwarded a ping: " + second.output());
                    Thread.sleep(5);
                }
                long firstReply = firstReplyAfter(restartMicros);
                System.out.printf("kill -9 -> first frame forwarded by the restarted daemon: %d ms"
                                + " (kill -> restart launched %d ms, launched -> serving %d ms, serving -> forwarding %d ms)%n",
                        (firstReply - killedMicros) / 1000, (restartMicros - killedMicros) / 1000,
                        (servingMicros - restartMicros) / 1000, Math.max(0, firstReply - servingMicros) / 1000);
                java.io.ByteArrayOutputStream shown = new java.io.ByteArrayOutputStream();
                int status = Dpctl.run(new String[] {"--socket", socket.toString(), "route", "show"},
                        new java.io.PrintStream(shown, true, StandardCharsets.UTF_8), System.err);
                assertTrue(status == 0 && shown.toString(StandardCharsets.UTF_8).contains("10.0.2.0/24"), shown::toString);
                assertTrue(second.terminate(), "the restarted daemon did not stop on SIGTERM");
            }
            reader.interrupt();
        } finally {
            if (ping != null) {
                ping.destroyForcibly();
            }
        }
        assertXdp(false, "after the restarted daemon stopped");
        assertTrue(peerOffloads(), "the veth peers' TX checksum offload is on again once the restarted daemon stopped");
        assertFalse(Files.exists(run.resolve("dataplane.veth-offloads")), "nothing is left on record");
    }

    /** Whether the router ports' veth peers all offload TX checksums (as veth does by default). */
    private static boolean peerOffloads() {
        return topo.netns.exec(topo.client, "ethtool", "-k", "c0").contains("tx-checksumming: on")
                && topo.netns.exec(topo.server1, "ethtool", "-k", "s1").contains("tx-checksumming: on")
                && topo.netns.exec(topo.server2, "ethtool", "-k", "s2").contains("tx-checksumming: on");
    }

    /** Whether each of the router's ports has an XDP program ('ip -d link' shows xdp or xdpgeneric). */
    private static void assertXdp(boolean attached, String when) {
        for (String dev : new String[] {"r0", "r1", "r2"}) {
            String link = topo.netns.ip(topo.router, "-d", "link", "show", "dev", dev);
            assertEquals(attached, link.contains("xdp"), dev + (attached ? " has no" : " still has an") + " XDP program " + when + ": " + link);
        }
    }

    /**
     * Keeps the wall-clock time (µs) of the latest reply in {@code last}, and of each reply that
     * ends a silence of over 100 ms in {@link #afterSilence}.
     */
    private static void readReplies(Process ping, AtomicLong last) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(ping.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            while ((line = in.readLine()) != null) {
                Matcher m = REPLY.matcher(line);
                if (m.find()) {
                    long micros = Long.parseLong(m.group(1)) * 1_000_000 + Long.parseLong(m.group(2));
                    if (micros - last.getAndSet(micros) > 100_000) {
                        afterSilence.add(micros);
                    }
                }
            }
        } catch (IOException e) {
            // ping ended
        }
    }

    private static final java.util.Queue<Long> afterSilence = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** The first reply after {@code micros} that ended a silence: the restarted daemon's first. */
    private static long firstReplyAfter(long micros) {
        return afterSilence.stream().filter(t -> t > micros).findFirst().orElseThrow();
    }
}
