package io.dataplane.perf.vskernel;

import io.dataplane.ffi.Bpf;
import io.dataplane.ffi.CpuAffinity;
import io.dataplane.ffi.Libc;
import io.dataplane.ffi.NetNamespace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The traffic generator: the {@link TrafficPrograms#generator} program run in a loop of
 * {@code BPF_PROG_TEST_RUN} calls with live frames on a thread pinned to one CPU inside the
 * generator namespace, so every run's XDP_TX leaves through the generator's veth towards the
 * router. Unpaced, it offers as much as that CPU can produce; paced, each run of the program waits
 * in the kernel for its frame's send time and the frames leave in bursts of {@link #PACED_BATCH}, never
 * paced by dropping frames (dropped live frames load the page-return path). A syscall per burst
 * with sleeps in between cannot pace: each BPF_PROG_TEST_RUN call costs from a millisecond to
 * tens of milliseconds here (its page pool is set up and torn down per call).
 * {@link #framesSent()} counts what it offered (frames the router's veth could not take are lost
 * at the router's door, which is the router's limit, not the generator's). With a FIFO priority
 * the thread runs SCHED_FIFO, so that nothing of lower priority on its CPU takes its time.
 */
public final class TrafficGenerator implements AutoCloseable {
    /** Repeats per syscall unpaced: long enough to amortise the call, short enough to stop within ~0.2 s. */
    private static final int REPEAT = 1 << 18;
    private static final int BATCH = 64;
    /**
     * Paced frames are flushed to the router in bursts of this many: one flush (and one wake-up of
     * the receiving NAPI thread) per frame caps the rate at ~80 kpps when that thread shares the
     * generator's CPU (layout b), and 16 frames are far from filling veth's 256-entry ring.
     */
    static final int PACED_BATCH = 16;
    /** A paced generator further behind than this many frames restarts its schedule instead of catching up. */
    static final int MAX_CATCH_UP_FRAMES = 32;

    private final Arena arena = Arena.ofShared();
    private final int counterMap;
    private final int prog;
    private final MemorySegment frame;
    private final String namespace;
    private final String ifname;
    private final int cpu;
    private final int fifoPriority;
    private volatile boolean running;
    private volatile int threadId;
    private volatile Throwable failure;
    private Thread thread;

    public TrafficGenerator(int family, int flows, int frameLength, byte[] srcMac, byte[] dstMac, InetAddress src,
            InetAddress dst, String namespace, String ifname, int cpu, int fifoPriority) {
        this.namespace = namespace;
        this.ifname = ifname;
        this.cpu = cpu;
        this.fifoPriority = fifoPriority;
        byte[] t = template(family, frameLength, srcMac, dstMac, src, dst);
        counterMap = Bpf.mapCreate(Bpf.MAP_TYPE_ARRAY, 4, (int) TrafficPrograms.GEN_VALUE_SIZE, 1, "vsk_gen_count");
        try {
            prog = Bpf.progLoad(Bpf.PROG_TYPE_XDP, TrafficPrograms.generator(family, flows, counterMap, t), "GPL", "vsk_gen");
        } catch (RuntimeException e) {
            Libc.close(counterMap);
            throw e;
        }
        frame = arena.allocate(t.length);
        MemorySegment.copy(t, 0, frame, ValueLayout.JAVA_BYTE, 0, t.length);
    }

    /**
     * The template frame; the program rewrites flow, sequence, time, source port, source address
     * low bits and the UDP checksum (0 here).
     */
    public static byte[] template(int family, int length, byte[] srcMac, byte[] dstMac, InetAddress src, InetAddress dst) {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.BIG_ENDIAN);
        b.put(dstMac).put(srcMac).putShort((short) (family == 4 ? 0x0800 : 0x86dd));
        int udp = TrafficPrograms.udpOffset(family);
        if (family == 4) {
            b.put((byte) 0x45).put((byte) 0).putShort((short) (length - TrafficPrograms.ETH_HLEN)).putShort((short) 0)
                    .putShort((short) 0).put((byte) 64).put((byte) 17).putShort((short) 0).put(src.getAddress())
                    .put(dst.getAddress());
            int sum = 0;
            for (int i = TrafficPrograms.ETH_HLEN; i < TrafficPrograms.ETH_HLEN + 20; i += 2) {
                sum += b.getShort(i) & 0xffff;
            }
            while (sum >> 16 != 0) {
                sum = (sum & 0xffff) + (sum >> 16);
            }
            b.putShort(TrafficPrograms.ETH_HLEN + 10, (short) ~sum);
        } else {
            b.putInt(0x60000000).putShort((short) (length - udp)).put((byte) 17).put((byte) 64).put(src.getAddress())
                    .put(dst.getAddress());
        }
        b.position(udp);
        b.putShort((short) 1024).putShort((short) TrafficPrograms.UDP_PORT).putShort((short) (length - udp)).putShort((short) 0);
        return b.array();
    }

    /** Starts offering traffic as fast as the CPU allows. */
    void start() {
        start(0);
    }

    /**
     * Starts offering traffic; {@code ratePps} > 0 paces it: the program waits for each frame's
     * send time (see {@link TrafficPrograms#MAX_SPIN}); frames are flushed {@link #PACED_BATCH} at a time.
     */
    public void start(double ratePps) {
        long interval = ratePps > 0 ? Math.max(1, (long) (1e9 / ratePps)) : 0;
        setInterval(interval);
        // Paced calls last about 0.2 s each, so that stopping is quick and the per-call set-up rare.
        int repeat = interval == 0 ? REPEAT : (int) Math.max(1, Math.min(REPEAT, ratePps * 0.2));
        int batch = interval == 0 ? BATCH : PACED_BATCH;
        running = true;
        failure = null;
        threadId = 0;
        thread = Thread.ofPlatform().name("vsk-generator").daemon().start(() -> {
            try {
                NetNamespace.enter(namespace);
                CpuAffinity.pin(cpu);
                threadId = CpuAffinity.threadId();
                int ifindex = Libc.ifNameToIndex(ifname);
                while (running) {
                    Bpf.testRunLive(prog, frame, ifindex, repeat, batch);
                }
            } catch (Throwable t) {
                failure = t;
            }
        });
    }

    /** Writes the pacing interval (only while stopped: the update replaces the whole value). */
    private void setInterval(long nanos) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocateFrom(ValueLayout.JAVA_INT, 0);
            MemorySegment v = a.allocate(TrafficPrograms.GEN_VALUE_SIZE, 8);
            Bpf.mapLookup(counterMap, key, v, "generator state");
            v.set(ValueLayout.JAVA_LONG, TrafficPrograms.GEN_NEXT, 0L);
            v.set(ValueLayout.JAVA_LONG, TrafficPrograms.GEN_INTERVAL, nanos);
            v.set(ValueLayout.JAVA_LONG, TrafficPrograms.GEN_MAX_LAG, nanos * MAX_CATCH_UP_FRAMES);
            v.set(ValueLayout.JAVA_LONG, TrafficPrograms.GEN_SKIPPED, 0L);
            Bpf.mapUpdate(counterMap, key, v, "generator pacing");
        }
    }

    /**
     * Makes the running generator SCHED_FIFO (when it has a priority). It starts as SCHED_OTHER so
     * that during a round's warm-up the contenders' JIT compilers, which live on this CPU, get
     * their share; FIFO from then on keeps everything of lower priority off its CPU.
     */
    void raisePriority() throws InterruptedException {
        if (fifoPriority <= 0) {
            return;
        }
        for (int i = 0; i < 100 && threadId == 0 && failure == null; i++) {
            Thread.sleep(10);
        }
        if (threadId != 0) {
            Shell.run("chrt", "-f", "-p", String.valueOf(fifoPriority), String.valueOf(threadId));
        }
    }

    /** Paced runs skipped since the last start because the frame was due too far ahead (rates below ~5 kpps). */
    public long skipped() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(TrafficPrograms.GEN_VALUE_SIZE, 8);
            Bpf.mapLookup(counterMap, a.allocateFrom(ValueLayout.JAVA_INT, 0), v, "generator counter");
            return v.get(ValueLayout.JAVA_LONG, TrafficPrograms.GEN_SKIPPED);
        }
    }

    /** Stops offering traffic and waits for the last test run to return. */
    public void stop() {
        running = false;
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
    }

    /** The generator thread's error, if it died. */
    public Throwable failure() {
        return failure;
    }

    /** Frames the program has sent since it was loaded. */
    public long framesSent() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(TrafficPrograms.GEN_VALUE_SIZE, 8);
            Bpf.mapLookup(counterMap, a.allocateFrom(ValueLayout.JAVA_INT, 0), v, "generator counter");
            return v.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    @Override
    public void close() {
        stop();
        Libc.close(prog);
        Libc.close(counterMap);
        arena.close();
    }
}
