package io.dataplane.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The fast path reads table versions at absolute addresses ({@link AddressSpace}), with no bounds
 * check of the segment's own: these are the bounds the tables check instead.
 */
class NexthopTableTest {
    private static NexthopTable table() {
        Map<Integer, Nexthop> m = new HashMap<>();
        m.put(0, new Nexthop(3, 0x020000000001L, 0x0200000000feL, 1400, true, true));
        m.put(2, new Nexthop(5, 0x020000000002L, 0x0200000000feL, 9000, false, true));
        return NexthopTable.empty().with(m);
    }

    @Test
    void slotsOutsideTheTableReadAsAbsent() {
        NexthopTable t = table();
        for (int slot : new int[] {-1, Integer.MIN_VALUE, t.size(), t.size() + 1, Integer.MAX_VALUE}) {
            assertEquals(0, t.portAndFlags(slot), "portAndFlags of slot " + slot);
            assertEquals(0, t.flags(slot), "flags of slot " + slot);
            assertEquals(0, t.mtu(slot), "mtu of slot " + slot);
        }
        assertEquals(0, t.flags(1) & NexthopTable.FLAG_PRESENT, "the gap between two slots in use is absent");
    }

    @Test
    void absoluteReadsSeeTheEntriesAsWritten() {
        NexthopTable t = table();
        assertEquals(3, t.port(0));
        assertEquals(1400, t.mtu(0));
        assertEquals(NexthopTable.FLAG_PRESENT | NexthopTable.FLAG_ALIVE | NexthopTable.FLAG_RESOLVED, t.flags(0));
        assertEquals(5, t.port(2));
        assertEquals(9000, t.mtu(2));
        assertEquals(NexthopTable.FLAG_PRESENT | NexthopTable.FLAG_RESOLVED, t.flags(2), "a dead nexthop is present, not alive");
        // Destination then source MAC, in wire order, where rewriteMacs copies them from.
        long macs = t.entryAddress(2) + NexthopTable.MACS;
        assertEquals(0x02, AddressSpace.ALL.get(ValueLayout.JAVA_BYTE, macs));
        assertEquals(0x02, AddressSpace.ALL.get(ValueLayout.JAVA_BYTE, macs + 5));
        assertEquals((byte) 0xfe, AddressSpace.ALL.get(ValueLayout.JAVA_BYTE, macs + 11));
    }
}
