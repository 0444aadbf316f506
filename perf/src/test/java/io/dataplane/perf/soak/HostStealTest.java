package io.dataplane.perf.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HostStealTest {
    private static final String STAT = """
            cpu  95436 0 129273 664604 799 0 1957 5434 0 0
            cpu0 37231 0 77432 332435 152 0 50 2244 0 0
            cpu1 58205 0 51841 332169 647 0 1907 3190 0 0
            intr 1 2 3
            """;

    @Test
    void readsTheStealColumnOfTheAskedCpuInMilliseconds() {
        assertEquals(22440, HostSteal.millis(STAT, 0));
        assertEquals(31900, HostSteal.millis(STAT, 1));
    }

    @Test
    void aCpuThatIsNotThereIsMinusOne() {
        assertEquals(-1, HostSteal.millis(STAT, 2));
        assertEquals(-1, HostSteal.millis(STAT, 10)); // not "cpu1" by prefix
    }
}
