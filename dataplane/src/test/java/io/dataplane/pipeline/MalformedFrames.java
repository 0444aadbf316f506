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

    /**
     * The frame with IPv4 options (whole 32-bit words) after its fixed header: IHL, total length
     * and checksum made to match, so only what the options hold can be wrong.
     */
    static MemorySegment withOptions(Frames f, int... options) {
        if (options.length % 4 != 0) {
            throw new IllegalArgumentException("options must fill whole 32-bit words, got " + options.length + " bytes");
        }
        byte[] plain = f.toSegment().toArray(ValueLayout.JAVA_BYTE);
        int ip = 14;
        byte[] with = new byte[plain.length + options.length];
        System.arraycopy(plain, 0, with, 0, ip + 20);
        for (int i = 0; i < options.length; i++) {
            with[ip + 20 + i] = (byte) options[i];
        }
        System.arraycopy(plain, ip + 20, with, ip + 20 + options.length, plain.length - ip - 20);
        MemorySegment m = MemorySegment.ofArray(with);
        m.set(ValueLayout.JAVA_BYTE, ip, (byte) (0x40 | (20 + options.length) / 4));
        m.set(Frames.BE16, ip + 2, (short) (with.length - ip));
        fixChecksum(m);
        return m;
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
                of("record route, pointer 3", withOptions(udp4(), 7, 7, 3, 0, 0, 0, 0, 0), Verdict.BAD_OPTIONS),
                of("record route, slot past its length", withOptions(udp4(), 7, 7, 5, 0, 0, 0, 0, 0), Verdict.BAD_OPTIONS),
                of("option length 0", withOptions(udp4(), 0x1e, 0, 0, 0), Verdict.BAD_OPTIONS),
                of("option length past the header", withOptions(udp4(), 7, 9, 4, 0), Verdict.BAD_OPTIONS),
                of("option type in the header's last byte", withOptions(udp4(), 1, 1, 1, 0x1e), Verdict.BAD_OPTIONS),
                of("timestamp, full, overflow 15", withOptions(udp4(), 0x44, 8, 9, 0xf0, 0, 0, 0, 0), Verdict.BAD_OPTIONS),
                of("two timestamps", withOptions(udp4(), 0x44, 4, 5, 0, 0x44, 4, 5, 0), Verdict.BAD_OPTIONS),
                of("router alert, length 2", withOptions(udp4(), 0x94, 2, 1, 1), Verdict.BAD_OPTIONS),
                of("CIPSO (no DOI configured)", withOptions(udp4(), 0x86, 8, 0, 0, 0, 1, 0, 0), Verdict.BAD_OPTIONS),
                of("malformed options before TTL 1", withOptions(udp4().ttl(1), 7, 7, 3, 0, 0, 0, 0, 0), Verdict.BAD_OPTIONS),
                of("malformed options before no route", withOptions(Frames.ipv4("192.0.2.1", "8.8.8.8").udp(1, 2), 7, 2, 1, 1),
                        Verdict.BAD_OPTIONS),
                of("loose source route", withOptions(udp4(), 0x83, 7, 4, 10, 0, 0, 9, 0), Verdict.SOURCE_ROUTED),
                of("strict source route", withOptions(udp4(), 0x89, 7, 4, 10, 0, 0, 9, 0), Verdict.SOURCE_ROUTED),
                of("loose source route, TTL 1", withOptions(udp4().ttl(1), 0x83, 7, 4, 10, 0, 0, 9, 0), Verdict.SOURCE_ROUTED),
                of("source route, then a cut option", withOptions(udp4(), 0x83, 7, 4, 10, 0, 0, 9, 0x1e), Verdict.BAD_OPTIONS),
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
