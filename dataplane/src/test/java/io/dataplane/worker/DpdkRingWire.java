package io.dataplane.worker;

import io.dataplane.ffi.dpdk.TestEal;


import io.dataplane.ffi.dpdk.Dpdk;
import io.dataplane.ffi.dpdk.EthDev;
import io.dataplane.ffi.dpdk.MbufLayout;
import io.dataplane.ffi.dpdk.Mempool;
import io.dataplane.ffi.dpdk.RingCable;
import io.dataplane.port.DpdkPort;
import io.dataplane.port.DpdkPortConfig;
import io.dataplane.port.MemoryPort;
import io.dataplane.port.Port;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link TestWire} over DPDK: each of the three {@link DpdkPort}s sits on one end of a
 * {@link RingCable} (net_ring ethdevs joined by rings), and the test holds the other end, sending
 * with tx bursts of mbufs from its own mempool and collecting with rx bursts. In CI (CI=true) it
 * must run; elsewhere it skips, saying why, without DPDK or root.
 */
final class DpdkRingWire implements TestWire {
    private static final MemorySegment ALL_MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final int BURST = 32;
    private static int generation;

    private final RingCable[] cables = new RingCable[3];
    private final EthDev[] far = new EthDev[3];
    private final DpdkPort[] ports = new DpdkPort[3];
    private final Mempool pool;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment scratch = arena.allocate(ValueLayout.JAVA_LONG, BURST);

    DpdkRingWire() {
        TestEal.eal();
        int g = generation++; // DPDK names must be fresh while old rings may still be being torn down
        pool = Mempool.create("wire" + g, 8192, 256, MbufLayout.DEFAULT_BUF_SIZE, -1);
        String[] names = {"client", "server1", "server2"};
        for (int i = 0; i < 3; i++) {
            cables[i] = RingCable.create("rp" + g + "_" + i, "rw" + g + "_" + i, 1024);
            far[i] = EthDev.attach(cables[i].endB());
            far[i].configure(1, 1, 1024, 1024, pool);
            far[i].start();
            ports[i] = DpdkPort.open(i, DpdkPortConfig.ethdev(names[i], cables[i].endA()));
        }
    }

    @Override
    public Port[] ports() {
        return ports.clone();
    }

    @Override
    public boolean inject(int port, MemorySegment frame) {
        int length = (int) frame.byteSize();
        if (Dpdk.mbufAllocBulk(pool.segment(), scratch, 1) != 0) {
            return false; // every mbuf is in flight: the caller drains and retries
        }
        long mbuf = scratch.get(ValueLayout.JAVA_LONG, 0);
        long data = Dpdk.mbufAppend(mbuf, length);
        MemorySegment.copy(frame, 0, ALL_MEMORY, data, length);
        if (Dpdk.txBurst(Short.toUnsignedInt(far[port].portId()), 0, scratch, 1) == 1) {
            return true;
        }
        Dpdk.mbufFree(mbuf);
        return false;
    }

    @Override
    public int drain(int port, MemoryPort.FrameSink sink) {
        int total = 0;
        int n;
        do {
            n = Dpdk.rxBurst(Short.toUnsignedInt(far[port].portId()), 0, scratch, BURST);
            for (int i = 0; i < n; i++) {
                long mbuf = scratch.getAtIndex(ValueLayout.JAVA_LONG, i);
                sink.accept(ALL_MEMORY, Dpdk.mbufData(mbuf), Dpdk.mbufDataLength(mbuf));
            }
            if (n > 0) {
                Dpdk.mbufFreeBulk(scratch, n);
            }
            total += n;
        } while (n > 0);
        return total;
    }

    @Override
    public void close() {
        for (int i = 0; i < 3; i++) {
            if (ports[i] != null) {
                ports[i].close();
            }
            if (far[i] != null) {
                drain(i, (m, at, len) -> { });
                far[i].close();
            }
            if (cables[i] != null) {
                cables[i].close();
            }
        }
        // Every frame is back by now: the ports drained their rx rings on close and we drained theirs.
        pool.close();
        arena.close();
    }
}
