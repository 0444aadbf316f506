package io.dataplane.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.ffi.Libc;
import io.dataplane.tables.FlowKeys;
import io.dataplane.tables.KernelHash;
import io.dataplane.tables.UpperBounds;
import io.dataplane.testing.Netns;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where the README's {@code skb->hash} caveat applies, shown on the running kernel: UDP from
 * sockets in a client namespace crosses a veth into a namespace router with a weighted 4-nexthop
 * route under {@code fib_multipath_hash_policy} 1. From unconnected sockets (no {@code sk_txhash})
 * every datagram leaves where {@link KernelHash} predicts; from connected sockets, whose random
 * {@code txhash} rides on the packet through the veth as an L4 {@code skb->hash}, the kernel's
 * policy 1 uses that instead of its own flow hash and many do not. Needs root.
 */
class KernelSocketHashTest {
    static final int FLOWS = 200;
    static final int[] WEIGHTS = {1, 2, 3, 1};
    static final int SEED = 0x2545f491;
    static final int MAGIC = 0x736b6821;
    static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @Test
    void policyOneFollowsTheSocketsTxhashNotTheFlowWhenThePacketCarriesOne() throws Exception {
        try (Netns ns = new Netns("skhash")) {
            String r = ns.add("r");
            String c = ns.add("c");
            ns.veth(c, "c0", r, "in0");
            ns.ip(c, "addr", "add", "192.168.255.2/24", "dev", "c0");
            ns.ip(c, "route", "add", "default", "via", "192.168.255.1");
            ns.ip(r, "addr", "add", "192.168.255.1/24", "dev", "in0");
            List<String> route = new ArrayList<>(List.of("route", "add", "198.18.0.0/15"));
            for (int i = 0; i < WEIGHTS.length; i++) {
                ns.ip(r, "link", "add", "d" + i, "type", "veth", "peer", "name", "d" + i + "p");
                ns.ip(r, "link", "set", "d" + i + "p", "up");
                ns.ip(r, "link", "set", "d" + i, "up");
                ns.ip(r, "addr", "add", "10.0." + i + ".1/24", "dev", "d" + i);
                ns.ip(r, "neigh", "add", "10.0." + i + ".2", "lladdr", "02:00:00:00:00:0" + i, "dev", "d" + i, "nud", "permanent");
                route.addAll(List.of("nexthop", "via", "10.0." + i + ".2", "dev", "d" + i, "weight", "" + WEIGHTS[i]));
            }
            for (String s : new String[] {"net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.in0.rp_filter=0",
                    "net.ipv4.fib_multipath_hash_policy=1", "net.ipv4.fib_multipath_hash_seed=" + Integer.toUnsignedLong(SEED)}) {
                ns.exec(r, "sysctl", "-qw", s);
            }
            ns.ip(r, route.toArray(String[]::new));
            // The router's MAC as a permanent neighbour: no datagram waits for ARP.
            ns.ip(c, "neigh", "add", "192.168.255.1", "lladdr", ns.exec(r, "cat", "/sys/class/net/in0/address").strip(), "dev", "c0",
                    "nud", "permanent");
            int unconnected = mispredicted(ns, r, c, false);
            int connected = mispredicted(ns, r, c, true);
            assertEquals(0, unconnected, "datagrams without a socket hash left through another nexthop than predicted");
            // With a random hash per socket, about 70% of the flows pick another nexthop (weights 1:2:3:1).
            assertTrue(connected > FLOWS / 4, "only " + connected + " of " + FLOWS
                    + " datagrams from connected sockets left through another nexthop than the flow hash predicts:"
                    + " the kernel no longer uses the socket's txhash under policy 1; update the README");
        }
    }

    /** Sends one datagram per flow from the client and returns how many left the router elsewhere than predicted. */
    private static int mispredicted(Netns ns, String r, String c, boolean connect) throws Exception {
        int[] fds = new int[WEIGHTS.length];
        int wrong = 0;
        int seen = 0;
        try (Arena a = Arena.ofConfined()) {
            for (int i = 0; i < fds.length; i++) {
                int nh = i;
                fds[i] = ns.call(r, () -> {
                    int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0x0300);
                    MemorySegment sll = Arena.ofAuto().allocate(20, 4);
                    sll.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_PACKET);
                    sll.set(ValueLayout.JAVA_SHORT, 2, (short) 0x0300);
                    sll.set(ValueLayout.JAVA_INT, 4, Libc.ifNameToIndex("d" + nh + "p"));
                    Libc.bind(fd, sll, "AF_PACKET on d" + nh + "p");
                    return fd;
                });
            }
            ns.call(c, () -> {
                for (int f = 0; f < FLOWS; f++) {
                    InetSocketAddress to = new InetSocketAddress(InetAddress.getByAddress(
                            new byte[] {(byte) 198, 18, (byte) (f >> 8), (byte) f}), 5000 + f);
                    byte[] payload = ByteBuffer.allocate(8).putInt(MAGIC).putInt(f).array();
                    try (DatagramSocket s = new DatagramSocket()) {
                        if (connect) {
                            s.connect(to);
                        }
                        s.send(new DatagramPacket(payload, payload.length, to));
                    }
                }
                return null;
            });
            Thread.sleep(300);
            int[] bounds = UpperBounds.compute(WEIGHTS, new boolean[] {true, true, true, true});
            MemorySegment buf = a.allocate(2048);
            FlowKeys keys = new FlowKeys();
            for (int nh = 0; nh < fds.length; nh++) {
                long n;
                while ((n = Libc.recv(fds[nh], buf, Libc.MSG_DONTWAIT, "capture")) > 0) {
                    if (n >= 14 + 28 + 8 && buf.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 12) == 0x0800
                            && buf.get(BE32, n - 8) == MAGIC) {
                        seen++;
                        int h = KernelHash.ipv4(buf, 14, (int) n - 14, 1, 0, FlowKeys.key(SEED), keys);
                        wrong += UpperBounds.select(bounds, h) != nh ? 1 : 0;
                    }
                }
            }
        } finally {
            for (int fd : fds) {
                if (fd > 0) {
                    Libc.close(fd);
                }
            }
        }
        assertEquals(FLOWS, seen, "datagrams captured behind the router (connected sockets: " + connect + ")");
        return wrong;
    }
}
