package io.dataplane.ffi;

import static io.dataplane.ffi.BpfAssembler.B;
import static io.dataplane.ffi.BpfAssembler.DW;
import static io.dataplane.ffi.BpfAssembler.H;
import static io.dataplane.ffi.BpfAssembler.R0;
import static io.dataplane.ffi.BpfAssembler.R1;
import static io.dataplane.ffi.BpfAssembler.R10;
import static io.dataplane.ffi.BpfAssembler.R2;
import static io.dataplane.ffi.BpfAssembler.R3;
import static io.dataplane.ffi.BpfAssembler.R4;
import static io.dataplane.ffi.BpfAssembler.R5;
import static io.dataplane.ffi.BpfAssembler.R6;
import static io.dataplane.ffi.BpfAssembler.R7;
import static io.dataplane.ffi.BpfAssembler.W;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * The XDP program of one interface, its maps and its attachment. Transit IPv4/IPv6 goes to the
 * AF_XDP socket of the receiving queue; everything the kernel must still see goes up the stack
 * (XDP_PASS): non-IP (ARP, LLDP), IPv4 multicast and broadcast, IPv6 multicast (ND solicitations,
 * RAs), IPv6 link-local destinations (ND advertisements), and frames for one of the router's own
 * addresses (ping, BGP). The own addresses live in two BPF hash maps that the port fills from the
 * interface's addresses, so they can change without reloading the program.
 *
 * <p>Attached through a BPF link: closing this object, or the process dying even by kill -9,
 * detaches it.
 */
public final class XdpProgram implements AutoCloseable {
    private static final int HELPER_MAP_LOOKUP_ELEM = 1;
    private static final int HELPER_REDIRECT_MAP = 51;
    /** Ethernet header; ethertype at 12. */
    private static final int ETH_HLEN = 14;
    /** Ethertypes as a little-endian u16 load sees the network-order bytes 08 00 and 86 dd. */
    private static final int ETH_P_IP_LE = 0x0008, ETH_P_IPV6_LE = 0xdd86;
    private static final int IPV4_DST = ETH_HLEN + 16, IPV4_MIN_END = ETH_HLEN + 20;
    private static final int IPV6_DST = ETH_HLEN + 24, IPV6_MIN_END = ETH_HLEN + 40;
    /** struct xdp_md: data 0, data_end 4, rx_queue_index 16. */
    private static final int MD_DATA = 0, MD_DATA_END = 4, MD_RX_QUEUE = 16;
    private static final int LOCAL_ADDRESSES_MAX = 256;

    private final String ifname;
    private final int xskMapFd;
    private final int local4Fd;
    private final int local6Fd;
    private final int progFd;
    private int linkFd = -1;
    private boolean closed;

    private XdpProgram(String ifname, int xskMapFd, int local4Fd, int local6Fd, int progFd) {
        this.ifname = ifname;
        this.xskMapFd = xskMapFd;
        this.local4Fd = local4Fd;
        this.local6Fd = local6Fd;
        this.progFd = progFd;
    }

    /**
     * Creates the maps and loads the program (not yet attached). {@code missAction} is what a
     * transit frame gets when its queue has no socket: {@link Bpf#XDP_PASS} in production, so
     * unclaimed queues keep working through the kernel.
     */
    public static XdpProgram load(String ifname, int queues, int missAction) {
        int xsk = -1, l4 = -1, l6 = -1;
        try {
            xsk = Bpf.mapCreate(Bpf.MAP_TYPE_XSKMAP, 4, 4, queues, "xsks");
            l4 = Bpf.mapCreate(Bpf.MAP_TYPE_HASH, 4, 4, LOCAL_ADDRESSES_MAX, "local4");
            l6 = Bpf.mapCreate(Bpf.MAP_TYPE_HASH, 16, 4, LOCAL_ADDRESSES_MAX, "local6");
            int prog = Bpf.progLoad(Bpf.PROG_TYPE_XDP, instructions(xsk, l4, l6, missAction), "Dual BSD/GPL", "dp_xsk_redir");
            return new XdpProgram(ifname, xsk, l4, l6, prog);
        } catch (RuntimeException e) {
            for (int fd : new int[] {xsk, l4, l6}) {
                if (fd >= 0) {
                    Libc.close(fd);
                }
            }
            throw e;
        }
    }

