package io.dataplane.counters;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.status.CountersReader;

/**
 * Reads a {@link CounterFile} the way operators see it: each counter summed over the workers that
 * keep one. Reads only (acquire loads); a reader never stops or slows a worker. Build it after the
 * dataplane is built: it finds the nexthop tables once.
 */
public final class CounterSums {
    private final CountersReader reader;
    private final AtomicBuffer metadata;
    private final AtomicBuffer tables;
    private final int[] tableOffsets;
    private final int[] tableSlots;

    public CounterSums(CounterFile file) {
        this.reader = file.reader();
        this.metadata = reader.metaDataBuffer();
        this.tables = file.nexthopTables();
        int[] ids = live(CounterType.NEXTHOP_TABLE).toArray();
        tableOffsets = new int[ids.length];
        tableSlots = new int[ids.length];
        for (int t = 0; t < ids.length; t++) {
            tableOffsets[t] = (int) metadata.getLong(keyAt(ids[t], CounterFile.KEY_TABLE_OFFSET));
            tableSlots[t] = key(ids[t], CounterFile.KEY_DETAIL);
        }
    }

    /** The ids of the allocated counters of {@code type}, in file order. */
    private IntStream live(CounterType type) {
        return IntStream.iterate(0, id -> allocated(id) >= 0, id -> id + 1)
                .filter(id -> allocated(id) > 0 && reader.getCounterTypeId(id) == type.id);
    }

    private int key(int id, int field) {
        return metadata.getInt(keyAt(id, field));
    }

    /** 1: allocated, 0: freed, -1: past the last record ever allocated. */
    private int allocated(int id) {
        if (id > reader.maxCounterId()) {
            return -1;
        }
        int state = reader.getCounterState(id);
        return state == CountersReader.RECORD_UNUSED ? -1 : state == CountersReader.RECORD_ALLOCATED ? 1 : 0;
    }

    private static int keyAt(int id, int field) {
        return CountersReader.metaDataOffset(id) + CountersReader.KEY_OFFSET + field;
    }

    /**
     * The sum of the counters of {@code type} whose key has this port (-1: any) and detail
     * (Integer.MIN_VALUE: any).
     */
    public long sum(CounterType type, int port, int detail) {
        return live(type).filter(id -> (port < 0 || key(id, CounterFile.KEY_PORT) == port)
                && (detail == Integer.MIN_VALUE || key(id, CounterFile.KEY_DETAIL) == detail)).mapToLong(reader::getCounterValue).sum();
    }

    /** Whether any counter of {@code type} counts for {@code port}. */
    public boolean has(CounterType type, int port) {
        return live(type).anyMatch(id -> key(id, CounterFile.KEY_PORT) == port);
    }

    /**
     * The distinct {worker, port, detail} keys of the counters of {@code type}, in file order: which
     * workers keep one (WORKER_*), or which (port, queue) sockets (XDP_*).
     */
    public List<int[]> keys(CounterType type) {
        List<int[]> keys = new ArrayList<>();
        live(type).forEach(id -> {
            int[] k = {key(id, CounterFile.KEY_WORKER), key(id, CounterFile.KEY_PORT), key(id, CounterFile.KEY_DETAIL)};
            if (keys.stream().noneMatch(e -> Arrays.equals(e, k))) {
                keys.add(k);
            }
        });
        return keys;
    }

    /** A port counter (PORT_*, AFXDP_*, XDP_*) summed over workers and queues. */
    public long port(int port, CounterType type) {
        return sum(type, port, Integer.MIN_VALUE);
    }

    /** Frames dropped with the given (negative) verdict code, over all workers. */
    public long drops(int verdict) {
        return sum(CounterType.DROPS, -1, verdict);
    }

    /** A per-worker counter (WORKER_*) summed over workers. */
    public long workers(CounterType type) {
        return sum(type, -1, Integer.MIN_VALUE);
    }

    /** Worker {@code worker}'s counters of {@code type}, summed over its ports and details (e.g. PORT_RX_PACKETS over its ports). */
    public long worker(int worker, CounterType type) {
        return live(type).filter(id -> key(id, CounterFile.KEY_WORKER) == worker).mapToLong(reader::getCounterValue).sum();
    }

    public long nexthopPackets(int slot) {
        return nexthop(slot, 0);
    }

    public long nexthopBytes(int slot) {
        return nexthop(slot, 8);
    }

    private long nexthop(int slot, int field) {
        long sum = 0;
        for (int t = 0; t < tableOffsets.length; t++) {
            if (slot >= 0 && slot < tableSlots[t]) {
                sum += tables.getLongVolatile(tableOffsets[t] + slot * CounterFile.NEXTHOP_ENTRY + field);
            }
        }
        return sum;
    }
}
