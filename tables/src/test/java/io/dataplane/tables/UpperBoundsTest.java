package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The kernel's fib_rebalance bounds, reference §9.1. */
class UpperBoundsTest {
    @ParameterizedTest(name = "weights {0} dead {1} -> {2}")
    @CsvSource(delimiter = ';', value = {
        "1,1;;1073741823,2147483647",
        "1,2;;715827882,2147483647",
        "2,1;;1431655764,2147483647",
        "1,1,1;;715827882,1431655764,2147483647",
        "1,2,3;;357913940,1073741823,2147483647",
        "11,45;;421827144,2147483647",
        "256,1;;2139127679,2147483647",
        "1,1,1,1,1;;429496729,858993458,1288490188,1717986917,2147483647",
        "1,1,1;1;1073741823,-1,2147483647",
        "1,1,1,1,1;2;536870911,1073741823,-1,1610612735,2147483647",
    })
    void boundsMatchKernelTable(String weights, String dead, String expected) {
        int[] w = Arrays.stream(weights.split(",")).mapToInt(Integer::parseInt).toArray();
        boolean[] alive = new boolean[w.length];
        Arrays.fill(alive, true);
        if (dead != null) {
            for (String d : dead.split(",")) {
                alive[Integer.parseInt(d)] = false;
            }
        }
        int[] want = Arrays.stream(expected.split(",")).mapToInt(Integer::parseInt).toArray();
        assertArrayEquals(want, UpperBounds.compute(w, alive));
    }

    @Test
    void boundsAreInclusive() {
        int[] b = UpperBounds.compute(new int[] {1, 2}, new boolean[] {true, true});
        assertEquals(0, UpperBounds.select(b, 715827882));
        assertEquals(1, UpperBounds.select(b, 715827883));
        assertEquals(1, UpperBounds.select(b, Integer.MAX_VALUE));
        assertEquals(0, UpperBounds.select(b, 0));
    }

    @Test
    void deadNexthopIsNeverSelectedAndAllDeadSelectsNothing() {
        int[] b = UpperBounds.compute(new int[] {1, 1, 1}, new boolean[] {true, false, true});
        for (int h = 0; h >= 0 && h <= Integer.MAX_VALUE - 1_000_000; h += 1_000_000) {
            assertNotDead(UpperBounds.select(b, h));
        }
        int[] none = UpperBounds.compute(new int[] {1, 1}, new boolean[] {false, false});
        assertEquals(-1, UpperBounds.select(none, 0));
    }

    private static void assertNotDead(int i) {
        assertEquals(true, i == 0 || i == 2, "selected dead nexthop " + i);
    }
}
