package io.dataplane.ffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Two views of one ring in process memory, as the in-memory port uses them: producer and consumer. */
class XskRingInMemoryTest {
    @Test
    void descriptorsArriveInOrderAcrossManyWrapArounds() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(XskRing.inMemoryBytes(8, 16), 64);
            XskRing producer = XskRing.inMemory("tx", memory, 8, 16, true);
            XskRing consumer = XskRing.inMemory("tx", memory, 8, 16, false);
            long next = 0, expected = 0;
            for (int round = 0; round < 100; round++) {
                int n = producer.free(5);
                for (int i = 0; i < n; i++) {
                    producer.putDescriptor(i, next * 4096, (int) (next % 1500) + 60);
                    next++;
                }
                producer.submit(n);
                int got = consumer.available(8);
                for (int i = 0; i < got; i++) {
                    assertEquals(expected * 4096, consumer.address(i));
                    assertEquals((int) (expected % 1500) + 60, consumer.descriptorLength(i));
                    expected++;
                }
                consumer.release(got);
            }
            assertEquals(next, expected);
            assertEquals(500, next);
        }
    }

    @Test
    void aFullRingRefusesMoreUntilTheConsumerReleases() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(XskRing.inMemoryBytes(4, 8), 64);
            XskRing producer = XskRing.inMemory("fill", memory, 4, 8, true);
            XskRing consumer = XskRing.inMemory("fill", memory, 4, 8, false);
            assertEquals(4, producer.free(10));
            for (int i = 0; i < 4; i++) {
                producer.putAddress(i, i * 2048L);
            }
            producer.submit(4);
            assertEquals(0, producer.free(1));
            assertEquals(4, consumer.available(4));
            consumer.release(2);
            assertEquals(2, producer.free(4));
            assertEquals(4096L, consumer.address(0));
        }
    }

    @Test
    void sizesMustBePowersOfTwo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(XskRing.inMemoryBytes(8, 16), 64);
            assertThrows(IllegalArgumentException.class, () -> XskRing.inMemory("rx", memory, 6, 16, false));
        }
    }
}
