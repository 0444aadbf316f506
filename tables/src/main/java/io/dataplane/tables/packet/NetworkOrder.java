package io.dataplane.tables.packet;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The big-endian (network byte order) layouts every header field is read and written with,
 * unaligned because headers sit at any offset of a frame (behind an 802.1Q tag, in an ICMP quote).
 */
public final class NetworkOrder {
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;

    private NetworkOrder() {
    }
}
