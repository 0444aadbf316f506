package io.dataplane.pipeline;

import io.dataplane.tables.packet.Frames;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** Test table: frames the pipeline must not forward, each with the reason it must give. Routes as in {@link ExampleRoutes}. */
final class MalformedFrames {
    private MalformedFrames() {
    }

    private static Frames udp4() {
        return Frames.ipv4("192.0.2.1", "198.51.100.7").udp(1024, 53);
    }

    private static Frames udp6() {
        return Frames.ipv6("2001:db8:1::2", "2001:db8:100::7").udp(1024, 53);
    }

    private static MemorySegment edit(Frames f, Consumer<MemorySegment> change) {
        MemorySegment m = f.toSegment();
        change.accept(m);
        return m;
    }

    private static MemorySegment truncate(Frames f, int length) {
        MemorySegment m = f.toSegment();
        return m.asSlice(0, length);
    }

    /** Rewrites the IPv4 checksum after an edit, so only the intended defect remains. */
    private static void fixChecksum(MemorySegment m) {
        m.set(Frames.BE16, 24, (short) 0);
        m.set(Frames.BE16, 24, (short) Frames.ipv4Checksum(m, 14, (m.get(ValueLayout.JAVA_BYTE, 14) & 0xf) * 4));
    }

    private static Arguments of(String name, MemorySegment frame, Verdict v) {
        return Arguments.of(name, frame, v);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                of("empty frame", MemorySegment.ofArray(new byte[0]), Verdict.TRUNCATED),
                of("13 bytes, shorter than Ethernet", truncate(udp4(), 13), Verdict.TRUNCATED),
                of("VLAN tag cut short", truncate(udp4().vlan(7), 16), Verdict.TRUNCATED),
                of("unknown ethertype", edit(udp4(), m -> m.set(Frames.BE16, 12, (short) 0x1234)), Verdict.UNSUPPORTED_ETHERTYPE),
                of("ARP goes to the kernel", edit(udp4(), m -> m.set(Frames.BE16, 12, (short) 0x0806)), Verdict.NOT_ROUTED),
                of("IPv4 header cut at 19 bytes", truncate(udp4(), 14 + 19), Verdict.TRUNCATED),
                of("IPv4 ethertype, version 6", edit(udp4(), m -> m.set(ValueLayout.JAVA_BYTE, 14, (byte) 0x65)), Verdict.BAD_VERSION),
                of("IHL 4", edit(udp4(), m -> { m.set(ValueLayout.JAVA_BYTE, 14, (byte) 0x44); fixChecksum(m); }), Verdict.BAD_HEADER_LENGTH),
                of("IHL 15 beyond the frame", edit(udp4(), m -> m.set(ValueLayout.JAVA_BYTE, 14, (byte) 0x4f)), Verdict.TRUNCATED),
                of("total length beyond the frame", edit(udp4(), m -> { m.set(Frames.BE16, 16, (short) 1000); fixChecksum(m); }), Verdict.BAD_TOTAL_LENGTH),
                of("total length below the header", edit(udp4(), m -> { m.set(Frames.BE16, 16, (short) 19); fixChecksum(m); }), Verdict.BAD_TOTAL_LENGTH),
                of("bad header checksum", edit(udp4(), m -> m.set(Frames.BE16, 24, (short) (m.get(Frames.BE16, 24) ^ 1))), Verdict.BAD_CHECKSUM),
                of("TTL 1", udp4().ttl(1).toSegment(), Verdict.TTL_EXPIRED),
                of("TTL 0", udp4().ttl(0).toSegment(), Verdict.TTL_EXPIRED),
                of("multicast source", Frames.ipv4("224.0.0.5", "198.51.100.7").toSegment(), Verdict.BAD_ADDRESS),
                of("broadcast source", Frames.ipv4("255.255.255.255", "198.51.100.7").toSegment(), Verdict.BAD_ADDRESS),
                of("loopback source", Frames.ipv4("127.0.0.1", "198.51.100.7").toSegment(), Verdict.BAD_ADDRESS),
                of("loopback destination", Frames.ipv4("192.0.2.1", "127.0.0.1").toSegment(), Verdict.BAD_ADDRESS),
                of("unspecified source", Frames.ipv4("0.0.0.0", "198.51.100.7").toSegment(), Verdict.BAD_ADDRESS),
                of("source in 0.0.0.0/8", Frames.ipv4("0.1.2.3", "198.51.100.7").toSegment(), Verdict.BAD_ADDRESS),
                of("destination in 0.0.0.0/8", Frames.ipv4("192.0.2.1", "0.1.2.3").toSegment(), Verdict.BAD_ADDRESS),
                of("multicast destination is not routed", Frames.ipv4("192.0.2.1", "239.1.1.1").toSegment(), Verdict.NOT_ROUTED),
                of("broadcast destination is not routed", Frames.ipv4("192.0.2.1", "255.255.255.255").toSegment(), Verdict.NOT_ROUTED),
                of("no IPv4 route", Frames.ipv4("192.0.2.1", "8.8.8.8").toSegment(), Verdict.NO_ROUTE),
                of("IPv6 header cut at 39 bytes", truncate(udp6(), 14 + 39), Verdict.TRUNCATED),
                of("IPv6 ethertype, version 4", edit(udp6(), m -> m.set(ValueLayout.JAVA_BYTE, 14, (byte) 0x45)), Verdict.BAD_VERSION),
                of("IPv6 payload length beyond the frame", edit(udp6(), m -> m.set(Frames.BE16, 18, (short) 500)), Verdict.BAD_TOTAL_LENGTH),
                of("hop limit 1", udp6().ttl(1).toSegment(), Verdict.TTL_EXPIRED),
                of("IPv6 multicast source", Frames.ipv6("ff02::1", "2001:db8:100::7").toSegment(), Verdict.BAD_ADDRESS),
                of("IPv6 unspecified source", Frames.ipv6("::", "2001:db8:100::7").toSegment(), Verdict.BAD_ADDRESS),
                of("IPv6 loopback source", Frames.ipv6("::1", "2001:db8:100::7").toSegment(), Verdict.BAD_ADDRESS),
                of("IPv6 IPv4-mapped source", Frames.ipv6("::ffff:c000:201", "2001:db8:100::7").toSegment(), Verdict.BAD_ADDRESS),
                of("IPv6 loopback destination", Frames.ipv6("2001:db8:1::2", "::1").toSegment(), Verdict.BAD_ADDRESS),
                of("IPv6 unspecified destination", Frames.ipv6("2001:db8:1::2", "::").toSegment(), Verdict.BAD_ADDRESS),
                of("IPv6 link-local destination", Frames.ipv6("2001:db8:1::2", "fe80::1").toSegment(), Verdict.NOT_ROUTED),
                of("no IPv6 route", Frames.ipv6("2001:db8:1::2", "2001:db8:dead::1").toSegment(), Verdict.NO_ROUTE),
                of("route to a dead nexthop", Frames.ipv4("192.0.2.1", "10.3.0.1").toSegment(), Verdict.NEXTHOP_DEAD),
                of("route to an unresolved neighbour", Frames.ipv4("192.0.2.1", "10.4.0.1").toSegment(), Verdict.NEIGHBOUR_UNRESOLVED),
                of("larger than the egress MTU", Frames.ipv4("192.0.2.1", "10.5.0.1").payload(1300).toSegment(), Verdict.MTU_EXCEEDED),
                of("IPv6 larger than the egress MTU", Frames.ipv6("2001:db8:1::2", "2001:db8:100::7").payload(1500).toSegment(), Verdict.MTU_EXCEEDED));
    }
}
