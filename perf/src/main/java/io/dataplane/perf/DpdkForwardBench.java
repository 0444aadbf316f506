package io.dataplane.perf;

import io.dataplane.ffi.CpuAffinity;
import io.dataplane.ffi.dpdk.Dpdk;
import io.dataplane.ffi.dpdk.Eal;
import io.dataplane.ffi.dpdk.EalOptions;
import io.dataplane.pipeline.PacketBatch;
import io.dataplane.port.DpdkPort;
import io.dataplane.port.DpdkPortConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Java counterpart of {@code dpdk-testpmd --forward-mode=io} on two DPDK ports: one pinned
 * worker receives a burst on each port and transmits it unchanged on the other, through the
 * {@link DpdkPort} contract. Prints forwarded Mpps (sum over both directions, as testpmd's two
 * ports' Rx-pps add up to).
 *
 * <p>Usage: {@code DpdkForwardBench [--seconds 10] [--warmup 5] [--cpu 1] [--burst 32]
 * [--vdev0 net_null0] [--vdev1 net_null1] [--eal "--no-huge -m 256 ..."] [--tx-first BURSTS]}
 */
public final class DpdkForwardBench {
    private DpdkForwardBench() {}

    public static void main(String[] args) throws Exception {
        int seconds = 10;
        int warmup = 5;
        int cpu = 1;
        int burst = 32;
        String vdev0 = "net_null0";
        String vdev1 = "net_null1";
        EalOptions eal = EalOptions.NO_HUGEPAGES;
        int txFirst = 0;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--cpu" -> cpu = Integer.parseInt(v);
                case "--burst" -> burst = Integer.parseInt(v);
                case "--vdev0" -> vdev0 = v;
                case "--vdev1" -> vdev1 = v;
                case "--eal" -> eal = EalOptions.parse(v);
                case "--tx-first" -> txFirst = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Eal.start(eal);
        DpdkPort a = DpdkPort.open(0, DpdkPortConfig.vdev("p0", vdev0).withBurst(burst));
        DpdkPort b = DpdkPort.open(1, DpdkPortConfig.vdev("p1", vdev1).withBurst(burst));
        // Devices that make no traffic of their own (af_packet, af_xdp on a veth pair) get bursts to bounce, as testpmd --tx-first.
        for (int i = 0; i < txFirst; i++) {
            sendBurst(a, burst);
            sendBurst(b, burst);
        }
        AtomicLong forwarded = new AtomicLong();
        AtomicLong dropped = new AtomicLong();
        var running = new java.util.concurrent.atomic.AtomicBoolean(true);
        int workerCpu = cpu;
        int batchSize = burst;
        Thread worker = Thread.ofPlatform().name("dpdk-forward").start(() -> {
            CpuAffinity.pin(workerCpu);
            PacketBatch batch = new PacketBatch(batchSize);
            long fwd = 0;
            long drop = 0;
            while (running.getOpaque()) {
                fwd += forward(a, b, batch);
                fwd += forward(b, a, batch);
                forwarded.setOpaque(fwd);
            }
            drop = a.queuedForTransmit() + b.queuedForTransmit();
            dropped.set(drop);
        });
        Thread.sleep(warmup * 1000L);
        long f0 = forwarded.getOpaque();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long f1 = forwarded.getOpaque();
        long t1 = System.nanoTime();
        running.setOpaque(false);
        worker.join();
        double mpps = (f1 - f0) / ((t1 - t0) / 1e3);
        System.out.println("worker lcores: " + a.workerLcore() + " " + b.workerLcore());
        System.out.printf("DpdkPort io-forward %s <-> %s burst %d cpu %d: %.2f Mpps forwarded (%d frames in %.2f s), %.1f ns/frame%n",
                vdev0, vdev1, burst, cpu, mpps, f1 - f0, (t1 - t0) / 1e9, 1e3 / mpps);
        a.close();
        b.close();
    }

    /** Sends {@code n} 64-byte broadcast frames (local experimental ethertype) built in the port's pool. */
    private static void sendBurst(DpdkPort port, int n) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mbufs = arena.allocate(ValueLayout.JAVA_LONG, n);
            if (Dpdk.mbufAllocBulk(port.mempool().segment(), mbufs, n) != 0) {
                throw new IllegalStateException("mempool of " + port.name() + " is short");
            }
            for (int i = 0; i < n; i++) {
                long mbuf = mbufs.getAtIndex(ValueLayout.JAVA_LONG, i);
                long data = Dpdk.mbufAppend(mbuf, 64);
                MemorySegment m = port.memory();
                m.asSlice(data, 64).fill((byte) 0);
                for (int j = 0; j < 6; j++) {
                    m.set(ValueLayout.JAVA_BYTE, data + j, (byte) 0xff);
                }
                m.set(ValueLayout.JAVA_BYTE, data + 6, (byte) 2);
                m.set(ValueLayout.JAVA_BYTE, data + 12, (byte) 0x88);
                m.set(ValueLayout.JAVA_BYTE, data + 13, (byte) 0xb5);
                if (!port.transmit(mbuf, data, 64)) {
                    port.release(mbuf);
                }
            }
            port.flush();
        }
    }

    /** One burst from {@code in} to {@code out}; frames {@code out} refuses are released. */
    private static int forward(DpdkPort in, DpdkPort out, PacketBatch batch) {
        batch.clear();
        int n = in.receive(batch);
        long[] handle = batch.handle;
        long[] data = batch.data;
        int[] length = batch.length;
        for (int i = 0; i < n; i++) {
            if (!out.transmit(handle[i], data[i], length[i])) {
                in.release(handle[i]);
            }
        }
        out.flush();
        in.poll();
        return n;
    }
}
