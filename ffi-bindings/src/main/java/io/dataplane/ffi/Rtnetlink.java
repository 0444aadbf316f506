package io.dataplane.ffi;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A NETLINK_ROUTE socket for what the ports and neighbour tracking need: link attributes (MAC,
 * MTU, state), a link's addresses, the neighbour table, neighbour resolution requests, and link
 * and neighbour notifications. Control path only: methods allocate and throw
 * {@link NativeException} with the kernel's extended-ack text when it gives one.
 *
 * <p>Not thread safe: one thread per instance.
 */
public final class Rtnetlink implements AutoCloseable {
    /** Multicast group bits for {@link #subscribe} (RTMGRP_*: bit {@code group - 1}). */
    public static final int GROUP_LINK = 1, GROUP_NEIGH = 1 << 2, GROUP_IPV4_IFADDR = 1 << 4, GROUP_IPV6_IFADDR = 1 << 8,
            GROUP_IPV4_ROUTE = 1 << 6, GROUP_IPV6_ROUTE = 1 << 10;
    /** RTNLGRP_NEXTHOP: beyond the legacy bit mask's reach in spirit, joined with {@link #join}. */
    public static final int RTNLGRP_NEXTHOP = 32;

    /** Neighbour states (NUD_*). */
    public static final int NUD_INCOMPLETE = 0x01, NUD_REACHABLE = 0x02, NUD_STALE = 0x04, NUD_DELAY = 0x08,
            NUD_PROBE = 0x10, NUD_FAILED = 0x20, NUD_NOARP = 0x40, NUD_PERMANENT = 0x80;
    /** States whose link-layer address may be used to send (the kernel's NUD_VALID). */
    public static final int NUD_VALID = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;
    /** IFF_UP and IFF_RUNNING in ifinfomsg.ifi_flags. */
    public static final int IFF_UP = 0x1, IFF_RUNNING = 0x40, IFF_LOWER_UP = 0x10000;
    /** IF_OPER_UP in IFLA_OPERSTATE. */
    public static final int OPER_UP = 6;

    private static final int NETLINK_ROUTE = 0;
    private static final int SOL_NETLINK = 270, NETLINK_CAP_ACK = 10, NETLINK_EXT_ACK = 11;
    private static final int NLMSG_ERROR = 2, NLMSG_DONE = 3;
    private static final int NLM_F_REQUEST = 1, NLM_F_ACK = 4, NLM_F_DUMP = 0x300, NLM_F_REPLACE = 0x100,
            NLM_F_CREATE = 0x400, NLM_F_CAPPED = 0x100, NLM_F_ACK_TLVS = 0x200;
    private static final int NLMSGERR_ATTR_MSG = 1;
    static final int RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22,
            RTM_NEWNEIGH = 28, RTM_DELNEIGH = 29, RTM_GETNEIGH = 30;
    private static final int IFLA_ADDRESS = 1, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_OPERSTATE = 16;
    private static final int IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_BROADCAST = 4;
    private static final int NDA_DST = 1, NDA_LLADDR = 2;
    private static final int NTF_USE = 0x01;
    /** struct nlmsghdr: len u32, type u16, flags u16, seq u32, pid u32. */
    static final int NLMSG_HDRLEN = 16;
    /** struct ifinfomsg (16), ifaddrmsg (8), ndmsg (12). */
    private static final int IFINFOMSG_LEN = 16, IFADDRMSG_LEN = 8, NDMSG_LEN = 12;
    private static final int RECV_BUFFER = 256 * 1024;
    private static final int REPLY_TIMEOUT_MS = 5000;

    /** A link's attributes as the kernel reports them. */
    public record Link(int index, String name, byte[] mac, int mtu, int flags, int operState) {
        /** Administratively up with carrier: the only state in which it can forward. */
        public boolean up() {
            return (flags & IFF_UP) != 0 && (flags & IFF_LOWER_UP) != 0
                    && (operState == OPER_UP || operState == 0 /* unknown: e.g. loopback, tun */);
        }
    }

