package io.dataplane.perf;

import io.dataplane.control.CommandServer;
import io.dataplane.control.ControlPlane;
import io.dataplane.control.WorkerPlane;
import io.dataplane.control.daemon.PortConfiguration;
import io.dataplane.control.rib.Rib;
import io.dataplane.ffi.CpuAffinity;
import io.dataplane.port.MemoryPort;
import io.dataplane.port.MemoryUmem;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.packet.Frames;
import io.dataplane.worker.Workers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code bin/bench abuse}: the command socket under every kind of abuse at once while a worker
 * forwards in-memory traffic, against the same without abuse. A well-behaved client sends
 * {@code route get} commands one at a time (1 ms apart) and times each answer; the wire thread
 * offers frames at a fixed rate on one memory port and counts those forwarded to the other.
 *
 * <p>The abuse: 500 connections held open and silent, clients sending 1 MiB lines, binary
 * garbage, one byte a second (20 of them), 'route show' of 2,000 routes over and over without
 * reading (4 of them), and a connect-and-close loop. CPUs: the worker on CPU 1; the wire, the
 * control thread, the clients and the abusers on CPU 0 (the JVM is started under taskset -c 0),
 * so the abusers compete with the wire and the control thread, not with the worker.
 */
public final class AbuseBench {
    private static final int ROUTES = 2000;
    private final Path socket;
    private final CommandServer server;
    private final MemoryPort[] ports = new MemoryPort[2];
    private final MemoryUmem umem = new MemoryUmem(8192, 2048);
    private final Workers dataplane;
    private volatile boolean wireRunning = true;
    private volatile boolean injecting = true;
    private volatile long forwarded;
    private volatile long injected;
    private final double rate;

    private AbuseBench(Path dir, double rate) throws IOException {
        this.rate = rate;
        FibLimits limits = new FibLimits(4096, 64, 4096, 256, 2);
        Workers.Builder b = Workers.builder().limits(limits).idle(Workers.Idle.BUSY_SPIN);
        List<String> config = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ports[i] = new MemoryPort(i, "p" + i, umem, 1024, 1500);
            b.port(ports[i]);
            config.add("port add dev p" + i + " type memory");
        }
        b.worker(1, 0, 1);
        config.add("neigh add 192.0.2.1 lladdr 02:00:00:00:01:01 dev p1");
        config.add("route add 10.0.0.0/8 via 192.0.2.1 dev p1");
        for (int i = 0; i < ROUTES; i++) {
            config.add("route add 172." + (16 + i / 256) + "." + i % 256 + ".0/24 via 192.0.2.1 dev p1");
        }
        dataplane = b.build();
        ControlPlane plane = new ControlPlane(new Rib(limits.nexthops(), limits.groups()), null, new PortConfiguration());
        plane.loadConfiguration(config, "abuse.conf");
        plane.attach(new WorkerPlane(dataplane));
        dataplane.start();
        socket = dir.resolve("abuse.sock");
        server = CommandServer.open(socket, "root", plane, CommandServer.Limits.defaults());
        Thread.ofPlatform().name("control").daemon().start(() -> {
            try {
                server.run();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.ofPlatform().name("wire").daemon().start(this::wire);
    }

    /**
     * Injects on p0 at {@link #rate} frames per second (parking when ahead, so it leaves CPU 0 to
     * the control thread), at most 512 in flight, and drains p1.
     */
    private void wire() {
        CpuAffinity.pin(0);
        Random rnd = new Random(7);
        Frames[] flows = new Frames[256];
        for (int i = 0; i < flows.length; i++) {
            flows[i] = Frames.ipv4(0xac100000 | rnd.nextInt(1 << 16), 0x0a000000 | rnd.nextInt(1 << 24)).udp(1024 + i, 53).payload(18);
        }
        int[] next = {0};
        long in = 0, out = 0;
        long start = System.nanoTime();
        while (wireRunning) {
            long due = (long) ((System.nanoTime() - start) * (rate / 1e9));
            long room = Math.min(512 - (in - out), due - in);
            if (room > 0 && injecting) {
                in += ports[0].inject((m, at) -> {
                    int len = flows[next[0]].write(m, at);
                    next[0] = (next[0] + 1) & 255;
                    return len;
                }, (int) Math.min(room, 64));
            }
            int drained = ports[1].drain((m, at, len) -> { }, 64);
            out += drained;
            injected = in;
            forwarded = out;
            if (room <= 0 && drained == 0) {
                LockSupport.parkNanos(20_000);
            }
        }
    }

    private SocketChannel connect() throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(socket));
    }

