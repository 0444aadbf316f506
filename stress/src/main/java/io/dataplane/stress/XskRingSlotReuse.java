package io.dataplane.stress;

import io.dataplane.ffi.XskRing;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

/**
 * The other half of the ring protocol: a one-slot ring holds an entry (address 111); the consumer
 * reads it and releases the slot (release store of its index), while the producer waits for free
 * space (acquire load) and writes the next entry (222) into the same slot. The consumer must read
 * the entry before the producer can see the slot free: reading 222 would mean the release was
 * reordered before the read, and a frame would be lost and another delivered twice.
 */
@JCStressTest
@Outcome(id = "1, 111, 0", expect = Expect.ACCEPTABLE, desc = "the producer found the ring still full")
@Outcome(id = "1, 111, 1", expect = Expect.ACCEPTABLE, desc = "the consumer read, released, then the producer reused the slot")
@Outcome(expect = Expect.FORBIDDEN, desc = "the consumer read an entry written into a slot it had not released yet")
@State
public class XskRingSlotReuse {
    private final XskRing producer;
    private final XskRing consumer;

    public XskRingSlotReuse() {
        MemorySegment memory = Arena.ofAuto().allocate(XskRing.inMemoryBytes(1, 8), 64);
        producer = XskRing.inMemory("fill", memory, 1, 8, true);
        consumer = XskRing.inMemory("fill", memory, 1, 8, false);
        producer.free(1);
        producer.putAddress(0, 111);
        producer.submit(1);
    }

    @Actor
    public void consume(JJJ_Result r) {
        int n = consumer.available(1);
        r.r1 = n;
        if (n == 1) {
            r.r2 = consumer.address(0);
            consumer.release(1);
        }
    }

    @Actor
    public void produce(JJJ_Result r) {
        int free = producer.free(1);
        r.r3 = free;
        if (free == 1) {
            producer.putAddress(0, 222);
            producer.submit(1);
        }
    }
}
