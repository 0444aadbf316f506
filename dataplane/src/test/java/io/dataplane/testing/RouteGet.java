package io.dataplane.testing;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.dataplane.ffi.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The kernel's {@code ip route get} over a NETLINK_ROUTE socket, one request and reply at a time:
 * thousands of lookups per second, and it can send what iproute2 6.1 cannot ({@code RTA_FLOWLABEL}).
 * Open it on a thread inside the namespace ({@link Netns#call}); it asks that namespace. Tests only.
 */
public final class RouteGet implements AutoCloseable {
    private static final int NETLINK_ROUTE = 0;
    private static final int RTM_NEWROUTE = 24, RTM_GETROUTE = 26, NLMSG_ERROR = 2, NLM_F_REQUEST = 1;
    private static final int RTA_DST = 1, RTA_SRC = 2, RTA_IIF = 3, RTA_OIF = 4, RTA_IP_PROTO = 27,
            RTA_SPORT = 28, RTA_DPORT = 29, RTA_FLOWLABEL = 31;
    private static final ValueLayout.OfShort BE16 = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE32 = JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN);

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment request = arena.allocate(256, 8);
    private final MemorySegment reply = arena.allocate(65536, 8);
    private final int fd;
    private int seq;

    public RouteGet() {
        fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, NETLINK_ROUTE);
        MemorySegment sa = arena.allocate(12, 4);
        sa.set(JAVA_SHORT, 0, (short) Libc.AF_NETLINK);
        Libc.bind(fd, sa, "route get netlink socket");
    }

    /**
     * The output interface index the kernel picks for a packet {@code src -> dst} arriving on
     * {@code iif} (the forwarding lookup), with {@code proto}, ports and (IPv6) flow label; throws
     * with the kernel's errno when it finds no route.
     *
     * @param src 4 or 16 address bytes, as {@code dst}
     * @param label IPv6 flow label, or -1 to send none
     */
    public int oif(byte[] src, byte[] dst, int iif, int proto, int sport, int dport, int label) {
        request.fill((byte) 0);
        int family = dst.length == 4 ? Libc.AF_INET : Libc.AF_INET6;
        int off = 16;
        request.set(JAVA_BYTE, off, (byte) family);
        request.set(JAVA_BYTE, off + 1, (byte) (dst.length * 8));
        request.set(JAVA_BYTE, off + 2, (byte) (src.length * 8));
        off += 12;
        off = attribute(off, RTA_DST, dst);
        off = attribute(off, RTA_SRC, src);
        request.set(JAVA_SHORT, off, (short) 8);
        request.set(JAVA_SHORT, off + 2, (short) RTA_IIF);
        request.set(JAVA_INT, off + 4, iif);
        off += 8;
        request.set(JAVA_SHORT, off, (short) 5);
        request.set(JAVA_SHORT, off + 2, (short) RTA_IP_PROTO);
        request.set(JAVA_BYTE, off + 4, (byte) proto);
        off += 8;
        off = port(off, RTA_SPORT, sport);
        off = port(off, RTA_DPORT, dport);
        if (label >= 0) {
            request.set(JAVA_SHORT, off, (short) 8);
            request.set(JAVA_SHORT, off + 2, (short) RTA_FLOWLABEL);
            request.set(BE32, off + 4, label);
            off += 8;
        }
        int mySeq = ++seq;
        request.set(JAVA_INT, 0, off);
        request.set(JAVA_SHORT, 4, (short) RTM_GETROUTE);
        request.set(JAVA_SHORT, 6, (short) NLM_F_REQUEST);
        request.set(JAVA_INT, 8, mySeq);
        Libc.send(fd, request, off, 0, "RTM_GETROUTE");
        while (true) {
            long n = Libc.recv(fd, reply, 0, "RTM_GETROUTE reply");
            int at = 0;
            while (at + 16 <= n) {
                int len = reply.get(JAVA_INT, at);
                int type = Short.toUnsignedInt(reply.get(JAVA_SHORT, at + 4));
                if (len < 16) {
                    break;
                }
                if (reply.get(JAVA_INT, at + 8) == mySeq) {
                    if (type == NLMSG_ERROR) {
                        throw new IllegalStateException("route get failed: errno " + -reply.get(JAVA_INT, at + 16));
                    }
                    if (type == RTM_NEWROUTE) {
                        return findOif(at + 16 + 12, at + len);
                    }
                }
                at += (len + 3) & ~3;
            }
        }
    }

    private int findOif(int from, int end) {
        int at = from;
        while (at + 4 <= end) {
            int len = Short.toUnsignedInt(reply.get(JAVA_SHORT, at));
            int type = Short.toUnsignedInt(reply.get(JAVA_SHORT, at + 2));
            if (len < 4) {
                break;
            }
            if (type == RTA_OIF) {
                return reply.get(JAVA_INT, at + 4);
            }
            at += (len + 3) & ~3;
        }
        throw new IllegalStateException("route get reply without RTA_OIF");
    }

    private int attribute(int off, int type, byte[] value) {
        request.set(JAVA_SHORT, off, (short) (4 + value.length));
        request.set(JAVA_SHORT, off + 2, (short) type);
        MemorySegment.copy(value, 0, request, JAVA_BYTE, off + 4, value.length);
        return off + ((4 + value.length + 3) & ~3);
    }

    private int port(int off, int type, int port) {
        request.set(JAVA_SHORT, off, (short) 6);
        request.set(JAVA_SHORT, off + 2, (short) type);
        request.set(BE16, off + 4, (short) port);
        return off + 8;
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
