package io.dataplane.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.icmp.IcmpRateLimiter;
import io.dataplane.icmp.IcmpResponder;
import io.dataplane.tables.Fib;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.packet.Frames;
import io.dataplane.testing.HeadroomPort;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Ipv4Options} on the shapes {@code KernelIpv4OptionsOracleTest} sent through the kernel,
 * with the kernel's answers (the parameter problem's pointer), and what the pipeline and the ICMP
 * responder make of them.
 */
class Ipv4OptionsTest {
    private final Fib forwarding = ExampleRoutes.build();
    private final Pipeline pipeline = new Pipeline(16);

    @AfterEach
    void close() {
        forwarding.close();
    }

    private static Frames udp4() {
        return Frames.ipv4("192.0.2.1", "198.51.100.7").udp(1024, 53);
    }

    /** Options, and what the kernel did: VALID, SOURCE_ROUTED, or the pointer of its parameter problem. */
    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of("NOOP x4", new int[] {1, 1, 1, 1}, Ipv4Options.VALID),
                Arguments.of("EOL then non-zero bytes", new int[] {0, 7, 7, 7}, Ipv4Options.VALID),
                Arguments.of("record route, room for 1", new int[] {7, 7, 4, 0, 0, 0, 0, 0}, Ipv4Options.VALID),
                Arguments.of("record route, full", new int[] {7, 7, 8, 1, 2, 3, 4, 0}, Ipv4Options.VALID),
                Arguments.of("record route, pointer 3", new int[] {7, 7, 3, 0, 0, 0, 0, 0}, 22),
                Arguments.of("record route, pointer 5 in length 7", new int[] {7, 7, 5, 0, 0, 0, 0, 0}, 22),
                Arguments.of("record route, length 2", new int[] {7, 2, 1, 1}, 21),
                Arguments.of("record route, length past the header", new int[] {7, 9, 4, 0}, 20),
                Arguments.of("two record routes", new int[] {7, 3, 4, 7, 3, 4, 0, 0}, 23),
                Arguments.of("timestamp only, room for 1", new int[] {0x44, 8, 5, 0, 0, 0, 0, 0}, Ipv4Options.VALID),
                Arguments.of("timestamp, pointer 4", new int[] {0x44, 8, 4, 0, 0, 0, 0, 0}, 22),
                Arguments.of("timestamp, length 3", new int[] {0x44, 3, 5, 1}, 21),
                Arguments.of("timestamp and address, room for 4 bytes", new int[] {0x44, 8, 5, 1, 0, 0, 0, 0}, 22),
                Arguments.of("timestamp, full, overflow 14", new int[] {0x44, 8, 9, 0xe0, 0, 0, 0, 0}, Ipv4Options.VALID),
                Arguments.of("timestamp, full, overflow 15", new int[] {0x44, 8, 9, 0xf0, 0, 0, 0, 0}, 23),
                Arguments.of("prespecified, full, overflow 15", new int[] {0x44, 12, 13, 0xf3, 0, 0, 0, 0, 0, 0, 0, 0},
                        Ipv4Options.VALID),
                Arguments.of("two timestamps", new int[] {0x44, 4, 5, 0, 0x44, 4, 5, 0}, 24),
                Arguments.of("router alert", new int[] {0x94, 4, 0, 0}, Ipv4Options.VALID),
                Arguments.of("router alert, length 2", new int[] {0x94, 2, 1, 1}, 21),
                Arguments.of("security", new int[] {0x82, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, Ipv4Options.VALID),
                Arguments.of("unknown type, length 1", new int[] {0x1e, 1, 0, 0}, 20),
                Arguments.of("option type in the header's last byte", new int[] {1, 1, 1, 0x1e}, 23),
                Arguments.of("CIPSO, length 6", new int[] {0x86, 6, 0, 0, 0, 1, 0, 0}, 21),
                Arguments.of("CIPSO, length 8", new int[] {0x86, 8, 0, 0, 0, 1, 0, 0}, 22),
                Arguments.of("loose source route", new int[] {0x83, 7, 4, 10, 0, 0, 9, 0}, Ipv4Options.SOURCE_ROUTED),
                Arguments.of("strict source route", new int[] {0x89, 7, 4, 10, 0, 0, 9, 0}, Ipv4Options.SOURCE_ROUTED),
                Arguments.of("loose source route, pointer 3", new int[] {0x83, 7, 3, 10, 0, 0, 9, 0}, 22),
                Arguments.of("loose source route, then a cut option", new int[] {0x83, 7, 4, 10, 0, 0, 9, 0x1e}, 27),
                Arguments.of("two source routes", new int[] {0x83, 3, 4, 0x89, 3, 4, 0, 0}, 23));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void theOptionsCheckGivesTheKernelsAnswer(String name, int[] options, int kernel) {
        MemorySegment m = MalformedFrames.withOptions(udp4(), options);
        assertEquals(kernel, Ipv4Options.check(m, 14, 20 + options.length), name);
    }

