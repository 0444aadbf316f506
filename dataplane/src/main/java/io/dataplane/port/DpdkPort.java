package io.dataplane.port;

import io.dataplane.counters.CounterFile;
import io.dataplane.counters.CounterType;
import io.dataplane.ffi.dpdk.Dpdk;
import io.dataplane.ffi.dpdk.DpdkException;
import io.dataplane.ffi.dpdk.Eal;
import io.dataplane.ffi.dpdk.EthDev;
import io.dataplane.ffi.dpdk.MbufLayout;
import io.dataplane.ffi.dpdk.Mempool;
import io.dataplane.pipeline.PacketBatch;
import io.dataplane.tables.AddressSpace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * A DPDK ethdev port (one rx and one tx queue) behind the {@link Port} contract. Frames stay in
 * their mbufs: a descriptor's handle is the {@code rte_mbuf} pointer and its data offset the
 * absolute address of the first byte, so {@link #memory()} is all of memory and the pipeline reads
 * and rewrites frames in place. Transmission honours a moved data start and a changed length.
 *
 * <p>Bursts go through the shim with critical downcalls that write descriptors straight into the
 * batch's arrays. Released frames go back to the mempool in bulk. The first thread that receives,
 * flushes or polls is registered with DPDK, so its mempool accesses use a per-lcore cache.
 */
public final class DpdkPort implements Port {
    private static final int MEMPOOL_CACHE = 256;

    // Pools are freed only when no DPDK port is open: a frame of one port's pool may sit in another
    // port's tx queue, and that port frees it into the pool when its device stops.
    private static final List<Mempool> RETIRED_POOLS = new ArrayList<>();
    private static int openPorts;
    private static int poolSequence;

    private final int index;
    private final String name;
    private final DpdkPortConfig config;
    private final EthDev device;
    private final Mempool pool;
    private final int portId;
    private final int queue = 0;
    private final int burst;
    private final int maxFrameLength;

    // Transmit staging, handed to the shim as heap arrays (critical calls may take them).
    private final long[] txHandle;
    private final long[] txData;
    private final int[] txLength;
    private final MemorySegment txHandleSegment;
    private final MemorySegment txDataSegment;
    private final MemorySegment txLengthSegment;
    private int txCount;

    // Released frames waiting for one bulk free.
    private final long[] freeHandle;
    private final MemorySegment freeSegment;
    /** Fresh mbufs taken from the pool in bulk for {@link #allocate} (fragments); the first {@code spareCount} are valid. */
    private final long[] spareHandle;
    private final MemorySegment spareSegment;
    private int spareCount;
    private int freeCount;

    // The batch whose arrays the last receive wrote into; segments are rebuilt only when it changes.
    private PacketBatch boundBatch;
    private MemorySegment rxHandleSegment;
    private MemorySegment rxDataSegment;
    private MemorySegment rxLengthSegment;
    /** The shim's running count of received frames it dropped for spanning several mbufs. */
    private final long[] multiSegmentDrops = new long[1];
    private final MemorySegment multiSegmentDropsSegment = MemorySegment.ofArray(multiSegmentDrops);
    private long publishedMultiSegmentDrops;
    private AtomicCounter multiSegmentDropsCounter; // null until allocateCounters

    private Thread worker;
    private int workerLcore = -1;
    private boolean closed;

    private DpdkPort(int index, DpdkPortConfig config, EthDev device, Mempool pool, int maxFrameLength) {
        this.index = index;
        this.name = config.name();
        this.config = config;
        this.device = device;
        this.pool = pool;
        this.portId = Short.toUnsignedInt(device.portId());
        this.burst = config.burst();
        this.maxFrameLength = maxFrameLength;
        int txCapacity = 2 * burst; // a full burst plus what the device did not take last time
        txHandle = new long[txCapacity];
        txData = new long[txCapacity];
        txLength = new int[txCapacity];
        txHandleSegment = MemorySegment.ofArray(txHandle);
        txDataSegment = MemorySegment.ofArray(txData);
        txLengthSegment = MemorySegment.ofArray(txLength);
        freeHandle = new long[burst];
        freeSegment = MemorySegment.ofArray(freeHandle);
        spareHandle = new long[burst];
        spareSegment = MemorySegment.ofArray(spareHandle);
    }

    /**
     * Opens the port: probes the device, creates its mempool, configures one rx and one tx queue and
     * starts it. Needs a running {@link Eal}. Throws {@link DpdkException} (or
     * {@link IllegalArgumentException}) with what to fix; on failure nothing is left behind.
     */
    public static DpdkPort open(int index, DpdkPortConfig config) {
        if (index < 0) {
            throw new IllegalArgumentException("port " + config.name() + ": index must be >= 0, was " + index);
        }
        Eal.require();
        EthDev device = switch (config.device()) {
            case VDEV -> EthDev.probeVdev(config.spec());
            case PCI -> EthDev.probePci(config.spec());
            case ETHDEV -> EthDev.attach(config.spec());
        };
        Mempool pool = null;
        try {
            synchronized (DpdkPort.class) {
                String poolName = "dp" + (poolSequence++) + "_" + config.name();
                pool = Mempool.create(poolName.length() > 24 ? poolName.substring(0, 24) : poolName, config.mbufs(),
                        MEMPOOL_CACHE, MbufLayout.DEFAULT_BUF_SIZE, -1);
            }
            device.configure(1, 1, config.rxDescriptors(), config.txDescriptors(), pool);
            device.start();
            int dataRoom = MbufLayout.DEFAULT_BUF_SIZE - MbufLayout.HEADROOM;
            int maxFrame = Math.min(device.mtu() + MbufLayout.ETHER_HEADER_LENGTH, dataRoom);
            DpdkPort port = new DpdkPort(index, config, device, pool, maxFrame);
            synchronized (DpdkPort.class) {
                openPorts++;
            }
            return port;
        } catch (RuntimeException e) {
            device.close();
            if (pool != null) {
                retire(pool);
            }
            throw e;
        }
    }

    private static synchronized void retire(Mempool pool) {
        RETIRED_POOLS.add(pool);
        if (openPorts == 0) {
            RETIRED_POOLS.forEach(Mempool::close);
            RETIRED_POOLS.clear();
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

    public DpdkPortConfig config() {
        return config;
    }

    /** The ethdev port id DPDK gave the device. */
    public int portId() {
        return portId;
    }

    /** Frames of every DPDK port are addressed by absolute address. */
    @Override
    public MemorySegment memory() {
        return AddressSpace.ALL;
    }

    @Override
    public int receive(PacketBatch batch) {
        if (Thread.currentThread() != worker) {
            adoptCurrentThread();
        }
        if (batch != boundBatch) {
            bind(batch);
        }
        int start = batch.count();
        int n = Math.min(burst, batch.capacity() - start);
        if (n <= 0) {
            return 0;
        }
        int got = Dpdk.rxBurstDescriptors(portId, queue, rxHandleSegment, rxDataSegment, rxLengthSegment, start, n,
                multiSegmentDropsSegment);
        batch.count(start + got);
        if (multiSegmentDrops[0] != publishedMultiSegmentDrops && multiSegmentDropsCounter != null) {
            publishedMultiSegmentDrops = multiSegmentDrops[0];
            multiSegmentDropsCounter.setRelease(publishedMultiSegmentDrops);
        }
        return got;
    }

    /** Slow path, once per batch object: views of its arrays for the shim to write into. */
    private void bind(PacketBatch batch) {
        boundBatch = batch;
        rxHandleSegment = MemorySegment.ofArray(batch.handle);
        rxDataSegment = MemorySegment.ofArray(batch.data);
        rxLengthSegment = MemorySegment.ofArray(batch.length);
    }

    /** Slow path, once per thread: give the worker an lcore so mempool caches work; never throws. */
    private void adoptCurrentThread() {
        worker = Thread.currentThread();
        try {
            workerLcore = Eal.require().registerCurrentThread();
        } catch (DpdkException e) {
            // Still correct without an lcore (the mempool's shared ring is used); only slower.
            workerLcore = -1;
        }
    }

    @Override
    public boolean transmit(long handle, long data, int length) {
        int n = txCount;
        if (n == txHandle.length) {
            transmitQueued();
            n = txCount;
            if (n == txHandle.length) {
                return false;
            }
        }
        txHandle[n] = handle;
        txData[n] = data;
        txLength[n] = length;
        txCount = n + 1;
        return true;
    }

    @Override
    public void flush() {
        if (Thread.currentThread() != worker) {
            adoptCurrentThread();
        }
        transmitQueued();
        freeReleased();
    }

    /** Hands the queued frames to the device; those it does not take stay queued, in order. */
    private int transmitQueued() {
        int n = txCount;
        if (n == 0) {
            return 0;
        }
        int sent = Dpdk.txBurstDescriptors(portId, queue, txHandleSegment, txDataSegment, txLengthSegment, n);
        if (sent < n) {
            int left = n - sent;
            System.arraycopy(txHandle, sent, txHandle, 0, left);
            System.arraycopy(txData, sent, txData, 0, left);
            System.arraycopy(txLength, sent, txLength, 0, left);
        }
        txCount = n - sent;
        return sent;
    }

    @Override
    public void release(long handle) {
        freeHandle[freeCount++] = handle;
        if (freeCount == freeHandle.length) {
            freeReleased();
        }
    }

    private int freeReleased() {
        int n = freeCount;
        if (n > 0) {
            Dpdk.mbufFreeBulk(freeSegment, n);
            freeCount = 0;
        }
        return n;
    }

    /** A fresh mbuf of this port's pool, from a stash refilled one burst at a time (one shim call per burst, not per frame). */
    @Override
    public long allocate() {
        if (spareCount == 0) {
            if (Dpdk.mbufAllocBulk(pool.segment(), spareSegment, spareHandle.length) != 0) {
                return -1; // the pool is short: bulk allocation takes all or nothing
            }
            spareCount = spareHandle.length;
        }
        return spareHandle[--spareCount];
    }

    /** A fresh mbuf's data room starts behind its headroom: buf_addr + data_off. */
    @Override
    public long allocatedData(long handle) {
        return AddressSpace.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, handle + MbufLayout.BUF_ADDR)
                + Short.toUnsignedInt(AddressSpace.ALL.get(ValueLayout.JAVA_SHORT_UNALIGNED, handle + MbufLayout.DATA_OFF));
    }

    @Override
    public int poll() {
        if (Thread.currentThread() != worker) {
            adoptCurrentThread();
        }
        return freeReleased() + transmitQueued();
    }

    @Override
    public int maxFrameLength() {
        return maxFrameLength;
    }

    /** Frames queued by {@link #transmit} that the device has not taken yet. */
    public int queuedForTransmit() {
        return txCount;
    }

    /** Counts, in the counter file, received frames dropped because they were chained over several mbufs. */
    @Override
    public void allocateCounters(CounterFile file) {
        multiSegmentDropsCounter = file.newCounter(CounterType.DPDK_MULTI_SEGMENT_DROPS, -1, index, queue,
                "port " + index + " " + name + " queue " + queue);
    }

    /** The DPDK lcore of the worker thread, or -1 before it first received or when registration failed. */
    public int workerLcore() {
        return workerLcore;
    }

    /** The port's mempool, for tests and tools that build frames to send (never the worker's hot path). */
    public Mempool mempool() {
        return pool;
    }

    /**
     * Stops the device and gives every frame this port still holds back to its pool. Call after the
     * worker has stopped. The mempool itself is freed once no DPDK port is open.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        freeReleased();
        if (spareCount > 0) {
            Dpdk.mbufFreeBulk(spareSegment, spareCount);
            spareCount = 0;
        }
        if (txCount > 0) {
            Dpdk.mbufFreeBulk(txHandleSegment, txCount);
            txCount = 0;
        }
        try {
            drainReceiveQueue();
            device.close();
        } finally {
            synchronized (DpdkPort.class) {
                openPorts--;
                retire(pool);
            }
        }
    }

    /**
     * Frees what waits in the rx queue: some drivers keep their rings across a close (net_ring
     * reattaches to them when the name is reused), and the frames there belong to this port's pool.
     */
    private void drainReceiveQueue() {
        int limit = 2 * config.rxDescriptors() / burst + 2; // bounded: net_null never runs dry
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mbufs = arena.allocate(ValueLayout.JAVA_LONG, burst);
            for (int i = 0; i < limit; i++) {
                int n = Dpdk.rxBurst(portId, queue, mbufs, burst);
                if (n == 0) {
                    break;
                }
                Dpdk.mbufFreeBulk(mbufs, n);
            }
        }
    }

    @Override
    public String toString() {
        return "DpdkPort[" + index + " " + name + " " + device.deviceName() + " port " + portId + "]";
    }
}
