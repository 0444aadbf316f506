package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dataplane.e2e.KernelHashForwardingOracleTest;
import io.dataplane.tables.HashField;
import io.dataplane.testing.Netns;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The forwarding test: the same raw frames ({@link KernelHashForwardingOracleTest#frames}:
 * UDP, TCP SYNs and segments, ICMP errors quoting flows, first and later fragments, tunnels, and
 * packets too big for the nexthops' MTU that the router fragments) are forwarded once by the
 * kernel and once by the daemon ({@code hash-function kernel}, AF_XDP on the same veths), under
 * policies 0-3 with the same seed and fields; per-nexthop sinks (AF_PACKET on the veth peers)
 * must see every frame leave through the same nexthop in both rounds. The frames are injected
 * with AF_PACKET, so they carry no {@code skb->hash}. Needs root.
 */
class DaemonKernelParityTest {
    private static final int SEED = 0x1d2c3b4a;
    private static final int[] WEIGHTS = KernelHashForwardingOracleTest.WEIGHTS;

    @Test
    void everyFrameLeavesThroughTheKernelsNexthopUnderEveryPolicy() throws Exception {
        try (Netns ns = new Netns("dkpar")) {
            String r = ns.add("r");
            KernelHashForwardingOracleTest.link(ns, r, "in0", "192.168.255.1/24", "fd00:ff::1/64");
            List<String> route4 = new ArrayList<>(List.of("route", "add", "198.18.0.0/15"));
            List<String> route6 = new ArrayList<>(List.of("-6", "route", "add", "2001:db8:f000::/36"));
            StringBuilder ours4 = new StringBuilder("route add 198.18.0.0/15");
            StringBuilder ours6 = new StringBuilder("route add 2001:db8:f000::/36");
            List<String> config = new ArrayList<>(List.of("port add dev in0 mode copy"));
            List<String> neighbours = new ArrayList<>();
            for (int i = 0; i < WEIGHTS.length; i++) {
                KernelHashForwardingOracleTest.link(ns, r, "d" + i, "10.0." + i + ".1/24", "fd00:" + i + "::1/64");
                ns.ip(r, "link", "set", "d" + i, "mtu", "" + KernelHashForwardingOracleTest.NEXTHOP_MTU);
                String mac = "02:00:00:00:00:0" + i;
                ns.ip(r, "neigh", "add", "10.0." + i + ".2", "lladdr", mac, "dev", "d" + i, "nud", "permanent");
                ns.ip(r, "-6", "neigh", "add", "fd00:" + i + "::2", "lladdr", mac, "dev", "d" + i, "nud", "permanent");
                route4.addAll(List.of("nexthop", "via", "10.0." + i + ".2", "dev", "d" + i, "weight", "" + WEIGHTS[i]));
                route6.addAll(List.of("nexthop", "via", "fd00:" + i + "::2", "dev", "d" + i, "weight", "" + WEIGHTS[i]));
                config.add("port add dev d" + i + " mode copy");
                neighbours.add("neigh add 10.0." + i + ".2 lladdr " + mac + " dev d" + i);
                neighbours.add("neigh add fd00:" + i + "::2 lladdr " + mac + " dev d" + i);
                ours4.append(" nexthop via 10.0.").append(i).append(".2 dev d").append(i).append(" weight ").append(WEIGHTS[i]);
                ours6.append(" nexthop via fd00:").append(i).append("::2 dev d").append(i).append(" weight ").append(WEIGHTS[i]);
            }
            for (String s : new String[] {"net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
                    "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.in0.rp_filter=0",
                    "net.ipv4.fib_multipath_hash_seed=" + Integer.toUnsignedLong(SEED),
                    "net.ipv4.fib_multipath_hash_fields=" + KernelHashForwardingOracleTest.FIELDS,
                    "net.ipv6.fib_multipath_hash_fields=" + KernelHashForwardingOracleTest.FIELDS}) {
                ns.exec(r, "sysctl", "-qw", s);
            }
            ns.ip(r, route4.toArray(String[]::new));
            ns.ip(r, route6.toArray(String[]::new));
            byte[] in0Mac = KernelHashForwardingOracleTest.mac(ns.exec(r, "cat", "/sys/class/net/in0/address"));
            List<byte[]> frames = KernelHashForwardingOracleTest.frames(new Random(21), in0Mac);

            int[][] kernel = new int[4][];
            for (int policy = 0; policy <= 3; policy++) {
                ns.exec(r, "sysctl", "-qw", "net.ipv4.fib_multipath_hash_policy=" + policy,
                        "net.ipv6.fib_multipath_hash_policy=" + policy);
                kernel[policy] = ns.call(r, () -> KernelHashForwardingOracleTest.forward(frames));
            }
            // The daemon's round: kernel forwarding off, so whatever leaves was forwarded by the daemon.
            ns.exec(r, "sysctl", "-qw", "net.ipv4.ip_forward=0", "net.ipv6.conf.all.forwarding=0");
            String fields = Arrays.stream(HashField.values()).map(HashField::keyword).collect(Collectors.joining(","));
            config.addAll(neighbours);
            config.addAll(List.of("set hash-function kernel", "set hash-seed " + Integer.toUnsignedLong(SEED),
                    "set hash-fields ipv4 " + fields, "set hash-fields ipv6 " + fields, ours4.toString(), ours6.toString()));
            List<String> wrong = new ArrayList<>();
            try (DaemonProcess daemon = new DaemonProcess(r, config)) {
                daemon.awaitServing();
                ns.call(r, () -> KernelHashForwardingOracleTest.forward(frames)); // warm-up: sockets bound, code compiled
                for (int policy = 0; policy <= 3; policy++) {
                    dpctl(daemon, "set", "hash-policy", "ipv4", "" + policy);
                    dpctl(daemon, "set", "hash-policy", "ipv6", "" + policy);
                    int[] ours = ns.call(r, () -> KernelHashForwardingOracleTest.forward(frames));
                    for (int i = 0; i < frames.size(); i++) {
                        if (kernel[policy][i] < 0 || ours[i] != kernel[policy][i]) {
                            wrong.add("policy " + policy + " frame " + i + " (" + KernelHashForwardingOracleTest.kind(i) + "): kernel d"
                                    + kernel[policy][i] + ", daemon d" + ours[i]);
                        }
                    }
                }
                assertEquals(List.of(), wrong.subList(0, Math.min(12, wrong.size())), wrong.size() + " of " + 4 * frames.size()
                        + " frames did not leave through the kernel's nexthop (-1: not seen)\n" + daemon.output());
            }
        }
    }

    private static void dpctl(DaemonProcess daemon, String... command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String[] args = new String[command.length + 2];
        args[0] = "--socket";
        args[1] = daemon.socket().toString();
        System.arraycopy(command, 0, args, 2, command.length);
        int status = Dpctl.run(args, new PrintStream(out, true), new PrintStream(out, true));
        assertEquals(0, status, String.join(" ", command) + ": " + out);
    }
}