    @Test
    void wellFormedOptionsAreForwardedAsTheyCameWithOnlyTtlAndChecksumChanged() {
        int[] options = {0x94, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0, 0x44, 8, 5, 0, 0, 0, 0, 0, 1};
        MemorySegment m = MalformedFrames.withOptions(udp4(), options);
        byte[] before = m.toArray(ValueLayout.JAVA_BYTE);
        PacketBatch b = new PacketBatch(1);
        b.add(0, 0, (int) m.byteSize());
        pipeline.process(forwarding.snapshot(), m, b);
        assertTrue(b.verdict[0] >= 0, "verdict " + b.verdict[0]);
        byte[] after = m.toArray(ValueLayout.JAVA_BYTE);
        assertArrayEquals(Arrays.copyOfRange(before, 34, before.length), Arrays.copyOfRange(after, 34, after.length),
                "the options and the payload are left as they are");
        assertEquals(before[14 + 8] - 1, after[14 + 8], "TTL");
        assertEquals(0, Frames.ipv4Checksum(m, 14, 20 + options.length), "header checksum over the options");
    }

    @Test
    void malformedOptionsGetAParameterProblemPointingAtTheBadByteFromTheIngressAddress() {
        MemorySegment frame = MalformedFrames.withOptions(udp4(), 0x94, 4, 0, 0, 7, 7, 3, 0, 0, 0, 0, 0);
        byte[] in = frame.toArray(ValueLayout.JAVA_BYTE);
        HeadroomPort port = new HeadroomPort(0);
        PacketBatch b = port.receive(in);
        pipeline.process(forwarding.snapshot(), port.memory(), b);
        assertEquals(Verdict.BAD_OPTIONS.code, b.verdict[0]);
        assertTrue(IcmpResponder.answers(b.verdict[0]));
        int router = IpAddresses.parse4("192.0.2.254");
        IcmpResponder icmp = new IcmpResponder(new IcmpRateLimiter(), new int[] {router}, new long[1], new long[1]);
        assertTrue(icmp.respond(b.verdict[0], port, b, 0, 0, System.nanoTime()));
        byte[] error = port.sent();
        assertNotNull(error);
        MemorySegment e = MemorySegment.ofArray(error);
        assertEquals(0x0800, e.get(Frames.BE16, 12) & 0xffff);
        assertEquals(1, error[14 + 9], "ICMP");
        assertEquals(router, e.get(Frames.BE32, 14 + 12), "from the router's address on the ingress port");
        assertEquals(IpAddresses.parse4("192.0.2.1"), e.get(Frames.BE32, 14 + 16), "to the sender");
        assertEquals(12, error[34], "parameter problem");
        assertEquals(0, error[35], "code 0: the pointer indicates the error");
        assertEquals(20 + 4 + 2, error[38], "the pointer: the record route's pointer byte");
        assertArrayEquals(Arrays.copyOfRange(in, 14, in.length), Arrays.copyOfRange(error, 42, error.length),
                "the whole packet quoted");
        assertEquals(0, Frames.ipv4Checksum(e, 14, 20));
    }

    @Test
    void aSourceRouteIsDroppedWithoutAnError() {
        assertEquals(false, IcmpResponder.answers(Verdict.SOURCE_ROUTED.code));
    }
}
