package io.dataplane.control.rib;

import io.dataplane.tables.GroupSpec;
import java.util.HashMap;
import java.util.Map;

/**
 * Group slots that followed routes share: every route of a routing source that points at the same
 * kernel nexthop group, or has the same gateways and weights, uses one slot, so a full table of
 * BGP routes over a few ECMP groups takes a few group slots, not one per route. A slot keyed by a
 * nexthop group is rewritten in place when the group changes (a BGP path withdrawn): one group
 * replace for all its routes, never a route written twice. The slot lives while a route uses it.
 */
final class SharedGroups {
    /** The key of a kernel nexthop group of a source ({@code source} as messages say it). */
    record NexthopGroup(String source, int id) {
    }

    /**
     * One shared slot. Its count and contents change in place and are journalled once per
     * transaction (as they were when the transaction first touched them): a batch of a million
     * routes over one group would otherwise log a million undo steps.
     */
    private static final class Shared {
        final Object key;
        final int slot;
        GroupSpec spec;
        int users;
        long touchedIn = -1;

        Shared(Object key, int slot, GroupSpec spec) {
            this.key = key;
            this.slot = slot;
            this.spec = spec;
        }
    }

    private final Journal journal;
    private final TableSlots slots;
    private final Map<Object, Shared> byKey = new HashMap<>();
    private final Map<Integer, Shared> bySlot = new HashMap<>();

    SharedGroups(Journal journal, TableSlots slots) {
        this.journal = journal;
        this.slots = slots;
    }

    /**
     * One route more uses the group of {@code key} (a {@link NexthopGroup}, or the spec itself);
     * its slot, taken if no route used the key yet, rewritten in place if the group is now {@code spec}.
     */
    int acquire(Object key, GroupSpec spec) {
        Shared s = byKey.get(key);
        if (s == null) {
            s = new Shared(key, slots.addGroup(spec), spec);
            s.touchedIn = journal.transaction(); // new in this transaction: undone by removing it
            s.users = 1;
            journal.put(byKey, key, s);
            journal.put(bySlot, s.slot, s);
            return s.slot;
        }
        touch(s);
        if (!s.spec.equals(spec)) {
            slots.setGroup(s.slot, spec);
            s.spec = spec;
        }
        s.users++;
        return s.slot;
    }

    /** Whether {@code slot} is one of these shared slots. */
    boolean holds(int slot) {
        return bySlot.containsKey(slot);
    }

    /** The key {@code slot} is shared by (a {@link NexthopGroup} or a spec), null if it is not a shared slot. */
    Object keyOf(int slot) {
        Shared s = bySlot.get(slot);
        return s == null ? null : s.key;
    }

    /** One route less uses {@code slot}; the last one frees it. */
    void release(int slot) {
        Shared s = bySlot.get(slot);
        touch(s);
        s.users--;
        if (s.users == 0) {
            journal.put(byKey, s.key, null);
            journal.put(bySlot, slot, null);
            slots.removeGroup(slot);
        }
    }

    private void touch(Shared s) {
        long tx = journal.transaction();
        if (s.touchedIn != tx) {
            int users = s.users;
            GroupSpec spec = s.spec;
            journal.undo(() -> {
                s.users = users;
                s.spec = spec;
            });
            s.touchedIn = tx;
        }
    }
}
