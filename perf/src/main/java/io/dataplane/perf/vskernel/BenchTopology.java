package io.dataplane.perf.vskernel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The namespaces of one run, named {@code vsk-<pid>-<role>}: a generator, the router and one sink
 * per nexthop, joined by veth pairs with fixed MAC addresses. Kernel routes and permanent
 * neighbours are installed in the router namespace for both families; the kernel forwards only
 * when {@link #kernelForwarding(boolean)} turns it on. {@link #close()} deletes every namespace
 * it created (their veths go with them).
 *
 * <pre>
 *  gen g0 ---- r0 router r1 ---- s1 sink1
 *                        ...
 *                        rN ---- sN sinkN
 * </pre>
 */
public final class BenchTopology implements AutoCloseable {
    static final String PREFIX = "vsk-";
    public static final byte[] GEN_MAC = mac(0, 1), ROUTER_IN_MAC = mac(1, 0);
    /** Destination of all traffic: inside the first of the routes. */
    public static final String DST4 = "16.0.0.1", DST6 = "2001:db8:1000::1";
    /** Source of all traffic; the generator writes the flow number into the low 16 bits. */
    public static final String SRC4 = "10.1.0.0", SRC6 = "2001:db8:100::";

    public final String gen;
    public final String router;
    public final List<String> sinks = new ArrayList<>();
    public final int nexthops;
    /** Queues of every veth: 1, or 2 for the multi-queue layouts. */
    final int queues;
    private final List<String> created = new ArrayList<>();

    static byte[] mac(int role, int index) {
        return new byte[] {2, 0, 0, 0, (byte) role, (byte) index};
    }

    public static String macText(byte[] m) {
        StringBuilder sb = new StringBuilder();
        for (byte b : m) {
            sb.append(sb.isEmpty() ? "" : ":").append(String.format("%02x", b & 0xff));
        }
        return sb.toString();
    }

    static byte[] routerOutMac(int nexthop) {
        return mac(1, nexthop + 1);
    }

    public static byte[] sinkMac(int nexthop) {
        return mac(2, nexthop + 1);
    }

    public static String sinkAddress4(int nexthop) {
        return "10.10." + (nexthop + 1) + ".2";
    }

    static String sinkAddress6(int nexthop) {
        return "2001:db8:10:" + Integer.toHexString(nexthop + 1) + "::2";
    }

    public static String routerPort(int nexthop) {
        return "r" + (nexthop + 1);
    }

    public static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    /**
     * Namespaces of earlier runs: those whose pid no longer runs are deleted (and listed in the
     * returned text); a live one means another run is going on, which would disturb the
     * measurement, so this refuses.
     */
    static String removeLeftovers() {
        String list = Shell.run("ip", "netns", "list");
        StringBuilder removed = new StringBuilder();
        for (String line : list.split("\n")) {
            String name = line.strip().split(" ")[0];
            if (!name.startsWith(PREFIX)) {
                continue;
            }
            String[] parts = name.split("-");
            long pid = parts.length > 2 && parts[1].matches("\\d+") ? Long.parseLong(parts[1]) : -1;
            if (pid > 0 && pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                throw new BenchException("another vs-kernel run (pid " + pid + ") owns namespace " + name
                        + "; two runs on one machine would measure each other. Wait for it to finish or stop it (kill "
                        + pid + "), then run again");
            }
            Shell.runQuietly("ip", "netns", "del", name);
            removed.append(removed.isEmpty() ? "" : ", ").append(name);
        }
        return removed.toString();
    }

    BenchTopology(int nexthops, int routes, int family, long[] weights, String policy, int routerCpu, int queues) {
        this(PREFIX, nexthops, routes, family, weights, policy, routerCpu, queues);
    }

    /** The same topology with namespaces named {@code <prefix><pid>-<role>} (another harness's own prefix). */
    public BenchTopology(String prefix, int nexthops, int routes, int family, long[] weights, String policy, int routerCpu,
            int queues) {
        this.nexthops = nexthops;
        this.queues = queues;
        String p = prefix + ProcessHandle.current().pid() + "-";
        gen = p + "gen";
        router = p + "router";
        try {
            add(gen);
            add(router);
            for (int i = 0; i < nexthops; i++) {
                sinks.add(p + "sink" + (i + 1));
                add(sinks.get(i));
            }
            veth(gen, "g0", GEN_MAC, router, "r0", ROUTER_IN_MAC);
            ip(gen, "addr", "add", "10.0.0.1/24", "dev", "g0");
            ip(gen, "addr", "add", "2001:db8::1/64", "dev", "g0", "nodad");
            ip(router, "addr", "add", "10.0.0.254/24", "dev", "r0");
            ip(router, "addr", "add", "2001:db8::fe/64", "dev", "r0", "nodad");
            for (int i = 0; i < nexthops; i++) {
                String s = sinks.get(i);
                String rp = routerPort(i);
                veth(router, rp, routerOutMac(i), s, "s" + (i + 1), sinkMac(i));
                ip(router, "addr", "add", "10.10." + (i + 1) + ".1/24", "dev", rp);
                ip(router, "addr", "add", "2001:db8:10:" + Integer.toHexString(i + 1) + "::1/64", "dev", rp, "nodad");
                ip(s, "addr", "add", sinkAddress4(i) + "/24", "dev", "s" + (i + 1));
                ip(s, "addr", "add", sinkAddress6(i) + "/64", "dev", "s" + (i + 1), "nodad");
                // Permanent neighbours: no ARP/ND during a round, the same MACs for both routers.
                ip(router, "neigh", "replace", sinkAddress4(i), "lladdr", macText(sinkMac(i)), "dev", rp, "nud", "permanent");
                ip(router, "-6", "neigh", "replace", sinkAddress6(i), "lladdr", macText(sinkMac(i)), "dev", rp, "nud", "permanent");
            }
            exec(router, "sysctl", "-q", "-w", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.r0.rp_filter=0",
                    "net.ipv4.conf.default.rp_filter=0",
                    "net.ipv4.fib_multipath_hash_policy=" + policy, "net.ipv6.fib_multipath_hash_policy=" + policy);
            ingressNapi(routerCpu);
            installRoutes(routes, weights, -1);
            kernelForwarding(false);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** r0's NAPI threads, one per receive queue, while its NAPI is threaded; empty otherwise. */
    private final List<Integer> napiThreads = new ArrayList<>();
    private final List<Integer> sinkNapiThreads = new ArrayList<>();

    /**
     * The CPU budget's cornerstone. veth runs its receive NAPI on the CPU that sent into it, which
     * would put the router's receive work on the generator's CPU whatever the layout. GRO on gives
     * r0 a NAPI instance without an XDP program (frames sent into a veth by XDP_TX need one,
     * reference §2.4), and threaded NAPI moves it into a kernel thread, which each layout places.
     */
    private void ingressNapi(int cpu) {
        exec(router, "ethtool", "-K", "r0", "gro", "on");
        threadedReceive(true);
        receiveOn(cpu, 0);
    }

    /**
     * The sinks' receive work goes to the generator CPU: each sink veth's NAPI (GRO on, threaded,
     * the sink's XDP program runs in it) is a kernel thread pinned there at SCHED_FIFO
     * {@code fifoPriority}, above the generator so that the sinks never limit a round. Without
     * this, every forwarded frame would cost the router core the sink's softirq as well.
     */
    public void sinksOn(int cpu, int fifoPriority) {
        for (int i = 0; i < nexthops; i++) {
            String dev = "s" + (i + 1);
            java.util.Set<Long> before = napiThreads(dev);
            exec(sinks.get(i), "ethtool", "-K", dev, "gro", "on");
            exec(sinks.get(i), "sh", "-c", "echo 1 > /sys/class/net/" + dev + "/threaded");
            sinkNapiThreads.addAll(newThreads(dev, before));
        }
        for (int t : sinkNapiThreads) {
            Shell.run("taskset", "-pc", String.valueOf(cpu), String.valueOf(t));
            if (fifoPriority > 0) {
                Shell.run("chrt", "-f", "-p", String.valueOf(fifoPriority), String.valueOf(t));
            }
        }
    }

    /** Turns r0's threaded NAPI on (its kernel thread appears) or off (veth's softirq on the sending CPU). */
    void threadedReceive(boolean on) {
        if (on == !napiThreads.isEmpty()) {
            return;
        }
        java.util.Set<Long> before = napiThreads("r0");
        try {
            exec(router, "sh", "-c", "echo " + (on ? 1 : 0) + " > /sys/class/net/r0/threaded");
        } catch (BenchException e) {
            throw new BenchException("cannot switch r0's threaded NAPI (" + e.getMessage() + "); the harness needs"
                    + " Linux 5.12+ with threaded NAPI on veth to place the receive work");
        }
        napiThreads.clear();
        if (on) {
            napiThreads.addAll(newThreads("r0", before));
        }
    }

    /** The napi/DEV-* kernel threads that appeared since {@code before}: one per receive queue. */
    private List<Integer> newThreads(String dev, java.util.Set<Long> before) {
        java.util.Set<Long> after = napiThreads(dev);
        after.removeAll(before);
        if (after.size() != queues) {
            throw new BenchException("expected " + queues + " new napi/" + dev + "-* kernel thread(s) after enabling threaded"
                    + " NAPI, found " + after + "; another run may be starting at the same moment, try again");
        }
        return after.stream().sorted().map(Long::intValue).toList();
    }

    /**
     * Pins r0's NAPI thread to {@code cpu} and makes it SCHED_FIFO {@code fifoPriority} (> 0) or
     * SCHED_OTHER (0). FIFO preempts user threads on that CPU the way softirq processing would;
     * SCHED_OTHER lets CFS time-slice it against a worker on the same CPU.
     */
    public void receiveOn(int cpu, int fifoPriority) {
        for (int napiThread : napiThreads) {
            Shell.run("taskset", "-pc", String.valueOf(cpu), String.valueOf(napiThread));
            if (fifoPriority > 0) {
                Shell.run("chrt", "-f", "-p", String.valueOf(fifoPriority), String.valueOf(napiThread));
            } else {
                Shell.run("chrt", "-o", "-p", "0", String.valueOf(napiThread));
            }
        }
    }

    /** RPS on r0's receive queue: every frame's forwarding on {@code cpu} ({@code -1}: off). */
    void rps(int cpu) {
        String mask = cpu < 0 ? "0" : Long.toHexString(1L << cpu);
        for (int q = 0; q < queues; q++) {
            exec(router, "sh", "-c", "echo " + mask + " > /sys/class/net/r0/queues/rx-" + q + "/rps_cpus");
        }
    }

    /** The threaded-NAPI kernel threads of device {@code dev} in any namespace ("napi/DEV-N"), by thread id. */
    public static java.util.Set<Long> napiThreads(String dev) {
        java.util.Set<Long> pids = new java.util.HashSet<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (Files.readString(p.resolve("comm")).startsWith("napi/" + dev + "-")) {
                        pids.add(Long.parseLong(name));
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            throw new BenchException("cannot list /proc: " + e.getMessage());
        }
        return pids;
    }

    /** (Re)installs the kernel's routes with every nexthop except {@code without} (-1: all). */
    void installRoutes(int routes, long[] weights, int without) {
        StringBuilder b4 = new StringBuilder();
        StringBuilder b6 = new StringBuilder();
        StringBuilder nh4 = new StringBuilder();
        StringBuilder nh6 = new StringBuilder();
        for (int i = 0; i < nexthops; i++) {
            if (i == without) {
                continue;
            }
            nh4.append(" nexthop via ").append(sinkAddress4(i)).append(" dev ").append(routerPort(i)).append(" weight ").append(weights[i]);
            nh6.append(" nexthop via ").append(sinkAddress6(i)).append(" dev ").append(routerPort(i)).append(" weight ").append(weights[i]);
        }
        for (int r = 0; r < routes; r++) {
            b4.append("route replace ").append(route4(r)).append(nh4).append('\n');
            b6.append("route replace ").append(route6(r)).append(nh6).append('\n');
        }
        batch(router, "-4", b4.toString());
        batch(router, "-6", b6.toString());
    }

    /** The r-th IPv4 route (r < 65536): 16.0.0.0/24, 16.0.1.0/24, ... */
    static String route4(int r) {
        return "16." + (r >> 8 & 0xff) + "." + (r & 0xff) + ".0/24";
    }

    /** The r-th IPv6 route: 2001:db8:1000::/64, 2001:db8:1000:1::/64, ... */
    static String route6(int r) {
        return "2001:db8:" + Integer.toHexString(0x1000 + (r >> 16)) + ":" + Integer.toHexString(r & 0xffff) + "::/64";
    }

    void kernelForwarding(boolean on) {
        exec(router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=" + (on ? 1 : 0),
                "net.ipv6.conf.all.forwarding=" + (on ? 1 : 0));
    }

    private void add(String ns) {
        Shell.run("ip", "netns", "add", ns);
        created.add(ns);
        ip(ns, "link", "set", "lo", "up");
    }

    private void veth(String nsA, String a, byte[] macA, String nsB, String b, byte[] macB) {
        String q = String.valueOf(queues);
        Shell.run("ip", "-n", nsA, "link", "add", a, "address", macText(macA), "numtxqueues", q, "numrxqueues", q, "type",
                "veth", "peer", "name", b, "address", macText(macB), "numtxqueues", q, "numrxqueues", q, "netns", nsB);
        ip(nsA, "link", "set", a, "up");
        ip(nsB, "link", "set", b, "up");
    }

    public String ip(String ns, String... args) {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "ip";
        cmd[1] = "-n";
        cmd[2] = ns;
        System.arraycopy(args, 0, cmd, 3, args.length);
        return Shell.run(cmd);
    }

    public String exec(String ns, String... command) {
        String[] cmd = new String[command.length + 4];
        cmd[0] = "ip";
        cmd[1] = "netns";
        cmd[2] = "exec";
        cmd[3] = ns;
        System.arraycopy(command, 0, cmd, 4, command.length);
        return Shell.run(cmd);
    }

    private void batch(String ns, String family, String commands) {
        try {
            Path f = Files.createTempFile("vsk-routes", ".txt");
            try {
                Files.writeString(f, commands, StandardCharsets.US_ASCII);
                Shell.run("ip", family, "-n", ns, "-batch", f.toString());
            } finally {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new BenchException("cannot write a temporary route batch file: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        for (String ns : created.reversed()) {
            Shell.runQuietly("ip", "netns", "del", ns);
        }
        created.clear();
    }
}
