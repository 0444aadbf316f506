package io.dataplane.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.tables.packet.Frames;
import io.dataplane.pipeline.PacketBatch;
import io.dataplane.pipeline.Verdict;
import io.dataplane.port.MemoryPort;
import io.dataplane.port.MemoryUmem;
import io.dataplane.port.Port;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.RouteTarget;
import io.dataplane.worker.Workers;
import java.lang.foreign.MemorySegment;
import java.nio.MappedByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The counter file as another process reads it: its own mapping, Agrona's reader, the documented layout. */
class CounterFileTest {
    private static final long DEADLINE_NANOS = 20_000_000_000L;

    @TempDir
    Path dir;

    /** Counters an independent reader found, by label, and the first nexthop table's location. */
    private record Found(Map<String, Long> byLabel, Map<String, Integer> typeByLabel, int tableOffset, int tableSlots) {
    }

    /** Reads the file the way an external process would: a fresh mapping and only the documented layout. */
    private static Found readIndependently(Path file) {
        MappedByteBuffer mapped = IoUtil.mapExistingFile(file.toFile(), "test reader");
        try {
            UnsafeBuffer whole = new UnsafeBuffer(mapped);
            assertEquals(CounterFile.MAGIC, whole.getIntVolatile(0));
            assertEquals(1, whole.getInt(4));
            int metadataLength = whole.getInt(8);
            int valuesLength = whole.getInt(12);
            assertEquals(ProcessHandle.current().pid(), whole.getLong(24));
            UnsafeBuffer metadata = new UnsafeBuffer(whole, 4096, metadataLength);
            UnsafeBuffer values = new UnsafeBuffer(whole, 4096 + metadataLength, valuesLength);
            CountersReader reader = new CountersReader(metadata, values, StandardCharsets.US_ASCII);
            Map<String, Long> byLabel = new HashMap<>();
            Map<String, Integer> typeByLabel = new HashMap<>();
            int[] table = {-1, 0};
            reader.forEach((id, typeId, key, label) -> {
                byLabel.put(label, reader.getCounterValue(id));
                typeByLabel.put(label, typeId);
                if (typeId == 30 && table[0] < 0) {
                    table[0] = (int) key.getLong(16);
                    table[1] = key.getInt(8);
                }
            });
            return new Found(byLabel, typeByLabel, table[0], table[1]);
        } finally {
            IoUtil.unmap(mapped);
        }
    }

    private static long nexthopPackets(Path file, Found found, int slot) {
        MappedByteBuffer mapped = IoUtil.mapExistingFile(file.toFile(), "test reader");
        try {
            UnsafeBuffer whole = new UnsafeBuffer(mapped);
            int tables = 4096 + whole.getInt(8) + whole.getInt(12);
            return whole.getLongVolatile(tables + found.tableOffset() + 16 * slot);
        } finally {
            IoUtil.unmap(mapped);
        }
    }

