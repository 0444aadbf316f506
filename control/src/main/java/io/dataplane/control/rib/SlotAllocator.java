package io.dataplane.control.rib;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Hands out table slots (nexthop or group indices). A slot released inside a transaction stays
 * taken until the transaction commits: reusing it in the same change could make a route that still
 * points at it (in the version workers are reading) see the new occupant before it is re-pointed.
 */
final class SlotAllocator {
    private final String what;
    private final int capacity;
    private final BitSet used = new BitSet();
    private final List<Integer> released = new ArrayList<>();

    SlotAllocator(String what, int capacity) {
        this.what = what;
        this.capacity = capacity;
    }

    int allocate(Journal journal) {
        int s = used.nextClearBit(0);
        if (s >= capacity) {
            throw new io.dataplane.control.command.CommandException(
                    "the " + what + " table is full (" + capacity + " slots); delete unused " + what + "s or start the daemon with larger limits");
        }
        used.set(s);
        journal.undo(() -> used.clear(s));
        return s;
    }

    void release(int slot, Journal journal) {
        released.add(slot);
        journal.undo(() -> released.remove(released.size() - 1));
    }

    /** The transaction is published: released slots become free for the next one. */
    void commit() {
        for (int s : released) {
            used.clear(s);
        }
        released.clear();
    }

    int inUse() {
        return used.cardinality() - released.size();
    }

    int capacity() {
        return capacity;
    }
}