    /** One address of a link; {@code broadcast} is null when the link has none (IPv6). */
    public record Address(int ifindex, InetAddress address, int prefixLength, InetAddress broadcast) {
    }

    /** One neighbour entry; {@code mac} is null while unresolved. */
    public record Neighbour(int ifindex, InetAddress address, byte[] mac, int state) {
        public boolean usable() {
            return mac != null && (state & NUD_VALID) != 0;
        }
    }

    /** Receives notifications from {@link #readNotifications}; routes and nexthops only if subscribed to them. */
    public interface Listener extends RouteMessages.Listener {
        void onLink(Link link, boolean deleted);

        void onNeighbour(Neighbour neighbour, boolean deleted);

        /** An address added to or removed from a link (when subscribed to the address groups). */
        default void onAddress(Address address, boolean deleted) {
        }

        @Override
        default void onRoute(RouteMessages.Route route, boolean deleted) {
        }

        @Override
        default void onNexthop(RouteMessages.Nexthop nexthop, boolean deleted) {
        }
    }

    private final int fd;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buffer;
    /** errno of this socket's {@code recv} calls (one per message while following a full table). */
    private final MemorySegment capture;
    private int seq = (int) (System.nanoTime() & 0x7fffffff);
    private boolean closed;

    private Rtnetlink(int groups) {
        fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, NETLINK_ROUTE);
        try {
            buffer = arena.allocate(RECV_BUFFER, 8);
            capture = arena.allocate(Libc.CAPTURE_LAYOUT);
            Libc.setsockoptInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1, "NETLINK_EXT_ACK");
            Libc.setsockoptInt(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1, "NETLINK_CAP_ACK");
            if (groups != 0) {
                Libc.setsockoptInt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, 1 << 20, "SO_RCVBUF for rtnetlink notifications");
            }
            MemorySegment sa = arena.allocate(12, 4); // sockaddr_nl: family, pad, pid, groups
            sa.set(JAVA_SHORT, 0, (short) Libc.AF_NETLINK);
            sa.set(JAVA_INT, 8, groups);
            Libc.bind(fd, sa, "rtnetlink, groups 0x" + Integer.toHexString(groups));
        } catch (RuntimeException e) {
            Libc.close(fd);
            arena.close();
            throw e;
        }
    }

    /** A socket for requests. */
    public static Rtnetlink open() {
        return new Rtnetlink(0);
    }

    /** A socket that also receives the notifications of {@code groups} (GROUP_* bits). */
    public static Rtnetlink subscribe(int groups) {
        return new Rtnetlink(groups);
    }

    public int fd() {
        return fd;
    }

    // ---- requests ----

    /** The link with this index; throws if it does not exist. */
    public Link link(int ifindex) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = header(a, NLMSG_HDRLEN + IFINFOMSG_LEN, RTM_GETLINK, NLM_F_REQUEST);
            m.set(JAVA_INT, NLMSG_HDRLEN + 4, ifindex);
            List<Link> out = new ArrayList<>();
            transact(m, "RTM_GETLINK ifindex " + ifindex, (type, msg, off, len) -> {
                if (type == RTM_NEWLINK) {
                    out.add(parseLink(msg, off, len));
                }
            });
            if (out.isEmpty()) {
                throw new NativeException("rtnetlink RTM_GETLINK", "ifindex " + ifindex, Errno.ENOENT);
            }
            return out.getFirst();
        }
    }

    /** All links of the namespace. */
    public List<Link> links() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = header(a, NLMSG_HDRLEN + IFINFOMSG_LEN, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP);
            List<Link> out = new ArrayList<>();
            transact(m, "RTM_GETLINK dump", (type, msg, off, len) -> {
                if (type == RTM_NEWLINK) {
                    out.add(parseLink(msg, off, len));
                }
            });
            return out;
        }
    }

    /** The IPv4 and IPv6 addresses of every link. */
    public List<Address> addresses() {
        return addresses(0);
    }

    /** The IPv4 and IPv6 addresses of one link ({@code ifindex} 0: of every link). */
    public List<Address> addresses(int ifindex) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = header(a, NLMSG_HDRLEN + IFADDRMSG_LEN, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
            List<Address> out = new ArrayList<>();
            transact(m, "RTM_GETADDR dump", (type, msg, off, len) -> {
                if (type == RTM_NEWADDR) {
                    Address ad = parseAddress(msg, off, len);
                    if (ad != null && (ifindex == 0 || ad.ifindex() == ifindex)) {
                        out.add(ad);
                    }
                }
            });
            return out;
        }
    }

    /** The whole neighbour table (IPv4 ARP and IPv6 ND entries). */
    public List<Neighbour> neighbours() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = header(a, NLMSG_HDRLEN + NDMSG_LEN, RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP);
            List<Neighbour> out = new ArrayList<>();
            transact(m, "RTM_GETNEIGH dump", (type, msg, off, len) -> {
                if (type == RTM_NEWNEIGH) {
                    Neighbour n = parseNeighbour(msg, off, len);
                    if (n != null) {
                        out.add(n);
                    }
                }
            });
            return out;
        }
    }

    /**
     * Asks the kernel to resolve {@code address} on {@code ifindex} (ARP or ND), as
     * {@code ip neigh replace ADDR dev DEV use} does; the answer arrives as an RTM_NEWNEIGH
     * notification.
     */
    public void resolve(int ifindex, InetAddress address) {
        byte[] dst = address.getAddress();
        try (Arena a = Arena.ofConfined()) {
            int len = NLMSG_HDRLEN + NDMSG_LEN + align(4 + dst.length);
            MemorySegment m = header(a, len, RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
            int o = NLMSG_HDRLEN;
            m.set(JAVA_BYTE, o, (byte) (dst.length == 4 ? Libc.AF_INET : Libc.AF_INET6));
            m.set(JAVA_INT, o + 4, ifindex);
            m.set(JAVA_SHORT, o + 8, (short) NUD_NONE);
            m.set(JAVA_BYTE, o + 10, (byte) NTF_USE);
            putAttribute(m, o + NDMSG_LEN, NDA_DST, dst);
            transact(m, "RTM_NEWNEIGH use " + address.getHostAddress() + " ifindex " + ifindex, (t, msg, off, l) -> { });
        }
    }

    private static final int NUD_NONE = 0;

    // ---- the other end of a paired device (veth) ----

    private static final int IFLA_LINK = 5, IFLA_LINKINFO = 18, IFLA_INFO_KIND = 1, IFLA_LINK_NETNSID = 37;
    private static final int RTM_NEWNSID = 88, RTM_GETNSID = 90, NETNSA_NSID = 1, NETNSA_FD = 3;
    /** NETNSA_NSID_NOT_ASSIGNED: the namespace has no id in ours (for a link: its peer is in our namespace). */
    public static final int NSID_NONE = -1;

    /**
     * What a link says about the device it is paired with: its kind ({@code "veth"}; null for a
     * physical NIC), the peer's ifindex in the peer's namespace (0 if none) and that namespace's
     * id in ours ({@link #NSID_NONE} when the peer is in our namespace).
     */
    public record LinkPeer(String kind, int peerIfindex, int peerNetnsid) {
    }

    /** The IFLA_LINKINFO kind, IFLA_LINK and IFLA_LINK_NETNSID of the link with this index. */
    public LinkPeer linkPeer(int ifindex) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = header(a, NLMSG_HDRLEN + IFINFOMSG_LEN, RTM_GETLINK, NLM_F_REQUEST);
            m.set(JAVA_INT, NLMSG_HDRLEN + 4, ifindex);
            List<LinkPeer> out = new ArrayList<>();
            transact(m, "RTM_GETLINK ifindex " + ifindex, (type, msg, off, len) -> {
                if (type == RTM_NEWLINK) {
                    out.add(parseLinkPeer(msg, off, len));
                }
            });
            if (out.isEmpty()) {
                throw new NativeException("rtnetlink RTM_GETLINK", "ifindex " + ifindex, Errno.ENOENT);
            }
            return out.getFirst();
        }
    }

    /** The id our namespace gives the network namespace {@code netnsFd} refers to, or {@link #NSID_NONE}. */
    public int netnsId(int netnsFd) {
        try (Arena a = Arena.ofConfined()) {
            int rtgenmsg = 4; // struct rtgenmsg (one byte), aligned
            MemorySegment m = header(a, NLMSG_HDRLEN + rtgenmsg + 8, RTM_GETNSID, NLM_F_REQUEST);
            m.set(JAVA_BYTE, NLMSG_HDRLEN, (byte) Libc.AF_UNSPEC);
            int o = NLMSG_HDRLEN + rtgenmsg;
            m.set(JAVA_SHORT, o, (short) 8);
            m.set(JAVA_SHORT, o + 2, (short) NETNSA_FD);
            m.set(JAVA_INT, o + 4, netnsFd);
            int[] id = {NSID_NONE};
            transact(m, "RTM_GETNSID fd " + netnsFd, (type, msg, off, len) -> {
                if (type != RTM_NEWNSID) {
                    return;
                }
                Attributes attribute = new Attributes(msg, off + rtgenmsg, off + len);
                while (attribute.next()) {
                    if (attribute.type == NETNSA_NSID) {
                        id[0] = attribute.i32();
                    }
                }
            });
            return id[0];
        }
    }

    private static LinkPeer parseLinkPeer(MemorySegment m, int off, int len) {
        String kind = null;
        int link = 0, netnsid = NSID_NONE;
        Attributes attribute = new Attributes(m, off + IFINFOMSG_LEN, off + len);
        while (attribute.next()) {
            switch (attribute.type) {
                case IFLA_LINK -> link = attribute.i32();
                case IFLA_LINK_NETNSID -> netnsid = attribute.i32();
                case IFLA_LINKINFO -> {
                    Attributes info = new Attributes(m, attribute.payload(), attribute.payload() + attribute.length());
                    while (info.next()) {
                        if (info.type == IFLA_INFO_KIND) {
                            kind = info.string(StandardCharsets.US_ASCII);
                        }
                    }
                }
                default -> { }
            }
        }
        return new LinkPeer(kind, link, netnsid);
    }

    // ---- routes and nexthop objects ----

    private static final int SOL_NETLINK_ADD_MEMBERSHIP = 1, SO_RCVBUFFORCE = 33;

    /** Joins multicast group {@code group} (RTNLGRP_*), e.g. {@link #RTNLGRP_NEXTHOP}. */
    public void join(int group) {
        Libc.setsockoptInt(fd, SOL_NETLINK, SOL_NETLINK_ADD_MEMBERSHIP, group, "NETLINK_ADD_MEMBERSHIP " + group);
    }

    /**
     * Sets the socket's receive buffer: a full routing table arrives as a burst of notifications.
     * Tries SO_RCVBUFFORCE (root may exceed net.core.rmem_max), then SO_RCVBUF (capped there).
     */
    public void receiveBuffer(int bytes) {
        try {
            Libc.setsockoptInt(fd, Libc.SOL_SOCKET, SO_RCVBUFFORCE, bytes, "SO_RCVBUFFORCE");
        } catch (NativeException e) {
            Libc.setsockoptInt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, bytes, "SO_RCVBUF");
        }
    }

    /** Dumps every IPv4 and IPv6 route of every table to {@code listener} (as {@code ip route show table all}). */
    public void dumpRoutes(RouteMessages.Listener listener) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = header(a, NLMSG_HDRLEN + RouteMessages.RTMSG_LEN, RouteMessages.RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP);
            transact(m, "RTM_GETROUTE dump", (type, msg, off, len) -> RouteMessages.parse(type, msg, off, len, listener));
        }
    }

    /**
     * Dumps the nexthop objects to {@code listener} (as {@code ip nexthop show}); a kernel without
     * them (before 5.3) has none to give.
     */
    public void dumpNexthops(RouteMessages.Listener listener) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = header(a, NLMSG_HDRLEN + RouteMessages.NHMSG_LEN, RouteMessages.RTM_GETNEXTHOP, NLM_F_REQUEST | NLM_F_DUMP);
            transact(m, "RTM_GETNEXTHOP dump", (type, msg, off, len) -> RouteMessages.parse(type, msg, off, len, listener));
        } catch (NativeException e) {
            if (e.errno() != Errno.EOPNOTSUPP && e.errno() != Errno.EINVAL) {
                throw e;
            }
        }
    }

    // ---- notifications ----

    /**
     * Throws away every queued notification, after {@code ENOBUFS}, before the caller dumps again.
     * The kernel reports an overrun only when its socket turns congested, and the socket stays
     * congested until its queue is empty (netlink_overrun, netlink_rcv_wake): dumping with the full
     * queue still there would lose, unreported, every notification dropped during the dump. What is
     * thrown away predates the dump, which has it.
     */
    public void discardNotifications() {
        while (true) {
            long n;
            try {
                n = Libc.recv(fd, buffer, Libc.MSG_DONTWAIT, capture, "rtnetlink notifications");
            } catch (NativeException e) {
                if (e.errno() != Errno.ENOBUFS) {
                    throw e;
                }
                continue;
            }
            if (n == -Errno.EAGAIN) {
                return;
            }
        }
    }

    /**
     * Waits up to {@code timeoutMs} for notifications and hands each to {@code listener}; returns
     * how many were delivered (0 on timeout). For a socket made by {@link #subscribe}.
     */
    public int readNotifications(int timeoutMs, Listener listener) {
        if (Libc.poll(fd, Libc.POLLIN, timeoutMs, "rtnetlink notifications") == 0) {
            return 0;
        }
        int[] count = {0};
        while (true) {
            long n = Libc.recv(fd, buffer, Libc.MSG_DONTWAIT, capture, "rtnetlink notifications");
            if (n < 0) {
                return count[0];
            }
            parse(buffer, (int) n, "rtnetlink notification", (type, msg, off, len) -> {
                switch (type) {
                    case RTM_NEWLINK, RTM_DELLINK -> {
                        listener.onLink(parseLink(msg, off, len), type == RTM_DELLINK);
                        count[0]++;
                    }
                    case RTM_NEWNEIGH, RTM_DELNEIGH -> {
                        Neighbour nb = parseNeighbour(msg, off, len);
                        if (nb != null) {
                            listener.onNeighbour(nb, type == RTM_DELNEIGH);
                            count[0]++;
                        }
                    }
                    case RTM_NEWADDR, RTM_DELADDR -> {
                        Address ad = parseAddress(msg, off, len);
                        if (ad != null) {
                            listener.onAddress(ad, type == RTM_DELADDR);
                            count[0]++;
                        }
                    }
                    default -> {
                        // routes and nexthops
                        if (RouteMessages.parse(type, msg, off, len, listener)) {
                            count[0]++;
                        }
                    }
                }
            });
        }
    }

    // ---- message plumbing ----

    @FunctionalInterface
    private interface MessageHandler {
        /** One message of {@code type}; its payload (after nlmsghdr) is {@code [off, off + len)} of {@code msg}. */
        void on(int type, MemorySegment msg, int off, int len);
    }

    private MemorySegment header(Arena a, int length, int type, int flags) {
        MemorySegment m = a.allocate(length, 4);
        m.set(JAVA_INT, 0, length);
        m.set(JAVA_SHORT, 4, (short) type);
        m.set(JAVA_SHORT, 6, (short) flags);
        m.set(JAVA_INT, 8, ++seq);
        return m;
    }

    private static int align(int n) {
        return (n + 3) & ~3;
    }

    private static void putAttribute(MemorySegment m, int off, int type, byte[] value) {
        m.set(JAVA_SHORT, off, (short) (4 + value.length));
        m.set(JAVA_SHORT, off + 2, (short) type);
        MemorySegment.copy(value, 0, m, JAVA_BYTE, off + 4, value.length);
    }

    /** Sends a request and reads replies until DONE, the ACK, or an error (thrown). */
    private void transact(MemorySegment request, String what, MessageHandler handler) {
        int mySeq = request.get(JAVA_INT, 8);
        Libc.send(fd, request, request.byteSize(), 0, what);
        boolean[] done = {false};
        while (!done[0]) {
            if (Libc.poll(fd, Libc.POLLIN, REPLY_TIMEOUT_MS, what) == 0) {
                throw new NativeException("rtnetlink " + what, "no reply within " + REPLY_TIMEOUT_MS + " ms", Errno.EAGAIN);
            }
            long n = Libc.recv(fd, buffer, Libc.MSG_DONTWAIT, capture, what);
            if (n < 0) {
                continue;
            }
            int off = 0;
            while (off + NLMSG_HDRLEN <= n) {
                int len = buffer.get(JAVA_INT, off);
                int type = Short.toUnsignedInt(buffer.get(JAVA_SHORT, off + 4));
                int flags = Short.toUnsignedInt(buffer.get(JAVA_SHORT, off + 6));
                int s = buffer.get(JAVA_INT, off + 8);
                if (len < NLMSG_HDRLEN || off + len > n) {
                    break;
                }
                if (s == mySeq) {
                    if (type == NLMSG_DONE) {
                        done[0] = true;
                    } else if (type == NLMSG_ERROR) {
                        int error = buffer.get(JAVA_INT, off + NLMSG_HDRLEN);
                        if (error != 0) {
                            throw new NativeException("rtnetlink " + what.split(" ")[0], what, -error,
                                    extAck(buffer, off, len, flags));
                        }
                        done[0] = true;
                    } else {
                        handler.on(type, buffer, off + NLMSG_HDRLEN, len - NLMSG_HDRLEN);
                        if ((flags & 2 /* NLM_F_MULTI */) == 0) {
                            done[0] = (request.get(JAVA_SHORT, 6) & NLM_F_ACK) == 0;
                        }
                    }
                }
                off += align(len);
            }
        }
    }

    private static void parse(MemorySegment buf, int n, String what, MessageHandler handler) {
        int off = 0;
        while (off + NLMSG_HDRLEN <= n) {
            int len = buf.get(JAVA_INT, off);
            if (len < NLMSG_HDRLEN || off + len > n) {
                return;
            }
            int type = Short.toUnsignedInt(buf.get(JAVA_SHORT, off + 4));
            handler.on(type, buf, off + NLMSG_HDRLEN, len - NLMSG_HDRLEN);
            off += align(len);
        }
    }

    /** The kernel's text reason (NLMSGERR_ATTR_MSG), e.g. veth's "Peer MTU is too large to set XDP". */
    private static String extAck(MemorySegment buf, int off, int len, int flags) {
        if ((flags & NLM_F_ACK_TLVS) == 0) {
            return null;
        }
        int orig = (flags & NLM_F_CAPPED) != 0 ? NLMSG_HDRLEN : buf.get(JAVA_INT, off + NLMSG_HDRLEN + 4);
        for (Attributes a = new Attributes(buf, off + NLMSG_HDRLEN + 4 + align(orig), off + len); a.next(); ) {
            if (a.type == NLMSGERR_ATTR_MSG) {
                return "kernel says: " + a.string(StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static Link parseLink(MemorySegment m, int off, int len) {
        int index = m.get(JAVA_INT, off + 4);
        int flags = m.get(JAVA_INT, off + 8);
        String name = null;
        byte[] mac = null;
        int mtu = 0, oper = 0;
        for (Attributes a = new Attributes(m, off + IFINFOMSG_LEN, off + len); a.next(); ) {
            switch (a.type) {
                case IFLA_IFNAME -> name = a.string(StandardCharsets.US_ASCII);
                case IFLA_ADDRESS -> mac = a.bytes();
                case IFLA_MTU -> mtu = a.i32();
                case IFLA_OPERSTATE -> oper = a.u8();
                default -> { }
            }
        }
        return new Link(index, name, mac, mtu, flags, oper);
    }

    private static Address parseAddress(MemorySegment m, int off, int len) {
        int family = Byte.toUnsignedInt(m.get(JAVA_BYTE, off));
        int prefix = Byte.toUnsignedInt(m.get(JAVA_BYTE, off + 1));
        int index = m.get(JAVA_INT, off + 4);
        byte[] address = null, local = null, broadcast = null;
        for (Attributes a = new Attributes(m, off + IFADDRMSG_LEN, off + len); a.next(); ) {
            switch (a.type) {
                case IFA_ADDRESS -> address = a.bytes();
                case IFA_LOCAL -> local = a.bytes();
                case IFA_BROADCAST -> broadcast = a.bytes();
                default -> { }
            }
        }
        // On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is ours when present.
        byte[] ours = local != null ? local : address;
        if (ours == null || (family != Libc.AF_INET && family != Libc.AF_INET6)) {
            return null;
        }
        return new Address(index, inet(ours), prefix, broadcast == null ? null : inet(broadcast));
    }

    private static Neighbour parseNeighbour(MemorySegment m, int off, int len) {
        int family = Byte.toUnsignedInt(m.get(JAVA_BYTE, off));
        if (family != Libc.AF_INET && family != Libc.AF_INET6) {
            return null; // bridge FDB entries and the like
        }
        int index = m.get(JAVA_INT, off + 4);
        int state = Short.toUnsignedInt(m.get(JAVA_SHORT, off + 8));
        byte[] dst = null, lladdr = null;
        for (Attributes a = new Attributes(m, off + NDMSG_LEN, off + len); a.next(); ) {
            switch (a.type) {
                case NDA_DST -> dst = a.bytes();
                case NDA_LLADDR -> lladdr = a.bytes();
                default -> { }
            }
        }
        if (dst == null) {
            return null;
        }
        return new Neighbour(index, inet(dst), lladdr, state);
    }

    /**
     * A cursor over a netlink attribute list in {@code [from, end)}: each attribute is a u16 length
     * (header included), a u16 type (the top two bits are flags, masked off), the payload, and
     * padding to 4 bytes. The walk stops at the end or at the first malformed attribute.
     */
    static final class Attributes {
        private final MemorySegment m;
        private final int end;
        private int next;
        int type;
        private int payload;
        private int length;

        Attributes(MemorySegment m, int from, int end) {
            this.m = m;
            this.next = from;
            this.end = end;
        }

        /** Moves to the next attribute; false when there is none. */
        boolean next() {
            if (next + 4 > end) {
                return false;
            }
            int alen = Short.toUnsignedInt(m.get(JAVA_SHORT, next));
            if (alen < 4 || next + alen > end) {
                return false;
            }
            type = m.get(JAVA_SHORT, next + 2) & 0x3fff;
            payload = next + 4;
            length = alen - 4;
            next += align(alen);
            return true;
        }

        byte[] bytes() {
            return m.asSlice(payload, length).toArray(JAVA_BYTE);
        }

        String string(java.nio.charset.Charset charset) {
            return m.asSlice(payload, length).getString(0, charset);
        }

        int i32() {
            return m.get(JAVA_INT, payload);
        }

        int u8() {
            return Byte.toUnsignedInt(m.get(JAVA_BYTE, payload));
        }

        int u16() {
            return Short.toUnsignedInt(m.get(JAVA_SHORT, payload));
        }

        /** Where this attribute's payload starts, and how long it is (nested lists, arrays). */
        int payload() {
            return payload;
        }

        int length() {
            return length;
        }
    }

    private static InetAddress inet(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address length " + raw.length, e);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
            arena.close();
        }
    }
}
