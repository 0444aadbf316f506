package io.dataplane.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dataplane.ffi.Libc;
import io.dataplane.port.MemoryPort;
import io.dataplane.port.MemoryUmem;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.NexthopTable;
import io.dataplane.tables.packet.Ipv4;
import io.dataplane.testing.Ipv4Packets;
import io.dataplane.testing.Macs;
import io.dataplane.testing.Netns;
import io.dataplane.testing.RawFrames;
import io.dataplane.worker.Ipv4Fragmenter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The running kernel as the oracle for {@link Ipv4Fragmenter}: the same DF-clear packets are
 * forwarded by a namespace router whose egress device has a smaller MTU, and fragmented by ours
 * for a nexthop with the same MACs and MTU; the kernel's fragments, captured with AF_PACKET on the
 * egress veth's peer, must equal ours byte for byte (Ethernet header included: the MACs are the
 * router's and the neighbour's in both). Cases: options with and without the copy bit, a middle
 * and a last fragment fragmented again, a last fragment that is not a multiple of 8, several MTUs.
 * Needs root.
 */
class KernelFragmentationOracleTest {
    static final byte[] NEIGHBOUR_MAC = {2, 0, 0, 0, 0, 0x10};
    static final byte[] CLIENT_MAC = {2, 0, 0, 0, 0, 0x55};
    static final byte[] SRC = {100, 64, 0, 1};
    static final byte[] DST = {(byte) 198, 18, 0, 7};
    static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    record Case(String name, int mtu, int flagsFragment, byte[] options, int udpPayload) {
    }

    static final List<Case> CASES = List.of(
            new Case("copied and uncopied options", 576, 0, Ipv4Packets.bothOptions(), 1400),
            new Case("no options, last fragment not a multiple of 8", 576, 0, new byte[0], 1098),
            new Case("a middle fragment fragmented again", 576, Ipv4.MF | 100, new byte[0], 1000),
            new Case("a last fragment fragmented again", 576, 37, Ipv4Packets.bothOptions(), 1200),
            new Case("uncopied option first, MTU 1000", 1000, 0,
                    new byte[] {0x1e, 4, 0x33, 0x44, (byte) 0x9e, 4, 0x11, 0x22}, 1460),
            new Case("MTU 68, the smallest", 68, 0, new byte[0], 300));

    @Test
    void ourFragmentsAreTheKernelsByteForByte() throws Exception {
        try (Netns ns = new Netns("kfrag")) {
            String r = ns.add("r");
            link(ns, r, "in0", "192.168.255.1/24");
            link(ns, r, "out0", "10.0.0.1/24");
            for (String s : new String[] {"net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.in0.rp_filter=0"}) {
                ns.exec(r, "sysctl", "-qw", s);
            }
            ns.ip(r, "neigh", "add", "10.0.0.2", "lladdr", "02:00:00:00:00:10", "dev", "out0", "nud", "permanent");
            ns.ip(r, "route", "add", "198.18.0.0/15", "via", "10.0.0.2", "dev", "out0");
            byte[] in0Mac = Macs.parse(ns.exec(r, "cat", "/sys/class/net/in0/address"));
            byte[] out0Mac = Macs.parse(ns.exec(r, "cat", "/sys/class/net/out0/address"));
            List<String> wrong = new ArrayList<>();
            int compared = 0;
            for (Case c : CASES) {
                ns.ip(r, "link", "set", "out0", "mtu", "" + c.mtu());
                byte[] packet = Ipv4Packets.udp(in0Mac, CLIENT_MAC, SRC, DST, c.flagsFragment(), c.options(), c.udpPayload());
                List<byte[]> kernel = ns.call(r, () -> forward(packet));
                List<byte[]> ours = ours(packet, out0Mac, c.mtu());
                if (kernel.size() != ours.size()) {
                    wrong.add(c.name() + ": the kernel sent " + kernel.size() + " fragments, we " + ours.size());
                    continue;
                }
                for (int k = 0; k < ours.size(); k++) {
                    compared++;
                    if (!java.util.Arrays.equals(kernel.get(k), ours.get(k))) {
                        wrong.add(c.name() + ", fragment " + k + ":\n kernel " + hex(kernel.get(k))
                                + "\n ours   " + hex(ours.get(k)));
                    }
                }
            }
            assertEquals(List.of(), wrong, "fragments that differ from the kernel's");
            assertEquals(true, compared >= 14, "fragments compared: " + compared);
        }
    }

