package io.dataplane.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ring of unresolved destinations: each sample hands over what came since, a flood to one host once per sample, the newest when it overflows. */
class UnresolvedDestinationsTest {
    private static List<String> sample(UnresolvedDestinations d) {
        List<String> out = new ArrayList<>();
        d.sample((v6, hi, lo) -> out.add((v6 ? "6:" + Long.toHexString(hi) + ":" : "4:") + Long.toHexString(lo)));
        return out;
    }

    @Test
    void eachSampleHandsOverWhatCameSinceAndAFloodToOneHostOnce() {
        UnresolvedDestinations d = new UnresolvedDestinations();
        assertEquals(List.of(), sample(d));
        for (int i = 0; i < 1000; i++) {
            d.record(false, 0, 0x0a000205L);
        }
        d.record(true, 0x20010db800000000L, 1);
        d.record(false, 0, 0x0a000205L);
        assertEquals(List.of("4:a000205", "6:20010db800000000:1", "4:a000205"), sample(d));
        assertEquals(List.of(), sample(d));
        d.record(false, 0, 0x0a000205L); // still unresolved after it was sampled: recorded again
        assertEquals(List.of("4:a000205"), sample(d));
    }

    @Test
    void moreThanTheRingHoldsKeepsTheNewest() {
        UnresolvedDestinations d = new UnresolvedDestinations();
        for (int i = 0; i < UnresolvedDestinations.CAPACITY + 10; i++) {
            d.record(false, 0, i);
        }
        List<String> got = sample(d);
        assertEquals(UnresolvedDestinations.CAPACITY, got.size());
        assertEquals("4:a", got.get(0));
        assertEquals("4:" + Long.toHexString(UnresolvedDestinations.CAPACITY + 9), got.get(got.size() - 1));
    }
}