    /** The program, hand-assembled; see the class comment for what it decides. */
    static byte[] instructions(int xskMapFd, int local4Fd, int local6Fd, int missAction) {
        BpfAssembler a = new BpfAssembler();
        a.movReg(R6, R1) // keep ctx: helper calls clobber r1-r5
                .ldx(W, R2, R1, MD_DATA)
                .ldx(W, R3, R1, MD_DATA_END)
                .movReg(R4, R2).addImm(R4, ETH_HLEN).jgtReg(R4, R3, "pass")
                .ldx(H, R5, R2, 12)
                .jeqImm(R5, ETH_P_IP_LE, "ipv4")
                .jeqImm(R5, ETH_P_IPV6_LE, "ipv6")
                .ja("pass");
        a.label("ipv4")
                .movReg(R4, R2).addImm(R4, IPV4_MIN_END).jgtReg(R4, R3, "pass")
                .ldx(W, R7, R2, IPV4_DST)
                // First octet >= 224: multicast, class E and the limited broadcast.
                .movReg(R5, R7).andImm(R5, 0xff).jgeImm(R5, 224, "pass")
                .stx(W, R10, -4, R7)
                .ldMap(R1, local4Fd).movReg(R2, R10).addImm(R2, -4).call(HELPER_MAP_LOOKUP_ELEM)
                .jneImm(R0, 0, "pass")
                .ja("redirect");
        a.label("ipv6")
                .movReg(R4, R2).addImm(R4, IPV6_MIN_END).jgtReg(R4, R3, "pass")
                .ldx(B, R5, R2, IPV6_DST)
                .jeqImm(R5, 0xff, "pass") // multicast: ND solicitations, RAs, MLD
                .jneImm(R5, 0xfe, "v6local")
                .ldx(B, R5, R2, IPV6_DST + 1).andImm(R5, 0xc0).jeqImm(R5, 0x80, "pass"); // fe80::/10
        a.label("v6local")
                .ldx(DW, R7, R2, IPV6_DST).stx(DW, R10, -16, R7)
                .ldx(DW, R7, R2, IPV6_DST + 8).stx(DW, R10, -8, R7)
                .ldMap(R1, local6Fd).movReg(R2, R10).addImm(R2, -16).call(HELPER_MAP_LOOKUP_ELEM)
                .jneImm(R0, 0, "pass");
        a.label("redirect")
                .ldx(W, R2, R6, MD_RX_QUEUE)
                .ldMap(R1, xskMapFd)
                .movImm(R3, missAction) // returned when the queue's slot is empty (kernel 5.3+)
                .call(HELPER_REDIRECT_MAP)
                .exit();
        a.label("pass")
                .movImm(R0, Bpf.XDP_PASS)
                .exit();
        return a.assemble();
    }

    /**
     * Attaches through a BPF link. {@code xdpFlags} 0 lets the kernel use native mode when the
     * driver has it ({@link Bpf#XDP_FLAGS_SKB_MODE} forces generic mode).
     */
    public void attach(int ifindex, int xdpFlags) {
        if (linkFd >= 0) {
            throw new IllegalStateException("XDP program already attached to " + ifname);
        }
        linkFd = Bpf.linkXdp(progFd, ifindex, xdpFlags, ifname);
    }

    /** Steers the transit frames of {@code queue} to the AF_XDP socket {@code socketFd}. */
    public void setSocket(int queue, int socketFd) {
        Bpf.mapUpdateInt(xskMapFd, queue, socketFd, "XSKMAP of " + ifname + ", queue " + queue + " -> socket fd " + socketFd);
    }

    public void clearSocket(int queue) {
        try (Arena a = Arena.ofConfined()) {
            Bpf.mapDelete(xskMapFd, a.allocateFrom(ValueLayout.JAVA_INT, queue), "XSKMAP of " + ifname + ", queue " + queue);
        }
    }

    /** Frames to {@code address} go to the kernel from now on. */
    public void addLocalAddress(InetAddress address) {
        try (Arena a = Arena.ofConfined()) {
            Bpf.mapUpdate(mapOf(address), key(a, address), a.allocateFrom(ValueLayout.JAVA_INT, 1),
                    "local address " + address.getHostAddress() + " on " + ifname);
        }
    }

    public void removeLocalAddress(InetAddress address) {
        try (Arena a = Arena.ofConfined()) {
            Bpf.mapDelete(mapOf(address), key(a, address), "local address " + address.getHostAddress() + " on " + ifname);
        }
    }

    private int mapOf(InetAddress address) {
        return address instanceof Inet4Address ? local4Fd : local6Fd;
    }

    private static MemorySegment key(Arena a, InetAddress address) {
        if (!(address instanceof Inet4Address) && !(address instanceof Inet6Address)) {
            throw new IllegalArgumentException("not an IP address: " + address);
        }
        byte[] b = address.getAddress(); // network order, as the program copies it from the packet
        MemorySegment k = a.allocate(b.length, 4);
        MemorySegment.copy(b, 0, k, ValueLayout.JAVA_BYTE, 0, b.length);
        return k;
    }

    /** Runs the loaded program once over {@code frame} as received on queue 0; returns its XDP action. */
    public int testRun(byte[] frame) {
        return Bpf.testRun(progFd, frame);
    }

    public int programFd() {
        return progFd;
    }

    public boolean attached() {
        return linkFd >= 0;
    }

    /** Detaches (by closing the link) and frees the program and maps. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (linkFd >= 0) {
            Libc.close(linkFd);
            linkFd = -1;
        }
        Libc.close(progFd);
        Libc.close(xskMapFd);
        Libc.close(local4Fd);
        Libc.close(local6Fd);
    }
}