    /** One measured phase: {@code commands} route gets, timed; the forwarding rate over the same window. */
    private String phase(String name, int commands) throws IOException, InterruptedException {
        long[] nanos = new long[commands];
        try (SocketChannel ch = connect()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.US_ASCII));
            byte[] line = "route get 10.1.2.3\n".getBytes(StandardCharsets.US_ASCII);
            long f0 = forwarded, i0 = injected, t0 = System.nanoTime(), gc0 = gcMillis();
            for (int i = 0; i < commands; i++) {
                long start = System.nanoTime();
                ByteBuffer b = ByteBuffer.wrap(line);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                String l;
                while ((l = in.readLine()) != null && !l.equals(".") && !l.equals("ok") && !l.startsWith("error: ")) {
                    // the reply's lines
                }
                if (l == null || l.startsWith("error: ")) {
                    throw new IOException("the well-behaved client got " + l);
                }
                nanos[i] = System.nanoTime() - start;
                Thread.sleep(1);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long f = forwarded - f0, offered = injected - i0;
            Arrays.sort(nanos);
            return String.format("%-6s answer time over %d commands: p50 %.0f us, p99 %.0f us, max %.0f us;"
                            + " forwarded %.3f Mpps of %.3f offered (%+d: frames in flight at the window's edges); GC %d ms",
                    name, commands, nanos[commands / 2] / 1e3, nanos[(int) (commands * 0.99)] / 1e3, nanos[commands - 1] / 1e3,
                    f / seconds / 1e6, offered / seconds / 1e6, offered - f, gcMillis() - gc0);
        }
    }

    private static long gcMillis() {
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }

    /** Starts the abusers; they stop when {@code stop} is set. */
    private List<Thread> abuse(AtomicBoolean stop, List<SocketChannel> held) throws IOException {
        for (int i = 0; i < 500; i++) {
            held.add(connect());
        }
        List<Thread> threads = new ArrayList<>();
        threads.add(loop("1MiB-line", stop, () -> {
            try (SocketChannel ch = connect()) {
                byte[] big = new byte[1 << 20];
                Arrays.fill(big, (byte) 'a');
                ch.write(ByteBuffer.wrap(big)); // the server closes after 8 KiB: the rest fails
            }
        }));
        threads.add(loop("garbage", stop, () -> {
            try (SocketChannel ch = connect()) {
                byte[] junk = new byte[4096];
                new Random().nextBytes(junk);
                ch.write(ByteBuffer.wrap(junk));
            }
        }));
        threads.add(loop("connect-close", stop, () -> connect().close()));
        for (int i = 0; i < 20; i++) {
            threads.add(loop("slowloris-" + i, stop, () -> {
                try (SocketChannel ch = connect()) {
                    while (!stop.get()) {
                        ch.write(ByteBuffer.wrap(new byte[] {'r'}));
                        Thread.sleep(1000);
                    }
                }
            }));
        }
        for (int i = 0; i < 4; i++) {
            threads.add(loop("non-reader-" + i, stop, () -> {
                try (SocketChannel ch = connect()) {
                    ByteBuffer many = ByteBuffer.wrap("route show\n".repeat(100_000).getBytes(StandardCharsets.US_ASCII));
                    while (!stop.get() && many.hasRemaining()) {
                        ch.write(many); // blocks once the server holds it back; never reads
                    }
                }
            }));
        }
        return threads;
    }

    private interface Abuse {
        void once() throws Exception;
    }

    private static Thread loop(String name, AtomicBoolean stop, Abuse abuse) {
        return Thread.ofPlatform().name(name).daemon().start(() -> {
            while (!stop.get()) {
                try {
                    abuse.once();
                } catch (Exception e) {
                    // closed or refused by the server: that is the point; go again
                }
            }
        });
    }

    /** {@code AbuseBench [commands per phase [frames per second offered]]} (default 5000, 300000). */
    public static void main(String[] args) throws Exception {
        int commands = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        double rate = args.length > 1 ? Double.parseDouble(args[1]) : 300_000;
        Path dir = Files.createTempDirectory("abuse-bench");
        AbuseBench bench = new AbuseBench(dir, rate);
        try {
            bench.phase("warmup", 1000);
            System.out.println(bench.phase("quiet", commands));
            AtomicBoolean stop = new AtomicBoolean();
            List<SocketChannel> held = new ArrayList<>();
            List<Thread> abusers = bench.abuse(stop, held);
            Thread.sleep(2000); // let the abuse reach its steady state (non-readers held back)
            System.out.println(bench.phase("abuse", commands));
            System.out.println("socket counters: " + bench.server.counters().asMap());
            stop.set(true);
            for (SocketChannel c : held) {
                c.close();
            }
            for (Thread t : abusers) {
                t.interrupt();
            }
            Thread.sleep(2000);
            System.out.println(bench.phase("quiet", commands));
            bench.injecting = false;
            Thread.sleep(500); // the frames in flight arrive
            System.out.printf("frames: %d offered, %d forwarded, %d lost over the whole run%n",
                    bench.injected, bench.forwarded, bench.injected - bench.forwarded);
        } finally {
            bench.wireRunning = false;
            bench.server.stop();
            bench.dataplane.stop();
            bench.dataplane.close();
            Files.deleteIfExists(bench.socket);
            Files.deleteIfExists(dir);
        }
        System.exit(0);
    }
}
