package io.dataplane.control.rib;

import io.dataplane.control.command.Command.Member;
import io.dataplane.control.command.Command.NexthopSet;
import io.dataplane.control.command.Command.Op;
import io.dataplane.control.command.CommandException;
import io.dataplane.control.rib.NexthopObject.GatewayObject;
import io.dataplane.control.rib.NexthopObject.GroupObject;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.RouteTarget;
import io.dataplane.tables.ResilientGroup;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The nexthop objects ({@code nexthop add id ID ...}) by id. Each owns its slot, which a replace
 * rewrites in place, so routes pointing at the object follow it without being touched.
 */
final class NexthopObjects {
    private final Journal journal;
    private final TableSlots slots;
    private final Rib rib;
    private final TreeMap<Integer, NexthopObject> objects = new TreeMap<>();
    /** The last id {@link #unusedId} picked (0: none yet). */
    private int lastPicked;

    private final ResilientGroups resilient;

    NexthopObjects(Journal journal, TableSlots slots, Rib rib) {
        this.journal = journal;
        this.slots = slots;
        this.rib = rib;
        this.resilient = new ResilientGroups(journal, slots, objects);
    }

    /** The resilient groups' part: creating, replacing, following dead members, the timers. */
    ResilientGroups resilient() {
        return resilient;
    }

    NexthopObject get(int id) {
        return objects.get(id);
    }

    Map<Integer, NexthopObject> byId() {
        return Collections.unmodifiableMap(objects);
    }

    int size() {
        return objects.size();
    }

    /**
     * A free id for {@code nexthop add} without one: as the kernel's nh_find_unused_id, the one
     * after the last id picked, skipping ids in use and wrapping to 1 after 2147483647.
     */
    private int unusedId() {
        int start = lastPicked == 0 ? Integer.MAX_VALUE : lastPicked; // the first pick is 1
        int id = start;
        do {
            id = id == Integer.MAX_VALUE ? 1 : id + 1;
            if (!objects.containsKey(id)) {
                int before = lastPicked;
                lastPicked = id;
                journal.undo(() -> lastPicked = before);
                return id;
            }
        } while (id != start);
        throw new CommandException("every nexthop id 1..2147483647 is in use");
    }

    /** The route target that points at the object: its nexthop or group slot. */
    static int target(NexthopObject o) {
        return switch (o) {
            case GatewayObject gw -> RouteTarget.nexthop(gw.slot());
            case GroupObject grp -> RouteTarget.group(grp.slot());
        };
    }

    void set(NexthopSet n) {
        if (n.id() == 0) {
            n = new NexthopSet(n.op(), unusedId(), n.hop(), n.members(), n.mpalgo(), n.resilient());
        }
        NexthopObject old = objects.get(n.id());
        if (n.op() == Op.ADD && old != null) {
            throw new CommandException("nexthop id " + n.id() + " already exists; use 'nexthop replace id " + n.id()
                    + " ...' to change it or pick another id");
        }
        if (old != null && (old instanceof GroupObject) != n.isGroup()) {
            throw new CommandException("nexthop id " + n.id() + " is a " + (n.isGroup() ? "single nexthop" : "group")
                    + " and cannot be replaced by a " + (n.isGroup() ? "group" : "single nexthop")
                    + "; delete it (after moving its users) and add it again");
        }
        if (!n.isGroup()) {
            int port = rib.portIndex(n.hop().dev(), "nexthop id " + n.id());
            SlotNexthop contents = rib.rewrite(n.hop().via(), port);
            int slot;
            if (old != null) {
                slot = ((GatewayObject) old).slot();
                slots.setNexthop(slot, contents);
            } else {
                slot = slots.addNexthop(contents);
            }
            journal.put(objects, n.id(), new GatewayObject(n.id(), n.hop().via(), port, slot));
            resilient.followMembers(rib.now()); // the gateway may have moved to a port that is down, or back
            return;
        }
        if (old != null && (((GroupObject) old).resilient() != null) != (n.resilient() != null)) {
            throw new CommandException("nexthop id " + n.id() + " is " + (n.resilient() != null ? "an mpath" : "a resilient")
                    + " group and cannot be replaced by " + (n.resilient() != null ? "a resilient" : "an mpath")
                    + " one (the kernel refuses it too); delete it (after moving its users) and add it again");
        }
        int[] members = new int[n.members().size()];
        int[] weights = new int[members.length];
        for (int i = 0; i < members.length; i++) {
            Member m = n.members().get(i);
            NexthopObject o = objects.get(m.id());
            if (o == null) {
                throw new CommandException("group " + n.id() + " names nexthop " + m.id()
                        + ", which does not exist; add it with 'nexthop add id " + m.id() + " via ADDR dev PORT' first");
            }
            if (o instanceof GroupObject) {
                throw new CommandException("group " + n.id() + " names nexthop " + m.id()
                        + ", which is itself a group; groups cannot contain groups");
            }
            if (m.id() == n.id()) {
                throw new CommandException("group " + n.id() + " cannot contain itself");
            }
            members[i] = ((GatewayObject) o).slot();
            weights[i] = m.weight();
        }
        MultipathAlgorithm algo = n.mpalgo() == null ? Rib.DEFAULT_MPALGO : n.mpalgo();
        if (n.resilient() != null) {
            resilient.set(n, (GroupObject) old, members, weights, algo, rib.now());
            return;
        }
        GroupSpec contents = new GroupSpec(members, weights, algo);
        int slot;
        if (old != null) {
            slot = ((GroupObject) old).slot();
            slots.setGroup(slot, contents);
        } else {
            slot = slots.addGroup(contents);
        }
        journal.put(objects, n.id(), new GroupObject(n.id(), List.copyOf(n.members()), algo, slot));
    }

    /** Deletes the object, refusing while a route ({@code routes}) or a group still uses it. */
    void delete(int id, Routes routes) {
        NexthopObject o = objects.get(id);
        if (o == null) {
            throw new CommandException("nexthop id " + id + " does not exist; 'nexthop show' lists them");
        }
        routes.refuseIfUsing(id);
        for (NexthopObject g : objects.values()) {
            if (g instanceof GroupObject grp && grp.members().stream().anyMatch(m -> m.id() == id)) {
                throw new CommandException("nexthop id " + id + " is a member of group " + grp.id()
                        + "; replace the group without it ('nexthop replace id " + grp.id() + " group ...') first");
            }
        }
        switch (o) {
            case GatewayObject gw -> slots.removeNexthop(gw.slot());
            case GroupObject grp -> slots.removeGroup(grp.slot());
        }
        journal.put(objects, id, null);
    }
}
