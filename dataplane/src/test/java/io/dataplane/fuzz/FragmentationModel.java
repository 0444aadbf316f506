package io.dataplane.fuzz;

import io.dataplane.tables.Nexthop;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The fragments a Linux router sends for an IPv4 packet above the nexthop's MTU with DF clear,
 * written from the README ("IPv4 fragmentation") and the kernel's {@code ip_do_fragment} and
 * {@code ip_options_fragment}: {@code (mtu - header) & ~7} data bytes per fragment, the last one
 * the rest; offsets from the packet's own offset; MF on every fragment but the last, and on the
 * last too when the packet was not the datagram's last; DF and the reserved bit clear;
 * identification, TOS and addresses kept; TTL decremented; the MACs of the nexthop; the header
 * checksum recomputed from scratch per fragment. Later fragments keep the header length, and when
 * the packet starts the datagram (offset 0) every option whose copy bit is clear becomes NOOPs.
 * Ethernet padding behind the packet is not sent.
 */
final class FragmentationModel {
    private FragmentationModel() {
    }

    /** The fragments of {@code frame} (IPv4 header at {@code ip}), link-layer header included, in sending order. */
    static List<byte[]> fragments(byte[] frame, int ip, Nexthop nexthop) {
        int ihl = (frame[ip] & 0x0f) * 4;
        int total = ForwardingModel.be16(frame, ip + 2);
        int flags = ForwardingModel.be16(frame, ip + 6);
        int packetOffset = (flags & 0x1fff) * 8;
        boolean lastOfDatagram = (flags & 0x2000) == 0;
        int dataLength = total - ihl;
        int room = nexthop.mtu() - ihl;

        byte[] header = Arrays.copyOf(frame, ip + ihl); // Ethernet (and tag) and IP header
        ForwardingModel.putMac(header, 0, nexthop.dstMac());
        ForwardingModel.putMac(header, 6, nexthop.srcMac());
        header[ip + 8]--;

        List<byte[]> out = new ArrayList<>();
        for (int at = 0; at < dataLength; ) {
            int length = Math.min(dataLength - at, room);
            if (length < dataLength - at) {
                length &= ~7;
            }
            byte[] f = new byte[ip + ihl + length];
            System.arraycopy(header, 0, f, 0, ip + ihl);
            if (at > 0 && packetOffset == 0) {
                dropUncopiedOptions(f, ip, ihl);
            }
            System.arraycopy(frame, ip + ihl + at, f, ip + ihl, length);
            boolean more = at + length < dataLength || !lastOfDatagram;
            put16(f, ip + 2, ihl + length);
            put16(f, ip + 6, (more ? 0x2000 : 0) | (packetOffset + at) / 8);
            put16(f, ip + 10, 0);
            put16(f, ip + 10, ~ForwardingModel.onesComplementSum(f, ip, ihl) & 0xffff);
            out.add(f);
            at += length;
        }
        return out;
    }

    /** ip_options_fragment: walk the options; END ends the walk, and so does a length that does not fit. */
    private static void dropUncopiedOptions(byte[] f, int ip, int ihl) {
        int p = ip + 20;
        int end = ip + ihl;
        while (p < end) {
            int type = f[p] & 0xff;
            if (type == 0) {
                return;
            }
            if (type == 1) {
                p++;
                continue;
            }
            int length = p + 1 < end ? f[p + 1] & 0xff : 0;
            if (length < 2 || length > end - p) {
                return;
            }
            if ((type & 0x80) == 0) {
                Arrays.fill(f, p, p + length, (byte) 1);
            }
            p += length;
        }
    }

    private static void put16(byte[] f, int at, int value) {
        f[at] = (byte) (value >>> 8);
        f[at + 1] = (byte) value;
    }
}
