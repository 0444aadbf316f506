package io.dataplane.stress;

import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The short version of {@link ReclamationStress} ('bin/bench stress' runs the long one). */
class ReclamationStressTest {
    @Test
    void noLookupSeesATbl8GroupAfterItWasReusedAcrossTwoCpus() throws Exception {
        ReclamationStress.Result r = ReclamationStress.run(10_000, 0, 1);
        System.out.println(r);
        assertNull(r.failure(), r::toString);
    }
}
