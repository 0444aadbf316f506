package io.dataplane.perf;

import io.dataplane.ffi.dpdk.Eal;
import io.dataplane.ffi.dpdk.EalOptions;
import io.dataplane.tables.packet.Frames;
import io.dataplane.pipeline.Verdict;
import io.dataplane.port.DpdkPort;
import io.dataplane.port.DpdkPortConfig;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import io.dataplane.worker.Workers;
import io.dataplane.worker.PortCounter;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The whole pipeline (parse, checks, LPM, L4 multipath 1:2 over two nexthops, MAC/TTL/checksum
 * rewrite) on DPDK ports, one pinned worker. With {@code --vdevs pcap} (the default) frames are
 * replayed from a pcap by {@code net_pcap} ({@code infinite_rx=1}) into the worker and forwarded
 * to two {@code net_null} ports; with {@code --vdevs ring} the ports are {@code net_ring0} (in)
 * and {@code net_ring1}, {@code net_ring2} (out), whose rings another process feeds and drains
 * (perf/ring-traffic.c, run by perf/l3fwd.sh), with EAL options that let it attach
 * ({@code --eal}, hugepages and a file prefix). Prints Mpps received, how they left, and the
 * worker thread's CPU time per frame (its on-CPU time, so the figure holds when the core is
 * shared). {@code --write-pcap FILE} only writes the frames (IPv4 UDP, 64 bytes, {@code --flows}
 * flows) so that dpdk-testpmd, l3fwd and ring-traffic can replay the same file.
 *
 * <p>Usage: {@code DpdkPipelineBench [--write-pcap FILE] [--pcap FILE] [--flows 1024]
 * [--seconds 10] [--warmup 5] [--cpu 1] [--burst 32] [--vdevs pcap|ring] [--route multipath|single] [--eal "EAL ARGS"]}
 */
public final class DpdkPipelineBench {
    private static final long SERVER1_MAC = 0x020000000001L;
    private static final long SERVER2_MAC = 0x020000000002L;
    private static final long ROUTER_MAC = 0x0200000000feL;

    private DpdkPipelineBench() {}