    /** Sends the packet into in0 and returns the fragments that left out0, in order (inside the namespace). */
    private static List<byte[]> forward(byte[] packet) throws InterruptedException {
        List<byte[]> got = new ArrayList<>();
        int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0x0300); // htons(ETH_P_ALL)
        try (Arena a = Arena.ofConfined(); RawFrames in = new RawFrames("in0p")) {
            MemorySegment sll = a.allocate(20, 4);
            sll.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_PACKET);
            sll.set(ValueLayout.JAVA_SHORT, 2, (short) 0x0300);
            sll.set(ValueLayout.JAVA_INT, 4, Libc.ifNameToIndex("out0p"));
            Libc.bind(fd, sll, "AF_PACKET on out0p");
            in.send(packet);
            MemorySegment buf = a.allocate(4096);
            long deadline = System.nanoTime() + 2_000_000_000L;
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                long n = Libc.recv(fd, buf, Libc.MSG_DONTWAIT, "capture on out0p");
                if (n <= 0) {
                    Thread.sleep(5);
                    continue;
                }
                // Only our datagram's fragments: IPv4, our identification (the veths also carry IPv6 ND and MLD).
                if (n >= 34 && buf.get(BE16, 12) == 0x0800 && (buf.get(BE16, 18) & 0xffff) == Ipv4Packets.ID) {
                    got.add(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                    quietUntil = System.nanoTime() + 200_000_000L;
                }
            }
        } finally {
            Libc.close(fd);
        }
        return got;
    }

    /** Our fragments of the packet for a nexthop with the kernel's MACs and MTU. */
    private static List<byte[]> ours(byte[] packet, byte[] routerMac, int mtu) {
        Fib fib = new Fib(new FibLimits(16, 16, 16, 16, 2));
        fib.change().nexthop(1, new Nexthop(1, Macs.value(NEIGHBOUR_MAC), Macs.value(routerMac), mtu, true, true)).commit();
        NexthopTable nexthops = fib.snapshot().nexthops;
        try (MemoryUmem umem = new MemoryUmem(64, 2048)) {
            MemoryPort out = new MemoryPort(1, "out0", umem, 64, 1500);
            long frame = out.allocate();
            MemorySegment m = umem.memory();
            MemorySegment.copy(packet, 0, m, ValueLayout.JAVA_BYTE, frame, packet.length);
            assertEquals(Ipv4Fragmenter.SENT, new Ipv4Fragmenter().fragment(m, frame, frame, frame + 14, nexthops, 1, out));
            out.flush();
            List<byte[]> sent = new ArrayList<>();
            out.drain((mem, at, length) -> sent.add(mem.asSlice(at, length).toArray(ValueLayout.JAVA_BYTE)), 1000);
            return sent;
        }
    }

    /** The first 64 bytes: headers, options and the start of the data. */
    private static String hex(byte[] frame) {
        return HexFormat.of().formatHex(frame, 0, Math.min(64, frame.length));
    }

    private static void link(Netns ns, String r, String name, String v4) {
        ns.ip(r, "link", "add", name, "type", "veth", "peer", "name", name + "p");
        ns.ip(r, "link", "set", name + "p", "up");
        ns.ip(r, "link", "set", name, "up");
        ns.ip(r, "addr", "add", v4, "dev", name);
    }
}
