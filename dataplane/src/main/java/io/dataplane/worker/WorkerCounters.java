package io.dataplane.worker;

import io.dataplane.counters.CounterFile;
import io.dataplane.counters.CounterType;
import io.dataplane.pipeline.Verdict;
import io.dataplane.port.Port;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersReader;

/**
 * One worker's counters in the {@link CounterFile}: drops by reason, per-port packets and bytes,
 * per-nexthop packets and bytes, and the worker's bursts and ICMP errors. The worker is the only
 * writer. Frames are counted into private fields as they are decided; {@link #publish} stores the
 * burst's totals into the file with release stores (no atomic read-modify-write), so a reader in
 * this or another process sees whole bursts and never slows the worker.
 */
public final class WorkerCounters {
    public static final int MAX_PORTS = 64;
    /** Counters one worker allocates besides its port counters. */
    private static final int FIXED_COUNTERS = Verdict.COUNT + 6;

    private final CounterFile file;
    private final int worker;
    private final AtomicBuffer values;
    private final AtomicBuffer table;
    private final int tableBase;
    private final int nexthops;
    /** Values-buffer offset of each (port, PortCounter), -1 where this worker has no such port. */
    private final int[] portOffset = new int[MAX_PORTS * PortCounter.COUNT];
    private final long[] portTotal = new long[MAX_PORTS * PortCounter.COUNT];
    /** Ports counted in this burst, as a bit mask. */
    private long dirtyPorts;
    private final int[] dropOffset = new int[Verdict.COUNT];
    private final long[] dropTotal = new long[Verdict.COUNT];
    private int dirtyDrops;
    private final int burstsOffset;
    private final int icmpOffset;
    private long bursts;
    private long icmpSent;
    /** Fragmentation: {frag_oks, frag_creates, frag_no_buffer}, their offsets, and whether this burst changed them. */
    private final int[] fragmentOffset = new int[3];
    private final long[] fragmentTotal = new long[3];
    private boolean fragmentsDirty;
    /** Nexthop slots counted in this burst and their pending deltas. */
    private final int[] touched = new int[256];
    private int touchedCount;
    private final long[] pendingPackets;
    private final long[] pendingBytes;

    /**
     * Allocates worker {@code worker}'s counters in {@code file}: port counters for every port of
     * its table, drops, worker counters and a nexthop table of {@code nexthops} slots.
     */
    public WorkerCounters(CounterFile file, int worker, Port[] ports, int nexthops) {
        this.file = file;
        this.worker = worker;
        this.values = file.values();
        this.table = file.nexthopTables();
        this.nexthops = nexthops;
        java.util.Arrays.fill(portOffset, -1);
        for (Port p : ports) {
            if (p != null) {
                addPort(p);
            }
        }
        for (Verdict v : Verdict.values()) {
            AtomicCounter counter = file.newCounter(CounterType.DROPS, worker, -1, v.code, "worker " + worker + " " + v.label());
            dropOffset[Verdict.index(v.code)] = CountersReader.counterOffset(counter.id());
        }
        burstsOffset = CountersReader.counterOffset(file.newCounter(CounterType.WORKER_BURSTS, worker, -1, 0, "worker " + worker).id());
        icmpOffset = CountersReader.counterOffset(
                file.newCounter(CounterType.WORKER_ICMP_ERRORS_SENT, worker, -1, 0, "worker " + worker).id());
        CounterType[] fragmentTypes = {CounterType.WORKER_FRAG_OKS, CounterType.WORKER_FRAG_CREATES,
            CounterType.WORKER_FRAG_NO_BUFFER};
        for (int k = 0; k < fragmentTypes.length; k++) {
            fragmentOffset[k] = CountersReader.counterOffset(
                    file.newCounter(fragmentTypes[k], worker, -1, 0, "worker " + worker).id());
        }
        this.tableBase = file.newNexthopTable(worker, nexthops);
        this.pendingPackets = new long[nexthops];
        this.pendingBytes = new long[nexthops];
    }

    /**
     * Allocates the counters of a port added to this worker (control thread, before the worker
     * may see the port: the port set's publication makes the offsets visible to it).
     */
    void addPort(Port p) {
        for (PortCounter c : PortCounter.values()) {
            AtomicCounter counter = file.newCounter(c.type, worker, p.index(), 0,
                    "worker " + worker + " port " + p.index() + " " + p.name());
            portOffset[p.index() * PortCounter.COUNT + c.ordinal()] = CountersReader.counterOffset(counter.id());
        }
    }

