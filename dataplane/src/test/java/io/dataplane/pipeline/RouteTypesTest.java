package io.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.RouteTarget;
import io.dataplane.tables.packet.Frames;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Routes that forward nothing: blackhole, unreachable, prohibit and throw get their own verdicts, as in the kernel. */
class RouteTypesTest {
    private final Fib forwarding = new Fib(new FibLimits(8, 4, 64, 64, 2));
    private final Pipeline pipeline = new Pipeline(4);

    RouteTypesTest() {
        long[] v6 = IpAddresses.parse6("2001:db8:9::");
        forwarding.change()
                .route4(IpAddresses.parse4("10.9.1.0"), 24, RouteTarget.BLACKHOLE)
                .route4(IpAddresses.parse4("10.9.2.0"), 24, RouteTarget.UNREACHABLE)
                .route4(IpAddresses.parse4("10.9.3.0"), 24, RouteTarget.PROHIBIT)
                .route4(IpAddresses.parse4("10.9.4.0"), 24, RouteTarget.THROW)
                .route6(v6[0], v6[1], 48, RouteTarget.PROHIBIT)
                .commit();
    }

    @AfterEach
    void close() {
        forwarding.close();
    }

    private int verdict(MemorySegment frame) {
        PacketBatch b = new PacketBatch(1);
        b.add(0, 0, (int) frame.byteSize());
        pipeline.process(forwarding.snapshot(), frame, b);
        return b.verdict[0];
    }

    @Test
    void eachTypeHasItsVerdict() {
        assertEquals(Verdict.BLACKHOLE.code, verdict(Frames.ipv4("192.0.2.1", "10.9.1.7").udp(1, 2).toSegment()));
        assertEquals(Verdict.UNREACHABLE.code, verdict(Frames.ipv4("192.0.2.1", "10.9.2.7").udp(1, 2).toSegment()));
        assertEquals(Verdict.PROHIBITED.code, verdict(Frames.ipv4("192.0.2.1", "10.9.3.7").udp(1, 2).toSegment()));
        assertEquals(Verdict.NO_ROUTE.code, verdict(Frames.ipv4("192.0.2.1", "10.9.4.7").udp(1, 2).toSegment()),
                "throw in the only table ends the lookup with no route");
        assertEquals(Verdict.PROHIBITED.code, verdict(Frames.ipv6("2001:db8::1", "2001:db8:9::7").udp(1, 2).toSegment()));
    }

    @Test
    void typesAreNotGroupsAndNeedNoSlot() {
        assertEquals("blackhole", RouteTarget.toString(RouteTarget.BLACKHOLE));
        assertEquals(RouteTarget.MAX_INDEX - 4, RouteTarget.MAX_GROUP_INDEX, "the four highest group indices are the types");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> RouteTarget.group(RouteTarget.MAX_GROUP_INDEX + 1), "no group may take a type's value");
    }
}
