package io.dataplane.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dataplane.ffi.Libc;
import io.dataplane.icmp.IcmpRateLimiter;
import io.dataplane.icmp.IcmpResponder;
import io.dataplane.pipeline.PacketBatch;
import io.dataplane.pipeline.Pipeline;
import io.dataplane.pipeline.Verdict;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import io.dataplane.testing.HeadroomPort;
import io.dataplane.testing.Ipv4Packets;
import io.dataplane.testing.Macs;
import io.dataplane.testing.Netns;
import io.dataplane.testing.RawFrames;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The running kernel as the oracle for IPv4 options: the same UDP packets, one option shape
 * each, go through a namespace router (forwarding on, sysctls as a fresh namespace has them but
 * for the ICMP rate limits, off so that every error shows) and through our pipeline and ICMP
 * responder. The outcome must be the same: forwarded, dropped silently, or dropped with an ICMP
 * error back to the sender of the same type, code and pointer. Shapes: NOOP and EOL padding,
 * record route, timestamp (each flag, full, overflow), router alert, security, stream id,
 * unknown and CIPSO options; bad lengths, bad pointers, an option cut by the header's end,
 * duplicates; loose and strict source routes, alone and before a malformed option; and malformed
 * options with TTL 1 or no route (which check comes first). The kernel must count a packet in
 * InHdrErrors exactly when we count it as {@code bad_options} (or {@code ttl_expired}, which it
 * counts there too). The table of what the kernel did
 * is printed. Needs root.
 */
class KernelIpv4OptionsOracleTest {
    static final byte[] CLIENT_MAC = {2, 0, 0, 0, 0, 0x55};
    static final byte[] NEIGHBOUR_MAC = {2, 0, 0, 0, 0, 0x10};
    static final byte[] SRC = {100, 64, 0, 1};
    static final byte[] ROUTED = {(byte) 198, 18, 0, 7};
    static final byte[] UNROUTED = {(byte) 203, 0, 113, 9};
    static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    record Case(String name, byte[] dst, int ttl, int... options) {
        Case(String name, int... options) {
            this(name, ROUTED, 64, options);
        }
    }

