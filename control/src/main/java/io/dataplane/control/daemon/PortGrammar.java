package io.dataplane.control.daemon;

import io.dataplane.control.command.CommandException;
import io.dataplane.control.command.Keywords;
import io.dataplane.control.command.Tokens;
import io.dataplane.tables.MacAddress;
import io.dataplane.ffi.XdpAttachMode;
import io.dataplane.ffi.XskSocket;
import io.dataplane.ffi.dpdk.EalOptions;
import io.dataplane.port.AfXdpPort;
import io.dataplane.port.DpdkPortConfig;
import io.dataplane.worker.WorkerScheduling;
import io.dataplane.worker.Workers;
import java.util.ArrayList;
import java.util.List;

/**
 * The lines that say how ports are made: {@code port add ...}, {@code port del dev NAME} and
 * {@code dpdk eal ...}. They are read from the configuration file, and (but {@code dpdk eal}) on
 * the command socket while the daemon runs ({@link PortConfiguration}). Errors are worded like the
 * routing grammar's: the offending token, its position and what was expected.
 */
final class PortGrammar {

    /** The grammar, one line per form, as printed by {@code --help}. */
    static final String GRAMMAR = String.join("\n",
            "port add dev NAME type memory [mtu N] [address MAC]",
            "port add dev IFNAME [type afxdp] [queues N] [mode auto|copy|zerocopy] [xdp-mode native|generic] [cpu N] [idle poll|busy-spin] [sched fifo N|other] [rx-ring N] [tx-ring N]",
            "  rx-ring: entries of the fill and RX rings, tx-ring: of the TX and completion rings, powers of two "
                    + AfXdpPort.MIN_RING_SIZE + ".." + AfXdpPort.MAX_RING_SIZE + " (default " + AfXdpPort.DEFAULT_RING_SIZE + "); the",
            "  fill ring's frames carry the port through a stall of its worker's CPU (2048 last 8 ms at 250 kpps)",
            "  xdp-mode native (default): the XDP program runs in the driver; a driver without native XDP is refused,",
            "  naming this option; xdp-mode generic: in the kernel's receive path, on any device, slower",
            "port add dev NAME type dpdk vdev SPEC|pci ADDR [rx-ring N] [tx-ring N] [mbufs N] [burst N] [queues N] [cpu N]",
            "port del dev NAME",
            "  while the daemon runs too (but type dpdk): the other ports forward on; refused while routes, nexthops or",
            "  static neighbours use the port; on a daemon started without ports, the first 'port add' starts the",
            "  workers its line asks for (queues, cpu, idle, sched), and they stay, idle, when the last port goes",
            "dpdk eal ARG...");

    private final Tokens tokens;

    private PortGrammar(String line) {
        tokens = new Tokens(line);
    }

    /** "port add", "port del" or "dpdk eal" if the line is one of this grammar's (by its first words), else null. */
    static String command(String line) {
        // Asked of every line on the socket: the first word decides, so a route line (a million
        // in a full table) is not split into words here as well as in its own parser.
        if (!Tokens.firstWordIs(line, "port") && !Tokens.firstWordIs(line, "dpdk")) {
            return null;
        }
        return switch (Tokens.firstWord(line)) {
            case "port" -> {
                Tokens t = new Tokens(line);
                t.next();
                yield "del".equals(Keywords.PORT_VERBS.resolve(t.peek())) ? "port del" : "port add";
            }
            case "dpdk" -> "dpdk eal";
            default -> null;
        };
    }

    /** Parses a {@code port add} line. */
    static PortSpec portAdd(String line) {
        PortGrammar g = new PortGrammar(line);
        g.tokens.keyword("port");
        return g.port();
    }

    /** Parses a {@code port del dev NAME} line into the port's name. */
    static String portDel(String line) {
        PortGrammar g = new PortGrammar(line);
        g.tokens.keyword("port");
        String verb = g.tokens.expect("'del'");
        if (!Keywords.PORT_VERBS.resolve(verb).equals("del")) {
            throw g.tokens.error(verb, "'del'");
        }
        g.tokens.keyword("dev");
        String name = g.tokens.devName();
        g.tokens.end();
        return name;
    }

    /** Parses a {@code dpdk eal} line. */
    static EalOptions dpdkEal(String line) {
        PortGrammar g = new PortGrammar(line);
        g.tokens.keyword("dpdk");
        return g.dpdk();
    }

