package io.dataplane.tables.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class EthernetTest {
    @Test
    void untaggedAndTaggedHeadersReadBack() {
        MemorySegment m = MemorySegment.ofArray(new byte[32]);
        assertEquals(Ethernet.HEADER, Ethernet.write(m, 0, 0x0a0b0c0d0e0fL, 0x010203040506L, -1, Ethernet.TYPE_IPV4));
        assertEquals(0x0a0b0c0d0e0fL, Ethernet.destination(m, 0));
        assertEquals(0x010203040506L, Ethernet.source(m, 0));
        assertEquals(Ethernet.TYPE_IPV4, Ethernet.type(m, 0));
        assertEquals(Ethernet.TAGGED_HEADER, Ethernet.write(m, 0, 1, 2, 100, Ethernet.TYPE_IPV6));
        assertEquals(Ethernet.TYPE_VLAN, Ethernet.type(m, 0));
        assertEquals(Ethernet.TYPE_IPV6, Ethernet.taggedType(m, 0));
        assertEquals(100, m.get(NetworkOrder.U16, Ethernet.TAG_CONTROL));
    }
}
