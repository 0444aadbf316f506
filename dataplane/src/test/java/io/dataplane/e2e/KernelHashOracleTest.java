package io.dataplane.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dataplane.ffi.Libc;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.KernelHash;
import io.dataplane.tables.UpperBounds;
import io.dataplane.testing.Netns;
import io.dataplane.testing.RouteGet;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The running kernel as the oracle for {@link KernelHash}: a namespace router with a weighted
 * 4-nexthop route per family over veth devices and a fixed {@code fib_multipath_hash_seed}; for each hash policy
 * (0-3, with custom fields for 3) and 10,000 random flows per family, the kernel's forwarding
 * lookup ({@code ip route get ... iif}, sent over netlink because iproute2 6.1 cannot send a flow
 * label) must pick the nexthop that our hash and hash-threshold selection pick. Needs root: runs
 * in CI, skips elsewhere saying why.
 */
class KernelHashOracleTest {
    static final int FLOWS = 10_000;
    static final int[] WEIGHTS = {1, 2, 3, 1};
    /** Custom fields mixing selected and unselected ones: src-ip ip-proto dst-port inner-src-ip. */
    static final int FIELDS4 = 0x0065;
    /** dst-ip flowlabel src-port inner-dst-ip. */
    static final int FIELDS6 = 0x009a;
    static final int[] PROTOS4 = {6, 17, 1};
    static final int[] PROTOS6 = {6, 17, 58};

    record Flow(byte[] src, byte[] dst, int proto, int sport, int dport, int label) {
    }