    private PortSpec port() {
        String verb = tokens.peek();
        if ("show".equals(verb) || "list".equals(verb) || "ls".equals(verb)) {
            throw new CommandException("ports are listed by 'link show' ('-s link show' with their counters, 'status' with their"
                    + " workers); 'port' adds and deletes them: 'port add dev NAME ...', 'port del dev NAME'");
        }
        if ("add".equals(Keywords.PORT_VERBS.resolve(verb))) {
            tokens.next(); // 'add' or an abbreviation of it, as completion offers it
        } else {
            tokens.keyword("add"); // refused, saying what was expected
        }
        tokens.keyword("dev");
        String name = tokens.devName();
        PortSpec.Type type = PortSpec.Type.AFXDP;
        int queues = -1;
        XskSocket.Mode mode = null;
        XdpAttachMode xdpMode = null;
        int cpu = -1;
        String vdev = null;
        String pci = null;
        int mtu = -1;
        long mac = -1;
        int rxRing = DpdkPortConfig.DEFAULT_RING;
        int txRing = DpdkPortConfig.DEFAULT_RING;
        int mbufs = DpdkPortConfig.DEFAULT_MBUFS;
        int burst = DpdkPortConfig.DEFAULT_BURST;
        Workers.Idle idle = null;
        WorkerScheduling sched = null;
        List<String> given = new ArrayList<>();
        while (tokens.peek() != null) {
            String k = Keywords.PORT_ADD_OPTIONS.resolve(tokens.next());
            if (given.contains(k)) {
                throw tokens.error(k, "each option once ('" + k + "' is given twice)");
            }
            given.add(k);
            switch (k) {
                case "type" -> {
                    String t = tokens.expect("a port type: memory, afxdp or dpdk");
                    type = switch (t) {
                        case "memory" -> PortSpec.Type.MEMORY;
                        case "afxdp", "af_xdp", "xdp" -> PortSpec.Type.AFXDP;
                        case "dpdk" -> PortSpec.Type.DPDK;
                        default -> throw tokens.error(t, "a port type: memory, afxdp or dpdk");
                    };
                }
                case "queues" -> queues = tokens.number("queues", "a queue count 1..256", 1, 256);
                case "mode" -> {
                    String m = tokens.expect("an AF_XDP mode: auto, copy or zerocopy");
                    mode = switch (m) {
                        case "auto" -> XskSocket.Mode.AUTO;
                        case "copy" -> XskSocket.Mode.COPY;
                        case "zerocopy", "zero-copy", "zc" -> XskSocket.Mode.ZEROCOPY;
                        default -> throw tokens.error(m, "an AF_XDP mode: auto, copy or zerocopy");
                    };
                }
                case "xdp-mode" -> {
                    String m = tokens.expect("an XDP attach mode: native or generic");
                    xdpMode = switch (m) {
                        case "native", "drv" -> XdpAttachMode.NATIVE;
                        case "generic", "skb" -> XdpAttachMode.GENERIC;
                        default -> throw tokens.error(m, "an XDP attach mode: native or generic");
                    };
                }
                case "cpu" -> cpu = tokens.number("cpu", "a CPU number 0..4095", 0, 4095);
                case "vdev" -> vdev = tokens.expect("a DPDK virtual device spec, e.g. net_tap0,iface=dtap0");
                case "pci" -> pci = tokens.expect("a PCI address, e.g. 0000:03:00.0");
                case "rx-ring" -> rxRing = tokens.number("rx-ring", "a ring size, a power of two 64..16384", 1, 1 << 20);
                case "tx-ring" -> txRing = tokens.number("tx-ring", "a ring size, a power of two 64..16384", 1, 1 << 20);
                case "mbufs" -> mbufs = tokens.number("mbufs", "a buffer count", 1, Integer.MAX_VALUE);
                case "burst" -> burst = tokens.number("burst", "frames per burst 1.." + DpdkPortConfig.MAX_BURST, 1, 1 << 20);
                case "mtu" -> mtu = tokens.number("mtu", "an MTU 68..65535", 68, 65535);
                case "address" -> mac = macAddress();
                case "idle" -> idle = idle();
                case "sched" -> sched = sched();
                default -> throw tokens.error(k, "a port option: type, queues, mode, xdp-mode, cpu, idle, sched, vdev, pci, rx-ring, tx-ring, mbufs, burst, mtu or address");
            }
        }
        String where = "port " + name + " (type " + type.label() + ")";
        DpdkPortConfig dpdk = null;
        switch (type) {
            case MEMORY -> rejectOption(given, where, "queues", "mode", "xdp-mode", "idle", "sched", "vdev", "pci", "rx-ring", "tx-ring", "mbufs", "burst");
            case AFXDP -> {
                rejectOption(given, where, "vdev", "pci", "mbufs", "burst");
                if (!given.contains("rx-ring")) {
                    rxRing = AfXdpPort.DEFAULT_RING_SIZE;
                }
                if (!given.contains("tx-ring")) {
                    txRing = AfXdpPort.DEFAULT_RING_SIZE;
                }
                afXdpRing(where, "rx-ring", rxRing);
                afXdpRing(where, "tx-ring", txRing);
            }
            case DPDK -> {
                rejectOption(given, where, "mode", "xdp-mode", "idle", "sched");
                if ((vdev == null) == (pci == null)) {
                    throw new CommandException(where + " needs exactly one of 'vdev SPEC' or 'pci ADDR'");
                }
                try {
                    // the dataplane's own validation, so a bad ring size is reported with this line
                    dpdk = new DpdkPortConfig(name, vdev != null ? DpdkPortConfig.Device.VDEV : DpdkPortConfig.Device.PCI,
                            vdev != null ? vdev : pci, rxRing, txRing, mbufs, burst);
                } catch (IllegalArgumentException e) {
                    throw new CommandException(e.getMessage());
                }
            }
        }
        if (type == PortSpec.Type.AFXDP && mode == null) {
            mode = XskSocket.Mode.AUTO;
        }
        if (type == PortSpec.Type.AFXDP && xdpMode == null) {
            xdpMode = XdpAttachMode.NATIVE;
        }
        boolean afXdp = type == PortSpec.Type.AFXDP;
        return new PortSpec(name, type, queues < 0 ? 1 : queues, mode, cpu, dpdk, mtu < 0 ? PortSpec.DEFAULT_MTU : mtu, mac,
                xdpMode, new WorkerSpec(idle, sched), afXdp ? rxRing : -1, afXdp ? txRing : -1);
    }

