package io.dataplane.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.ffi.ThreadScheduling;
import io.dataplane.ffi.XskSocket;
import io.dataplane.pipeline.PacketBatch;
import io.dataplane.port.AfXdpPort;
import io.dataplane.port.MemoryPort;
import io.dataplane.port.MemoryUmem;
import io.dataplane.port.Umem;
import io.dataplane.port.UmemFrames;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.MacAddress;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import io.dataplane.testing.Netns;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Idle mode poll on real AF_XDP sockets: a worker on two veth ports of a router namespace
 * forwards frames injected from a peer namespace to a sink namespace, sleeps in poll(2) when
 * nothing arrives (far less than a CPU over a second, where a spinning worker takes all of one),
 * and gives itself SCHED_FIFO when asked.
 *
 * <pre>
 *  peer vb ---- va  router  vc ---- vd sink
 * </pre>
 */
class PollIdleTest {
    private static final String VA = "02:00:00:00:0a:01", VB = "02:00:00:00:0b:01", VC = "02:00:00:00:0c:01",
            VD = "02:00:00:00:0d:01";
    private static final int FRAMES = 1024;

    private Netns netns;
    private String router;
    private String peer;
    private String sink;
    private Umem umem;
    private Workers dataplane;

    @BeforeEach
    void topology() {
        netns = new Netns("pollidle");
        router = netns.add("router");
        peer = netns.add("peer");
        sink = netns.add("sink");
        netns.veth(router, "va", peer, "vb");
        netns.veth(router, "vc", sink, "vd");
        netns.ip(router, "link", "set", "va", "address", VA);
        netns.ip(peer, "link", "set", "vb", "address", VB);
        netns.ip(router, "link", "set", "vc", "address", VC);
        netns.ip(sink, "link", "set", "vd", "address", VD);
        netns.ip(router, "addr", "add", "10.7.0.1/24", "dev", "va");
        netns.ip(router, "addr", "add", "10.8.0.1/24", "dev", "vc");
    }

    @AfterEach
    void teardown() {
        try {
            if (dataplane != null) {
                dataplane.close();
            }
            if (umem != null) {
                umem.close();
            }
        } finally {
            netns.close();
        }
    }

    /** A worker in {@code idle} mode over va (port 0) and vc (port 1), routing 198.51.100.0/24 out of vc to the sink. */
    private void startWorker(Workers.Idle idle, WorkerScheduling scheduling) {
        umem = new Umem(FRAMES * 4, 4096);
        AfXdpPort[] ports = netns.call(router, () -> new AfXdpPort[] {
            AfXdpPort.open(0, "va", 0, umem, XskSocket.Mode.COPY, FRAMES / 2, 0),
            AfXdpPort.open(1, "vc", 0, umem, XskSocket.Mode.COPY, FRAMES / 2, 0)});
        dataplane = Workers.builder().port(ports[0]).port(ports[1]).worker(-1, 0, 1).idle(idle).scheduling(scheduling).build();
        dataplane.fib().change()
                .nexthop(1, new Nexthop(1, MacAddress.parse(VD), MacAddress.parse(VC), 1500, true, true))
                .route4(IpAddresses.parse4("198.51.100.0"), 24, RouteTarget.nexthop(1))
                .commit();
        dataplane.start();
    }

