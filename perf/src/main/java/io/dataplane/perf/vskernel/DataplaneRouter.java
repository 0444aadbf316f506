package io.dataplane.perf.vskernel;

import io.dataplane.control.daemon.KernelAddresses;
import io.dataplane.ffi.NetNamespace;
import io.dataplane.ffi.XskSocket;
import io.dataplane.port.AfXdpPort;
import io.dataplane.port.Umem;
import io.dataplane.tables.Change;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import io.dataplane.pipeline.Verdict;
import io.dataplane.worker.Workers;
import io.dataplane.worker.PortCounter;
import java.util.ArrayList;
import java.util.List;

/**
 * Our router, in this JVM: AF_XDP ports on the router namespace's veths (r0 in, r1..rN out), one
 * worker pinned to the router CPU, the same routes, weights and algorithm as the kernel's, kernel
 * forwarding off (so whatever reaches a sink was forwarded by us). The {@code --in-process}
 * alternative to {@link DaemonRouter}: no separate JVM, its idle strategy selectable.
 */
final class DataplaneRouter implements RouterUnderTest {
    private static final int GROUP = 0;
    private static final int RX_RING = 2048, OUT_RING = 512;

    private final BenchTopology topo;
    private final int routes;
    private final long[] weights;
    private final MultipathAlgorithm algorithm;
    private final int cpu;
    private final Workers.Idle idle;
    private Umem umem;
    private final List<AfXdpPort> ports = new ArrayList<>();
    private Workers dataplane;
    private String mode = "?";
    private String lastCounters = "";
    /** The kernel hash mode's configuration, or null for the default (Jenkins). */
    private io.dataplane.tables.HashConfiguration hash;

    /** Hashes like the kernel with this configuration (kernel hash mode); call before {@link #start}. */
    void hashConfiguration(io.dataplane.tables.HashConfiguration configuration) {
        hash = configuration;
    }

    DataplaneRouter(BenchTopology topo, int routes, long[] weights, MultipathAlgorithm algorithm, int cpu, Workers.Idle idle) {
        this.topo = topo;
        this.routes = routes;
        this.weights = weights;
        this.algorithm = algorithm;
        this.cpu = cpu;
        this.idle = idle;
    }

    @Override
    public String name() {
        return "dataplane";
    }

    @Override
    public void start() {
        int n = topo.nexthops;
        umem = new Umem(2 * RX_RING + 2 * n * OUT_RING + 4096, 2048);
        try {
            NetNamespace.call(topo.router, () -> {
                ports.add(AfXdpPort.open(0, "r0", 0, umem, XskSocket.Mode.AUTO, RX_RING, 0));
                for (int i = 0; i < n; i++) {
                    ports.add(AfXdpPort.open(i + 1, BenchTopology.routerPort(i), 0, umem, XskSocket.Mode.AUTO, OUT_RING, 0));
                }
                return null;
            });
            mode = ports.getFirst().zeroCopy() ? "zero-copy" : "copy";
            Workers.Builder b = Workers.builder().idle(idle);
            int[] all = new int[ports.size()];
            for (int i = 0; i < all.length; i++) {
                b.port(ports.get(i));
                all[i] = i;
            }
            dataplane = b.worker(cpu, all).build();
            Change c = dataplane.fib().change();
            for (int i = 0; i < n; i++) {
                c.nexthop(i, new Nexthop(i + 1, KernelAddresses.mac(BenchTopology.sinkMac(i)),
                        KernelAddresses.mac(BenchTopology.routerOutMac(i)), 1500, true, true));
            }
            if (hash != null) {
                c.hash(hash);
            }
            c.group(GROUP, group(-1));
            for (int r = 0; r < routes; r++) {
                c.route4(IpAddresses.parse4("16.0.0.0") + (r << 8), 24, RouteTarget.group(GROUP));
                long[] base = IpAddresses.parse6("2001:db8:1000::");
                c.route6(base[0] + ((long) (r >> 16) << 16) + (r & 0xffff), 0, 64, RouteTarget.group(GROUP));
            }
            c.commit();
            dataplane.start();
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    private GroupSpec group(int without) {
        int n = topo.nexthops - (without >= 0 ? 1 : 0);
        int[] nh = new int[n];
        int[] w = new int[n];
        for (int i = 0, j = 0; i < topo.nexthops; i++) {
            if (i != without) {
                nh[j] = i;
                w[j++] = (int) weights[i];
            }
        }
        return new GroupSpec(nh, w, algorithm);
    }

    @Override
    public void removeNexthop(int index) {
        dataplane.fib().change().group(GROUP, group(index)).commit();
    }

    /** Frames that reached the worker but were not forwarded, by the dataplane's own counters. */
    Throwable lastError() {
        return dataplane == null ? null : dataplane.lastError();
    }

    /** The dataplane's own counters of the last round: what it received, sent, and dropped and why. */
    String lastCounters() {
        return lastCounters;
    }

    private String readCounters() {
        StringBuilder sb = new StringBuilder("rx ").append(dataplane.portCounter(0, PortCounter.RX_PACKETS));
        sb.append(", tx");
        for (int i = 1; i <= topo.nexthops; i++) {
            sb.append(' ').append(dataplane.portCounter(i, PortCounter.TX_PACKETS));
        }
        for (Verdict v : Verdict.values()) {
            long n = dataplane.dropCounter(v);
            if (n > 0) {
                sb.append(", ").append(v.label()).append(' ').append(n);
            }
        }
        AfXdpPort in = ports.getFirst();
        long[] xdp = in.kernelStatistics();
        for (int i = 0; i < xdp.length; i++) {
            if (xdp[i] > 0) {
                sb.append(", r0 ").append(XskSocket.STATISTICS_NAMES[i]).append(' ').append(xdp[i]);
            }
        }
        return sb.toString();
    }

    @Override
    public void stop() {
        if (dataplane != null) {
            lastCounters = readCounters();
            dataplane.close(); // stops the worker, then closes the ports
            dataplane = null;
            ports.clear();
        }
        for (AfXdpPort p : ports) {
            p.close();
        }
        ports.clear();
        if (umem != null) {
            umem.close();
            umem = null;
        }
    }

    @Override
    public String describe() {
        return "io.dataplane Workers in the harness JVM: AF_XDP (" + mode + " mode) on r0..r" + topo.nexthops
                + ", one worker pinned to CPU " + cpu + ", idle strategy " + idle.name().toLowerCase().replace('_', '-');
    }
}
