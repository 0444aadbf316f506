package io.dataplane.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dataplane.ffi.Libc;
import io.dataplane.tables.FlowKeys;
import io.dataplane.tables.KernelHash;
import io.dataplane.tables.UpperBounds;
import io.dataplane.testing.Netns;
import io.dataplane.testing.RawFrames;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The running kernel as the oracle for {@link KernelHash}'s packet paths, which {@code ip route
 * get} cannot reach: real frames (UDP with flow labels, first fragments, ICMP errors quoting flows,
 * IPv4-in-IPv4 and GRE tunnels, ICMPv6 errors) injected with AF_PACKET (so they carry no socket
 * hash) into a namespace router with a weighted 4-nexthop route per family; every frame must leave
 * through the nexthop our hash and hash-threshold selection pick, for policies 0-3. Needs root.
 */
public class KernelHashForwardingOracleTest {
    public static final int PER_KIND = 300;
    public static final int[] WEIGHTS = {1, 2, 3, 1};
    public static final int FIELDS = 0x0fff; // every outer and inner field
    static final int MAGIC = 0x6b686173;
    /** The nexthops' MTU: the "udp4 fragmented here" packets are larger, DF clear, so the router fragments them. */
    public static final int NEXTHOP_MTU = 1280; // the IPv6 minimum: lower would disable IPv6 on the link

