package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The mpalgo keywords, and the kernel's reserved names refused with a message that says so. */
class MultipathAlgorithmTest {
    @Test
    void keywordsParse() {
        assertEquals(MultipathAlgorithm.L3, MultipathAlgorithm.parse("l3"));
        assertEquals(MultipathAlgorithm.L4, MultipathAlgorithm.parse("L4"));
        assertEquals(MultipathAlgorithm.PER_PACKET, MultipathAlgorithm.parse("per-packet"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"drr", "random", "wrandom"})
    void reservedAlgorithmsAreRefusedAsReserved(String name) {
        var e = assertThrows(IllegalArgumentException.class, () -> MultipathAlgorithm.parse(name));
        assertEquals("mpalgo " + name + " is reserved and unsupported; use l3, l4 or per-packet", e.getMessage());
    }

    @Test
    void unknownAlgorithmIsRefusedWithTheChoices() {
        var e = assertThrows(IllegalArgumentException.class, () -> MultipathAlgorithm.parse("ecmp"));
        assertEquals("unknown mpalgo 'ecmp'; use l3, l4 or per-packet", e.getMessage());
    }
}
