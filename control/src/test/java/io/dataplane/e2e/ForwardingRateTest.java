package io.dataplane.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.ffi.CpuAffinity;
import io.dataplane.ffi.Libc;
import io.dataplane.ffi.XskSocket;
import io.dataplane.control.daemon.KernelAddresses;
import io.dataplane.control.daemon.KernelFollower;
import io.dataplane.pipeline.PacketBatch;
import io.dataplane.port.AfXdpPort;
import io.dataplane.port.Umem;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.MacAddress;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import io.dataplane.testing.RouterTopology;
import io.dataplane.worker.Workers;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Measures forwarded packets per second through the router namespace, our dataplane against the
 * kernel forwarding the same 1:2 multipath route, side by side in one run: small UDP frames over
 * 1024 flows from an AF_XDP generator in the client namespace. The servers' kernels are the sink:
 * a datagram counts as delivered when their UDP layer accepted its checksum (UdpNoPorts: nothing
 * listens on the port), and any datagram with a wrong checksum (UdpInCsumErrors) fails the test.
 * The dataplane's worker is pinned to one CPU and the generator to the other.
 *
 * <p>On veth both numbers are bounded by the veth/skb path and by the generator sharing a 2-CPU
 * machine; it shows the two side by side and that nothing breaks under load, not NIC line rate.
 */
class ForwardingRateTest {
    private static final long PHASE_NANOS = 4_000_000_000L;
    private static final int FLOWS = 1024;
    private static final int FRAME = 60;
    /** Datagrams a server's UDP layer took with a valid checksum (none listens on the port). */
    private static long delivered(RouterTopology t, String ns) {
        return t.nstat(ns, "UdpNoPorts");
    }

    /** Datagrams a server dropped for a wrong UDP checksum: forwarding must never produce one. */
    private static long checksumErrors(RouterTopology t) {
        return t.nstat(t.server1, "UdpInCsumErrors") + t.nstat(t.server2, "UdpInCsumErrors");
    }

    /** Runs {@link #blast} on its own thread pinned to CPU 0 (pinning is per thread; the test thread stays free). */
    private static long generate(AfXdpPort gen, Umem umem, byte[] dstMac, byte[] srcMac) throws InterruptedException {
        long[] sent = new long[1];
        Thread t = Thread.ofPlatform().name("generator").start(() -> {
            CpuAffinity.pin(0);
            sent[0] = blast(gen, umem, dstMac, srcMac);
        });
        t.join();
        return sent[0];
    }

    /** Sends UDP frames over {@link #FLOWS} flows as fast as it can for a phase; returns frames sent. */
    private static long blast(AfXdpPort gen, Umem umem, byte[] dstMac, byte[] srcMac) {
        MemorySegment mem = umem.memory();
        byte[][] frames = new byte[FLOWS][];
        for (int i = 0; i < FLOWS; i++) {
            ByteBuffer b = ByteBuffer.allocate(FRAME);
            b.put(dstMac).put(srcMac).putShort((short) 0x0800);
            // DF set, as TCP and most UDP senders do: the pipeline's l4 hash treats IPv4 without DF as
            // possibly fragmented and falls back to the l3 key.
            b.put((byte) 0x45).put((byte) 0).putShort((short) (FRAME - 14)).putShort((short) 0).putShort((short) 0x4000)
                    .put((byte) 64).put((byte) 17).putShort((short) 0)
                    .put(ip(RouterTopology.CLIENT4)).put(ip(RouterTopology.ANYCAST4));
            long sum = 0;
            for (int k = 14; k < 34; k += 2) {
                sum += b.getShort(k) & 0xffff;
            }
            sum = (sum & 0xffff) + (sum >> 16);
            sum = (sum & 0xffff) + (sum >> 16);
            b.putShort(24, (short) ~sum);
            b.putShort((short) (1024 + i)).putShort((short) 9).putShort((short) (FRAME - 34)).putShort((short) 0);
            // A real UDP checksum (pseudo-header, header, zero payload), so that the sink has one to verify.
            long udp = 17 + (FRAME - 34);
            for (int k = 26; k < FRAME; k += 2) {
                udp += b.getShort(k) & 0xffff;
            }
            while ((udp >> 16) != 0) {
                udp = (udp & 0xffff) + (udp >> 16);
            }
            b.putShort(40, (short) (udp == 0xffff ? 0xffff : ~udp));
            frames[i] = b.array();
        }
        PacketBatch rx = new PacketBatch(64);
        long sent = 0;
        long end = System.nanoTime() + PHASE_NANOS;
        while (System.nanoTime() < end) {
            for (int k = 0; k < 64; k++) {
                long f = io.dataplane.port.UmemFrames.take(umem);
                if (f < 0) {
                    break;
                }
                long data = f + Umem.XDP_HEADROOM;
                MemorySegment.copy(frames[(int) (sent & (FLOWS - 1))], 0, mem, ValueLayout.JAVA_BYTE, data, FRAME);
                if (!gen.transmit(f, data, FRAME)) {
                    umem.release(f);
                    break;
                }
                sent++;
            }
            gen.flush();
            gen.poll();
            rx.clear();
            int n = gen.receive(rx); // replies (ICMP port unreachable) come back here: drop them
            for (int i = 0; i < n; i++) {
                gen.release(rx.handle[i]);
            }
        }
        return sent;
    }

