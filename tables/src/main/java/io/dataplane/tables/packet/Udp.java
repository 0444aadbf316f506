package io.dataplane.tables.packet;

import static io.dataplane.tables.packet.NetworkOrder.U16;

import java.lang.foreign.MemorySegment;

/** The UDP header (RFC 768); its first 4 bytes, the ports, are also where TCP, SCTP and DCCP keep theirs. */
public final class Udp {
    public static final int SOURCE_PORT = 0;
    public static final int DESTINATION_PORT = 2;
    public static final int LENGTH = 4;
    public static final int CHECKSUM = 6;
    public static final int HEADER = 8;

    private Udp() {
    }

    /** Writes ports and length; checksum 0 ("none", allowed over IPv4; see RFC 8200 8.1 for IPv6). */
    public static void write(MemorySegment m, long udp, int sourcePort, int destinationPort, int length) {
        m.set(U16, udp + SOURCE_PORT, (short) sourcePort);
        m.set(U16, udp + DESTINATION_PORT, (short) destinationPort);
        m.set(U16, udp + LENGTH, (short) length);
        m.set(U16, udp + CHECKSUM, (short) 0);
    }
}