    @Test
    void kernelPicksOurNexthopForEveryFlow() {
        try (Netns ns = new Netns("khash")) {
            String r = ns.add("r");
            link(ns, r, "in0", "192.168.255.1/24", "fd00:ff::1/64");
            StringBuilder via4 = new StringBuilder();
            List<String> route4 = new ArrayList<>(List.of("route", "add", "198.18.0.0/15"));
            List<String> route6 = new ArrayList<>(List.of("-6", "route", "add", "2001:db8:f000::/36"));
            for (int i = 0; i < WEIGHTS.length; i++) {
                link(ns, r, "d" + i, "10.0." + i + ".1/24", "fd00:" + i + "::1/64");
                route4.addAll(List.of("nexthop", "via", "10.0." + i + ".2", "dev", "d" + i, "weight", "" + WEIGHTS[i]));
                route6.addAll(List.of("nexthop", "via", "fd00:" + i + "::2", "dev", "d" + i, "weight", "" + WEIGHTS[i]));
            }
            sysctl(ns, r, "net.ipv4.ip_forward", 1);
            sysctl(ns, r, "net.ipv6.conf.all.forwarding", 1);
            sysctl(ns, r, "net.ipv4.conf.all.rp_filter", 0);
            sysctl(ns, r, "net.ipv4.conf.in0.rp_filter", 0);
            ns.ip(r, route4.toArray(String[]::new));
            ns.ip(r, route6.toArray(String[]::new));

            Random random = new Random(11);
            int seed = random.nextInt() | 1;
            sysctl(ns, r, "net.ipv4.fib_multipath_hash_seed", Integer.toUnsignedLong(seed));
            sysctl(ns, r, "net.ipv4.fib_multipath_hash_fields", FIELDS4);
            sysctl(ns, r, "net.ipv6.fib_multipath_hash_fields", FIELDS6);
            List<Flow> flows4 = flows(random, 4);
            List<Flow> flows6 = flows(random, 16);
            int[] bounds = UpperBounds.compute(WEIGHTS, new boolean[] {true, true, true, true});

            List<String> mismatches = new ArrayList<>();
            int[] used = new int[WEIGHTS.length];
            for (int policy = 0; policy <= 3; policy++) {
                sysctl(ns, r, "net.ipv4.fib_multipath_hash_policy", policy);
                sysctl(ns, r, "net.ipv6.fib_multipath_hash_policy", policy);
                int p = policy;
                ns.call(r, () -> {
                    int iif = Libc.ifNameToIndex("in0");
                    int[] oifs = new int[WEIGHTS.length];
                    for (int i = 0; i < oifs.length; i++) {
                        oifs[i] = Libc.ifNameToIndex("d" + i);
                    }
                    try (RouteGet kernel = new RouteGet()) {
                        for (Flow f : flows4) {
                            int ours = UpperBounds.select(bounds, KernelHash.routeGet4(ByteBuffer.wrap(f.src).getInt(),
                                    ByteBuffer.wrap(f.dst).getInt(), f.proto, f.sport, f.dport, p, FIELDS4, seed));
                            used[ours]++;
                            compare(p, f, kernel.oif(f.src, f.dst, iif, f.proto, f.sport, f.dport, -1), oifs[ours], mismatches);
                        }
                        for (Flow f : flows6) {
                            int ours = UpperBounds.select(bounds, KernelHash.routeGet6(halves(f.src), halves(f.dst), f.proto,
                                    f.sport, f.dport, f.label, p, FIELDS6, seed));
                            used[ours]++;
                            compare(p, f, kernel.oif(f.src, f.dst, iif, f.proto, f.sport, f.dport, f.label), oifs[ours], mismatches);
                        }
                    }
                    return null;
                });
            }
            for (int i = 0; i < used.length; i++) {
                // every nexthop must be exercised, or the comparison would prove little
                assertEquals(true, used[i] > FLOWS / 20, "nexthop d" + i + " chosen " + used[i] + " times");
            }
            assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())),
                    mismatches.size() + " of " + 8 * FLOWS + " flows on a different nexthop than under the kernel (seed " + seed + ")");
        }
    }

    private static void compare(int policy, Flow f, int kernelOif, int ourOif, List<String> mismatches) {
        if (kernelOif != ourOif) {
            mismatches.add("policy " + policy + " " + describe(f) + ": kernel oif " + kernelOif + ", ours " + ourOif);
        }
    }

    private static String describe(Flow f) {
        String s = f.src.length == 4 ? IpAddresses.format4(ByteBuffer.wrap(f.src).getInt()) : hex(f.src);
        String d = f.dst.length == 4 ? IpAddresses.format4(ByteBuffer.wrap(f.dst).getInt()) : hex(f.dst);
        return s + " -> " + d + " proto " + f.proto + " sport " + f.sport + " dport " + f.dport + " label " + f.label;
    }

    private static String hex(byte[] b) {
        StringBuilder out = new StringBuilder();
        for (byte x : b) {
            out.append(String.format("%02x", x));
        }
        return out.toString();
    }

    /** Random flows: sources in 100.64.0.0/10 or 2001:db8:1000::/36, destinations in the multipath prefix. */
    private static List<Flow> flows(Random random, int addressBytes) {
        List<Flow> out = new ArrayList<>();
        for (int i = 0; i < FLOWS; i++) {
            byte[] src = new byte[addressBytes];
            byte[] dst = new byte[addressBytes];
            random.nextBytes(src);
            random.nextBytes(dst);
            int proto;
            if (addressBytes == 4) {
                src[0] = 100;
                src[1] = (byte) (64 | (src[1] & 0x3f));
                dst[0] = (byte) 198;
                dst[1] = (byte) (18 | (dst[1] & 1));
                proto = PROTOS4[random.nextInt(PROTOS4.length)];
            } else {
                prefix(src, 0x1);
                prefix(dst, 0xf);
                proto = PROTOS6[random.nextInt(PROTOS6.length)];
            }
            out.add(new Flow(src, dst, proto, random.nextInt(65536), random.nextInt(65536),
                    addressBytes == 4 ? -1 : random.nextInt(1 << 20)));
        }
        return out;
    }

    /** 2001:db8:N000::/36. */
    private static void prefix(byte[] a, int n) {
        a[0] = 0x20;
        a[1] = 0x01;
        a[2] = 0x0d;
        a[3] = (byte) 0xb8;
        a[4] = (byte) (n << 4 | (a[4] & 0x0f));
    }

    private static long[] halves(byte[] a) {
        ByteBuffer b = ByteBuffer.wrap(a);
        return new long[] {b.getLong(), b.getLong()};
    }

    private static void link(Netns ns, String r, String name, String v4, String v6) {
        // veth pairs inside the router namespace (this kernel has no dummy driver); the peer only gives carrier
        ns.ip(r, "link", "add", name, "type", "veth", "peer", "name", name + "p");
        ns.ip(r, "link", "set", name + "p", "up");
        ns.ip(r, "link", "set", name, "up");
        ns.ip(r, "addr", "add", v4, "dev", name);
        ns.ip(r, "-6", "addr", "add", v6, "dev", name, "nodad");
    }

    private static void sysctl(Netns ns, String r, String key, long value) {
        ns.exec(r, "sysctl", "-qw", key + "=" + value);
    }
}
