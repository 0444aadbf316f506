package io.dataplane.tables.packet;

import static io.dataplane.tables.packet.NetworkOrder.U16;
import static io.dataplane.tables.packet.NetworkOrder.U32;
import static io.dataplane.tables.packet.NetworkOrder.U64;

import java.lang.foreign.MemorySegment;

/**
 * The Ethernet II header, with at most one 802.1Q tag: offsets and static accessors over
 * (segment, frame offset). MAC addresses are the low 48 bits of a long, first byte most
 * significant. Hot path: no allocation; callers check the frame is long enough first.
 *
 * <pre>
 * 0      6      12         14 (16)      18
 * | dst  | src  | type/TPID | (TCI | type) |
 * </pre>
 */
public final class Ethernet {
    public static final int DESTINATION = 0;
    public static final int SOURCE = 6;
    public static final int TYPE = 12;
    /** Header without a tag. */
    public static final int HEADER = 14;
    /** Header with one 802.1Q tag. */
    public static final int TAGGED_HEADER = 18;
    /** The tag's control information (PCP, DEI, VLAN id), in a tagged header. */
    public static final int TAG_CONTROL = 14;
    /** The encapsulated EtherType, in a tagged header. */
    public static final int TAGGED_TYPE = 16;

    public static final int TYPE_IPV4 = 0x0800;
    public static final int TYPE_ARP = 0x0806;
    public static final int TYPE_VLAN = 0x8100;
    public static final int TYPE_IPV6 = 0x86dd;

    private Ethernet() {
    }

    /** The EtherType (or TPID 0x8100 of a tagged frame). */
    public static int type(MemorySegment m, long frame) {
        return m.get(U16, frame + TYPE) & 0xffff;
    }

    /** The EtherType behind the 802.1Q tag. */
    public static int taggedType(MemorySegment m, long frame) {
        return m.get(U16, frame + TAGGED_TYPE) & 0xffff;
    }

    public static long destination(MemorySegment m, long frame) {
        return m.get(U64, frame) >>> 16;
    }

    public static long source(MemorySegment m, long frame) {
        return m.get(U64, frame + 4) & 0xffff_ffff_ffffL;
    }

    public static void destination(MemorySegment m, long frame, long mac) {
        putMac(m, frame + DESTINATION, mac);
    }

    public static void source(MemorySegment m, long frame, long mac) {
        putMac(m, frame + SOURCE, mac);
    }

    public static void type(MemorySegment m, long frame, int type) {
        m.set(U16, frame + TYPE, (short) type);
    }

    /**
     * Writes an untagged header ({@code vlan} < 0) or one with an 802.1Q tag, and returns its
     * length: the offset of the IP header from {@code frame}.
     */
    public static int write(MemorySegment m, long frame, long destinationMac, long sourceMac, int vlan, int type) {
        destination(m, frame, destinationMac);
        source(m, frame, sourceMac);
        if (vlan < 0) {
            type(m, frame, type);
            return HEADER;
        }
        type(m, frame, TYPE_VLAN);
        m.set(U16, frame + TAG_CONTROL, (short) vlan);
        m.set(U16, frame + TAGGED_TYPE, (short) type);
        return TAGGED_HEADER;
    }

    private static void putMac(MemorySegment m, long at, long mac) {
        m.set(U16, at, (short) (mac >>> 32));
        m.set(U32, at + 2, (int) mac);
    }
}
