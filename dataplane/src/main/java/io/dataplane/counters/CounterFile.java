package io.dataplane.counters;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.agrona.IoUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The dataplane's counters: one memory region, a file under the daemon's run directory (or
 * anonymous memory when there is none, in tests and the demo), laid out like Aeron's CnC file so
 * that any process can read it with Agrona's {@link CountersReader} while the workers run.
 *
 * <h2>Layout (version 1, all integers little-endian, offsets from the start of the file)</h2>
 * <pre>
 *   0   int   magic 0x44504354 ("DPCT"), written last: a reader that sees it sees the rest
 *   4   int   version (1)
 *   8   int   metadata length M (bytes)
 *  12   int   values length V (bytes; M = 4 V)
 *  16   long  nexthop tables length T (bytes)
 *  24   long  pid of the writing process
 *  4096        Agrona counters metadata buffer (M bytes)
 *  4096+M      Agrona counters values buffer (V bytes)
 *  4096+M+V    nexthop tables (T bytes)
 * </pre>
 * Wrap the two Agrona buffers in a {@code CountersReader} to list every counter: its type id
 * ({@link CounterType#id}), its key and label, and its value. The key of every counter is
 * <pre>
 *   0   int   worker index, or -1
 *   4   int   port index (the {@code link show} index), or -1
 *   8   int   detail: the verdict code (negative) for DROPS, the queue for AF_XDP counters,
 *             the number of slots for NEXTHOP_TABLE, else 0
 *  16   long  NEXTHOP_TABLE only: the table's offset inside the nexthop tables section
 * </pre>
 * and its label is the type's label, a colon, then where it counts, e.g.
 * {@code "rx_packets: worker 0 port 1 server1"}, {@code "drops: worker 0 no_route"},
 * {@code "kick_errors: port 0 eth1 queue 0"}. A worker's nexthop table holds, per nexthop slot s,
 * packets at {@code 16 s} and bytes at {@code 16 s + 8} (too many slots for one Agrona record
 * each: 64k slots would take 80 MiB of metadata per worker).
 *
 * <p>Who writes: every counter has one writer, which stores with release semantics
 * ({@code putLongRelease}) and never a shared atomic: a worker writes its port, drop, nexthop and
 * worker counters once per burst; an AF_XDP port's kick and ring-full counters are written by its
 * worker when they change; the XDP_STATISTICS counters by the dataplane's statistics thread;
 * the error counters by the worker's agent runner. A reader sums the workers' counters; aligned
 * 64-bit loads never see a torn value. Counters are allocated while the dataplane is built, on
 * the thread that builds it, and when a port is added at runtime, on the control thread; a
 * removed port's counters are freed ({@link #freePort}) and their records reused by later ports.
 */
public final class CounterFile implements AutoCloseable {
    public static final int MAGIC = 0x44504354;
    public static final int VERSION = 1;
    public static final int HEADER_LENGTH = 4096;
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int METADATA_LENGTH_OFFSET = 8;
    public static final int VALUES_LENGTH_OFFSET = 12;
    public static final int NEXTHOP_TABLES_LENGTH_OFFSET = 16;
    public static final int PID_OFFSET = 24;
    /** Offsets inside a counter's key. */
    public static final int KEY_WORKER = 0, KEY_PORT = 4, KEY_DETAIL = 8, KEY_TABLE_OFFSET = 16, KEY_LENGTH = 24;
    /** Bytes per nexthop slot in a nexthop table: packets, then bytes. */
    public static final int NEXTHOP_ENTRY = 16;

    private final Path path; // null: anonymous memory
    private final MappedByteBuffer mapped;
    private final Arena arena;
    private final AtomicBuffer metadata;
    private final AtomicBuffer values;
    private final AtomicBuffer nexthopTables;
    private final CountersManager manager; // null when opened for reading
    private final CountersReader reader;
    private long nextTable;

    private CounterFile(Path path, MappedByteBuffer mapped, Arena arena, UnsafeBuffer whole, boolean create, int metadataLength,
            int valuesLength, long tablesLength) {
        this.path = path;
        this.mapped = mapped;
        this.arena = arena;
        if (create) {
            whole.putInt(VERSION_OFFSET, VERSION);
            whole.putInt(METADATA_LENGTH_OFFSET, metadataLength);
            whole.putInt(VALUES_LENGTH_OFFSET, valuesLength);
            whole.putLong(NEXTHOP_TABLES_LENGTH_OFFSET, tablesLength);
            whole.putLong(PID_OFFSET, ProcessHandle.current().pid());
        }
        this.metadata = new UnsafeBuffer(whole, HEADER_LENGTH, metadataLength);
        this.values = new UnsafeBuffer(whole, HEADER_LENGTH + metadataLength, valuesLength);
        this.nexthopTables = new UnsafeBuffer(whole, HEADER_LENGTH + metadataLength + valuesLength, (int) tablesLength);
        if (create) {
            this.manager = new CountersManager(metadata, values, StandardCharsets.US_ASCII);
            this.reader = manager;
            whole.putIntRelease(MAGIC_OFFSET, MAGIC);
        } else {
            this.manager = null;
            this.reader = new CountersReader(metadata, values, StandardCharsets.US_ASCII);
        }
    }

    /**
     * Creates (replacing a stale one) a counter file at {@code path} for up to {@code counters}
     * counters and {@code nexthopTableBytes} of nexthop tables (see {@link #nexthopTableBytes}).
     */
    public static CounterFile create(Path path, int counters, long nexthopTableBytes) {
        int valuesLength = valuesLength(counters);
        long tables = align(nexthopTableBytes, 4096);
        long length = HEADER_LENGTH + 5L * valuesLength + tables;
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("counter file would be " + length + " bytes; at most 2 GiB");
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new IllegalStateException("cannot replace the counter file " + path + ": " + e.getMessage(), e);
        }
        MappedByteBuffer mapped = IoUtil.mapNewFile(path.toFile(), length, false);
        return new CounterFile(path, mapped, null, new UnsafeBuffer(mapped), true, 4 * valuesLength, valuesLength, tables);
    }

    /** The same layout in anonymous memory, for a dataplane without a run directory. */
    public static CounterFile inMemory(int counters, long nexthopTableBytes) {
        int valuesLength = valuesLength(counters);
        long tables = align(nexthopTableBytes, 4096);
        Arena arena = Arena.ofShared();
        MemorySegment memory = arena.allocate(HEADER_LENGTH + 5L * valuesLength + tables, 4096);
        UnsafeBuffer whole = new UnsafeBuffer(memory.address(), (int) memory.byteSize());
        return new CounterFile(null, null, arena, whole, true, 4 * valuesLength, valuesLength, tables);
    }

    /** Maps an existing counter file for reading, as another process would; never disturbs the writer. */
    public static CounterFile open(Path path) {
        MappedByteBuffer mapped = IoUtil.mapExistingFile(path.toFile(), FileChannel.MapMode.READ_WRITE, "dataplane counters");
        UnsafeBuffer whole = new UnsafeBuffer(mapped);
        if (whole.getIntVolatile(MAGIC_OFFSET) != MAGIC || whole.getInt(VERSION_OFFSET) != VERSION) {
            IoUtil.unmap(mapped);
            throw new IllegalStateException(path + " is not a version " + VERSION + " dataplane counter file (or is being created)");
        }
        return new CounterFile(path, mapped, null, whole, false, whole.getInt(METADATA_LENGTH_OFFSET),
                whole.getInt(VALUES_LENGTH_OFFSET), whole.getLong(NEXTHOP_TABLES_LENGTH_OFFSET));
    }

    /** Bytes of nexthop tables for {@code workers} workers of {@code slots} nexthop slots each. */
    public static long nexthopTableBytes(int workers, int slots) {
        return workers * align((long) slots * NEXTHOP_ENTRY, 64);
    }

    private static int valuesLength(int counters) {
        return (int) align((long) Math.max(1, counters) * CountersReader.COUNTER_LENGTH, 4096);
    }

    private static long align(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }

    /** The file's path, or null for anonymous memory. */
    public Path path() {
        return path;
    }

    /** Allocates a counter; {@code where} completes its label. On the thread that builds the dataplane or changes its ports. */
    public AtomicCounter newCounter(CounterType type, int worker, int port, int detail, String where) {
        return newCounter(type, worker, port, detail, 0, where);
    }

    private AtomicCounter newCounter(CounterType type, int worker, int port, int detail, long tableOffset, String where) {
        if (manager == null) {
            throw new IllegalStateException("counter file opened for reading");
        }
        if (manager.available() == 0) {
            throw new IllegalStateException("counter file full: sized for " + manager.capacity() + " counters (room for "
                    + "the most ports a worker can have); remove a port first");
        }
        return manager.newCounter(type.label + ": " + where, type.id, key -> {
            key.putInt(KEY_WORKER, worker);
            key.putInt(KEY_PORT, port);
            key.putInt(KEY_DETAIL, detail);
            key.putInt(KEY_DETAIL + 4, 0);
            key.putLong(KEY_TABLE_OFFSET, tableOffset);
        });
    }

    /**
     * Frees every counter of port index {@code port} (the workers' and the port's own), once no
     * thread writes them any more: the port was removed and closed. Readers see the records go.
     */
    public void freePort(int port) {
        if (manager == null) {
            throw new IllegalStateException("counter file opened for reading");
        }
        for (int id = 0; id <= reader.maxCounterId(); id++) {
            int state = reader.getCounterState(id);
            if (state == CountersReader.RECORD_UNUSED) {
                break;
            }
            if (state == CountersReader.RECORD_ALLOCATED
                    && reader.metaDataBuffer().getInt(CountersReader.metaDataOffset(id) + CountersReader.KEY_OFFSET + KEY_PORT) == port) {
                manager.free(id);
            }
        }
    }

    /** Reserves a nexthop table of {@code slots} for {@code worker}; returns its offset in {@link #nexthopTables()}. */
    public int newNexthopTable(int worker, int slots) {
        long offset = nextTable;
        long length = align((long) slots * NEXTHOP_ENTRY, 64);
        if (offset + length > nexthopTables.capacity()) {
            throw new IllegalStateException("counter file sized for fewer nexthop tables");
        }
        nextTable += length;
        newCounter(CounterType.NEXTHOP_TABLE, worker, -1, slots, offset, "worker " + worker);
        return (int) offset;
    }

    /** Every counter: type, key, label and value (Agrona's reader over this file's buffers). */
    public CountersReader reader() {
        return reader;
    }

    /** The nexthop tables section. */
    public AtomicBuffer nexthopTables() {
        return nexthopTables;
    }

    /** The values buffer, where a counter's value lives at {@code CountersReader.counterOffset(id)}. */
    public AtomicBuffer values() {
        return values;
    }

    /** Unmaps the memory (the file stays for readers after the daemon; a new daemon replaces it). */
    @Override
    public void close() {
        if (mapped != null) {
            IoUtil.unmap(mapped);
        }
        if (arena != null) {
            arena.close();
        }
    }
}
