package io.dataplane.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.counters.CounterType;
import io.dataplane.pipeline.Verdict;
import io.dataplane.port.Port;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import io.dataplane.tables.packet.Ipv4;
import io.dataplane.testing.Ipv4Packets;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fragmentation through a running worker on memory ports: a DF-clear packet above the route's MTU
 * leaves as fragments (counted like the kernel's FragOKs / FragCreates, and as transmitted frames
 * of the port and the nexthop); with DF set it is still an {@code mtu_exceeded} drop.
 */
class FragmentForwardingTest {
    private static final long DEADLINE_NANOS = 20_000_000_000L;
    private final MemoryWire wire = new MemoryWire();
    private Workers dataplane;

    @BeforeEach
    void start() {
        Workers.Builder b = Workers.builder().limits(new FibLimits(16, 16, 16, 16, 2));
        for (Port p : wire.ports()) {
            b.port(p);
        }
        dataplane = b.build();
        dataplane.fib().change()
                .nexthop(1, new Nexthop(1, Ipv4FragmenterTest.mac(Ipv4FragmenterTest.HOST_MAC),
                        Ipv4FragmenterTest.mac(Ipv4FragmenterTest.ROUTER_MAC), 576, true, true))
                .route4(IpAddresses.parse4("198.18.0.0"), 15, RouteTarget.nexthop(1))
                .commit();
        dataplane.start();
    }

    @AfterEach
    void stop() {
        dataplane.close();
        wire.close();
    }

    private void await(LongSupplier counter, long expected, List<byte[]> sink) {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (counter.getAsLong() < expected) {
            wire.drain(1, (m, at, length) -> sink.add(m.asSlice(at, length).toArray(ValueLayout.JAVA_BYTE)));
            assertTrue(System.nanoTime() < deadline, "counter stayed at " + counter.getAsLong() + ", expected " + expected);
            Thread.onSpinWait();
        }
    }

    /** Injects on the client port, waiting for the worker to have given it free frames. */
    private void send(byte[] frame) {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!wire.inject(0, MemorySegment.ofArray(frame))) {
            assertTrue(System.nanoTime() < deadline, "the client port took no frame for 20 s");
            Thread.onSpinWait();
        }
    }

    @Test
    void aDfClearPacketAboveTheMtuLeavesAsFragmentsAndADfSetOneIsDropped() {
        byte[] packet = Ipv4Packets.udp(Ipv4FragmenterTest.ROUTER_MAC, Ipv4FragmenterTest.CLIENT_MAC, Ipv4FragmenterTest.SRC,
                Ipv4FragmenterTest.DST, 0, Ipv4Packets.bothOptions(), 1400);
        send(packet);
        List<byte[]> out = new ArrayList<>();
        await(() -> dataplane.counters().workers(CounterType.WORKER_FRAG_OKS), 1, out);
        await(() -> out.size(), 3, out);
        assertEquals(3, dataplane.counters().workers(CounterType.WORKER_FRAG_CREATES), "frag_creates");
        assertEquals(List.of(14 + 28 + 544, 14 + 28 + 544, 14 + 28 + 320), out.stream().map(f -> f.length).toList());
        assertEquals(3, dataplane.portCounter(1, PortCounter.TX_PACKETS), "each fragment is a transmitted frame");
        assertEquals(3, dataplane.nexthopPackets(1));

        byte[] df = Ipv4Packets.udp(Ipv4FragmenterTest.ROUTER_MAC, Ipv4FragmenterTest.CLIENT_MAC, Ipv4FragmenterTest.SRC,
                Ipv4FragmenterTest.DST, Ipv4.DF, new byte[0], 1400);
        send(df);
        await(() -> dataplane.dropCounter(Verdict.MTU_EXCEEDED), 1, out);
        assertEquals(0, dataplane.dropCounter(Verdict.NEEDS_FRAGMENTATION));
        assertEquals(1, dataplane.counters().workers(CounterType.WORKER_FRAG_OKS));
        assertEquals(3, out.size(), "nothing more was sent");
    }
}
