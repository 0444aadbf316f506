package io.dataplane.ffi;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One AF_XDP socket bound to one (interface, queue), with its four rings mapped. The first socket
 * of a UMEM registers it; later sockets share it ({@code XDP_SHARED_UMEM}) and bring their own
 * FILL and COMPLETION rings, which the kernel requires when the interface or queue differs.
 *
 * <p>Ring offsets come from {@code XDP_MMAP_OFFSETS}, never from constants.
 */
public final class XskSocket implements AutoCloseable {
    /** How to bind: try zero-copy and fall back, or force one of the two. */
    public enum Mode { AUTO, COPY, ZEROCOPY }

    static final int SOL_XDP = 283;
    static final int XDP_MMAP_OFFSETS = 1, XDP_RX_RING = 2, XDP_TX_RING = 3, XDP_UMEM_REG = 4,
            XDP_UMEM_FILL_RING = 5, XDP_UMEM_COMPLETION_RING = 6, XDP_STATISTICS = 7, XDP_OPTIONS = 8;
    static final int XDP_SHARED_UMEM = 1, XDP_COPY = 2, XDP_ZEROCOPY = 4, XDP_USE_NEED_WAKEUP = 8;
    static final int XDP_OPTIONS_ZEROCOPY = 1;
    /** mmap page offsets selecting which ring to map. */
    static final long PGOFF_RX_RING = 0, PGOFF_TX_RING = 0x80000000L, PGOFF_FILL_RING = 0x100000000L,
            PGOFF_COMPLETION_RING = 0x180000000L;

    /** How long a bind keeps retrying while the queue is still held by a socket being released. */
    static final long BUSY_RETRY_MS = 2000;
    /** struct xdp_umem_reg (32 bytes in the current ABI; the whole struct is zeroed). */
    private static final int UMEM_REG_SIZE = 32;
    private static final long UMEM_ADDR = 0, UMEM_LEN = 8, UMEM_CHUNK_SIZE = 16, UMEM_HEADROOM = 20;
    /** struct xdp_mmap_offsets: four struct xdp_ring_offset {producer, consumer, desc, flags}, u64 each. */
    private static final int MMAP_OFFSETS_SIZE = 128;
    private static final long OFF_RX = 0, OFF_TX = 32, OFF_FILL = 64, OFF_COMPLETION = 96;
    private static final long RING_PRODUCER = 0, RING_CONSUMER = 8, RING_DESC = 16, RING_FLAGS = 24;
    /** struct sockaddr_xdp. */
    private static final int SOCKADDR_XDP_SIZE = 16;
    private static final long SXDP_FAMILY = 0, SXDP_FLAGS = 2, SXDP_IFINDEX = 4, SXDP_QUEUE_ID = 8, SXDP_SHARED_FD = 12;
    /** struct xdp_statistics: six u64 on kernels since 5.9, the first three before. */
    public static final int STATISTICS_COUNT = 6;
    public static final String[] STATISTICS_NAMES = {"rx_dropped", "rx_invalid_descs", "tx_invalid_descs",
        "rx_ring_full", "rx_fill_ring_empty_descs", "tx_ring_empty_descs"};

    private final int fd;
    private final String ifname;
    private final int queue;
    private final boolean zeroCopy;
    private final XskRing rx;
    private final XskRing tx;
    private final XskRing fill;
    private final XskRing completion;
    /** Lives as long as the socket: holds the kicks' errno capture segment. */
    private final Arena arena = Arena.ofShared();
    /**
     * Worker-owned errno capture for the kicks, preallocated so they allocate nothing. Native
     * rather than a heap array: the linker's heap-segment path allocated per call when the
     * downcall was not fully inlined.
     */
    private final MemorySegment kickCapture = arena.allocate(Libc.CAPTURE_LAYOUT);
    private boolean closed;

    private XskSocket(int fd, String ifname, int queue, boolean zeroCopy, XskRing rx, XskRing tx, XskRing fill,
            XskRing completion) {
        this.fd = fd;
        this.ifname = ifname;
        this.queue = queue;
        this.zeroCopy = zeroCopy;
        this.rx = rx;
        this.tx = tx;
        this.fill = fill;
        this.completion = completion;
    }

    /** As {@link #open(String, int, int, MemorySegment, int, int, XskSocket, int, int, Mode)} with all four rings of {@code ringSize}. */
    public static XskSocket open(String ifname, int ifindex, int queue, MemorySegment umem, int chunkSize, int headroom,
            XskSocket shareWith, int ringSize, Mode mode) {
        return open(ifname, ifindex, queue, umem, chunkSize, headroom, shareWith, ringSize, ringSize, mode);
    }

