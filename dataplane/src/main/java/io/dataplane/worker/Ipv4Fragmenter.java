package io.dataplane.worker;

import static io.dataplane.tables.packet.NetworkOrder.U16;
import static io.dataplane.tables.packet.NetworkOrder.U8;

import io.dataplane.pipeline.Pipeline;
import io.dataplane.port.Port;
import io.dataplane.tables.NexthopTable;
import io.dataplane.tables.packet.Checksum;
import io.dataplane.tables.packet.Ipv4;
import java.lang.foreign.MemorySegment;

/**
 * The worker's transmit stage for IPv4 packets the pipeline marked {@code NEEDS_FRAGMENTATION}
 * (larger than the egress MTU, DF clear): cuts the packet into fragments that fit, by the rules of
 * the kernel's {@code ip_do_fragment} (its slow path, net/ipv4/ip_output.c), and queues them on the
 * egress port in order.
 *
 * <ul>
 *   <li>Every fragment but the last carries {@code (mtu - header length) & ~7} bytes of data; the
 *       last carries the rest. Offsets count from the packet's own offset, in 8-byte units, and MF
 *       is set on every fragment but the last, and on the last too when the packet was itself not
 *       a last fragment: a fragment fragmented again keeps its place in the datagram.</li>
 *   <li>Each fragment has the packet's header: identification, TOS, protocol, addresses kept, TTL
 *       decremented once (it is a forwarded packet), the header checksum computed per fragment.</li>
 *   <li>Options: the first fragment has them all; later fragments keep the header length, with
 *       every option whose copy bit is clear overwritten by NOOPs ({@code ip_options_fragment}).
 *       Only when the packet starts the datagram (offset 0): a later fragment's options are taken
 *       to be fixed already, and the kernel copies them as they are (its {@code first_frag} is
 *       {@code offset == 0}, not "this is the first piece"; found by comparing with the kernel).</li>
 * </ul>
 *
 * <p>The first fragment is the received frame itself, cut short in place; later fragments are
 * written into frames the egress port allocates ({@link Port#allocate}). They are all taken
 * before anything is queued, so a lack of frames costs nothing but the drop. One per worker; hot
 * path: no allocation, no exceptions, a status code per packet.
 */
public final class Ipv4Fragmenter {
    /** Every fragment was queued. */
    public static final int SENT = 0;
    /** The egress port had no free frame for a fragment; nothing was queued. */
    public static final int NO_BUFFER = -1;
    /** The egress TX ring refused a fragment; {@link #fragmentsSent()} were queued before it. */
    public static final int TX_FULL = -2;
    /**
     * The MTU leaves less than 8 bytes of data behind the header; nothing was queued. (Nexthop MTUs
     * are at least 68 and headers at most 60 bytes, so this guards the loop rather than a real case.)
     */
    public static final int MTU_TOO_SMALL = -3;

    /** A 64 KiB datagram cut into 8-byte pieces: the most fragments one packet can need. */
    private static final int MAX_FRAGMENTS = 65536 / 8;

    /** The frames of the later fragments of the packet being fragmented (index 0: the second fragment). */
    private final long[] frames = new long[MAX_FRAGMENTS];
    private int sent;
    private long bytesSent;

