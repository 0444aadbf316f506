package io.dataplane.port;

import io.dataplane.ffi.Shell;

import io.dataplane.ffi.dpdk.TestEal;

import io.dataplane.ffi.NetNamespace;
import io.dataplane.ffi.dpdk.Dpdk;
import io.dataplane.pipeline.PacketBatch;
import io.dataplane.worker.TestWire;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntToLongFunction;

/**
 * A {@link TestWire} of real kernel links: three veth pairs in a network namespace it creates
 * (and deletes on close). The router's three {@link DpdkPort}s use DPDK's net_af_packet (or net_af_xdp) driver on
 * one end of each pair; the test holds DpdkPorts on the other ends, injecting and collecting
 * frames through the kernel.
 */
public final class DpdkVethWire implements TestWire {
    private static final String[] NAMES = {"client", "server1", "server2"};
    /**
     * Frames injected on a link that its router port has not received yet, at most. The kernel
     * drops what overflows a veth's backlog or an AF_PACKET ring (neither counts as a router drop),
     * so the wire paces itself like a sender with a window.
     */
    private static final int WINDOW = 128;
    /** The dataplane's rx_packets of a router port; without a dataplane, no pacing. */
    private IntToLongFunction routerReceived = port -> Long.MAX_VALUE / 2;
    private static int generation;

    private final String namespace;
    private final DpdkPort[] router = new DpdkPort[3];
    private final DpdkPort[] far = new DpdkPort[3];
    private final long[] injected = new long[3];
    private final PacketBatch batch = new PacketBatch(64);
    private final Arena arena = Arena.ofShared();
    private final MemorySegment one = arena.allocate(ValueLayout.JAVA_LONG);

    /** Over net_af_packet. */
    public DpdkVethWire() {
        this("net_af_packet", "");
    }

    /** Over {@code driver} (net_af_packet or net_af_xdp), with {@code args} appended to each vdev spec. */
    public DpdkVethWire(String driver, String args) {
        TestEal.eal();
        int g = generation++;
        namespace = "dpdk-wire-" + ProcessHandle.current().pid() + "-" + g;
        run("ip", "netns", "add", namespace);
        try {
            // No IPv6 on the links: router solicitations and MLD reports would reach the servers' side.
            run("ip", "netns", "exec", namespace, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
            run("ip", "netns", "exec", namespace, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1");
            for (int i = 0; i < 3; i++) {
                String r = "dr" + i;
                String t = "dt" + i;
                run("ip", "-n", namespace, "link", "add", r, "type", "veth", "peer", "name", t);
                run("ip", "-n", namespace, "link", "set", r, "up");
                run("ip", "-n", namespace, "link", "set", t, "up");
                int index = i;
                int vdev = 30 + g * 6 + i * 2;
                router[i] = NetNamespace.call(namespace, () -> DpdkPort.open(index,
                        DpdkPortConfig.vdev(NAMES[index], driver + vdev + ",iface=" + r + args)));
                far[i] = NetNamespace.call(namespace, () -> DpdkPort.open(index,
                        DpdkPortConfig.vdev("far-" + NAMES[index], driver + (vdev + 1) + ",iface=" + t + args)));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public void routerReceived(IntToLongFunction received) {
        routerReceived = received;
    }

    @Override
    public Port[] ports() {
        return router.clone();
    }

    @Override
    public boolean inject(int port, MemorySegment frame) {
        if (injected[port] - routerReceived.applyAsLong(port) >= WINDOW) {
            return false; // the caller drains and retries: the router catches up
        }
        DpdkPort p = far[port];
        if (Dpdk.mbufAllocBulk(p.mempool().segment(), one, 1) != 0) {
            return false;
        }
        long mbuf = one.get(ValueLayout.JAVA_LONG, 0);
        int length = (int) frame.byteSize();
        long data = Dpdk.mbufAppend(mbuf, length);
        MemorySegment.copy(frame, 0, p.memory(), data, length);
        if (!p.transmit(mbuf, data, length)) {
            Dpdk.mbufFree(mbuf);
            return false;
        }
        p.flush();
        injected[port]++;
        return true;
    }

    @Override
    public int drain(int port, io.dataplane.port.MemoryPort.FrameSink sink) {
        DpdkPort p = far[port];
        int total = 0;
        int n;
        do {
            batch.clear();
            n = p.receive(batch);
            for (int i = 0; i < n; i++) {
                sink.accept(p.memory(), batch.data[i], batch.length[i]);
                p.release(batch.handle[i]);
            }
            total += n;
        } while (n > 0);
        p.poll();
        return total;
    }

    @Override
    public void close() {
        for (int i = 0; i < 3; i++) {
            if (router[i] != null) {
                router[i].close();
            }
            if (far[i] != null) {
                far[i].close();
            }
        }
        arena.close();
        try {
            run("ip", "netns", "del", namespace);
        } catch (IllegalStateException ignored) {
            // best effort: it may not have been created
        }
    }

    private static void run(String... command) {
        Shell.run(command);
    }
}
