package io.dataplane.stress;

import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The short version of {@link RingStress} ('bin/bench stress' runs the long one). */
class RingStressTest {
    @Test
    void everyDescriptorArrivesExactlyOnceInOrderAcrossTwoCpus() throws Exception {
        RingStress.Result r = RingStress.run(5_000_000, 0, 1);
        System.out.println(r);
        assertNull(r.failure(), r::toString);
    }
}
