package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The command socket under each kind of abuse, one limit per test: every test checks that the
 * abuser is answered, closed or refused with the message the limit gives, that a well-behaved
 * client is still answered, and that the server's memory for the abuser stays bounded. No test
 * measures time (bin/bench abuse does): each waits for an event, with a generous hang guard.
 */
@Timeout(value = 120, unit = java.util.concurrent.TimeUnit.SECONDS) // a hang guard (a read that never returns), not a measurement
class CommandServerAbuseTest {
    /** A hang guard, not a measurement: how long a wait for an event may take on a loaded machine. */
    private static final long GUARD_NANOS = 60_000_000_000L;

    private static CommandServer.Limits limits() {
        return ServerHarness.testLimits();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + GUARD_NANOS;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "never happened: " + what);
            Thread.sleep(5);
        }
    }

    private static void assertServed(ServerHarness h) throws IOException {
        try (var c = h.client()) {
            assertEquals(List.of("10.1.0.0/16 via 192.0.2.1 dev p1", "."), c.call("route show 10.1.0.0/16"));
        }
    }

    @Test
    void fiveHundredConcurrentClientsAreAllAnswered() throws Exception {
        try (var h = new ServerHarness(limits().withMaxConnections(600))) {
            List<ServerHarness.Client> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 500; i++) {
                    clients.add(h.client());
                }
                for (var c : clients) {
                    c.send("route show 10.1.0.0/16");
                }
                for (var c : clients) {
                    assertEquals(List.of("10.1.0.0/16 via 192.0.2.1 dev p1", "."), c.reply());
                }
                assertEquals(500, h.server.sessionCount());
            } finally {
                for (var c : clients) {
                    c.close();
                }
            }
        }
    }

    /**
     * Connections held open and silent cannot lock an operator out: once they have been idle for a
     * second, a new client takes the place of the one idle longest (until then it is refused).
     */
    @Test
    void atTheConnectionLimitANewClientReplacesTheIdlestConnection() throws Exception {
        try (var h = new ServerHarness(limits().withMaxConnections(64))) {
            List<ServerHarness.Client> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 64; i++) {
                    idle.add(h.client());
                }
                await("64 connections", () -> h.server.sessionCount() == 64);
                List<String> answer;
                do {
                    try (var c = h.client()) {
                        try {
                            c.send("route show 10.1.0.0/16");
                        } catch (IOException e) {
                            // refused before it could send: the refusal is waiting to be read
                        }
                        answer = c.reply();
                    }
                    if (answer.getFirst().startsWith("error: too many connections")) {
                        Thread.sleep(100);
                    }
                } while (answer.getFirst().startsWith("error: too many connections"));
                assertEquals(List.of("10.1.0.0/16 via 192.0.2.1 dev p1", "."), answer);
                List<String> first = idle.get(0).reply();
                assertEquals(List.of("error: closing this idle connection: 64 connections are open (the limit) and a new client"
                        + " needs the place"), first);
                assertTrue(idle.get(0).closedByServer());
                assertEquals(1, h.server.counters().evictedIdle.get());
            } finally {
                for (var c : idle) {
                    c.close();
                }
            }
        }
    }

    /** When no connection is idle (each holds half a line), the new client is refused with a message. */
    @Test
    void atTheConnectionLimitWithEveryConnectionBusyANewClientIsRefused() throws Exception {
        CommandServer.Limits slowLines = new CommandServer.Limits(256, 600_000, 600_000, 500, 2_000, 64, 1 << 16, 8, 1 << 20);
        try (var h = new ServerHarness(slowLines)) {
            List<ServerHarness.Client> busy = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    var c = h.client();
                    busy.add(c);
                    c.sendRaw("route sh".getBytes(StandardCharsets.US_ASCII));
                }
                await("8 sessions, each with half a line", () -> h.server.halfLines() == 8);
                try (var refused = h.client()) {
                    List<String> r = refused.reply();
                    assertEquals(List.of("error: too many connections (8, the limit), none idle for a second; try again later"), r);
                    assertTrue(refused.closedByServer());
                }
                assertEquals(1, h.server.counters().refusedFull.get());
                busy.get(0).send("ow 10.1.0.0/16"); // the busy ones are still served
                assertEquals(List.of("10.1.0.0/16 via 192.0.2.1 dev p1", "."), busy.get(0).reply());
            } finally {
                for (var c : busy) {
                    c.close();
                }
            }
        }
    }

    @Test
    void aLineOfOneMebibyteIsRefusedAndOthersAreServed() throws Exception {
        try (var h = new ServerHarness(limits()); var big = h.client()) {
            byte[] line = new byte[1 << 20];
            java.util.Arrays.fill(line, (byte) 'a');
            // from another thread: the server stops reading after 256 bytes, so the write may block or fail
            Thread writer = Thread.ofPlatform().daemon().start(() -> {
                try {
                    big.sendRaw(line);
                } catch (IOException e) {
                    // closed by the server: expected
                }
            });
            List<String> r = big.reply();
            assertEquals(List.of("error: command line longer than 256 bytes; send one command per line; closing"), r);
            assertTrue(big.closedByServer());
            assertServed(h);
            assertEquals(1, h.server.counters().lineTooLong.get());
            big.close();
            writer.join();
        }
    }

    @Test
    void aNulByteIsRefusedNamingIt() throws Exception {
        try (var h = new ServerHarness(limits()); var c = h.client()) {
            c.sendRaw("route show\0\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(List.of("error: binary data in a command (byte 0x00 at column 11); the protocol is one text command per line; closing"),
                    c.reply());
            assertTrue(c.closedByServer());
            assertServed(h);
        }
    }

    @Test
    void invalidUtf8IsRefusedNamingTheFirstByte() throws Exception {
        try (var h = new ServerHarness(limits()); var c = h.client()) {
            c.sendRaw(new byte[] {'r', 'o', (byte) 0xc3, 0x28, (byte) 0xff, '\n'});
            assertEquals(List.of("error: binary data in a command (byte 0xc3 at column 3); the protocol is one text command per line; closing"),
                    c.reply());
            assertTrue(c.closedByServer());
            assertEquals(1, h.server.counters().binary.get());
        }
    }

    /**
     * One byte every 100 ms never finishes a line: the line's time-out counts from its first byte,
     * so trickling does not keep the connection alive (a time-out reset by each byte would).
     */
    @Test
    void aClientTricklingOneByteAtATimeIsTimedOutWhileOthersAreServed() throws Exception {
        try (var h = new ServerHarness(limits()); var slow = h.client()) {
            Thread trickle = Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (int i = 0; i < 100_000; i++) {
                        slow.sendRaw(new byte[] {'a'});
                        Thread.sleep(100);
                    }
                } catch (IOException | InterruptedException e) {
                    // closed by the server: expected
                }
            });
            assertServed(h);
            List<String> r = slow.reply();
            assertEquals(List.of("error: timed out after 300 ms waiting for the end of the line (a newline); closing"), r);
            assertTrue(slow.closedByServer());
            assertEquals(1, h.server.counters().lineTimeouts.get());
            slow.close();
            trickle.join();
        }
    }

    /** A client sending 'route show' of many routes over and over without reading. */
    @Test
    void aClientThatNeverReadsIsHeldBackWithBoundedMemoryThenDropped() throws Exception {
        CommandServer.Limits l = limits();
        try (var h = new ServerHarness(l); var hog = h.client()) {
            int replyBytes = addRoutes(h, 300);
            Thread writer = startShowing(hog, 2000);
            await("the hog's commands wait for it to read", () -> h.server.counters().heldBack.get() >= 1);
            assertServed(h);
            long bound = l.maxUnsentBytes() + replyBytes;
            assertTrue(h.server.unsentTotal() <= bound, "unsent " + h.server.unsentTotal() + " > " + bound);
            await("the hog is dropped after the write time-out", () -> h.server.counters().unreadClosed.get() == 1);
            assertServed(h);
            hog.close();
            writer.join();
        }
    }

    /** Many non-readers at once: past the server-wide limit, those with the most unread output go. */
    @Test
    void nonReadersPastTheServerWideLimitAreDropped() throws Exception {
        // per client 64 KiB, all clients 96 KiB, no write time-out to speak of: only the total acts
        CommandServer.Limits l = new CommandServer.Limits(256, 300, 600_000, 500, 600_000, 64, 1 << 16, 64, 96 << 10);
        try (var h = new ServerHarness(l)) {
            addRoutes(h, 300);
            List<ServerHarness.Client> hogs = new ArrayList<>();
            List<Thread> writers = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    var hog = h.client();
                    hogs.add(hog);
                    writers.add(startShowing(hog, 2000));
                }
                // each hog comes to hold 64 KiB + one reply unsent: over the 96 KiB until some are dropped
                await("a hog is dropped", () -> h.server.counters().unreadClosed.get() >= 1);
                await("the replies waiting fit the server-wide limit", () -> h.server.unsentTotal() <= l.maxUnsentTotal());
                assertServed(h);
            } finally {
                for (var c : hogs) {
                    c.close();
                }
            }
            for (Thread t : writers) {
                t.join();
            }
        }
    }

    @Test
    void connectAndCloseLoopsLeaveNothingBehind() throws Exception {
        try (var h = new ServerHarness(limits().withMaxConnections(1024))) {
            for (int i = 0; i < 2000; i++) {
                try (var c = h.client()) {
                    if (i % 3 == 1) {
                        c.sendRaw("route show 10.1".getBytes(StandardCharsets.US_ASCII)); // and gone mid-line
                    } else if (i % 3 == 2) {
                        c.send("route show"); // and gone before the reply
                    }
                }
            }
            assertServed(h);
            await("every closed connection is gone from the server", () -> h.server.sessionCount() == 0);
            assertEquals(2001, h.server.counters().accepted.get());
            assertEquals(0, h.server.unsentTotal());
        }
    }

    /** Adds {@code n} routes; returns the length of 'route show' for all of them. */
    private static int addRoutes(ServerHarness h, int n) throws IOException {
        try (var c = h.client()) {
            for (int i = 0; i < n; i++) {
                assertEquals("ok", c.call("route add 10." + (200 + i / 256) + "." + i % 256 + ".0/24 via 192.0.2.1 dev p1").get(0));
            }
            return String.join("\n", c.call("route show")).length() + 1;
        }
    }

    /** Writes 'route show' {@code times} times from a thread of its own (the write blocks once the server stops reading). */
    private static Thread startShowing(ServerHarness.Client hog, int times) {
        byte[] many = "route show\n".repeat(times).getBytes(StandardCharsets.US_ASCII);
        return Thread.ofPlatform().daemon().start(() -> {
            try {
                hog.sendRaw(many);
            } catch (IOException e) {
                // dropped by the server: expected
            }
        });
    }
}
