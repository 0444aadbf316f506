package io.dataplane.tables.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dataplane.tables.IpAddresses;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The IPv6 header accessors and the martian rule, address by address against the kernel's. */
class Ipv6Test {
    @ParameterizedTest(name = "{0}: martian source {1}, martian destination {2}, multicast {3}, link-local {4}")
    @CsvSource({
        "::, true, true, false, false",
        "::1, true, true, false, false",
        "::2, false, false, false, false",
        "::ffff:c000:201, true, false, false, false",
        "::fffe:c000:201, false, false, false, false",
        "2001:db8::1, false, false, false, false",
        "fe80::1, false, false, false, true",
        "febf::1, false, false, false, true",
        "fec0::1, false, false, false, false",
        "ff02::1, true, false, true, false",
        "ff0e::1, true, false, true, false"})
    void addressRules(String address, boolean martianSource, boolean martianDestination, boolean multicast, boolean linkLocal) {
        long[] a = IpAddresses.parse6(address);
        assertEquals(martianSource, Ipv6.martianSource(a[0], a[1]), "source");
        assertEquals(martianDestination, Ipv6.martianDestination(a[0], a[1]), "destination");
        assertEquals(multicast, Ipv6.multicast(a[0]), "multicast");
        assertEquals(linkLocal, Ipv6.linkLocal(a[0]), "link-local");
    }

    @Test
    void writtenFieldsReadBack() {
        MemorySegment m = MemorySegment.ofArray(new byte[64]);
        Ipv6.write(m, 2, 1200, IpProtocol.UDP, 7, 0xabcde, 1, 2, 3, 4);
        assertEquals(6, Ipv6.version(m, 2));
        assertEquals(0xabcde, Ipv6.flowLabel(m, 2));
        assertEquals(1200, Ipv6.payloadLength(m, 2));
        assertEquals(IpProtocol.UDP, Ipv6.nextHeader(m, 2));
        assertEquals(7, Ipv6.hopLimit(m, 2));
        assertEquals(1, Ipv6.sourceHi(m, 2));
        assertEquals(2, Ipv6.sourceLo(m, 2));
        assertEquals(3, Ipv6.destinationHi(m, 2));
        assertEquals(4, Ipv6.destinationLo(m, 2));
        Ipv6.decrementHopLimit(m, 2);
        assertEquals(6, Ipv6.hopLimit(m, 2));
    }
}