    /** An AF_XDP ring size: the kernel takes powers of two; the bounds keep a full fill ring's memory sane. */
    private static void afXdpRing(String where, String option, int entries) {
        if (Integer.bitCount(entries) != 1 || entries < AfXdpPort.MIN_RING_SIZE || entries > AfXdpPort.MAX_RING_SIZE) {
            throw new CommandException(where + ": '" + option + " " + entries + "' must be a power of two "
                    + AfXdpPort.MIN_RING_SIZE + ".." + AfXdpPort.MAX_RING_SIZE + " (the kernel's AF_XDP rings are powers of two)");
        }
    }

    /** {@code idle poll|busy-spin}: how the port's workers wait when their rings are empty. */
    private Workers.Idle idle() {
        String v = tokens.expect("an idle mode: poll or busy-spin");
        return switch (v) {
            case "poll" -> Workers.Idle.POLL;
            case "busy-spin" -> Workers.Idle.BUSY_SPIN;
            default -> throw tokens.error(v, "an idle mode: poll or busy-spin");
        };
    }

    /** {@code sched other|fifo N}: the workers' scheduling policy; an explicit fifo the process may not use stops the start. */
    private WorkerScheduling sched() {
        String v = tokens.expect("a scheduling policy: fifo N or other");
        return switch (v) {
            case "other" -> WorkerScheduling.OTHER;
            case "fifo" -> WorkerScheduling.fifo(tokens.number("fifo", "a SCHED_FIFO priority 1..99", 1, 99), true);
            default -> throw tokens.error(v, "a scheduling policy: fifo N or other");
        };
    }

    private static void rejectOption(List<String> given, String where, String... options) {
        for (String o : options) {
            if (given.contains(o)) {
                throw new CommandException("option '" + o + "' does not apply to " + where + "; remove it or change the type");
            }
        }
    }

    private EalOptions dpdk() {
        tokens.keyword("eal");
        List<String> args = tokens.rest();
        if (args.isEmpty()) {
            throw tokens.missing("EAL arguments after 'dpdk eal' (e.g. --no-huge -m 512)");
        }
        try {
            return new EalOptions(args);
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage());
        }
    }

    private long macAddress() {
        return tokens.parseWith("address", "a MAC address such as 02:00:00:00:00:01", MacAddress::parse);
    }
}
