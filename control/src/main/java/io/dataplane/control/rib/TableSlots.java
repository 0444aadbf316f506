package io.dataplane.control.rib;

import io.dataplane.tables.GroupSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The nexthop and group slots of the forwarding tables as the RIB fills them: which slots are
 * taken and what each holds. Slot numbers are stable, so a replace rewrites a slot in place.
 */
final class TableSlots {
    private final Journal journal;
    private final SlotAllocator nexthopAlloc;
    private final SlotAllocator groupAlloc;
    final TableEntries<Integer, SlotNexthop> nexthops;
    final TableEntries<Integer, GroupSpec> groups;

    TableSlots(Journal journal, int nexthopSlots, int groupSlots) {
        this.journal = journal;
        this.nexthopAlloc = new SlotAllocator("nexthop", nexthopSlots);
        this.groupAlloc = new SlotAllocator("group", groupSlots);
        this.nexthops = new TableEntries<>(s -> s);
        this.groups = new TableEntries<>(g -> g);
    }

    /** Takes a free nexthop slot and fills it. */
    int addNexthop(SlotNexthop contents) {
        int slot = nexthopAlloc.allocate(journal);
        nexthops.put(slot, contents);
        return slot;
    }

    void setNexthop(int slot, SlotNexthop contents) {
        nexthops.put(slot, contents);
    }

    void removeNexthop(int slot) {
        nexthops.put(slot, null);
        nexthopAlloc.release(slot, journal);
    }

    int addGroup(GroupSpec contents) {
        int slot = groupAlloc.allocate(journal);
        groups.put(slot, contents);
        return slot;
    }

    void setGroup(int slot, GroupSpec contents) {
        groups.put(slot, contents);
    }

    void removeGroup(int slot) {
        groups.put(slot, null);
        groupAlloc.release(slot, journal);
    }

    SlotNexthop nexthop(int slot) {
        return nexthops.get(slot);
    }

    GroupSpec group(int slot) {
        return groups.get(slot);
    }

    int nexthopsInUse() {
        return nexthopAlloc.inUse();
    }

    int groupsInUse() {
        return groupAlloc.inUse();
    }

    /** Rewrites every nexthop slot that matches (its port or neighbour changed). */
    void refresh(Predicate<SlotNexthop> affected, UnaryOperator<SlotNexthop> recompute) {
        List<Integer> slots = new ArrayList<>();
        nexthops.forEach((slot, s) -> {
            if (affected.test(s)) {
                slots.add(slot);
            }
        });
        for (int slot : slots) {
            nexthops.put(slot, recompute.apply(nexthops.get(slot)));
        }
    }

    /** The transaction is published: released slots become free for the next one. */
    void commit() {
        nexthopAlloc.commit();
        groupAlloc.commit();
    }
}