    /**
     * Fragments the frame at {@code data} ({@code handle}, IPv4 header at {@code ip}) for nexthop
     * {@code nh} and queues the fragments on {@code out}. On {@link #SENT} (and on {@link #TX_FULL}
     * after at least one fragment) the frame belongs to {@code out}'s TX ring; otherwise the caller
     * still owns it. The frame's total length field has been checked against its length.
     */
    public int fragment(MemorySegment m, long handle, long data, long ip, NexthopTable nexthops, int nh, Port out) {
        sent = 0;
        bytesSent = 0;
        int l2 = (int) (ip - data);
        int headerLength = Ipv4.headerLength(m, ip);
        int totalLength = Ipv4.totalLength(m, ip);
        int room = nexthops.mtu(nh) - headerLength;
        if (room < 8) {
            return MTU_TOO_SMALL;
        }
        int dataLength = totalLength - headerLength;
        int firstData = dataIn(dataLength, 0, room);
        int later = 0;
        for (int at = firstData; at < dataLength; at += dataIn(dataLength, at, room)) {
            later++;
        }
        for (int j = 0; j < later; j++) {
            long frame = out.allocate();
            if (frame < 0) {
                releaseFrames(out, 0, j);
                return NO_BUFFER;
            }
            frames[j] = frame;
        }
        Pipeline.rewriteMacs(nexthops, m, data, nh);
        Ipv4.decrementTtl(m, ip);
        int flagsFragment = Ipv4.flagsFragment(m, ip);
        int offset = (flagsFragment & Ipv4.FRAGMENT_OFFSET) << 3;
        boolean lastOfDatagram = (flagsFragment & Ipv4.MF) == 0;
        // DF is clear in every fragment: the pipeline sends only DF-clear packets here (and the
        // kernel's ip_frag_next writes the offset afresh, setting DF only for its own PMTU probes).
        long payload = ip + headerLength;
        // Later fragments first, while the frame still holds the packet's header and options untouched.
        int at = firstData;
        for (int j = 0; j < later; j++) {
            int length = dataIn(dataLength, at, room);
            boolean more = at + length < dataLength || !lastOfDatagram;
            long frame = out.allocatedData(frames[j]);
            long fragmentIp = frame + l2;
            MemorySegment.copy(m, data, m, frame, l2 + headerLength);
            if (offset == 0) {
                dropUncopiedOptions(m, fragmentIp, headerLength);
            }
            MemorySegment.copy(m, payload + at, m, fragmentIp + headerLength, length);
            writeFragmentFields(m, fragmentIp, headerLength, headerLength + length,
                    (more ? Ipv4.MF : 0) | ((offset + at) >>> 3));
            at += length;
        }
        boolean firstMore = firstData < dataLength || !lastOfDatagram;
        writeFragmentFields(m, ip, headerLength, headerLength + firstData, (firstMore ? Ipv4.MF : 0) | (offset >>> 3));
        int firstLength = l2 + headerLength + firstData;
        if (!out.transmit(handle, data, firstLength)) {
            releaseFrames(out, 0, later);
            return TX_FULL;
        }
        count(firstLength);
        for (int j = 0; j < later; j++) {
            long frame = out.allocatedData(frames[j]);
            int length = l2 + Ipv4.totalLength(m, frame + l2);
            if (!out.transmit(frames[j], frame, length)) {
                releaseFrames(out, j, later);
                return TX_FULL;
            }
            count(length);
        }
        return SENT;
    }

    /**
     * Bytes of data in the fragment that starts {@code at} bytes into the packet's data: all that
     * is left when it fits in {@code room}, else {@code room} rounded down to 8 (ip_do_fragment).
     */
    private static int dataIn(int dataLength, int at, int room) {
        int length = Math.min(dataLength - at, room);
        return length < dataLength - at ? length & ~7 : length;
    }

    /** Fragments queued by the last {@link #fragment} call. */
    public int fragmentsSent() {
        return sent;
    }

    /** Bytes of the fragments queued by the last {@link #fragment} call, link-layer header included. */
    public long bytesSent() {
        return bytesSent;
    }

    private void count(int length) {
        sent++;
        bytesSent += length;
    }

    private void releaseFrames(Port out, int from, int to) {
        for (int j = from; j < to; j++) {
            out.release(frames[j]);
        }
    }

    /** Total length, flags and offset, then the header checksum over the whole header, options included. */
    private static void writeFragmentFields(MemorySegment m, long ip, int headerLength, int totalLength, int flagsFragment) {
        m.set(U16, ip + Ipv4.TOTAL_LENGTH, (short) totalLength);
        m.set(U16, ip + Ipv4.FLAGS_FRAGMENT, (short) flagsFragment);
        m.set(U16, ip + Ipv4.CHECKSUM, (short) 0);
        m.set(U16, ip + Ipv4.CHECKSUM, (short) Checksum.finish(Checksum.sum(m, ip, headerLength, 0)));
    }

    /**
     * Overwrites with NOOPs each option whose copy bit is clear, as the kernel's
     * {@code ip_options_fragment} does for the fragments after the first; it stops where the
     * kernel stops: at END, or at an option whose length does not fit.
     */
    static void dropUncopiedOptions(MemorySegment m, long ip, int headerLength) {
        long p = ip + Ipv4.HEADER;
        int left = headerLength - Ipv4.HEADER;
        while (left > 0) {
            int type = m.get(U8, p) & 0xff;
            if (type == Ipv4.OPTION_END) {
                return;
            }
            if (type == Ipv4.OPTION_NOOP) {
                left--;
                p++;
                continue;
            }
            int length = left >= 2 ? m.get(U8, p + 1) & 0xff : 0;
            if (length < 2 || length > left) {
                return;
            }
            if ((type & Ipv4.OPTION_COPIED) == 0) {
                for (int k = 0; k < length; k++) {
                    m.set(U8, p + k, (byte) Ipv4.OPTION_NOOP);
                }
            }
            left -= length;
            p += length;
        }
    }
}