    @Test
    void anIndependentReaderSeesTheCountersTheWorkerWrote() {
        Path file = dir.resolve("dataplane.counters");
        try (MemoryUmem umem = new MemoryUmem(1024, 2048)) {
            MemoryPort client = new MemoryPort(0, "client", umem, 64, 1500);
            MemoryPort server = new MemoryPort(1, "server", umem, 64, 1500);
            try (Workers dp = Workers.builder().limits(new FibLimits(16, 16, 16, 16, 2)).port(client).port(server)
                    .countersFile(file).build()) {
                dp.fib().change()
                        .nexthop(1, new Nexthop(1, 0x0200_0000_0002L, 0x0200_0000_0001L, 1500, true, true))
                        .route4(IpAddresses.parse4("198.51.100.0"), 24, RouteTarget.nexthop(1))
                        .commit();
                dp.start();
                MemorySegment routed = Frames.ipv4("192.0.2.1", "198.51.100.7").udp(1024, 53).payload(10).toSegment();
                MemorySegment unrouted = Frames.ipv4("192.0.2.1", "8.8.8.8").udp(1024, 53).toSegment();
                int drained = 0;
                long deadline = System.nanoTime() + DEADLINE_NANOS;
                for (int i = 0; i < 13; i++) {
                    while (!client.inject(i < 10 ? routed : unrouted)) {
                        assertTrue(System.nanoTime() < deadline, "the worker provided no free frame");
                        drained += server.drain((m, at, len) -> { }, Integer.MAX_VALUE);
                    }
                }
                String rx = "rx_packets: worker 0 port 0 client";
                Found found = readIndependently(file);
                while (found.byLabel().getOrDefault(rx, 0L) < 13 || drained < 10) {
                    assertTrue(System.nanoTime() < deadline, "counters seen: " + found.byLabel());
                    drained += server.drain((m, at, len) -> { }, Integer.MAX_VALUE);
                    found = readIndependently(file);
                }

                assertEquals(13L, found.byLabel().get(rx));
                assertEquals(CounterType.PORT_RX_PACKETS.id, found.typeByLabel().get(rx));
                assertEquals(10L, found.byLabel().get("tx_packets: worker 0 port 1 server"));
                assertEquals(10L * routed.byteSize(), found.byLabel().get("tx_bytes: worker 0 port 1 server"));
                assertEquals(3L, found.byLabel().get("drops: worker 0 no_route"));
                assertEquals(0L, found.byLabel().get("drops: worker 0 ttl_expired"));
                assertEquals(0L, found.byLabel().get("errors: worker 0"));
                assertEquals(16, found.tableSlots());
                assertEquals(10L, nexthopPackets(file, found, 1));
                // CounterFile.open is the same outside view, summed the way operators see it.
                try (CounterFile outside = CounterFile.open(file)) {
                    CounterSums sums = new CounterSums(outside);
                    assertEquals(13L, sums.port(0, CounterType.PORT_RX_PACKETS));
                    assertEquals(10L, sums.port(1, CounterType.PORT_TX_PACKETS));
                    assertEquals(3L, sums.drops(Verdict.NO_ROUTE.code));
                    assertEquals(10L, sums.nexthopPackets(1));
                }
                // The in-process reader agrees with the outside one.
                assertEquals(13L, dp.counters().port(0, CounterType.PORT_RX_PACKETS));
                assertEquals(3L, dp.dropCounter(Verdict.NO_ROUTE));
                assertEquals(10L, dp.nexthopPackets(1));
            }
        }
    }

    @Test
    void anonymousMemoryHasTheSameLayout() {
        try (CounterFile counters = CounterFile.inMemory(4, CounterFile.nexthopTableBytes(1, 8))) {
            counters.newCounter(CounterType.DROPS, 0, -1, Verdict.NO_ROUTE.code, "worker 0 no_route").setRelease(7);
            int table = counters.newNexthopTable(0, 8);
            counters.nexthopTables().putLongRelease(table + 3 * CounterFile.NEXTHOP_ENTRY, 5);
            CounterSums sums = new CounterSums(counters);
            assertEquals(7, sums.drops(Verdict.NO_ROUTE.code));
            assertEquals(0, sums.drops(Verdict.TTL_EXPIRED.code));
            assertEquals(5, sums.nexthopPackets(3));
            assertEquals("drops: worker 0 no_route", counters.reader().getCounterLabel(0));
        }
    }

    /** A port whose receive fails: the worker's error path, without any real device. */
    private static final class FailingPort implements Port {
        private final MemorySegment memory = MemorySegment.ofArray(new byte[64]);

        @Override
        public int index() {
            return 0;
        }

        @Override
        public String name() {
            return "failing";
        }

        @Override
        public MemorySegment memory() {
            return memory;
        }

        @Override
        public int receive(PacketBatch batch) {
            throw new IllegalStateException("receive failed on purpose");
        }

        @Override
        public boolean transmit(long handle, long data, int length) {
            return false;
        }

        @Override
        public void flush() {
        }

        @Override
        public void release(long handle) {
        }

        @Override
        public int poll() {
            return 0;
        }

        @Override
        public int maxFrameLength() {
            return 64;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void workerErrorsAreCountedInTheFileAndTheLastIsKept() {
        Path file = dir.resolve("errors.counters");
        try (Workers dp = Workers.builder().limits(new FibLimits(4, 4, 4, 4, 2)).port(new FailingPort())
                .countersFile(file).build()) {
            dp.start();
            long deadline = System.nanoTime() + DEADLINE_NANOS;
            while (readIndependently(file).byLabel().getOrDefault("errors: worker 0", 0L) < 2) {
                assertTrue(System.nanoTime() < deadline, "no error counted");
                Thread.onSpinWait();
            }
            dp.stop();
            assertTrue(dp.errorCount() >= 2);
            assertNotNull(dp.lastError());
            assertEquals("receive failed on purpose", dp.lastError().getMessage());
            assertEquals(0, dp.lastErrorWorker());
        }
    }
}
