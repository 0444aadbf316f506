package io.dataplane.port;

import io.dataplane.ffi.dpdk.TestEal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.ffi.dpdk.DpdkException;
import io.dataplane.pipeline.PacketBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * DpdkPort over DPDK's own virtual devices: net_ring (a vdev whose tx queue feeds its rx queue, a
 * loopback) and net_null (rx makes empty frames, tx frees them).
 */
class DpdkPortTest {
    private static final int[] SIZES = {60, 64, 128, 333, 1000, 1514};

    @Test
    void ringLoopbackReturnsEveryFrameInOrderWithItsBytesIntact() {
        TestEal.eal();
        try (DpdkPort port = DpdkPort.open(0, DpdkPortConfig.vdev("ring0", "net_ring0"))) {
            int availableBefore = port.mempool().available();
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                byte[] frame = DpdkFrames.pattern(i, SIZES[i % SIZES.length]);
                long mbuf = DpdkFrames.frame(port, frame);
                assertTrue(port.transmit(mbuf, io.dataplane.ffi.dpdk.Dpdk.mbufData(mbuf), frame.length));
                sent.add(frame);
                if (i % 32 == 31) {
                    port.flush();
                }
            }
            port.flush();
            assertEquals(0, port.queuedForTransmit(), "the device took every frame");

            List<byte[]> got = receiveAll(port, 200);
            assertEquals(sent.size(), got.size(), "frames out == frames in");
            for (int i = 0; i < sent.size(); i++) {
                assertArrayEquals(sent.get(i), got.get(i), "frame " + i);
            }
            port.poll();
            assertEquals(availableBefore, port.mempool().available(), "every mbuf is back in the pool");
        }
    }

    @Test
    void transmitHonoursAFrameRewrittenInPlaceWithAMovedStartAndNewLength() {
        TestEal.eal();
        try (DpdkPort port = DpdkPort.open(0, DpdkPortConfig.vdev("ring1", "net_ring1"))) {
            byte[] original = DpdkFrames.pattern(7, 200);
            long mbuf = DpdkFrames.frame(port, original);
            port.transmit(mbuf, io.dataplane.ffi.dpdk.Dpdk.mbufData(mbuf), original.length);
            port.flush();
            PacketBatch batch = new PacketBatch(64);
            assertEquals(1, receiveInto(port, batch, 1));

            // Rewrite in place: change a byte, drop the first 4 bytes (as a VLAN pop would) and the last 10.
            long data = batch.data[0];
            port.memory().set(java.lang.foreign.ValueLayout.JAVA_BYTE, data + 20, (byte) 0x5a);
            assertTrue(port.transmit(batch.handle[0], data + 4, original.length - 14));
            port.flush();
            batch.clear();
            assertEquals(1, receiveInto(port, batch, 1));

            byte[] expected = java.util.Arrays.copyOfRange(original, 4, original.length - 10);
            expected[16] = 0x5a;
            assertArrayEquals(expected, DpdkFrames.bytes(port, batch.data[0], batch.length[0]));
            port.release(batch.handle[0]);
        }
    }

    @Test
    void fullTransmitQueueRefusesTheFrameAndKeepsEveryAcceptedOne() {
        TestEal.eal();
        DpdkPortConfig config = DpdkPortConfig.vdev("ring2", "net_ring2").withMbufs(8192);
        try (DpdkPort port = DpdkPort.open(0, config)) {
            int accepted = 0;
            long refused = 0;
            while (refused == 0) {
                long mbuf = DpdkFrames.frame(port, DpdkFrames.pattern(accepted, 64));
                if (port.transmit(mbuf, io.dataplane.ffi.dpdk.Dpdk.mbufData(mbuf), 64)) {
                    accepted++;
                } else {
                    refused = mbuf;
                }
                assertTrue(accepted < 8000, "the loopback ring never filled");
            }
            port.release(refused); // still the caller's: releasing it must not double-free
            port.flush();
            List<byte[]> got = receiveAll(port, accepted);
            assertEquals(accepted, got.size(), "every accepted frame arrives, none lost");
            for (int i = 0; i < accepted; i++) {
                assertArrayEquals(DpdkFrames.pattern(i, 64), got.get(i), "frame " + i);
            }
        }
    }

    @Test
    void nullDeviceReceivesFullBurstsAndSwallowsTransmittedFrames() {
        TestEal.eal();
        try (DpdkPort port = DpdkPort.open(0, DpdkPortConfig.vdev("null0", "net_null0").withBurst(64))) {
            int availableBefore = port.mempool().available();
            PacketBatch batch = new PacketBatch(64);
            int n = port.receive(batch);
            assertEquals(64, n, "net_null always has a full burst");
            for (int i = 0; i < n; i++) {
                assertEquals(64, batch.length[i]);
                assertTrue(port.transmit(batch.handle[i], batch.data[i], batch.length[i]));
            }
            port.flush();
            assertEquals(0, port.queuedForTransmit(), "the device took every frame");
            port.poll();
            assertEquals(availableBefore, port.mempool().available(), "net_null freed what it was sent");
        }
    }

    @Test
    void receiveAppendsAfterWhatTheBatchAlreadyHolds() {
        TestEal.eal();
        try (DpdkPort port = DpdkPort.open(0, DpdkPortConfig.vdev("null1", "net_null1"))) {
            PacketBatch batch = new PacketBatch(40);
            assertEquals(32, port.receive(batch));
            assertEquals(8, port.receive(batch), "only the room left in the batch");
            assertEquals(0, port.receive(batch));
            assertEquals(40, batch.count());
            for (int i = 0; i < batch.count(); i++) {
                port.release(batch.handle[i]);
            }
            port.poll();
        }
    }

    @Test
    void workerThreadIsRegisteredWithDpdk() throws Exception {
        TestEal.eal();
        try (DpdkPort port = DpdkPort.open(0, DpdkPortConfig.vdev("null2", "net_null2"))) {
            AtomicInteger lcore = new AtomicInteger(-2);
            Thread worker = Thread.ofPlatform().start(() -> {
                PacketBatch batch = new PacketBatch(32);
                int n = port.receive(batch);
                for (int i = 0; i < n; i++) {
                    port.release(batch.handle[i]);
                }
                port.poll();
                lcore.set(port.workerLcore());
            });
            worker.join();
            assertTrue(lcore.get() > 0, "worker lcore " + lcore.get());
        }
    }

    @Test
    void unknownDriverFailsClearlyAndLeavesOtherPortsWorking() {
        TestEal.eal();
        try (DpdkPort ok = DpdkPort.open(0, DpdkPortConfig.vdev("ring3", "net_ring3"))) {
            DpdkException e = assertThrows(DpdkException.class,
                    () -> DpdkPort.open(1, DpdkPortConfig.vdev("bogus", "net_bogus0")));
            assertTrue(e.getMessage().contains("no DPDK driver matches"), e.getMessage());
            DpdkException twice = assertThrows(DpdkException.class,
                    () -> DpdkPort.open(1, DpdkPortConfig.vdev("ring3b", "net_ring3")));
            assertTrue(twice.getMessage().contains("exists already"), twice.getMessage());

            long mbuf = DpdkFrames.frame(ok, DpdkFrames.pattern(1, 100));
            ok.transmit(mbuf, io.dataplane.ffi.dpdk.Dpdk.mbufData(mbuf), 100);
            ok.flush();
            assertEquals(1, receiveAll(ok, 1).size(), "the open port still works");
        }
        // The device name is free again once the port is closed, and the new device works.
        try (DpdkPort again = DpdkPort.open(0, DpdkPortConfig.vdev("ring3", "net_ring3"))) {
            long mbuf = DpdkFrames.frame(again, DpdkFrames.pattern(2, 100));
            again.transmit(mbuf, io.dataplane.ffi.dpdk.Dpdk.mbufData(mbuf), 100);
            again.flush();
            List<byte[]> got = receiveAll(again, 1);
            assertEquals(1, got.size(), "the reopened port works");
            assertArrayEquals(DpdkFrames.pattern(2, 100), got.get(0));
        }
    }

    @Test
    void maxFrameLengthIsTheMtuPlusEthernetHeader() {
        TestEal.eal();
        try (DpdkPort port = DpdkPort.open(0, DpdkPortConfig.vdev("ring4", "net_ring4"))) {
            assertEquals(1514, port.maxFrameLength());
        }
    }

    private static List<byte[]> receiveAll(DpdkPort port, int expected) {
        List<byte[]> got = new ArrayList<>();
        PacketBatch batch = new PacketBatch(64);
        int idle = 0;
        // Bounded by empty polls, not by time: everything is in the loopback ring or our tx queue.
        while (got.size() < expected && idle < 1000) {
            batch.clear();
            port.flush(); // frames still queued for transmit go out as the ring drains, as in a worker
            int n = port.receive(batch);
            idle = n == 0 ? idle + 1 : 0;
            for (int i = 0; i < n; i++) {
                got.add(DpdkFrames.bytes(port, batch.data[i], batch.length[i]));
                port.release(batch.handle[i]);
            }
        }
        port.poll();
        return got;
    }

    private static int receiveInto(DpdkPort port, PacketBatch batch, int expected) {
        int idle = 0;
        while (batch.count() < expected && idle < 1000) {
            idle = port.receive(batch) == 0 ? idle + 1 : 0;
        }
        return batch.count();
    }
}
