package io.dataplane.testing;

import io.dataplane.ffi.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * Sends hand-made Ethernet frames out of an interface through an AF_PACKET socket, and builds the
 * frames the flow-affinity tests need (a TCP segment, and an ICMP error quoting the reverse
 * direction of that flow). Must be created on a thread in the interface's namespace.
 */
public final class RawFrames implements AutoCloseable {
    private static final int SOCKADDR_LL_SIZE = 20;
    private final int fd;
    private final int ifindex;
    private final String ifname;

    public RawFrames(String ifname) {
        this.ifname = ifname;
        this.ifindex = Libc.ifNameToIndex(ifname);
        // Protocol 0: this socket only sends, it receives nothing.
        this.fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
    }

    public void send(byte[] frame) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(frame.length);
            MemorySegment.copy(frame, 0, buf, ValueLayout.JAVA_BYTE, 0, frame.length);
            MemorySegment sll = a.allocate(SOCKADDR_LL_SIZE, 4);
            sll.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_PACKET);
            sll.set(ValueLayout.JAVA_INT, 4, ifindex);
            sll.set(ValueLayout.JAVA_BYTE, 11, (byte) 6);
            MemorySegment.copy(frame, 0, sll, ValueLayout.JAVA_BYTE, 12, 6);
            Libc.sendto(fd, buf, frame.length, 0, sll, "AF_PACKET frame out of " + ifname);
        }
    }

    @Override
    public void close() {
        Libc.close(fd);
    }

    private static byte[] ip(String a) {
        try {
            return InetAddress.getByName(a).getAddress();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static ByteBuffer ethernet(ByteBuffer b, byte[] dstMac, byte[] srcMac, int type) {
        return b.put(dstMac).put(srcMac).putShort((short) type);
    }

    private static void ipv6Header(ByteBuffer b, String src, String dst, int flowLabel, int next, int payload) {
        b.putInt(0x60000000 | (flowLabel & 0xfffff)).putShort((short) payload).put((byte) next).put((byte) 64)
                .put(ip(src)).put(ip(dst));
    }

    private static void ipv4Header(ByteBuffer b, String src, String dst, int proto, int total) {
        int at = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) total).putShort((short) 0).putShort((short) 0x4000)
                .put((byte) 64).put((byte) proto).putShort((short) 0).put(ip(src)).put(ip(dst));
        long sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += b.getShort(at + i) & 0xffff;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        b.putShort(at + 10, (short) ~sum);
    }

    private static void tcp(ByteBuffer b, int sport, int dport) {
        b.putShort((short) sport).putShort((short) dport).putInt(1).putInt(1).putShort((short) 0x5010)
                .putShort((short) 1024).putInt(0);
    }

    /** An IPv6 TCP segment (ACK) of the flow src:sport -> dst:dport with this flow label. */
    public static byte[] tcp6(byte[] dstMac, byte[] srcMac, String src, String dst, int flowLabel, int sport, int dport) {
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + 20);
        ethernet(b, dstMac, srcMac, 0x86dd);
        ipv6Header(b, src, dst, flowLabel, 6, 20);
        tcp(b, sport, dport);
        return b.array();
    }

    /** ICMPv6 Packet Too Big from src to dst, quoting a TCP segment of the reverse flow dst:dport -> src:sport. */
    public static byte[] packetTooBig6(byte[] dstMac, byte[] srcMac, String src, String dst, int flowLabel, int sport,
            int dport) {
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + 8 + 40 + 20);
        ethernet(b, dstMac, srcMac, 0x86dd);
        ipv6Header(b, src, dst, 0, 58, 8 + 40 + 20);
        b.put((byte) 2).put((byte) 0).putShort((short) 0).putInt(1280);
        ipv6Header(b, dst, src, flowLabel, 6, 20); // the server's reply, flow label reflected
        tcp(b, dport, sport);
        return b.array();
    }

    /** An IPv4 TCP segment src:sport -> dst:dport (DF set). */
    public static byte[] tcp4(byte[] dstMac, byte[] srcMac, String src, String dst, int sport, int dport) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 20);
        ethernet(b, dstMac, srcMac, 0x0800);
        ipv4Header(b, src, dst, 6, 40);
        tcp(b, sport, dport);
        return b.array();
    }

    /** ICMPv4 Fragmentation Needed from src to dst, quoting the reverse flow's header and 8 bytes of TCP. */
    public static byte[] fragmentationNeeded4(byte[] dstMac, byte[] srcMac, String src, String dst, int sport, int dport) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + 20 + 8);
        ethernet(b, dstMac, srcMac, 0x0800);
        ipv4Header(b, src, dst, 1, 20 + 8 + 28);
        b.put((byte) 3).put((byte) 4).putShort((short) 0).putShort((short) 0).putShort((short) 1400);
        ipv4Header(b, dst, src, 6, 40);
        b.putShort((short) dport).putShort((short) sport).putInt(1);
        return b.array();
    }
}
