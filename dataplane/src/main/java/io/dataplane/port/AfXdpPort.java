package io.dataplane.port;

import io.dataplane.counters.CounterFile;
import io.dataplane.counters.CounterType;
import io.dataplane.ffi.Bpf;
import io.dataplane.ffi.Errno;
import io.dataplane.ffi.Libc;
import io.dataplane.ffi.Rtnetlink;
import io.dataplane.ffi.XdpProgram;
import io.dataplane.ffi.XskRing;
import io.dataplane.ffi.XskSocket;
import io.dataplane.pipeline.PacketBatch;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * A {@link Port} on one queue of a network interface through an AF_XDP socket, on a {@link Umem}
 * that the other ports of the same worker share.
 *
 * <p>Opening it (control thread, in the interface's network namespace) loads and attaches the
 * XDP program through a BPF link, registers the interface's own addresses with it so that traffic
 * for the router still reaches the kernel, binds the socket (zero-copy when the driver has it,
 * copy mode otherwise; {@link #zeroCopy()} says which) and fills the fill ring. The hot-path
 * methods then follow the {@link Port} contract: no allocation, no exceptions, syscalls only when
 * the kernel's need_wakeup flag asks for them.
 *
 * <p>Frame accounting: besides the {@link Umem}'s free list and pipeline count, this port counts
 * the frames it gave the kernel for receiving (in the fill or RX ring) and for sending (in the TX
 * or completion ring).
 *
 * <p>Counters: the worker counts this port's packets and bytes; the port counts, in the
 * {@link CounterFile}, its failed kicks and refused transmits (published by the worker in
 * {@link #poll()} when they change) and the kernel's XDP_STATISTICS for the socket (copied by the
 * dataplane's statistics thread).
 */
public final class AfXdpPort implements Port {
    private static final System.Logger LOG = System.getLogger(AfXdpPort.class.getName());
    private static final int ETH_HLEN = 14;
    /**
     * The daemon's ring size (fill, RX, TX and completion alike), libxdp's default too. The fill
     * and RX rings are what carry a port through a stall of its worker (a JVM safepoint, a
     * higher-priority thread on its CPU): the kernel keeps receiving into the fill ring's frames and
     * drops only once they are gone; 2048 frames last 12 ms at 168 kpps, twice the daemon's worst
     * safepoint measured under churn on a loaded machine (6.3 ms; 1024 entries with the old
     * 8,192-frame UMEM, 819 frames a port, lost frames to it). A bigger ring costs on every frame:
     * the kernel's copy-mode receive ({@code xp_alloc}) touches per-frame state of each fill
     * frame, and 4096 frames cycling made its time per frame about twice the 2048's (README,
     * "What it measures here": 0.86 against 0.97 of the C forwarder's rate in one run). A port line's
     * {@code rx-ring} and {@code tx-ring} change it per port, up to {@link #MAX_RING_SIZE}: a port on
     * a core the host takes for longer wants more.
     */
    public static final int DEFAULT_RING_SIZE = 2048;
    /** The largest ring a port line may ask for (32,768 entries: 128 MiB of 4-KiB frames in a full fill ring). */
    public static final int MAX_RING_SIZE = 32768;
    /** The smallest: below a burst (64 frames) the worker would find the rings full within one duty cycle. */
    public static final int MIN_RING_SIZE = 64;
    /** Copy mode sends at most this many frames per kick; more kicks are needed for a full ring. */
    private static final int TEARDOWN_KICKS = 1000;

    private final int index;
    private final String name;
    private final int queue;
    private final Umem umem;
    private final XskSocket socket;
    private final XdpProgram program;
    private final XskRing rx;
    private final XskRing tx;
    private final XskRing fill;
    private final XskRing completion;
    /** Entries of the fill and RX rings, and of the TX and completion rings. */
    private final int rxRingSize;
    private final int txRingSize;
    private final int maxFrameLength;
    private final byte[] mac;

    /** Frames in the fill or RX ring: given to the kernel for receiving, not yet taken back. */
    private int kernelRx;
    /** Frames in the TX or completion ring: given to the kernel for sending, not yet completed. */
    private int kernelTx;
    /** Descriptors written to the TX ring since the last {@link #flush()}. */
    private int txPending;
    /** The sum of the first bytes {@link #receive} reads; kept so that the JIT does not remove the loads. */
    private int headerTouch;
    private boolean closed;
    private String programKey;

    // The worker's running totals; published to the counter file in poll() when they change.
    private long txRingFull;
    private long kickErrors;
    private long publishedTxRingFull;
    private long publishedKickErrors;
    /** Null until {@link #allocateCounters}: a port driven without a dataplane (tests) publishes nothing. */
    private AtomicCounter txRingFullCounter;
    private AtomicCounter kickErrorsCounter;
    private AtomicCounter[] kernelCounters;
    private final long[] kernelStatistics = new long[XskSocket.STATISTICS_COUNT];

    private AfXdpPort(int index, String name, int queue, Umem umem, XskSocket socket, XdpProgram program, int rxRingSize,
            int txRingSize, int maxFrameLength, byte[] mac) {
        this.index = index;
        this.name = name;
        this.queue = queue;
        this.umem = umem;
        this.socket = socket;
        this.program = program;
        this.rx = socket.rx();
        this.tx = socket.tx();
        this.fill = socket.fill();
        this.completion = socket.completion();
        this.rxRingSize = rxRingSize;
        this.txRingSize = txRingSize;
        this.maxFrameLength = maxFrameLength;
        this.mac = mac;
    }

    /**
     * Opens the port. Must run on a thread in the interface's network namespace. {@code xdpFlags}
     * 0 lets the kernel attach natively when the driver can ({@link Bpf#XDP_FLAGS_SKB_MODE} forces
     * generic mode).
     */
    public static AfXdpPort open(int index, String ifname, int queue, Umem umem, XskSocket.Mode mode, int ringSize,
            int xdpFlags) {
        return open(index, ifname, queue, umem, mode, ringSize, xdpFlags, true);
    }

    /**
     * As {@link #open(int, String, int, Umem, XskSocket.Mode, int, int)}; {@code prime} false
     * leaves the fill ring empty for the port's worker to fill in its first duty cycle: a port added
     * while the worker runs, whose UMEM free list only the worker may touch.
     */
    public static AfXdpPort open(int index, String ifname, int queue, Umem umem, XskSocket.Mode mode, int ringSize,
            int xdpFlags, boolean prime) {
        return open(index, ifname, queue, umem, mode, ringSize, ringSize, xdpFlags, prime);
    }

    /**
     * As {@link #open(int, String, int, Umem, XskSocket.Mode, int, int, boolean)} with fill and RX
     * rings of {@code rxRingSize} entries and TX and completion rings of {@code txRingSize}.
     */
    public static AfXdpPort open(int index, String ifname, int queue, Umem umem, XskSocket.Mode mode, int rxRingSize,
            int txRingSize, int xdpFlags, boolean prime) {
        int ifindex = Libc.ifNameToIndex(ifname);
        Rtnetlink.Link link;
        List<Rtnetlink.Address> addresses;
        try (Rtnetlink nl = Rtnetlink.open()) {
            link = nl.link(ifindex);
            addresses = nl.addresses(ifindex);
        }
        if (link.mtu() + ETH_HLEN > umem.maxFrameLength()) {
            throw new IllegalArgumentException("MTU " + link.mtu() + " of " + ifname + " needs frames of "
                    + (link.mtu() + ETH_HLEN + Umem.XDP_HEADROOM) + " bytes but the UMEM's are " + umem.frameSize()
                    + "; lower the MTU (ip link set dev " + ifname + " mtu ...)");
        }
        if (queue < 0 || queue >= MAX_QUEUES) {
            throw new IllegalArgumentException("queue must be 0.." + (MAX_QUEUES - 1) + ", was " + queue);
        }
        String programKey = networkNamespace() + "/" + ifindex;
        XdpProgram program = acquireProgram(programKey, ifname, ifindex, xdpFlags, addresses);
        XskSocket socket = null;
        try {
            socket = XskSocket.open(ifname, ifindex, queue, umem.memory(), umem.frameSize(), 0, umem.registrar(), rxRingSize,
                    txRingSize, mode);
            AfXdpPort port = new AfXdpPort(index, ifname, queue, umem, socket, program, rxRingSize, txRingSize,
                    link.mtu() + ETH_HLEN, link.mac());
            umem.registered(socket, rxRingSize); // counted before priming, so that the fill quota includes this port
            if (prime) {
                port.refill();
            }
            port.programKey = programKey;
            program.setSocket(queue, socket.fd());
            LOG.log(System.Logger.Level.INFO, "port {0}: {1} queue {2} bound in {3} mode (asked {4}), XDP {5}, MTU {6}",
                    index, ifname, queue, socket.zeroCopy() ? "zero-copy" : "copy", mode.name().toLowerCase(),
                    xdpFlags == Bpf.XDP_FLAGS_SKB_MODE ? "generic" : xdpFlags == Bpf.XDP_FLAGS_DRV_MODE ? "native" : "auto",
                    link.mtu());
            return port;
        } catch (RuntimeException e) {
            if (socket != null) {
                umem.unregistered(socket, rxRingSize);
                socket.close();
            }
            releaseProgram(programKey);
            throw e;
        }
    }

    /** XSKMAP size: queue ids an interface's ports may use. */
    private static final int MAX_QUEUES = 64;

    /** An interface's XDP program and how many of this process's ports (one per queue) use it. */
    private static final class SharedProgram {
        final XdpProgram program;
        int users;

        SharedProgram(XdpProgram program) {
            this.program = program;
        }
    }

    /**
     * One program per interface: an interface takes one XDP program (per attach mode), so the
     * ports of its queues share it and its XSKMAP. Keyed by namespace and ifindex, since an
     * ifindex is only unique within a namespace.
     */
    private static final Map<String, SharedProgram> PROGRAMS = new HashMap<>();

    private static synchronized XdpProgram acquireProgram(String key, String ifname, int ifindex, int xdpFlags,
            List<Rtnetlink.Address> addresses) {
        SharedProgram shared = PROGRAMS.get(key);
        if (shared == null) {
            XdpProgram program = XdpProgram.load(ifname, MAX_QUEUES, Bpf.XDP_PASS);
            try {
                for (Rtnetlink.Address a : addresses) {
                    program.addLocalAddress(a.address());
                    if (a.broadcast() != null) {
                        program.addLocalAddress(a.broadcast());
                    }
                }
                // Attached before any socket is in the map: transit frames of unclaimed queues pass to the kernel.
                program.attach(ifindex, xdpFlags);
            } catch (RuntimeException e) {
                program.close();
                throw e;
            }
            shared = new SharedProgram(program);
            PROGRAMS.put(key, shared);
        }
        shared.users++;
        return shared.program;
    }

    private static synchronized void releaseProgram(String key) {
        SharedProgram shared = PROGRAMS.get(key);
        if (shared != null && --shared.users == 0) {
            PROGRAMS.remove(key);
            shared.program.close(); // closes the BPF link: the interface is back to the kernel alone
        }
    }

    /** The calling thread's network namespace, as the kernel names it ("net:[inode]"). */
    private static String networkNamespace() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/thread-self/ns/net: " + e.getMessage(), e);
        }
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public String name() {
        return name;
    }

    public int queue() {
        return queue;
    }

    /** Whether the kernel bound this socket zero-copy (false: copy mode). */
    public boolean zeroCopy() {
        return socket.zeroCopy();
    }

    /** The interface's MAC address, the source of frames sent here. */
    public byte[] mac() {
        return mac.clone();
    }

    public Umem umem() {
        return umem;
    }

    @Override
    public MemorySegment memory() {
        return umem.memory();
    }

    /** The whole UMEM frame before the data is headroom (at least XDP_PACKET_HEADROOM for received frames). */
    @Override
    public long headroomStart(long handle, long data) {
        return umem.frameOf(data);
    }

    @Override
    public int maxFrameLength() {
        return maxFrameLength;
    }

    // ---- hot path ----

    @Override
    public int receive(PacketBatch batch) {
        int n = rx.available(batch.capacity() - batch.count());
        if (n == 0) {
            // In copy mode with need_wakeup the kernel stops filling RX until it is woken.
            if (fill.needsWakeup()) {
                kick(socket.kickRx());
            }
            return 0;
        }
        // Every frame's first cache line is read here, before the pipeline parses any: the kernel
        // copied the frames in on another CPU (receive on the other core), a miss of one CPU0-CPU1
        // round trip each; taken one frame at a time behind each parse, the misses did not overlap.
        // (DPDK's shim prefetches instead; its frames are written on the worker's own CPU.)
        MemorySegment frames = umem.memory();
        int touched = 0;
        for (int i = 0; i < n; i++) {
            long addr = rx.address(i);
            int length = rx.descriptorLength(i);
            batch.add(addr, addr, length);
            if (length > 0) { // an empty frame may sit at the end of the UMEM
                touched += frames.get(ValueLayout.JAVA_BYTE, addr);
            }
        }
        headerTouch = touched;
        rx.release(n);
        kernelRx -= n;
        umem.receivedByPipeline(n);
        return n;
    }

    @Override
    public boolean transmit(long handle, long data, int length) {
        if (tx.free(txPending + 1) <= txPending) {
            txRingFull++;
            return false;
        }
        tx.putDescriptor(txPending, data, length);
        txPending++;
        kernelTx++;
        umem.sentByPipeline();
        return true;
    }

    @Override
    public void flush() {
        if (txPending > 0) {
            tx.submit(txPending);
            txPending = 0;
        }
        // Only descriptors the kernel has not taken need a kick. Frames that merely await their
        // completion do not: kicking for those was one useless sendto per duty cycle, which on a
        // shared core also kept r0's receive thread from running.
        if (tx.entries() > 0 && tx.needsWakeup()) {
            kick(socket.kickTx());
        }
    }

    @Override
    public int pollDescriptor() {
        return socket.fd();
    }

    /**
     * 0 while the TX ring holds descriptors the kernel has not taken (copy mode sends them only
     * when kicked); 1 ms while frames due back on the completion ring would top up a fill ring
     * below its quota; else {@code longestMs}.
     */
    @Override
    public int mayWaitMs(int longestMs) {
        if (txPending > 0 || tx.entries() > 0) {
            return 0;
        }
        if (kernelTx > 0 && kernelRx < umem.fillQuota(rxRingSize)) {
            return Math.min(1, longestMs);
        }
        return longestMs;
    }

    @Override
    public void release(long handle) {
        umem.release(handle);
    }

    /** A free frame of the shared UMEM; it goes out from its first byte (no headroom is needed to send). */
    @Override
    public long allocate() {
        return umem.takeForPipeline();
    }

    @Override
    public int poll() {
        int done = completion.available(txRingSize);
        for (int i = 0; i < done; i++) {
            umem.returnFromKernel(completion.address(i));
        }
        if (done > 0) {
            completion.release(done);
            kernelTx -= done;
        }
        // Copy mode sends 32 frames per kick and reports EAGAIN for the rest: keep kicking while the
        // kernel has unsent descriptors.
        if (tx.entries() > 0 && tx.needsWakeup()) {
            kick(socket.kickTx());
        }
        publishCounters();
        return done + refill();
    }

    private void publishCounters() {
        if (kickErrorsCounter == null) {
            return;
        }
        if (kickErrors != publishedKickErrors) {
            publishedKickErrors = kickErrors;
            kickErrorsCounter.setRelease(kickErrors);
        }
        if (txRingFull != publishedTxRingFull) {
            publishedTxRingFull = txRingFull;
            txRingFullCounter.setRelease(txRingFull);
        }
    }

    /** Tops the fill ring up from the free list, up to this port's share of the UMEM ({@link Umem#fillQuota}). */
    private int refill() {
        int want = Math.min(umem.fillQuota(rxRingSize) - kernelRx, umem.freeCount());
        if (want <= 0) {
            return 0;
        }
        int n = fill.free(want);
        for (int i = 0; i < n; i++) {
            fill.putAddress(i, umem.takeForKernel());
        }
        if (n > 0) {
            fill.submit(n);
            kernelRx += n;
        }
        return n;
    }

    private void kick(int rc) {
        if (rc < 0 && rc != -Errno.EAGAIN && rc != -Errno.EBUSY && rc != -Errno.ENOBUFS && rc != -Errno.ENETDOWN) {
            kickErrors++;
        }
    }

    // ---- accounting and counters (any thread may read; values may be a burst stale) ----

    /** Frames given to the kernel for receiving (fill ring + RX ring). */
    public int framesAtKernelRx() {
        return kernelRx;
    }

    /** Frames given to the kernel for sending (TX ring + completion ring), including unflushed ones. */
    public int framesAtKernelTx() {
        return kernelTx;
    }

    /** Entries in the fill and RX rings by their indices; equals {@link #framesAtKernelRx()} when idle. */
    public int fillAndRxRingEntries() {
        return fill.entries() + rx.entries();
    }

    /** Entries in the TX and completion rings by their indices; equals {@link #framesAtKernelTx()} when idle. */
    public int txAndCompletionRingEntries() {
        return tx.entries() + completion.entries() + txPending;
    }

    /** Transmits refused because the TX ring was full (the worker's running total; other threads read the counter file). */
    public long txRingFull() {
        return txRingFull;
    }

    /** Kicks that failed with something other than "try again" (the worker's running total). */
    public long kickErrors() {
        return kickErrors;
    }

    /** The kernel's XDP_STATISTICS for this socket (names in {@link XskSocket#STATISTICS_NAMES}). */
    public long[] kernelStatistics() {
        long[] s = new long[XskSocket.STATISTICS_COUNT];
        socket.statistics(s);
        return s;
    }

    @Override
    public void allocateCounters(CounterFile file) {
        String where = "port " + index + " " + name + " queue " + queue;
        kickErrorsCounter = file.newCounter(CounterType.AFXDP_KICK_ERRORS, -1, index, queue, where);
        txRingFullCounter = file.newCounter(CounterType.AFXDP_TX_RING_FULL, -1, index, queue, where);
        AtomicCounter[] kernel = new AtomicCounter[CounterType.xdpStatistics()];
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] = file.newCounter(CounterType.xdpStatistic(i), -1, index, queue, where);
        }
        kernelCounters = kernel;
    }

    /** Statistics thread only (the socket option may be read from any thread); skipped once closed. */
    @Override
    public synchronized void publishKernelStatistics() {
        if (kernelCounters == null || closed) {
            return;
        }
        int n = socket.statistics(kernelStatistics);
        for (int i = 0; i < n && i < kernelCounters.length; i++) {
            kernelCounters[i].setRelease(kernelStatistics[i]);
        }
    }

    // ---- control path ----

    /** Frames for {@code address} go to the kernel from now on (an address added to the interface). */
    public void addLocalAddress(InetAddress address) {
        program.addLocalAddress(address);
    }

    public void removeLocalAddress(InetAddress address) {
        program.removeLocalAddress(address);
    }

    /**
     * Detaches the program, takes every frame back from the kernel onto the UMEM's free list, and
     * closes the socket. Call it on the worker thread after its last burst, or on any thread once
     * the worker has stopped.
     */
    @Override
    public synchronized void close() {
        teardown(umem::returnFromKernel);
    }

    /**
     * Closes a port removed while its worker runs on with its other ports (control thread, once
     * the worker no longer uses this one): detaches and closes as {@link #close()} does, but the
     * frames the kernel held are only collected, since the UMEM's free list is the worker's; the
     * returned task puts them back, on the worker's thread.
     */
    @Override
    public synchronized Runnable closeWhileWorkerRuns() {
        long[] back = new long[umem.frameCount()];
        int[] n = {0};
        teardown(address -> back[n[0]++] = address);
        int count = n[0];
        return () -> {
            for (int i = 0; i < count; i++) {
                umem.returnFromKernel(back[i]);
            }
        };
    }

    private void teardown(java.util.function.LongConsumer back) {
        if (closed) {
            return;
        }
        closed = true;
        program.clearSocket(queue); // no more frames for this queue arrive
        releaseProgram(programKey);
        flush();
        for (int k = 0; k < TEARDOWN_KICKS && tx.entries() > 0; k++) {
            socket.kickTx();
        }
        // Frames the kernel already received or sent come back through RX and completion.
        int n = rx.available(rxRingSize);
        for (int i = 0; i < n; i++) {
            back.accept(rx.address(i));
        }
        rx.release(n);
        kernelRx -= n;
        int c = completion.available(txRingSize);
        for (int i = 0; i < c; i++) {
            back.accept(completion.address(i));
        }
        completion.release(c);
        kernelTx -= c;
        // What the kernel never consumed is still ours: read it back from the producer rings.
        long[] left = new long[Math.max(rxRingSize, txRingSize)];
        int f = fill.unconsumed(left);
        for (int i = 0; i < f; i++) {
            back.accept(left[i]);
        }
        kernelRx -= f;
        int t = tx.unconsumed(left);
        for (int i = 0; i < t; i++) {
            back.accept(left[i]);
        }
        kernelTx -= t;
        umem.unregistered(socket, rxRingSize);
        socket.close();
        if (kernelRx != 0 || kernelTx != 0) {
            LOG.log(System.Logger.Level.WARNING, "port {0} ({1}): {2} receive and {3} send frames not returned by the kernel at close",
                    index, name, kernelRx, kernelTx);
        }
    }

    @Override
    public String toString() {
        return "AfXdpPort[" + index + " " + name + " queue " + queue + (socket.zeroCopy() ? " zero-copy" : " copy") + "]";
    }
}