    private static Thread workerThread() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("dataplane-worker-0")).findFirst()
                .orElseThrow(() -> new AssertionError("no thread dataplane-worker-0"));
    }

    @Test
    void aPollingWorkerWithNothingToDoSleepsInsteadOfSpinning() throws Exception {
        startWorker(Workers.Idle.POLL, WorkerScheduling.INHERIT);
        Thread worker = workerThread();
        var mx = ManagementFactory.getThreadMXBean();
        Thread.sleep(300); // past its start
        long cpu0 = mx.getThreadCpuTime(worker.threadId());
        long sleeps0 = dataplane.pollSleeps(0);
        long t0 = System.nanoTime();
        Thread.sleep(1000);
        long cpu = mx.getThreadCpuTime(worker.threadId()) - cpu0;
        long wall = System.nanoTime() - t0;
        long sleeps = dataplane.pollSleeps(0) - sleeps0;
        System.out.printf("poll worker, no traffic: %.1f ms CPU in %.0f ms, %d sleeps%n", cpu / 1e6, wall / 1e6, sleeps);
        // A spinning worker would use the whole second; a sleeping one a few milliseconds.
        assertTrue(cpu < wall / 2, "the idle worker used " + cpu / 1e6 + " ms of CPU in " + wall / 1e6 + " ms");
        assertTrue(sleeps > 0, "it slept in poll(2)");
        assertTrue(sleeps < 10_000, "each sleep lasted (about " + PollIdleStrategy.LONGEST_MS + " ms), not returned at once: " + sleeps);
        assertNull(dataplane.lastError());
    }

    @Test
    void aPollingWorkerForwardsEveryFrameAndWakesForEachTrickle() throws Exception {
        startWorker(Workers.Idle.POLL, WorkerScheduling.INHERIT);
        Umem peerUmem = new Umem(FRAMES, 4096);
        Umem sinkUmem = new Umem(FRAMES, 4096);
        AfXdpPort in = netns.call(peer, () -> AfXdpPort.open(0, "vb", 0, peerUmem, XskSocket.Mode.COPY, FRAMES / 4, 0));
        AfXdpPort out = netns.call(sink, () -> AfXdpPort.open(0, "vd", 0, sinkUmem, XskSocket.Mode.COPY, FRAMES / 4, 0));
        try {
            final int total = 2000;
            int sent = 0, received = 0;
            PacketBatch batch = new PacketBatch(64);
            long deadline = System.nanoTime() + 20_000_000_000L;
            // Bursts of 20 with pauses longer than the worker's sleep: each burst must wake it.
            while (received < total && System.nanoTime() < deadline) {
                for (int k = 0; k < 20 && sent < total; k++) {
                    long f = UmemFrames.take(peerUmem);
                    if (f < 0) {
                        break;
                    }
                    byte[] fr = frame(sent);
                    long data = f + Umem.XDP_HEADROOM;
                    MemorySegment.copy(fr, 0, peerUmem.memory(), ValueLayout.JAVA_BYTE, data, fr.length);
                    if (!in.transmit(f, data, fr.length)) {
                        peerUmem.release(f);
                        break;
                    }
                    sent++;
                }
                in.flush();
                in.poll();
                Thread.sleep(sent % 200 == 0 ? 25 : 1);
                out.poll();
                batch.clear();
                int n = out.receive(batch);
                for (int i = 0; i < n; i++) {
                    out.release(batch.handle[i]);
                }
                received += n;
            }
            assertEquals(total, received, "every frame forwarded (sent " + sent + ")");
            assertTrue(dataplane.pollSleeps(0) > 0, "the worker slept between bursts");
            assertNull(dataplane.lastError());
        } finally {
            in.close();
            out.close();
            peerUmem.close();
            sinkUmem.close();
        }
    }

    @Test
    void aPollingWorkerKeepsRunningWhenItsPortsAreRemovedAndAddedAgain() throws Exception {
        startWorker(Workers.Idle.POLL, WorkerScheduling.INHERIT);
        Thread.sleep(100);
        dataplane.removePort(0);
        dataplane.removePort(1); // nothing left to sleep on: the worker naps instead
        Thread.sleep(300);
        assertEquals(-1, dataplane.stoppedWorker(), "the worker runs: " + dataplane.lastError());
        assertNull(dataplane.lastError());
        AfXdpPort again = netns.call(router, () -> AfXdpPort.open(0, "va", 0, umem, XskSocket.Mode.COPY, FRAMES / 2, 0, false));
        dataplane.addPort(new io.dataplane.port.Port[] {again});
        long sleeps0 = dataplane.pollSleeps(0);
        Thread.sleep(300);
        assertTrue(dataplane.pollSleeps(0) > sleeps0, "it sleeps in poll(2) on the port added again");
        assertEquals(-1, dataplane.stoppedWorker(), "the worker runs: " + dataplane.lastError());
        assertNull(dataplane.lastError());
        assertFalse(netns.ip(router, "-d", "link", "show", "dev", "vc").contains("xdp"), "vc's program is detached");
    }

    @Test
    void aWorkerAskedForFifoRunsAtFifo() throws Exception {
        startWorker(Workers.Idle.POLL, WorkerScheduling.fifo(1, true));
        Thread.sleep(200);
        assertEquals(-1, dataplane.stoppedWorker(), "the worker runs: " + dataplane.lastError());
        assertEquals(ThreadScheduling.SCHED_FIFO, policyOf("dataplane-worke"), "the worker's policy in /proc (1: SCHED_FIFO)");
    }

    @Test
    void pollModeIsRefusedForPortsWithoutADescriptor() {
        try (MemoryUmem memory = new MemoryUmem(256, 2048);
                MemoryPort a = new MemoryPort(0, "m0", memory, 64, 1500)) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> Workers.builder().port(a).worker(-1, 0).idle(Workers.Idle.POLL).build());
            assertTrue(e.getMessage().contains("idle mode poll needs ports a worker can sleep on"), e.getMessage());
        }
    }

    /** The scheduling policy (field 41 of /proc/self/task/TID/stat) of this process's thread named {@code comm}. */
    private static int policyOf(String comm) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                if (Files.readString(t.resolve("comm")).strip().equals(comm)) {
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    return Integer.parseInt(f[41 - 3]); // fields after "pid (comm)" start at field 3
                }
            }
        }
        throw new AssertionError("no thread named " + comm);
    }

    /** A UDP frame from the peer to 198.51.100.7 with a valid IPv4 header checksum. */
    private static byte[] frame(int seq) {
        ByteBuffer b = ByteBuffer.allocate(64);
        b.put(mac(VA)).put(mac(VB)).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 50).putShort((short) seq).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0)
                .put(new byte[] {10, 7, 0, 2}).put(new byte[] {(byte) 198, 51, 100, 7});
        int sum = 0;
        for (int k = 14; k < 34; k += 2) {
            sum += b.getShort(k) & 0xffff;
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        b.putShort(24, (short) ~sum);
        b.putShort((short) (1000 + seq % 100)).putShort((short) 80).putShort((short) 30).putShort((short) 0);
        b.putInt(seq);
        return b.array();
    }

    private static byte[] mac(String text) {
        long m = MacAddress.parse(text);
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) (m >>> (40 - 8 * i));
        }
        return b;
    }
}