    /**
     * Creates, maps and binds a socket. {@code umem} must be page aligned; {@code shareWith} is
     * the socket that registered it, or null to register it with this one. {@code rxRing} sizes the
     * fill and RX rings, {@code txRing} the TX and completion rings; both must be powers of two.
     */
    public static XskSocket open(String ifname, int ifindex, int queue, MemorySegment umem, int chunkSize, int headroom,
            XskSocket shareWith, int rxRing, int txRing, Mode mode) {
        if (Integer.bitCount(rxRing) != 1 || Integer.bitCount(txRing) != 1) {
            throw new IllegalArgumentException("ring sizes must be powers of two, were " + rxRing + " (rx) and " + txRing + " (tx)");
        }
        String what = ifname + " queue " + queue;
        int fd = Libc.socket(Libc.AF_XDP, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        MemorySegment[] maps = new MemorySegment[4];
        try (Arena a = Arena.ofConfined()) {
            if (shareWith == null) {
                MemorySegment reg = a.allocate(UMEM_REG_SIZE, 8);
                reg.set(JAVA_LONG, UMEM_ADDR, umem.address());
                reg.set(JAVA_LONG, UMEM_LEN, umem.byteSize());
                reg.set(JAVA_INT, UMEM_CHUNK_SIZE, chunkSize);
                reg.set(JAVA_INT, UMEM_HEADROOM, headroom);
                try {
                    Libc.setsockopt(fd, SOL_XDP, XDP_UMEM_REG, reg, "XDP_UMEM_REG " + umem.byteSize() + " bytes for " + what);
                } catch (NativeException e) {
                    if (e.errno() == Errno.ENOBUFS) {
                        throw new NativeException("setsockopt", "XDP_UMEM_REG for " + what, e.errno(),
                                "the UMEM is pinned memory: raise RLIMIT_MEMLOCK (ulimit -l) or run with CAP_IPC_LOCK");
                    }
                    throw e;
                }
            }
            Libc.setsockoptInt(fd, SOL_XDP, XDP_UMEM_FILL_RING, rxRing, "XDP_UMEM_FILL_RING for " + what);
            Libc.setsockoptInt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, txRing, "XDP_UMEM_COMPLETION_RING for " + what);
            Libc.setsockoptInt(fd, SOL_XDP, XDP_RX_RING, rxRing, "XDP_RX_RING for " + what);
            Libc.setsockoptInt(fd, SOL_XDP, XDP_TX_RING, txRing, "XDP_TX_RING for " + what);

            MemorySegment off = a.allocate(MMAP_OFFSETS_SIZE, 8);
            int len = Libc.getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, off, "XDP_MMAP_OFFSETS for " + what);
            if (len != MMAP_OFFSETS_SIZE) {
                throw new IllegalStateException("XDP_MMAP_OFFSETS returned " + len + " bytes, expected "
                        + MMAP_OFFSETS_SIZE + ": kernel older than 5.4 is not supported");
            }
            XskRing rx = map(fd, off, OFF_RX, PGOFF_RX_RING, rxRing, 16, false, "rx", what, maps, 0);
            XskRing tx = map(fd, off, OFF_TX, PGOFF_TX_RING, txRing, 16, true, "tx", what, maps, 1);
            XskRing fill = map(fd, off, OFF_FILL, PGOFF_FILL_RING, rxRing, 8, true, "fill", what, maps, 2);
            XskRing comp = map(fd, off, OFF_COMPLETION, PGOFF_COMPLETION_RING, txRing, 8, false, "completion", what,
                    maps, 3);

            MemorySegment sa = a.allocate(SOCKADDR_XDP_SIZE, 4);
            sa.set(JAVA_SHORT, SXDP_FAMILY, (short) Libc.AF_XDP);
            int flags;
            if (shareWith != null) {
                // A sharing socket inherits the owner's mode and need_wakeup; the kernel rejects them here.
                flags = XDP_SHARED_UMEM;
                sa.set(JAVA_INT, SXDP_SHARED_FD, shareWith.fd);
            } else {
                flags = XDP_USE_NEED_WAKEUP | switch (mode) {
                    case AUTO -> 0;
                    case COPY -> XDP_COPY;
                    case ZEROCOPY -> XDP_ZEROCOPY;
                };
            }
            sa.set(JAVA_SHORT, SXDP_FLAGS, (short) flags);
            sa.set(JAVA_INT, SXDP_IFINDEX, ifindex);
            sa.set(JAVA_INT, SXDP_QUEUE_ID, queue);
            try {
                bindRetryingWhileBusy(fd, sa, "AF_XDP " + what + (shareWith != null ? " sharing UMEM" : "") + ", mode " + mode);
            } catch (NativeException e) {
                String hint = switch (e.errno()) {
                    case Errno.EOPNOTSUPP -> "the driver of " + ifname + " has no zero-copy AF_XDP: use mode copy or auto";
                    case Errno.EBUSY -> "queue " + queue + " of " + ifname + " already has an AF_XDP socket";
                    case Errno.EINVAL -> "does " + ifname + " have queue " + queue + "? (ethtool -l " + ifname + ")";
                    default -> null;
                };
                throw hint == null ? e : new NativeException("bind", "AF_XDP " + what, e.errno(), hint);
            }
            MemorySegment opts = a.allocate(4, 4);
            Libc.getsockopt(fd, SOL_XDP, XDP_OPTIONS, opts, "XDP_OPTIONS for " + what);
            boolean zc = (opts.get(JAVA_INT, 0) & XDP_OPTIONS_ZEROCOPY) != 0;
            return new XskSocket(fd, ifname, queue, zc, rx, tx, fill, comp);
        } catch (RuntimeException e) {
            for (MemorySegment m : maps) {
                if (m != null) {
                    Libc.munmap(m);
                }
            }
            Libc.close(fd);
            throw e;
        }
    }

    /**
     * The kernel releases a closed socket's hold on its queue from a workqueue, so binding the same
     * queue right after a restart can see EBUSY for a moment; a socket still bound there keeps
     * EBUSY and the error surfaces after {@link #BUSY_RETRY_MS}.
     */
    private static void bindRetryingWhileBusy(int fd, MemorySegment sa, String what) {
        long deadline = System.nanoTime() + BUSY_RETRY_MS * 1_000_000L;
        while (true) {
            try {
                Libc.bind(fd, sa, what);
                return;
            } catch (NativeException e) {
                if (e.errno() != Errno.EBUSY || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new NativeException("bind", what + " (interrupted while the queue was busy)", Errno.EBUSY);
            }
        }
    }

    private static XskRing map(int fd, MemorySegment off, long ring, long pgoff, int size, int entrySize,
            boolean userProduces, String name, String what, MemorySegment[] maps, int slot) {
        long desc = off.get(JAVA_LONG, ring + RING_DESC);
        MemorySegment m = Libc.mmap(desc + (long) size * entrySize, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_SHARED | Libc.MAP_POPULATE, fd, pgoff, name + " ring of " + what);
        maps[slot] = m;
        return new XskRing(name, m, off.get(JAVA_LONG, ring + RING_PRODUCER), off.get(JAVA_LONG, ring + RING_CONSUMER),
                off.get(JAVA_LONG, ring + RING_FLAGS), desc, size, entrySize, userProduces);
    }

    public int fd() {
        return fd;
    }

    public String ifname() {
        return ifname;
    }

    public int queue() {
        return queue;
    }

    /** Whether the kernel bound zero-copy (XDP_OPTIONS), rather than copy mode. */
    public boolean zeroCopy() {
        return zeroCopy;
    }

    public XskRing rx() {
        return rx;
    }

    public XskRing tx() {
        return tx;
    }

    public XskRing fill() {
        return fill;
    }

    public XskRing completion() {
        return completion;
    }

    /**
     * TX kick ({@code sendto MSG_DONTWAIT}); worker thread only. Returns 0 or -errno; EAGAIN,
     * EBUSY, ENOBUFS and ENETDOWN mean "try again later" (copy mode sends at most 32 frames per call).
     */
    public int kickTx() {
        return Libc.sendKick(fd, kickCapture);
    }

    /** RX wakeup ({@code recvfrom MSG_DONTWAIT}) for when the FILL ring asks for it; worker thread only. */
    public int kickRx() {
        return Libc.recvKick(fd, kickCapture);
    }

    /**
     * Reads {@code XDP_STATISTICS} into {@code out} (see {@link #STATISTICS_NAMES}); returns how
     * many counters the kernel gave. Control path (allocates); safe from any thread.
     */
    public int statistics(long[] out) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(STATISTICS_COUNT * 8L, 8);
            int len = Libc.getsockopt(fd, SOL_XDP, XDP_STATISTICS, s, "XDP_STATISTICS for " + ifname + " queue " + queue);
            int n = Math.min(len / 8, Math.min(out.length, STATISTICS_COUNT));
            for (int i = 0; i < n; i++) {
                out[i] = s.getAtIndex(JAVA_LONG, i);
            }
            return n;
        }
    }

    /** Unmaps the rings and closes the socket; only after the worker has stopped touching them. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (XskRing r : new XskRing[] {rx, tx, fill, completion}) {
            Libc.munmap(r.mapping());
        }
        Libc.close(fd);
        arena.close();
    }
}