    private static byte[] ip(String a) {
        try {
            return InetAddress.getByName(a).getAddress();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void dataplaneAndKernelForwardingSideBySide() throws Exception {
        try (RouterTopology topo = new RouterTopology("rate")) {
            Umem genUmem = new Umem(4096, 4096);
            AfXdpPort gen = topo.netns.call(topo.client, () -> AfXdpPort.open(0, "c0", 0, genUmem, XskSocket.Mode.AUTO, 2048, 0));
            byte[] clientMac = gen.mac();
            long dataplanePps;
            long kernelPps;
            double dataplaneShare1;
            double kernelShare1;
            try {
                Umem umem = new Umem(8192, 4096);
                int[] ifindex = new int[3];
                AfXdpPort[] ports = topo.netns.call(topo.router, () -> {
                    AfXdpPort[] p = new AfXdpPort[3];
                    for (int i = 0; i < 3; i++) {
                        ifindex[i] = Libc.ifNameToIndex("r" + i);
                        p[i] = AfXdpPort.open(i, "r" + i, 0, umem, XskSocket.Mode.AUTO, 2048, 0);
                    }
                    return p;
                });
                byte[] routerMac = ports[0].mac();
                HeardNeighbours neighbours = new HeardNeighbours();
                long[] macs = new long[3];
                try (KernelFollower follower = new KernelFollower(neighbours, topo.router)) {
                    follower.awaitLoaded(5, TimeUnit.SECONDS);
                    String[] peers = {RouterTopology.CLIENT4, RouterTopology.SERVER1_4, RouterTopology.SERVER2_4};
                    for (int i = 0; i < 3; i++) {
                        InetAddress a = InetAddress.getByName(peers[i]);
                        long deadline = System.nanoTime() + 5_000_000_000L;
                        while ((macs[i] = neighbours.lookup(ifindex[i], a)) < 0 && System.nanoTime() < deadline) {
                            follower.resolve(ifindex[i], a);
                            Thread.sleep(50);
                        }
                        assertTrue(macs[i] >= 0, "resolved " + peers[i]);
                    }
                }
                // The worker is pinned to CPU 1; the generator runs on CPU 0.
                try (Workers dp = Workers.builder().port(ports[0]).port(ports[1]).port(ports[2]).worker(1, 0, 1, 2)
                        .idle(Workers.Idle.BUSY_SPIN).build()) {
                    dp.fib().change()
                            .nexthop(1, new Nexthop(0, macs[0], KernelAddresses.mac(routerMac), 1500, true, true))
                            .nexthop(2, new Nexthop(1, macs[1], KernelAddresses.mac(ports[1].mac()), 1500, true, true))
                            .nexthop(3, new Nexthop(2, macs[2], KernelAddresses.mac(ports[2].mac()), 1500, true, true))
                            .group(0, new GroupSpec(new int[] {2, 3}, new int[] {1, 2}, MultipathAlgorithm.L4))
                            .route4(IpAddresses.parse4("10.0.1.0"), 24, RouteTarget.nexthop(1))
                            .route4(IpAddresses.parse4(RouterTopology.ANYCAST4), 32, RouteTarget.group(0))
                            .commit();
                    dp.start();
                    long s1 = delivered(topo, topo.server1), s2 = delivered(topo, topo.server2);
                    long sent = generate(gen, genUmem, routerMac, clientMac);
                    Thread.sleep(200);
                    long d1 = delivered(topo, topo.server1) - s1, d2 = delivered(topo, topo.server2) - s2;
                    dataplanePps = (d1 + d2) * 1_000_000_000L / PHASE_NANOS;
                    dataplaneShare1 = d1 / (double) Math.max(1, d1 + d2);
                    System.out.printf("dataplane (AF_XDP copy mode, 1 pinned worker): offered %d pps, forwarded %d pps,"
                            + " server1 %d server2 %d (share1 %.3f), drops %s%n", sent * 1_000_000_000L / PHASE_NANOS,
                            dataplanePps, d1, d2, dataplaneShare1, java.util.Arrays.toString(ports[0].kernelStatistics()));
                    for (AfXdpPort p : ports) {
                        System.out.printf("  %s: kernelRx %d kernelTx %d txFull %d kickErrors %d rx %d tx %d%n", p, p.framesAtKernelRx(),
                                p.framesAtKernelTx(), p.txRingFull(), p.kickErrors(),
                                dp.portCounter(p.index(), io.dataplane.worker.PortCounter.RX_PACKETS),
                                dp.portCounter(p.index(), io.dataplane.worker.PortCounter.TX_PACKETS));
                    }
                    System.out.printf("  umem free %d held %d, lastError %s%n", umem.freeCount(), umem.heldByPipeline(), dp.lastError());
                    for (io.dataplane.pipeline.Verdict v : io.dataplane.pipeline.Verdict.values()) {
                        if (dp.dropCounter(v) > 0) {
                            System.out.printf("  drop %s %d%n", v.label(), dp.dropCounter(v));
                        }
                    }
                }
                assertTrue(umem.freeCount() == umem.frameCount(), "router frames all returned");
                umem.close();

                // The same route in the kernel, forwarding on, our ports gone (their XDP programs detached).
                topo.netns.exec(topo.router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1",
                        "net.ipv4.fib_multipath_hash_policy=1");
                topo.netns.ip(topo.router, "route", "add", RouterTopology.ANYCAST4 + "/32",
                        "nexthop", "via", RouterTopology.SERVER1_4, "weight", "1",
                        "nexthop", "via", RouterTopology.SERVER2_4, "weight", "2");
                topo.netns.ip(topo.router, "neigh", "replace", RouterTopology.CLIENT4, "lladdr", MacAddress.format(macs[0]),
                        "dev", "r0");
                long s1 = delivered(topo, topo.server1), s2 = delivered(topo, topo.server2);
                long sent = generate(gen, genUmem, routerMac, clientMac);
                Thread.sleep(200);
                long d1 = delivered(topo, topo.server1) - s1, d2 = delivered(topo, topo.server2) - s2;
                kernelPps = (d1 + d2) * 1_000_000_000L / PHASE_NANOS;
                kernelShare1 = d1 / (double) Math.max(1, d1 + d2);
                System.out.printf("kernel forwarding (same route, fib_multipath_hash_policy=1): offered %d pps, forwarded %d pps,"
                        + " server1 %d server2 %d (share1 %.3f)%n", sent * 1_000_000_000L / PHASE_NANOS, kernelPps, d1, d2,
                        kernelShare1);
            } finally {
                gen.close();
                genUmem.close();
            }
            assertEquals(0, checksumErrors(topo), "datagrams forwarded with a wrong UDP checksum");
            assertTrue(dataplanePps > 1000, "the dataplane forwarded under load: " + dataplanePps + " pps");
            assertTrue(kernelPps > 1000, "the kernel forwarded: " + kernelPps + " pps");
            assertTrue(Math.abs(dataplaneShare1 - 1 / 3.0) < 0.05, "1024 flows split 1:2 by the dataplane: " + dataplaneShare1);
        }
    }
}