    static final List<Case> CASES = List.of(
            new Case("NOOP x4", 1, 1, 1, 1),
            new Case("NOOP x40 (IHL 15)", nops(40)),
            new Case("EOL x4", 0, 0, 0, 0),
            new Case("EOL then non-zero bytes", 0, 7, 7, 7),
            new Case("record route, room for 1", 7, 7, 4, 0, 0, 0, 0, 0),
            new Case("record route, full", 7, 7, 8, 1, 2, 3, 4, 0),
            new Case("record route, pointer 3", 7, 7, 3, 0, 0, 0, 0, 0),
            new Case("record route, pointer 5 in length 7", 7, 7, 5, 0, 0, 0, 0, 0),
            new Case("record route, pointer 6 in length 11", 7, 11, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0),
            new Case("record route, length 2", 7, 2, 1, 1),
            new Case("record route, length past the header", 7, 9, 4, 0),
            new Case("two record routes", 7, 3, 4, 7, 3, 4, 0, 0),
            new Case("timestamp only, room for 1", 0x44, 8, 5, 0, 0, 0, 0, 0),
            new Case("timestamp, pointer 4", 0x44, 8, 4, 0, 0, 0, 0, 0),
            new Case("timestamp, length 3", 0x44, 3, 5, 1),
            new Case("timestamp and address, room for 1", 0x44, 12, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0),
            new Case("timestamp and address, room for 4 bytes", 0x44, 8, 5, 1, 0, 0, 0, 0),
            new Case("prespecified, room for 4 bytes", 0x44, 8, 5, 3, 0, 0, 0, 0),
            new Case("timestamp, full, overflow 14", 0x44, 8, 9, 0xe0, 0, 0, 0, 0),
            new Case("timestamp, full, overflow 15", 0x44, 8, 9, 0xf0, 0, 0, 0, 0),
            new Case("prespecified, full, overflow 15", 0x44, 12, 13, 0xf3, 0, 0, 0, 0, 0, 0, 0, 0),
            new Case("timestamp, flag 2", 0x44, 8, 5, 2, 0, 0, 0, 0),
            new Case("two timestamps", 0x44, 4, 5, 0, 0x44, 4, 5, 0),
            new Case("router alert", 0x94, 4, 0, 0),
            new Case("router alert, length 2", 0x94, 2, 1, 1),
            new Case("security", 0x82, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
            new Case("stream id", 0x88, 4, 0, 1),
            new Case("unknown type 30, length 4", 0x1e, 4, 0x11, 0x22),
            new Case("unknown type, length 0", 0x1e, 0, 0, 0),
            new Case("unknown type, length 1", 0x1e, 1, 0, 0),
            new Case("option type in the header's last byte", 1, 1, 1, 0x1e),
            new Case("CIPSO, length 6", 0x86, 6, 0, 0, 0, 1, 0, 0),
            new Case("CIPSO, length 8", 0x86, 8, 0, 0, 0, 1, 0, 0),
            new Case("loose source route", 0x83, 7, 4, 10, 0, 0, 9, 0),
            new Case("strict source route", 0x89, 7, 4, 10, 0, 0, 9, 0),
            new Case("loose source route, pointer 3", 0x83, 7, 3, 10, 0, 0, 9, 0),
            new Case("loose source route, length 2", 0x83, 2, 1, 1),
            new Case("loose source route, then a cut option", 0x83, 7, 4, 10, 0, 0, 9, 0x1e),
            new Case("two source routes", 0x83, 3, 4, 0x89, 3, 4, 0, 0),
            new Case("record route, pointer 3, TTL 1", ROUTED, 1, 7, 7, 3, 0, 0, 0, 0, 0),
            new Case("loose source route, TTL 1", ROUTED, 1, 0x83, 7, 4, 10, 0, 0, 9, 0),
            new Case("record route, TTL 1", ROUTED, 1, 7, 7, 4, 0, 0, 0, 0, 0),
            new Case("record route, pointer 3, no route", UNROUTED, 64, 7, 7, 3, 0, 0, 0, 0, 0),
            new Case("loose source route, no route", UNROUTED, 64, 0x83, 7, 4, 10, 0, 0, 9, 0));

    @Test
    void ourVerdictOnOptionsIsTheKernels() throws Exception {
        try (Netns ns = new Netns("kopt")) {
            String r = ns.add("r");
            link(ns, r, "in0", "192.168.255.1/24");
            link(ns, r, "out0", "10.0.0.1/24");
            // Forwarding on; ICMP rate limits off, so the kernel answers every case. Nothing else
            // changed: accept_source_route stays as a fresh namespace has it (all 0, default 1).
            for (String s : new String[] {"net.ipv4.ip_forward=1", "net.ipv4.icmp_ratelimit=0", "net.ipv4.icmp_msgs_per_sec=100000", "net.ipv4.icmp_msgs_burst=100000"}) {
                ns.exec(r, "sysctl", "-qw", s);
            }
            String sourceRoute = ns.exec(r, "sysctl", "-n", "net.ipv4.conf.all.accept_source_route").strip();
            ns.ip(r, "neigh", "add", "10.0.0.2", "lladdr", "02:00:00:00:00:10", "dev", "out0", "nud", "permanent");
            ns.ip(r, "neigh", "add", "192.168.255.2", "lladdr", "02:00:00:00:00:55", "dev", "in0", "nud", "permanent");
            ns.ip(r, "route", "add", "198.18.0.0/15", "via", "10.0.0.2", "dev", "out0");
            ns.ip(r, "route", "add", "100.64.0.0/24", "via", "192.168.255.2", "dev", "in0");
            for (String dev : new String[] {"in0", "in0p", "out0", "out0p"}) {
                waitUp(ns, r, dev);
            }
            byte[] in0Mac = Macs.parse(ns.exec(r, "cat", "/sys/class/net/in0/address"));
            byte[] out0Mac = Macs.parse(ns.exec(r, "cat", "/sys/class/net/out0/address"));
            Ours ours = new Ours(in0Mac, out0Mac);
            List<String> wrong = new ArrayList<>();
            StringBuilder table = new StringBuilder("kernel " + System.getProperty("os.version")
                    + ", net.ipv4.conf.all.accept_source_route=" + sourceRoute + "\n");
            for (Case c : CASES) {
                byte[] packet = packet(in0Mac, c);
                long headerErrors = inHdrErrors(ns, r);
                Outcome kernel = ns.call(r, () -> kernel(packet));
                boolean kernelCounted = inHdrErrors(ns, r) > headerErrors;
                Outcome mine = ours.outcome(packet);
                table.append(String.format("  %-45s %s%s%n", c.name(), kernel.describe(), kernelCounted ? ", InHdrErrors +1" : ""));
                if (!kernel.sameVerdict(mine) || kernelCounted != ours.headerError()) {
                    wrong.add(c.name() + ": kernel " + kernel.describe() + (kernelCounted ? " (InHdrErrors)" : "")
                            + ", ours " + mine.describe() + " (" + Verdict.of(ours.verdict).label() + ")"
                            + "\n   options " + HexFormat.of().formatHex(options(c)));
                }
            }
            System.out.print(table);
            assertEquals(List.of(), wrong, "option shapes where our verdict is not the kernel's");
        }
    }

    /** The kernel's Ip InHdrErrors counter in the namespace (/proc/net/snmp): bad options are counted there. */
    private static long inHdrErrors(Netns ns, String r) {
        String[] lines = ns.exec(r, "cat", "/proc/net/snmp").split("\n");
        List<String> names = List.of(lines[0].split(" "));
        return Long.parseLong(lines[1].split(" ")[names.indexOf("InHdrErrors")]);
    }

    /** What happened to one packet: forwarded, and the ICMP error that came back (type -1: none). */
    record Outcome(boolean forwarded, int icmpType, int icmpCode, int pointer, boolean kernelChangedOptions,
                   boolean errorHasOptions) {
        boolean sameVerdict(Outcome o) {
            return forwarded == o.forwarded && icmpType == o.icmpType && icmpCode == o.icmpCode && pointer == o.pointer;
        }

        String describe() {
            String what = forwarded ? "forwarded" + (kernelChangedOptions ? " (options rewritten)" : "")
                    : icmpType < 0 ? "dropped, no ICMP" : "dropped";
            String icmp = icmpType < 0 ? "" : icmpType == 12 ? ", ICMP parameter problem, pointer " + pointer
                    : ", ICMP " + icmpType + "/" + icmpCode;
            return what + icmp + (errorHasOptions ? " (the error carries IP options)" : "");
        }
    }

    /** Sends the packet into in0; what leaves out0 and what comes back out of in0 (inside the namespace). */
    private static Outcome kernel(byte[] packet) throws InterruptedException {
        int out = capture("out0p");
        int back = capture("in0p");
        byte[] forwarded = null;
        byte[] error = null;
        try (Arena a = Arena.ofConfined(); RawFrames in = new RawFrames("in0p")) {
            in.send(packet);
            MemorySegment buf = a.allocate(4096);
            // A forward or an error comes within microseconds; silence is waited out for 300 ms.
            long deadline = System.nanoTime() + 300_000_000L;
            while (System.nanoTime() < deadline && forwarded == null && error == null) {
                long n = Libc.recv(out, buf, Libc.MSG_DONTWAIT, "capture on out0p");
                if (n >= 34 && buf.get(BE16, 12) == 0x0800 && (buf.get(BE16, 18) & 0xffff) == Ipv4Packets.ID) {
                    forwarded = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                }
                n = Libc.recv(back, buf, Libc.MSG_DONTWAIT, "capture on in0p");
                if (n >= 14 + 20 + 8 + 20 && buf.get(BE16, 12) == 0x0800 && buf.get(ValueLayout.JAVA_BYTE, 23) == 1) {
                    error = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                }
                if (forwarded == null && error == null) {
                    Thread.sleep(1);
                }
            }
        } finally {
            Libc.close(out);
            Libc.close(back);
        }
        return outcome(packet, forwarded, error);
    }

    /** An AF_PACKET socket receiving everything on {@code ifname}. */
    private static int capture(String ifname) {
        int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0x0300); // htons(ETH_P_ALL)
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sll = a.allocate(20, 4);
            sll.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_PACKET);
            sll.set(ValueLayout.JAVA_SHORT, 2, (short) 0x0300);
            sll.set(ValueLayout.JAVA_INT, 4, Libc.ifNameToIndex(ifname));
            Libc.bind(fd, sll, "AF_PACKET on " + ifname);
        }
        return fd;
    }

    private static Outcome outcome(byte[] sent, byte[] forwarded, byte[] error) {
        boolean changed = false;
        if (forwarded != null) {
            int ihl = (sent[14] & 0xf) * 4;
            for (int i = 14 + 20; i < 14 + ihl; i++) {
                changed |= sent[i] != forwarded[i];
            }
        }
        if (error == null) {
            return new Outcome(forwarded != null, -1, -1, -1, changed, false);
        }
        int errorIhl = (error[14] & 0xf) * 4;
        int icmp = 14 + errorIhl;
        return new Outcome(forwarded != null, error[icmp] & 0xff, error[icmp + 1] & 0xff,
                (error[icmp] & 0xff) == 12 ? error[icmp + 4] & 0xff : -1, changed, errorIhl > 20);
    }

    /** Our pipeline and ICMP responder, with the kernel router's route, MACs and address on in0. */
    private static final class Ours {
        private final Fib fib = new Fib(new FibLimits(16, 16, 16, 16, 2));
        private final Pipeline pipeline = new Pipeline(16);
        private final HeadroomPort in = new HeadroomPort(0);
        private final IcmpResponder icmp = new IcmpResponder(new IcmpRateLimiter(0, 1, 0, 16),
                new int[] {IpAddresses.parse4("192.168.255.1"), 0}, new long[2], new long[2]);

        Ours(byte[] in0Mac, byte[] out0Mac) {
            fib.change().nexthop(1, new Nexthop(1, Macs.value(NEIGHBOUR_MAC), Macs.value(out0Mac), 1500, true, true))
                    .route4(IpAddresses.parse4("198.18.0.0"), 15, RouteTarget.nexthop(1)).commit();
        }

        /** The last packet's verdict. */
        int verdict;

        /** Whether the kernel counts the last packet in InHdrErrors: bad options, and TTL expired too (ip_forward). */
        boolean headerError() {
            return verdict == Verdict.BAD_OPTIONS.code || verdict == Verdict.TTL_EXPIRED.code;
        }

        Outcome outcome(byte[] packet) {
            PacketBatch b = in.receive(packet);
            pipeline.process(fib.snapshot(), in.memory(), b);
            verdict = b.verdict[0];
            if (verdict >= 0) {
                return KernelIpv4OptionsOracleTest.outcome(packet, packet, null);
            }
            if (IcmpResponder.answers(verdict) && icmp.respond(verdict, in, b, 0, 0, System.nanoTime())) {
                return KernelIpv4OptionsOracleTest.outcome(packet, null, in.sent());
            }
            return KernelIpv4OptionsOracleTest.outcome(packet, null, null);
        }
    }

    private static byte[] packet(byte[] routerMac, Case c) {
        byte[] p = Ipv4Packets.udp(routerMac, CLIENT_MAC, SRC, c.dst(), 0, options(c), 16);
        p[14 + 8] = (byte) c.ttl();
        int ihl = (p[14] & 0xf) * 4;
        p[14 + 10] = 0;
        p[14 + 11] = 0;
        long sum = 0;
        for (int i = 0; i < ihl; i += 2) {
            sum += (p[14 + i] & 0xff) << 8 | (p[15 + i] & 0xff);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        p[14 + 10] = (byte) (~sum >> 8);
        p[14 + 11] = (byte) ~sum;
        return p;
    }

    private static byte[] options(Case c) {
        if (c.options().length % 4 != 0) {
            throw new IllegalArgumentException(c.name() + ": options must fill whole 32-bit words");
        }
        byte[] o = new byte[c.options().length];
        for (int i = 0; i < o.length; i++) {
            o[i] = (byte) c.options()[i];
        }
        return o;
    }

    private static int[] nops(int n) {
        int[] o = new int[n];
        java.util.Arrays.fill(o, 1);
        return o;
    }

    /** Until a veth has carrier its queue drops what is sent (sendto: ENOBUFS): waits up to 5 s for it. */
    private static void waitUp(Netns ns, String r, String dev) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            if (ns.exec(r, "cat", "/sys/class/net/" + dev + "/operstate").strip().equals("up")) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError(dev + " is not up after 5 s");
    }

    private static void link(Netns ns, String r, String name, String v4) {
        ns.ip(r, "link", "add", name, "type", "veth", "peer", "name", name + "p");
        ns.ip(r, "link", "set", name + "p", "up");
        ns.ip(r, "link", "set", name, "up");
        ns.ip(r, "addr", "add", v4, "dev", name);
    }
}
