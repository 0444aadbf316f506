package io.dataplane.tables.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dataplane.tables.IpAddresses;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The IPv4 header accessors and the martian rule, address by address against the kernel's. */
class Ipv4Test {
    @ParameterizedTest(name = "{0}: martian source {1}, martian destination {2}, multicast/broadcast {3}")
    @CsvSource({
        "0.0.0.0, true, true, false",
        "0.1.2.3, true, true, false",
        "1.0.0.0, false, false, false",
        "126.255.255.255, false, false, false",
        "127.0.0.1, true, true, false",
        "127.255.255.255, true, true, false",
        "128.0.0.0, false, false, false",
        "192.0.2.1, false, false, false",
        "223.255.255.255, false, false, false",
        "224.0.0.1, true, false, true",
        "239.255.255.255, true, false, true",
        "240.0.0.1, false, false, false",
        "255.255.255.254, false, false, false",
        "255.255.255.255, true, false, true"})
    void addressRules(String address, boolean martianSource, boolean martianDestination, boolean multicastOrBroadcast) {
        int a = IpAddresses.parse4(address);
        assertEquals(martianSource, Ipv4.martianSource(a), "source");
        assertEquals(martianDestination, Ipv4.martianDestination(a), "destination");
        assertEquals(multicastOrBroadcast, Ipv4.multicastOrBroadcast(a), "multicast or broadcast");
    }

    @Test
    void writtenFieldsReadBack() {
        MemorySegment m = MemorySegment.ofArray(new byte[64]);
        Ipv4.write(m, 4, 0xc0, 1500, 0x1234, Ipv4.DF | 3, 64, IpProtocol.TCP, 0xc0000201, 0xc6336407);
        assertEquals(4, Ipv4.version(m, 4));
        assertEquals(20, Ipv4.headerLength(m, 4));
        assertEquals(1500, Ipv4.totalLength(m, 4));
        assertEquals(Ipv4.DF | 3, Ipv4.flagsFragment(m, 4));
        assertEquals(64, Ipv4.ttl(m, 4));
        assertEquals(IpProtocol.TCP, Ipv4.protocol(m, 4));
        assertEquals(0xc0000201, Ipv4.source(m, 4));
        assertEquals(0xc6336407, Ipv4.destination(m, 4));
        assertEquals(true, Checksum.ipv4HeaderValid(m, 4, 20));
    }

    @Test
    void fragmentFieldPredicates() {
        assertEquals(true, Ipv4.dontFragment(Ipv4.DF));
        assertEquals(false, Ipv4.fragment(Ipv4.DF));
        assertEquals(true, Ipv4.fragment(Ipv4.MF));
        assertEquals(false, Ipv4.laterFragment(Ipv4.MF), "the first fragment carries the L4 header");
        assertEquals(true, Ipv4.laterFragment(185));
    }

    @Test
    void decrementingTheTtlUpdatesEveryChecksumAsRfc1624Does() {
        // Every value the checksum field can hold, including ones no sender computes: the one
        // load-and-store update must give RFC 1624 eqn. 3 on the TTL/protocol word, bit for bit.
        MemorySegment m = MemorySegment.ofArray(new byte[20]);
        for (int ttl : new int[] {1, 2, 64, 255}) {
            for (int checksum = 0; checksum <= 0xffff; checksum++) {
                Ipv4.write(m, 0, 0, 40, 7, 0, ttl, IpProtocol.UDP, 0x0a000001, 0xc6336401);
                m.set(NetworkOrder.U16, Ipv4.CHECKSUM, (short) checksum);
                int word = (ttl << 8) | IpProtocol.UDP;
                Ipv4.decrementTtl(m, 0);
                assertEquals(rfc1624(checksum, word, word - 0x0100), Ipv4.checksum(m, 0),
                        "ttl " + ttl + " checksum " + checksum);
                assertEquals(ttl - 1, Ipv4.ttl(m, 0));
                assertEquals(IpProtocol.UDP, Ipv4.protocol(m, 0));
            }
        }
    }

    /** The checksum after one 16-bit word it covers changed from {@code old} to {@code updated}: HC' = ~(~HC + ~m + m'). */
    private static int rfc1624(int checksum, int old, int updated) {
        int sum = (~checksum & 0xffff) + (~old & 0xffff) + (updated & 0xffff);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return ~sum & 0xffff;
    }

    @Test
    void decrementingTheTtlKeepsTheChecksumEqualToAFullRecompute() {
        MemorySegment m = MemorySegment.ofArray(new byte[20]);
        for (int ttl = 1; ttl <= 255; ttl++) {
            for (int proto : new int[] {IpProtocol.ICMP, IpProtocol.UDP, 255}) {
                Ipv4.write(m, 0, 0, 40, ttl * 31, 0, ttl, proto, 0x0a000001 * ttl, 0xc6336400 + proto);
                Ipv4.decrementTtl(m, 0);
                int incremental = Ipv4.checksum(m, 0);
                m.set(NetworkOrder.U16, Ipv4.CHECKSUM, (short) 0);
                assertEquals(Checksum.finish(Checksum.sum(m, 0, 20, 0)), incremental, "ttl " + ttl + " proto " + proto);
                assertEquals(ttl - 1, Ipv4.ttl(m, 0));
            }
        }
    }
}
