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
 * An AF_XDP ring's producer writes a descriptor and publishes its index (release store); the
 * consumer reads the index (acquire load), then the descriptor. Seeing the index without the
 * descriptor it covers would hand the kernel (or a worker) a stale frame address and length.
 */
@JCStressTest
@Outcome(id = "0, 0, 0", expect = Expect.ACCEPTABLE, desc = "the consumer looked before the producer published")
@Outcome(id = "1, 4096, 60", expect = Expect.ACCEPTABLE, desc = "the whole descriptor arrived with its index")
@Outcome(expect = Expect.FORBIDDEN, desc = "the index was seen before the descriptor it publishes")
@State
public class XskRingPublication {
    private final XskRing producer;
    private final XskRing consumer;

    public XskRingPublication() {
        MemorySegment memory = Arena.ofAuto().allocate(XskRing.inMemoryBytes(4, 16), 64);
        producer = XskRing.inMemory("tx", memory, 4, 16, true);
        consumer = XskRing.inMemory("tx", memory, 4, 16, false);
    }

    @Actor
    public void produce() {
        if (producer.free(1) == 1) {
            producer.putDescriptor(0, 4096, 60);
            producer.submit(1);
        }
    }

    @Actor
    public void consume(JJJ_Result r) {
        int n = consumer.available(1);
        r.r1 = n;
        if (n == 1) {
            r.r2 = consumer.address(0);
            r.r3 = consumer.descriptorLength(0);
        }
    }
}
