package io.dataplane.testing;

import java.nio.ByteBuffer;

/**
 * Ethernet + IPv4 + UDP frames for the fragmentation tests: any flags-and-offset field, IP options
 * as given, and a payload whose every byte says where it is (so a misplaced byte shows).
 */
public final class Ipv4Packets {
    /** Identification of every packet built here (fragments must keep it). */
    public static final int ID = 0x4d2e;
    /** An option with the copy bit set (RFC 4727's experimental 30, copied): the kernel ignores and keeps it. */
    public static final byte[] COPIED_OPTION = {(byte) 0x9e, 4, 0x11, 0x22};
    /** An option with the copy bit clear (experimental 30, not copied): NOOPs in later fragments. */
    public static final byte[] UNCOPIED_OPTION = {0x1e, 4, 0x33, 0x44};

    private Ipv4Packets() {
    }

    /**
     * A frame from {@code src} to {@code dst} with {@code udpPayload} bytes of UDP payload.
     *
     * @param flagsFragment the IPv4 flags and fragment offset field (0: DF clear, a whole datagram)
     * @param options the options, a multiple of 4 bytes long
     */
    public static byte[] udp(byte[] dstMac, byte[] srcMac, byte[] src, byte[] dst, int flagsFragment, byte[] options,
                             int udpPayload) {
        int headerLength = 20 + options.length;
        int total = headerLength + 8 + udpPayload;
        ByteBuffer b = ByteBuffer.allocate(14 + total);
        b.put(dstMac).put(srcMac).putShort((short) 0x0800);
        b.put((byte) (0x40 | headerLength / 4)).put((byte) 0x28).putShort((short) total).putShort((short) ID)
                .putShort((short) flagsFragment).put((byte) 64).put((byte) 17).putShort((short) 0).put(src).put(dst).put(options);
        long sum = 0;
        for (int i = 0; i < headerLength; i += 2) {
            sum += b.getShort(14 + i) & 0xffff;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        b.putShort(14 + 10, (short) ~sum);
        b.putShort((short) 40000).putShort((short) 9).putShort((short) (8 + udpPayload)).putShort((short) 0);
        for (int i = 0; i < udpPayload; i++) {
            b.put((byte) (i * 7 + (i >> 8)));
        }
        return b.array();
    }

    /** Both options, the copied one first. */
    public static byte[] bothOptions() {
        return ByteBuffer.allocate(8).put(COPIED_OPTION).put(UNCOPIED_OPTION).array();
    }
}