    @Test
    void kernelForwardsEveryFrameWhereWePredict() {
        try (Netns ns = new Netns("khfwd")) {
            String r = ns.add("r");
            link(ns, r, "in0", "192.168.255.1/24", "fd00:ff::1/64");
            List<String> route4 = new ArrayList<>(List.of("route", "add", "198.18.0.0/15"));
            List<String> route6 = new ArrayList<>(List.of("-6", "route", "add", "2001:db8:f000::/36"));
            for (int i = 0; i < WEIGHTS.length; i++) {
                link(ns, r, "d" + i, "10.0." + i + ".1/24", "fd00:" + i + "::1/64");
                ns.ip(r, "link", "set", "d" + i, "mtu", "" + NEXTHOP_MTU);
                ns.ip(r, "neigh", "add", "10.0." + i + ".2", "lladdr", "02:00:00:00:00:0" + i, "dev", "d" + i, "nud", "permanent");
                ns.ip(r, "-6", "neigh", "add", "fd00:" + i + "::2", "lladdr", "02:00:00:00:00:0" + i, "dev", "d" + i, "nud", "permanent");
                route4.addAll(List.of("nexthop", "via", "10.0." + i + ".2", "dev", "d" + i, "weight", "" + WEIGHTS[i]));
                route6.addAll(List.of("nexthop", "via", "fd00:" + i + "::2", "dev", "d" + i, "weight", "" + WEIGHTS[i]));
            }
            for (String s : new String[] {"net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
                    "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.in0.rp_filter=0"}) {
                ns.exec(r, "sysctl", "-qw", s);
            }
            ns.ip(r, route4.toArray(String[]::new));
            ns.ip(r, route6.toArray(String[]::new));
            byte[] in0Mac = mac(ns.exec(r, "cat", "/sys/class/net/in0/address"));

            Random random = new Random(12);
            int seed = random.nextInt() | 1;
            ns.exec(r, "sysctl", "-qw", "net.ipv4.fib_multipath_hash_seed=" + Integer.toUnsignedLong(seed));
            ns.exec(r, "sysctl", "-qw", "net.ipv4.fib_multipath_hash_fields=" + FIELDS);
            ns.exec(r, "sysctl", "-qw", "net.ipv6.fib_multipath_hash_fields=" + FIELDS);
            List<byte[]> frames = frames(random, in0Mac);
            int[] bounds = UpperBounds.compute(WEIGHTS, new boolean[] {true, true, true, true});
            List<String> wrong = new ArrayList<>();
            for (int policy = 0; policy <= 3; policy++) {
                ns.exec(r, "sysctl", "-qw", "net.ipv4.fib_multipath_hash_policy=" + policy);
                ns.exec(r, "sysctl", "-qw", "net.ipv6.fib_multipath_hash_policy=" + policy);
                int p = policy;
                int[] seen = ns.call(r, () -> forward(frames));
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment m = a.allocate(2048);
                    FlowKeys k = new FlowKeys();
                    for (int i = 0; i < frames.size(); i++) {
                        byte[] f = frames.get(i);
                        MemorySegment.copy(f, 0, m, ValueLayout.JAVA_BYTE, 0, f.length);
                        boolean v6 = f[12] == (byte) 0x86;
                        int h = v6 ? KernelHash.ipv6(m, 14, f.length - 14, p, FIELDS, FlowKeys.key(seed), k)
                                : KernelHash.ipv4(m, 14, f.length - 14, p, FIELDS, FlowKeys.key(seed), k);
                        int ours = UpperBounds.select(bounds, h);
                        if (seen[i] != ours) {
                            wrong.add("policy " + p + " frame " + i + " (" + kind(i) + "): kernel d" + seen[i] + ", ours d" + ours);
                        }
                    }
                }
            }
            assertEquals(List.of(), wrong.subList(0, Math.min(12, wrong.size())),
                    wrong.size() + " of " + 4 * frames.size() + " frames left through another nexthop than predicted (seed " + seed + ")");
        }
    }

    public static final String[] KINDS = {"udp4", "udp4 first fragment", "icmp4 error", "ipip udp", "gre udp", "tcp6 labelled",
        "udp6 fragment", "icmp6 error", "ip6ip6 udp", "udp4 later fragment", "tcp4 syn", "tcp6 syn", "udp4 fragmented here"};

    public static String kind(int i) {
        return KINDS[i / PER_KIND];
    }

    /**
     * Sends every frame into in0 and returns the nexthop index each left through (-1: never seen);
     * a frame is known by the tag at its end (a fragmented one by its last fragment).
     */
    public static int[] forward(List<byte[]> frames) throws InterruptedException {
        int[] seen = new int[frames.size()];
        java.util.Arrays.fill(seen, -1);
        int[] fds = new int[WEIGHTS.length];
        try (Arena a = Arena.ofConfined(); RawFrames in = new RawFrames("in0p")) {
            for (int i = 0; i < fds.length; i++) {
                fds[i] = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0x0300);
                MemorySegment sll = a.allocate(20, 4);
                sll.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_PACKET);
                sll.set(ValueLayout.JAVA_SHORT, 2, (short) 0x0300);
                sll.set(ValueLayout.JAVA_INT, 4, Libc.ifNameToIndex("d" + i + "p"));
                Libc.bind(fds[i], sll, "AF_PACKET on d" + i + "p");
            }
            MemorySegment buf = a.allocate(4096);
            for (int start = 0; start < frames.size(); start += 50) {
                for (int i = start; i < Math.min(frames.size(), start + 50); i++) {
                    in.send(frames.get(i));
                }
                Thread.sleep(20);
                for (int nh = 0; nh < fds.length; nh++) {
                    long n;
                    while ((n = Libc.recv(fds[nh], buf, Libc.MSG_DONTWAIT, "capture")) > 0) {
                        int at = (int) n - 8;
                        if (at > 14 && buf.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), at) == MAGIC) {
                            seen[buf.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), at + 4)] = nh;
                        }
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
        return seen;
    }

    /** The test frames, {@link #PER_KIND} of each of {@link #KINDS}, to the router's in0 MAC. */
    public static List<byte[]> frames(Random r, byte[] dstMac) {
        List<byte[]> out = new ArrayList<>();
        for (int kind = 0; kind < KINDS.length; kind++) {
            for (int i = 0; i < PER_KIND; i++) {
                int tag = out.size();
                byte[] s4 = {100, (byte) (64 | r.nextInt(64)), (byte) r.nextInt(256), (byte) r.nextInt(256)};
                byte[] d4 = {(byte) 198, (byte) (18 + r.nextInt(2)), (byte) r.nextInt(256), (byte) r.nextInt(256)};
                byte[] s6 = v6(r, 0x1);
                byte[] d6 = v6(r, 0xf);
                int sport = r.nextInt(65536);
                int dport = r.nextInt(65536);
                int label = r.nextInt(1 << 20);
                ByteBuffer b = ByteBuffer.allocate(1600);
                b.put(dstMac).put(new byte[] {2, 0, 0, 0, 0, 0x55});
                switch (kind) {
                    case 0 -> ipv4(b, s4, d4, 17, 0x4000, udp(sport, dport, tag));
                    case 1 -> ipv4(b, s4, d4, 17, 0x2000, udp(sport, dport, tag));
                    case 2 -> {
                        ByteBuffer q = ByteBuffer.allocate(200);
                        ipv4Raw(q, d4, s4, 17, 0x4000, udp(dport, sport, -1), 64);
                        ipv4(b, s4, d4, 1, 0x4000, concat(new byte[] {3, 4, 0, 0, 0, 0, 0x05, (byte) 0xdc}, slice(q, 28), trailer(tag)));
                    }
                    case 3 -> {
                        ByteBuffer inner = ByteBuffer.allocate(200);
                        ipv4Raw(inner, new byte[] {10, 1, (byte) r.nextInt(256), 1}, new byte[] {10, 2, (byte) r.nextInt(256), 2}, 17, 0x4000,
                                udp(sport, dport, -1), 64);
                        ipv4(b, s4, d4, 4, 0x4000, concat(slice(inner, 28 + 8), trailer(tag)));
                    }
                    case 4 -> {
                        ByteBuffer inner = ByteBuffer.allocate(200);
                        ipv4Raw(inner, new byte[] {10, 3, (byte) r.nextInt(256), 1}, new byte[] {10, 4, (byte) r.nextInt(256), 2}, 6, 0x4000,
                                udp(sport, dport, -1), 64);
                        ipv4(b, s4, d4, 47, 0x4000, concat(new byte[] {0x20, 0, 0x08, 0, 0, 0, 0, (byte) tag}, slice(inner, 28 + 8), trailer(tag)));
                    }
                    case 5 -> ipv6(b, s6, d6, label, 6, concat(tcpHeader(sport, dport), trailer(tag)));
                    case 6 -> ipv6(b, s6, d6, label, 44, concat(new byte[] {17, 0, 0, 1, 0, 0, 0, 7}, udp(sport, dport, tag)));
                    case 7 -> {
                        ByteBuffer q = ByteBuffer.allocate(200);
                        ipv6Raw(q, d6, s6, label, 17, udp(dport, sport, -1));
                        ipv6(b, s6, d6, 0, 58, concat(new byte[] {1, 4, 0, 0, 0, 0, 0, 0}, slice(q, 48), trailer(tag)));
                    }
                    case 8 -> {
                        ByteBuffer inner = ByteBuffer.allocate(200);
                        ipv6Raw(inner, v6(r, 0x3), v6(r, 0x4), r.nextInt(1 << 20), 17, udp(sport, dport, -1));
                        ipv6(b, s6, d6, label, 41, concat(slice(inner, 48), trailer(tag)));
                    }
                    // Offset 100 units, no UDP header here: hashed on addresses and protocol alone.
                    case 9 -> ipv4(b, s4, d4, 17, 100, concat(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, trailer(tag)));
                    case 10 -> ipv4(b, s4, d4, 6, 0x4000, concat(tcpSyn(sport, dport), trailer(tag)));
                    case 11 -> ipv6(b, s6, d6, label, 6, concat(tcpSyn(sport, dport), trailer(tag)));
                    default -> ipv4(b, s4, d4, 17, 0, concat(udp(sport, dport, -1), new byte[1300], trailer(tag)));
                }
                out.add(java.util.Arrays.copyOf(b.array(), b.position()));
            }
        }
        return out;
    }

    private static byte[] v6(Random r, int n) {
        byte[] a = new byte[16];
        r.nextBytes(a);
        a[0] = 0x20;
        a[1] = 0x01;
        a[2] = 0x0d;
        a[3] = (byte) 0xb8;
        a[4] = (byte) (n << 4 | (a[4] & 0x0f));
        return a;
    }

    /** 8 UDP header bytes, then the tag trailer unless tag is -1. */
    private static byte[] udp(int sport, int dport, int tag) {
        ByteBuffer b = ByteBuffer.allocate(8);
        b.putShort((short) sport).putShort((short) dport).putShort((short) (tag < 0 ? 8 : 16)).putShort((short) 0);
        return tag < 0 ? b.array() : concat(b.array(), trailer(tag));
    }

    private static byte[] tcpSyn(int sport, int dport) {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.putShort((short) sport).putShort((short) dport).putInt(7).putInt(0).putShort((short) 0x5002).putShort((short) 64240).putInt(0);
        return b.array();
    }

    private static byte[] tcpHeader(int sport, int dport) {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.putShort((short) sport).putShort((short) dport).putInt(1).putInt(1).putShort((short) 0x5010).putShort((short) 512).putInt(0);
        return b.array();
    }

    private static byte[] trailer(int tag) {
        return ByteBuffer.allocate(8).putInt(MAGIC).putInt(tag).array();
    }

    private static byte[] slice(ByteBuffer b, int n) {
        return java.util.Arrays.copyOf(b.array(), n);
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer b = ByteBuffer.allocate(java.util.Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    private static void ipv4(ByteBuffer b, byte[] src, byte[] dst, int proto, int flags, byte[] payload) {
        b.putShort((short) 0x0800);
        ipv4Raw(b, src, dst, proto, flags, payload, 64);
    }

    private static void ipv4Raw(ByteBuffer b, byte[] src, byte[] dst, int proto, int flags, byte[] payload, int ttl) {
        int at = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + payload.length)).putShort((short) 0x1234).putShort((short) flags)
                .put((byte) ttl).put((byte) proto).putShort((short) 0).put(src).put(dst);
        long sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += b.getShort(at + i) & 0xffff;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        b.putShort(at + 10, (short) ~sum);
        b.put(payload);
    }

    private static void ipv6(ByteBuffer b, byte[] src, byte[] dst, int label, int next, byte[] payload) {
        b.putShort((short) 0x86dd);
        ipv6Raw(b, src, dst, label, next, payload);
    }

    private static void ipv6Raw(ByteBuffer b, byte[] src, byte[] dst, int label, int next, byte[] payload) {
        b.putInt(0x60000000 | label).putShort((short) payload.length).put((byte) next).put((byte) 64).put(src).put(dst).put(payload);
    }

    public static byte[] mac(String text) {
        String[] p = text.strip().split(":");
        byte[] m = new byte[6];
        for (int i = 0; i < 6; i++) {
            m[i] = (byte) Integer.parseInt(p[i], 16);
        }
        return m;
    }

    public static void link(Netns ns, String r, String name, String v4, String v6) {
        ns.ip(r, "link", "add", name, "type", "veth", "peer", "name", name + "p");
        ns.ip(r, "link", "set", name + "p", "up");
        ns.ip(r, "link", "set", name, "up");
        ns.ip(r, "addr", "add", v4, "dev", name);
        ns.ip(r, "-6", "addr", "add", v6, "dev", name, "nodad");
    }
}
