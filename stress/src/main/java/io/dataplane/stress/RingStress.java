package io.dataplane.stress;

import io.dataplane.ffi.CpuAffinity;
import io.dataplane.ffi.XskRing;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Two threads pinned to two CPUs drive one small {@link XskRing} over shared memory, producer and
 * consumer, in bursts of random size, so the ring keeps wrapping, filling and emptying. Every
 * descriptor carries its sequence number in its address and length; the consumer checks that each
 * arrives exactly once and in order. A reordering the indexes' release/acquire pairs guard
 * against shows up as a stale or skipped descriptor.
 */
public final class RingStress {
    private static final int SIZE = 64;
    private static final int BURST = 32;

    /** What a run did: descriptors passed and, on failure, the first wrong one. */
    public record Result(long descriptors, long nanos, String failure) {
        @Override
        public String toString() {
            return failure != null ? "ring stress FAILED after " + descriptors + " descriptors: " + failure
                    : String.format("ring stress: %,d descriptors exactly once and in order in %.1f s (%.1f M/s)",
                            descriptors, nanos / 1e9, descriptors * 1e3 / nanos);
        }
    }

    private RingStress() {
    }

    /** Passes {@code count} descriptors from a producer on CPU {@code producerCpu} to a consumer on {@code consumerCpu}. */
    public static Result run(long count, int producerCpu, int consumerCpu) throws InterruptedException {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment memory = arena.allocate(XskRing.inMemoryBytes(SIZE, 16), 64);
            XskRing producer = XskRing.inMemory("stress", memory, SIZE, 16, true);
            XskRing consumer = XskRing.inMemory("stress", memory, SIZE, 16, false);
            AtomicReference<String> failure = new AtomicReference<>();
            long[] received = new long[1];
            Thread produce = Thread.ofPlatform().name("ring-producer").start(() -> {
                CpuAffinity.pin(producerCpu);
                SplittableRandom rnd = new SplittableRandom(1);
                long next = 0;
                while (next < count && failure.get() == null) {
                    int n = producer.free((int) Math.min(1 + rnd.nextInt(BURST), count - next));
                    for (int i = 0; i < n; i++) {
                        producer.putDescriptor(i, address(next + i), length(next + i));
                    }
                    if (n > 0) {
                        producer.submit(n);
                        next += n;
                    } else {
                        Thread.onSpinWait();
                    }
                }
            });
            long start = System.nanoTime();
            Thread consume = Thread.ofPlatform().name("ring-consumer").start(() -> {
                CpuAffinity.pin(consumerCpu);
                SplittableRandom rnd = new SplittableRandom(2);
                long expected = 0;
                while (expected < count && failure.get() == null) {
                    int n = consumer.available(1 + rnd.nextInt(BURST));
                    for (int i = 0; i < n; i++) {
                        long a = consumer.address(i);
                        int l = consumer.descriptorLength(i);
                        if (a != address(expected) || l != length(expected)) {
                            failure.set("descriptor " + expected + " read as address " + a + " length " + l + ", expected "
                                    + address(expected) + " length " + length(expected));
                            break;
                        }
                        expected++;
                    }
                    if (n > 0) {
                        consumer.release(n);
                    } else {
                        Thread.onSpinWait();
                    }
                }
                received[0] = expected;
            });
            produce.join();
            consume.join();
            long nanos = System.nanoTime() - start;
            if (failure.get() == null && received[0] != count) {
                failure.set("received " + received[0] + " of " + count);
            }
            if (failure.get() == null && consumer.available(SIZE) != 0) {
                failure.set("descriptors left in the ring after the last one");
            }
            return new Result(received[0], nanos, failure.get());
        }
    }

    /** A sequence number's frame address: never 0, different in every bit pattern of the ring's slots. */
    private static long address(long seq) {
        return (seq + 1) * 4096 + (seq & 0xfff);
    }

    private static int length(long seq) {
        return (int) (seq * 2654435761L) & 0xffff;
    }

    /** {@code RingStress [descriptors]}: the long run of bin/bench stress. */
    public static void main(String[] args) throws InterruptedException {
        long count = args.length > 0 ? Long.parseLong(args[0]) : 500_000_000L;
        Result r = run(count, 0, 1);
        System.out.println(r + ", producer on CPU 0, consumer on CPU 1");
        System.exit(r.failure() == null ? 0 : 1);
    }
}