    public static void main(String[] args) throws Exception {
        Path pcap = null;
        Path writeOnly = null;
        int flows = 1024;
        int seconds = 10;
        int warmup = 5;
        int cpu = 1;
        int burst = 32;
        String vdevs = "pcap";
        boolean multipath = true;
        EalOptions eal = EalOptions.NO_HUGEPAGES;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--pcap" -> pcap = Path.of(v);
                case "--write-pcap" -> writeOnly = Path.of(v);
                case "--flows" -> flows = Integer.parseInt(v);
                case "--seconds" -> seconds = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--cpu" -> cpu = Integer.parseInt(v);
                case "--burst" -> burst = Integer.parseInt(v);
                case "--vdevs" -> vdevs = v;
                case "--eal" -> eal = EalOptions.parse(v);
                case "--route" -> multipath = switch (v) {
                    case "multipath" -> true;
                    case "single" -> false;
                    default -> throw new IllegalArgumentException("--route is multipath or single, was " + v);
                };
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (writeOnly != null) {
            writePcap(writeOnly, flows);
            return;
        }
        boolean ring = switch (vdevs) {
            case "ring" -> true;
            case "pcap" -> false;
            default -> throw new IllegalArgumentException("--vdevs is pcap or ring, was " + vdevs);
        };
        if (pcap == null) {
            pcap = Files.createTempFile("dpdk-pipeline", ".pcap");
            pcap.toFile().deleteOnExit();
            writePcap(pcap, flows);
        }
        Eal.start(eal);
        DpdkPort client = DpdkPort.open(0, DpdkPortConfig.vdev("client",
                ring ? "net_ring0" : "net_pcap0,rx_pcap=" + pcap + ",infinite_rx=1").withBurst(burst));
        DpdkPort server1 = DpdkPort.open(1, DpdkPortConfig.vdev("server1", ring ? "net_ring1" : "net_null0").withBurst(burst));
        DpdkPort server2 = DpdkPort.open(2, DpdkPortConfig.vdev("server2", ring ? "net_ring2" : "net_null1").withBurst(burst));
        Workers dataplane = Workers.builder().limits(new FibLimits(16, 16, 16, 16, 2))
                .port(client).port(server1).port(server2)
                .idle(Workers.Idle.BUSY_SPIN).burst(burst)
                .worker(cpu, 0) // receives on the client port only; transmits on any
                .build();
        dataplane.fib().change()
                .nexthop(1, new Nexthop(1, SERVER1_MAC, ROUTER_MAC, 1500, true, true))
                .nexthop(2, new Nexthop(2, SERVER2_MAC, ROUTER_MAC, 1500, true, true))
                .group(0, new GroupSpec(new int[] {1, 2}, new int[] {1, 2}, MultipathAlgorithm.L4))
                // single: l3fwd's job, every flow to one port through one nexthop (no hash, no group)
                .route4(IpAddresses.parse4("198.51.100.0"), 24, multipath ? RouteTarget.group(0) : RouteTarget.nexthop(1))
                .commit();
        dataplane.start();
        System.out.println("ready"); // perf/l3fwd.sh starts the ring traffic on this line
        // The warm-up counts from the first frame: ring traffic comes from another process, which takes a while to attach.
        for (long deadline = System.nanoTime() + 60_000_000_000L; dataplane.portCounter(0, PortCounter.RX_PACKETS) == 0; ) {
            if (System.nanoTime() > deadline) {
                System.err.println("no frame received in 60 s: is the ring traffic running?");
                System.exit(1); // the worker thread would keep the JVM alive
            }
            Thread.sleep(10);
        }
        Thread.sleep(warmup * 1000L);
        Thread worker = thread("dataplane-worker-0");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getThreadCpuTime(worker.threadId());
        long rx0 = dataplane.portCounter(0, PortCounter.RX_PACKETS);
        long tx10 = dataplane.portCounter(1, PortCounter.TX_PACKETS);
        long tx20 = dataplane.portCounter(2, PortCounter.TX_PACKETS);
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long rx1 = dataplane.portCounter(0, PortCounter.RX_PACKETS);
        long tx11 = dataplane.portCounter(1, PortCounter.TX_PACKETS);
        long tx21 = dataplane.portCounter(2, PortCounter.TX_PACKETS);
        long t1 = System.nanoTime();
        long cpu1 = threads.getThreadCpuTime(worker.threadId());
        dataplane.stop();
        double mpps = (rx1 - rx0) / ((t1 - t0) / 1e3);
        long s1 = tx11 - tx10;
        long s2 = tx21 - tx20;
        System.out.printf("DpdkPort pipeline %s burst %d cpu %d %d flows: %.2f Mpps received, "
                        + "%.1f ns/frame, worker cpu %.1f ns/frame; forwarded %.2f Mpps, server2 share %.3f (%s)%s%n",
                ring ? "net_ring->2x net_ring" : "net_pcap->2x net_null", burst, cpu, flowsOf(pcap), mpps, 1e3 / mpps,
                (double) (cpu1 - cpu0) / Math.max(1, rx1 - rx0), (s1 + s2) / ((t1 - t0) / 1e3),
                (double) s2 / Math.max(1, s1 + s2), multipath ? "weights 1:2" : "single route to server1", dataplane.lastError() == null ? "" : " error " + dataplane.lastError());
        StringBuilder drops = new StringBuilder();
        for (Verdict v : Verdict.values()) {
            if (dataplane.dropCounter(v) != 0) {
                drops.append(' ').append(v.label()).append(' ').append(dataplane.dropCounter(v));
            }
        }
        System.out.println("drops:" + (drops.isEmpty() ? " none" : drops));
        dataplane.close();
        client.close();
        server1.close();
        server2.close();
    }

    private static Thread thread(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no thread " + name));
    }

    private static int flowsOf(Path pcap) throws IOException {
        return (int) ((Files.size(pcap) - 24) / (16 + 64));
    }

    /** A classic pcap (microsecond, Ethernet) of one 64-byte IPv4 UDP frame per flow to 198.51.100.0/24. */
    static void writePcap(Path file, int flows) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
            out.write(header.array());
            for (int f = 0; f < flows; f++) {
                MemorySegment m = Frames.ipv4(IpAddresses.parse4("192.0.2.0") + f % 250 + 1,
                                IpAddresses.parse4("198.51.100.0") + f % 200 + 1)
                        .macs(ROUTER_MAC, 0x020000000010L).udp(1024 + f, 53).ttl(64).payload(22).toSegment();
                byte[] frame = m.toArray(ValueLayout.JAVA_BYTE);
                if (frame.length != 64) {
                    throw new IllegalStateException("frame is " + frame.length + " bytes, expected 64");
                }
                ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                record.putInt(0).putInt(f).putInt(frame.length).putInt(frame.length);
                out.write(record.array());
                out.write(frame);
            }
        }
    }
}
