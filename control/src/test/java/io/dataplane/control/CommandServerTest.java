package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The command socket: protocol, many clients, and clients that misbehave. */
class CommandServerTest {
    private final ServerHarness h;

    CommandServerTest() throws Exception {
        h = new ServerHarness(ServerHarness.testLimits());
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    @Test
    void socketFileIsCreatedWithMode0660() throws Exception {
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(h.socket)));
    }

    @Test
    void repliesAreOkErrorOrOutputFollowedByTheEndMarker() throws Exception {
        try (var c = h.client()) {
            assertEquals(List.of("ok"), c.call("route add 10.40.0.0/16 via 192.0.2.1 dev p1"));
            List<String> err = c.call("route add 10.40.0.0/16 via 192.0.2.1 dev p1");
            assertEquals(1, err.size());
            assertTrue(err.get(0).startsWith("error: route 10.40.0.0/16 already exists"), err.get(0));
            assertEquals(List.of("10.40.0.0/16 via 192.0.2.1 dev p1", "."), c.call("route show 10.40.0.0/16"));
        }
    }

    @Test
    void manyClientsAtOnceAreAllServed() throws Exception {
        int n = 16;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                results.add(pool.submit(() -> {
                    try (var c = h.client()) {
                        List<String> replies = new ArrayList<>();
                        for (int j = 0; j < 20; j++) {
                            replies.addAll(c.call("route add 10." + (100 + k) + "." + j + ".0/24 via 192.0.2.2 dev p2"));
                        }
                        return replies;
                    }
                }));
            }
            for (Future<List<String>> r : results) {
                assertEquals(20, r.get().stream().filter("ok"::equals).count());
            }
        } finally {
            pool.shutdownNow();
        }
        try (var c = h.client()) {
            assertEquals(3 + n * 20 + 1 + 2 + 2, c.call("route show").size()); // + "." and the two multipath hop lines, + the nhid group's two (expanded as ip does)
        }
    }

    @Test
    void oversizedLineGetsAnErrorAndTheConnectionIsClosedWhileOthersAreServed() throws Exception {
        try (var bad = h.client(); var good = h.client()) {
            bad.sendRaw(("route show " + "x".repeat(1000)).getBytes());
            List<String> r = bad.reply();
            assertTrue(r.get(0).startsWith("error: command line longer than 256 bytes"), r.get(0));
            assertTrue(bad.closedByServer());
            assertEquals("ok", good.call("set hash-seed 7").get(0));
        }
    }

    @Test
    void binaryGarbageGetsAnErrorNamingTheByte() throws Exception {
        try (var bad = h.client()) {
            bad.sendRaw(new byte[] {'r', 'o', 0, (byte) 0xff, 1, '\n'});
            List<String> r = bad.reply();
            assertTrue(r.get(0).startsWith("error: binary data in a command (byte 0x00 at column 3)"), r.get(0));
            assertTrue(bad.closedByServer());
        }
    }

    @Test
    void halfALineThenSilenceTimesOutAndDoesNotBlockOtherClients() throws Exception {
        try (var slow = h.client(); var other = h.client()) {
            slow.sendRaw("route sh".getBytes());
            assertEquals(List.of("10.1.0.0/16 via 192.0.2.1 dev p1", "."), other.call("route show 10.1.0.0/16"));
            List<String> r = slow.reply();
            assertTrue(r.get(0).startsWith("error: timed out after 300 ms waiting for the end of the line"), r.get(0));
            assertTrue(slow.closedByServer());
        }
    }

    @Test
    void aClientHoldingABatchMakesOthersWaitUntilItCommits() throws Exception {
        try (var a = h.client(); var b = h.client()) {
            assertEquals("ok", a.call("batch begin").get(0));
            assertEquals("ok", a.call("route add 10.77.0.0/16 via 192.0.2.2 dev p2").get(0));
            b.send("route show 10.77.0.0/16"); // must not run inside a's half-done batch
            assertEquals("ok", a.call("route add 10.78.0.0/16 via 192.0.2.2 dev p2").get(0));
            assertEquals("ok", a.call("batch commit").get(0));
            assertEquals(List.of("10.77.0.0/16 via 192.0.2.2 dev p2", "."), b.reply());
        }
    }

    @Test
    void anAbandonedBatchTimesOutAndReleasesOtherClients() throws Exception {
        try (var a = h.client(); var b = h.client()) {
            assertEquals("ok", a.call("batch begin").get(0));
            assertEquals("ok", a.call("route add 10.79.0.0/16 via 192.0.2.2 dev p2").get(0));
            b.send("route show");
            List<String> r = a.reply();
            assertTrue(r.get(0).startsWith("error: batch aborted, nothing applied: no command for 500 ms"), r.get(0));
            List<String> shown = b.reply();
            assertFalse(shown.contains("10.79.0.0/16 via 192.0.2.2 dev p2"), "the abandoned batch was not applied");
        }
    }

    @Test
    void aClientThatDoesNotReadItsRepliesDoesNotBlockOthers() throws Exception {
        try (var hog = h.client(); var other = h.client()) {
            StringBuilder many = new StringBuilder();
            for (int i = 0; i < 2000; i++) {
                many.append("-j route show\n");
            }
            // written from another thread: the server stops reading from the hog once its
            // unread replies pile up, so this write itself may block, and that must not matter
            Thread writer = Thread.ofPlatform().daemon().start(() -> {
                try {
                    hog.sendRaw(many.toString().getBytes());
                } catch (java.io.IOException e) {
                    // closed by the test or the server
                }
            });
            for (int i = 0; i < 50; i++) {
                assertEquals("ok", other.call("set hash-seed " + i).get(0));
            }
            writer.interrupt();
        }
    }

    @Test
    void disconnectingMidBatchAbandonsTheBatch() throws Exception {
        String before;
        try (var c = h.client()) {
            before = String.join("\n", c.call("route show"));
        }
        try (var a = h.client()) {
            a.call("batch begin");
            a.call("route del 10.1.0.0/16");
        }
        try (var c = h.client()) {
            assertEquals(before, String.join("\n", c.call("route show")));
        }
    }

    @Test
    void aSilentConnectionIsClosedAfterTheIdleTimeOutWithAMessage() throws Exception {
        try (var quick = new ServerHarness(new CommandServer.Limits(256, 300, 300, 500, 2_000, 64, 1 << 16, 64, 1 << 20));
             var silent = quick.client()) {
            List<String> r = silent.reply();
            assertTrue(r.get(0).startsWith("error: idle for 300 ms; closing"), r.get(0));
            assertTrue(silent.closedByServer());
        }
    }

    @Test
    void randomGarbageFromManyClientsChangesNothingAndTheServerKeepsServing() throws Exception {
        String before;
        try (var c = h.client()) {
            before = String.join("\n", c.call("route show"));
        }
        java.util.Random rnd = new java.util.Random(2024);
        String[] words = {"route", "add", "del", "nexthop", "id", "group", "via", "dev", "p1", "10.0.0.0/8", "batch",
                "begin", "weight", "999", "-j", "neigh", "lladdr", "mpalgo", "drr", "::", "/", ","};
        for (int k = 0; k < 12; k++) {
            try (var c = h.client()) {
                if (k % 2 == 0) {
                    byte[] junk = new byte[4096];
                    rnd.nextBytes(junk);
                    c.sendRaw(junk); // binary: error and close
                } else {
                    StringBuilder sb = new StringBuilder();
                    for (int line = 0; line < 50; line++) {
                        for (int w = 0; w < 1 + rnd.nextInt(8); w++) {
                            sb.append(words[rnd.nextInt(words.length)]).append(' ');
                        }
                        sb.append('\n');
                    }
                    c.sendRaw(sb.toString().getBytes());
                }
            }
        }
        try (var c = h.client()) {
            assertEquals(before, String.join("\n", c.call("route show")));
            assertEquals("ok", c.call("set hash-seed 1").get(0));
        }
    }
}
