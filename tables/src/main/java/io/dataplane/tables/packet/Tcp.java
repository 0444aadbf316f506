package io.dataplane.tables.packet;

import static io.dataplane.tables.packet.NetworkOrder.U16;
import static io.dataplane.tables.packet.NetworkOrder.U8;

import java.lang.foreign.MemorySegment;

/** The TCP header (RFC 9293), as far as a router reads it: ports and data offset. */
public final class Tcp {
    public static final int SOURCE_PORT = 0;
    public static final int DESTINATION_PORT = 2;
    public static final int DATA_OFFSET = 12;
    /** The header without options. */
    public static final int HEADER = 20;

    private Tcp() {
    }

    /** Writes the ports and a data offset of 5 words (no options); other fields stay as they are. */
    public static void write(MemorySegment m, long tcp, int sourcePort, int destinationPort) {
        m.set(U16, tcp + SOURCE_PORT, (short) sourcePort);
        m.set(U16, tcp + DESTINATION_PORT, (short) destinationPort);
        m.set(U8, tcp + DATA_OFFSET, (byte) 0x50);
    }
}
