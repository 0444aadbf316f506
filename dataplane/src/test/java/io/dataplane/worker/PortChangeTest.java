package io.dataplane.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.pipeline.Verdict;
import io.dataplane.port.MemoryPort;
import io.dataplane.port.MemoryUmem;
import io.dataplane.port.Port;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import io.dataplane.tables.packet.Frames;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Ports added to and removed from running workers ({@link Workers#addPort}, {@link
 * Workers#removePort}): the worker starts and stops polling a port between two duty cycles while
 * its other ports forward on, losing nothing, and their counters go on.
 */
class PortChangeTest {
    private static final long ROUTER_MAC = 0x0200000000feL;
    private static final long DEADLINE_NANOS = 20_000_000_000L;

    private final MemoryUmem umem = new MemoryUmem(4096, 2048);
    private MemoryPort client;
    private MemoryPort server1;
    private Workers dataplane;

    @BeforeEach
    void start() {
        client = new MemoryPort(0, "client", umem, 512, 1500);
        server1 = new MemoryPort(1, "server1", umem, 512, 1500);
        dataplane = Workers.builder().limits(new FibLimits(16, 16, 16, 16, 2)).port(client).port(server1).build();
        dataplane.fib().change()
                .nexthop(1, new Nexthop(1, 0x020000000001L, ROUTER_MAC, 1500, true, true))
                .route4(IpAddresses.parse4("198.51.100.0"), 24, RouteTarget.nexthop(1))
                .commit();
        dataplane.start();
    }

    @AfterEach
    void stop() {
        dataplane.close();
        umem.close();
    }

    private static MemorySegment frame(String dst, int seq) {
        return Frames.ipv4("192.0.2.1", dst).udp(1000 + seq % 100, 53).ttl(64).payload(8).toSegment();
    }

    /**
     * Injects on {@code in}, draining {@code out} meanwhile, and keeps at most 256 frames between
     * the two (a TX ring holds 512; on a loaded machine a worker that catches up after a pause would
     * otherwise fill it); returns frames drained.
     */
    private static long send(MemoryPort in, MemorySegment frame, MemoryPort out, long sent, long drained) {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!in.inject(frame)) {
            drained += out.drain((m, at, length) -> { }, Integer.MAX_VALUE);
            assertTrue(System.nanoTime() < deadline, "port " + in.name() + " took no frame for 20 s");
            Thread.onSpinWait();
        }
        drained += out.drain((m, at, length) -> { }, Integer.MAX_VALUE);
        while (sent + 1 - drained > 256 && System.nanoTime() < deadline) {
            drained += out.drain((m, at, length) -> { }, Integer.MAX_VALUE);
            Thread.onSpinWait();
        }
        return drained;
    }

    /** Drains {@code out} until {@code expected} frames came in all, or nothing came for 2 s. */
    private static long awaitDrained(MemoryPort out, long drained, long expected) {
        long quietSince = System.nanoTime();
        while (drained < expected && System.nanoTime() - quietSince < 2_000_000_000L) {
            int n = out.drain((m, at, length) -> { }, Integer.MAX_VALUE);
            if (n > 0) {
                drained += n;
                quietSince = System.nanoTime();
            }
        }
        return drained;
    }

    private String drops() {
        StringBuilder sb = new StringBuilder();
        for (Verdict v : Verdict.values()) {
            if (dataplane.dropCounter(v) > 0) {
                sb.append(' ').append(v.label()).append('=').append(dataplane.dropCounter(v));
            }
        }
        return sb.toString();
    }

    @Test
    void aPortAddedToARunningWorkerIsPolledAndSentTo() {
        MemoryPort server2 = new MemoryPort(2, "server2", umem, 512, 1500);
        dataplane.addPort(new Port[] {server2});
        dataplane.fib().change()
                .nexthop(2, new Nexthop(2, 0x020000000002L, ROUTER_MAC, 1500, true, true))
                .route4(IpAddresses.parse4("203.0.113.0"), 24, RouteTarget.nexthop(2))
                .commit();
        int n = 2000;
        long out = 0;
        for (int i = 0; i < n; i++) {
            out = send(client, frame("203.0.113.9", i), server2, i, out);
        }
        out = awaitDrained(server2, out, n);
        assertEquals(n, out, "frames routed via the new port; drops:" + drops());
        assertEquals(n, dataplane.portCounter(2, PortCounter.TX_PACKETS));
        // The new port is received from too: its frames leave by an old port.
        long back = 0;
        for (int i = 0; i < n; i++) {
            back = send(server2, frame("198.51.100.9", i), server1, i, back);
        }
        back = awaitDrained(server1, back, n);
        assertEquals(n, back, "frames received on the new port; drops:" + drops());
        assertEquals(n, dataplane.portCounter(2, PortCounter.RX_PACKETS));
        assertEquals(2 * n, dataplane.portCounter(0, PortCounter.RX_PACKETS) + dataplane.portCounter(2, PortCounter.RX_PACKETS));
        assertTrue(dataplane.workerStates().getFirst().ports().contains("server2 queue 0"), dataplane.workerStates().toString());
    }

    @Test
    void removingAPortWhileTrafficFlowsLosesNothingOnTheOthers() throws Exception {
        MemoryPort server2 = new MemoryPort(2, "server2", umem, 512, 1500);
        dataplane.addPort(new Port[] {server2});
        long out = 0;
        for (int i = 0; i < 50; i++) {
            out = send(server2, frame("198.51.100.9", i), server1, i, out);
        }
        assertFalse(dataplane.portIndexFree(2));
        int n = 20_000;
        CompletableFuture<java.util.List<Port>> removal = null;
        for (int i = 0; i < n; i++) {
            if (i == n / 4) {
                removal = CompletableFuture.supplyAsync(() -> dataplane.removePort(2));
            }
            out = send(client, frame("198.51.100.9", i), server1, 50 + i, out);
        }
        assertEquals(java.util.List.of(server2), removal.get());
        out = awaitDrained(server1, out, n + 50);
        assertEquals(n + 50, out, "every frame of the other ports forwarded; drops:" + drops());
        assertEquals(n, dataplane.portCounter(0, PortCounter.RX_PACKETS), "the client port's counter went on");
        assertEquals(n + 50, dataplane.portCounter(1, PortCounter.TX_PACKETS), "the server port's counter went on");
        assertEquals(0, dataplane.portCounter(2, PortCounter.RX_PACKETS), "the removed port's counters are freed");
        assertTrue(dataplane.portIndexFree(2));
        assertFalse(dataplane.workerStates().getFirst().ports().contains("server2 queue 0"));

        // The index is free again: a new port there counts from zero and forwards.
        MemoryPort again = new MemoryPort(2, "server3", umem, 512, 1500);
        dataplane.addPort(new Port[] {again});
        long back = 0;
        for (int i = 0; i < 100; i++) {
            back = send(again, frame("198.51.100.9", i), server1, i, back);
        }
        assertEquals(100, awaitDrained(server1, back, 100));
        assertEquals(100, dataplane.portCounter(2, PortCounter.RX_PACKETS));
    }

    @Test
    void aTakenIndexIsRefusedWithNothingChanged() {
        MemoryPort clash = new MemoryPort(1, "clash", umem, 512, 1500);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dataplane.addPort(new Port[] {clash}));
        assertTrue(e.getMessage().contains("index 1"), e.getMessage());
        assertEquals(java.util.List.of("client queue 0", "server1 queue 0"), dataplane.workerStates().getFirst().ports());
        assertThrows(IllegalArgumentException.class, () -> dataplane.removePort(5));
    }
}