    /**
     * Forgets port index {@code port} (control thread, once the worker no longer uses it: after
     * the grace period that followed its removal), so that a port given the index later counts
     * from zero. Its counters in the file are freed by {@link CounterFile#freePort}.
     */
    void removePort(int port) {
        for (int c = 0; c < PortCounter.COUNT; c++) {
            portOffset[port * PortCounter.COUNT + c] = -1;
            portTotal[port * PortCounter.COUNT + c] = 0;
        }
    }

    /** Counters a worker with {@code ports} ports allocates (to size the file). */
    public static int countersFor(int ports) {
        return ports * PortCounter.COUNT + FIXED_COUNTERS + 1;
    }

    /** A frame dropped (or punted) with a negative verdict code. */
    public void drop(int verdict) {
        int i = Verdict.index(verdict);
        dropTotal[i]++;
        dirtyDrops |= 1 << i;
    }

    /** A burst received on {@code port}. */
    public void received(int port, int packets, long bytes) {
        add(port, PortCounter.RX_PACKETS.ordinal(), packets, bytes);
    }

    /** Frames of one burst sent on {@code port}. */
    public void transmitted(int port, int packets, long bytes) {
        add(port, PortCounter.TX_PACKETS.ordinal(), packets, bytes);
    }

    private void add(int port, int counter, int packets, long bytes) {
        int at = port * PortCounter.COUNT + counter;
        portTotal[at] += packets;
        portTotal[at + 1] += bytes;
        dirtyPorts |= 1L << port;
    }

    /** One frame forwarded through {@code nexthop}. */
    public void forwarded(int nexthop, int bytes) {
        forwarded(nexthop, 1, bytes);
    }

    /** One packet fragmented and sent whole as {@code fragments} fragments. */
    public void fragmented(int fragments) {
        fragmentTotal[0]++;
        fragmentTotal[1] += fragments;
        fragmentsDirty = true;
    }

    /** Fragments sent of a packet that could not be sent whole (the TX ring filled up). */
    public void fragmentsOfFailedPacket(int fragments) {
        fragmentTotal[1] += fragments;
        fragmentsDirty = true;
    }

    /** One packet not fragmented for lack of a free frame (also counted as a needs_fragmentation drop). */
    public void fragmentNoBuffer() {
        fragmentTotal[2]++;
        fragmentsDirty = true;
    }

    /** {@code packets} frames forwarded through {@code nexthop} (a packet's fragments). */
    public void forwarded(int nexthop, int packets, long bytes) {
        if (nexthop < 0 || nexthop >= nexthops) {
            return;
        }
        if (pendingPackets[nexthop] == 0) {
            if (touchedCount == touched.length) {
                publishNexthops();
            }
            touched[touchedCount++] = nexthop;
        }
        pendingPackets[nexthop] += packets;
        pendingBytes[nexthop] += bytes;
    }

    /**
     * End of a burst: stores what changed into the counter file, one release store per counter.
     *
     * @param icmpErrorsSent the worker's ICMP errors sent so far (a running total)
     */
    public void publish(long icmpErrorsSent) {
        for (long ports = dirtyPorts; ports != 0; ports &= ports - 1) {
            int port = Long.numberOfTrailingZeros(ports);
            for (int c = 0; c < PortCounter.COUNT; c++) {
                int at = port * PortCounter.COUNT + c;
                if (portOffset[at] >= 0) {
                    values.putLongRelease(portOffset[at], portTotal[at]);
                }
            }
        }
        dirtyPorts = 0;
        for (int drops = dirtyDrops; drops != 0; drops &= drops - 1) {
            int i = Integer.numberOfTrailingZeros(drops);
            values.putLongRelease(dropOffset[i], dropTotal[i]);
        }
        dirtyDrops = 0;
        publishNexthops();
        if (fragmentsDirty) {
            for (int k = 0; k < fragmentOffset.length; k++) {
                values.putLongRelease(fragmentOffset[k], fragmentTotal[k]);
            }
            fragmentsDirty = false;
        }
        values.putLongRelease(burstsOffset, ++bursts);
        if (icmpErrorsSent != icmpSent) {
            icmpSent = icmpErrorsSent;
            values.putLongRelease(icmpOffset, icmpErrorsSent);
        }
    }

    private void publishNexthops() {
        for (int i = 0; i < touchedCount; i++) {
            int nh = touched[i];
            int at = tableBase + nh * CounterFile.NEXTHOP_ENTRY;
            table.putLongRelease(at, table.getLong(at) + pendingPackets[nh]);
            table.putLongRelease(at + 8, table.getLong(at + 8) + pendingBytes[nh]);
            pendingPackets[nh] = 0;
            pendingBytes[nh] = 0;
        }
        touchedCount = 0;
    }
}
