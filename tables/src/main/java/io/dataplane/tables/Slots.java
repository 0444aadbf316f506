package io.dataplane.tables;

import java.util.Arrays;
import java.util.Map;

/** Copy-on-write of a slot array, shared by the nexthop and group tables. */
final class Slots {
    private Slots() {
    }

    /**
     * A copy of {@code slots} with {@code changes} applied (a null value empties the slot), long
     * enough for the highest occupied slot and no longer.
     */
    static <T> T[] with(T[] slots, Map<Integer, T> changes) {
        int size = slots.length;
        for (var e : changes.entrySet()) {
            if (e.getValue() != null) {
                size = Math.max(size, e.getKey() + 1);
            }
        }
        T[] next = Arrays.copyOf(slots, size);
        for (var e : changes.entrySet()) {
            if (e.getKey() < size) {
                next[e.getKey()] = e.getValue();
            }
        }
        int used = next.length;
        while (used > 0 && next[used - 1] == null) {
            used--;
        }
        return used == next.length ? next : Arrays.copyOf(next, used);
    }
}
