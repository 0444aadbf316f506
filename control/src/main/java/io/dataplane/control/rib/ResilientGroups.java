package io.dataplane.control.rib;

import io.dataplane.control.command.Command.Member;
import io.dataplane.control.command.Command.NexthopSet;
import io.dataplane.control.command.CommandException;
import io.dataplane.control.command.ResilientArgs;
import io.dataplane.control.rib.NexthopObject.GatewayObject;
import io.dataplane.control.rib.NexthopObject.GroupObject;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.MultipathAlgorithm;
import io.dataplane.tables.ResilientGroup;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The resilient groups among the nexthop objects ({@code group ... type resilient}): each keeps a
 * {@link ResilientGroup} (the kernel's bucket table and timers) and publishes its buckets in the
 * group slot. Every change works on a copy of the group, stored with a new object through the
 * journal, so a refused command or batch leaves the buckets as they were.
 *
 * <p>Members whose nexthop is dead (port down, no carrier) are left out of the bucket table, so
 * their buckets move to the others at once: the kernel deletes such nexthops (nexthop_flush_dev),
 * which takes them out of their groups. Unlike the kernel the nexthop object stays, and when it
 * comes back to life it rejoins its groups, taking over only buckets the timers let go.
 */
final class ResilientGroups {
    private final Journal journal;
    private final TableSlots slots;
    private final Map<Integer, NexthopObject> objects;

    ResilientGroups(Journal journal, TableSlots slots, Map<Integer, NexthopObject> objects) {
        this.journal = journal;
        this.slots = slots;
        this.objects = objects;
    }

    /** {@code nexthop add|replace id N group ... type resilient ...}; members are checked gateway objects. */
    void set(NexthopSet n, GroupObject old, int[] memberSlots, int[] weights, MultipathAlgorithm algo, long now) {
        ResilientArgs a = n.resilient();
        int[] ids = n.members().stream().mapToInt(Member::id).toArray();
        int[][] members = serving(ids, weights);
        if (old == null && a.buckets() == null) {
            // a replace that creates the group needs them as an add does (the parser checks only add)
            throw new CommandException("nexthop replace id " + n.id() + " ... type resilient creates the group, so it needs 'buckets 1.."
                    + ResilientGroup.MAX_BUCKETS + "' (the kernel has no default bucket count)");
        }
        ResilientGroup g;
        try {
            if (old == null) {
                g = ResilientGroup.create(members[0], members[1], a.buckets(),
                        a.idleTimerSeconds() == null ? ResilientGroup.DEFAULT_IDLE_TIMER : ResilientGroup.timerSeconds("idle_timer", a.idleTimerSeconds()),
                        a.unbalancedTimerSeconds() == null ? ResilientGroup.DEFAULT_UNBALANCED_TIMER
                                : ResilientGroup.timerSeconds("unbalanced_timer", a.unbalancedTimerSeconds()),
                        now);
            } else {
                g = old.resilient().copy();
                g.replace(members[0], members[1],
                        a.buckets() == null ? OptionalInt.empty() : OptionalInt.of(a.buckets()),
                        a.idleTimerSeconds() == null ? OptionalLong.empty()
                                : OptionalLong.of(ResilientGroup.timerSeconds("idle_timer", a.idleTimerSeconds())),
                        a.unbalancedTimerSeconds() == null ? OptionalLong.empty()
                                : OptionalLong.of(ResilientGroup.timerSeconds("unbalanced_timer", a.unbalancedTimerSeconds())),
                        now);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandException("nexthop id " + n.id() + ": " + e.getMessage()
                    + (a.buckets() != null && old != null ? "; give the group's own bucket count (" + old.resilient().buckets()
                    + ") or leave 'buckets' out" : ""));
        }
        GroupSpec spec = spec(memberSlots, weights, algo, g);
        int slot;
        if (old != null) {
            slot = old.slot();
            slots.setGroup(slot, spec);
        } else {
            slot = slots.addGroup(spec);
        }
        journal.put(objects, n.id(), new GroupObject(n.id(), List.copyOf(n.members()), algo, slot, g));
    }

    /**
     * A member's nexthop died or came back: each resilient group's bucket table is rebuilt from the
     * members that are alive (buckets of the dead move at once, the revived wait for idle buckets).
     */
    void followMembers(long now) {
        for (GroupObject o : groups()) {
            int[] ids = o.members().stream().mapToInt(Member::id).toArray();
            int[] weights = o.members().stream().mapToInt(Member::weight).toArray();
            int[][] serving = serving(ids, weights);
            ResilientGroup g = o.resilient();
            if (Arrays.equals(serving[0], g.memberIds()) && Arrays.equals(serving[1], g.weights())) {
                continue;
            }
            ResilientGroup next = g.copy();
            next.replace(serving[0], serving[1], OptionalInt.empty(), OptionalLong.empty(), OptionalLong.empty(), now);
            store(o, next);
        }
    }

    /** The timers (the kernel's nh_res_table_upkeep work): every group whose upkeep is due migrates what it may. */
    void upkeep(long now) {
        for (GroupObject o : groups()) {
            if (o.resilient().upkeepDue(now)) {
                ResilientGroup next = o.resilient().copy();
                next.upkeep(now);
                store(o, next);
            }
        }
    }

    private void store(GroupObject o, ResilientGroup next) {
        int[] memberSlots = o.members().stream().mapToInt(m -> gateway(m.id()).slot()).toArray();
        int[] weights = o.members().stream().mapToInt(Member::weight).toArray();
        GroupSpec spec = spec(memberSlots, weights, o.mpalgo(), next);
        if (!spec.equals(slots.group(o.slot()))) {
            slots.setGroup(o.slot(), spec);
        }
        journal.put(objects, o.id(), new GroupObject(o.id(), o.members(), o.mpalgo(), o.slot(), next));
    }

    /** The resilient group objects, collected first: storing a changed one replaces it in the map. */
    private List<GroupObject> groups() {
        List<GroupObject> out = new ArrayList<>();
        for (NexthopObject o : objects.values()) {
            if (o instanceof GroupObject g && g.resilient() != null) {
                out.add(g);
            }
        }
        return out;
    }

    /** The table's view: bucket b forwards to the slot of the nexthop the group gave it. */
    private GroupSpec spec(int[] memberSlots, int[] weights, MultipathAlgorithm algo, ResilientGroup g) {
        int[] buckets = new int[g.buckets()];
        for (int b = 0; b < buckets.length; b++) {
            buckets[b] = gateway(g.nexthop(b)).slot();
        }
        return GroupSpec.resilient(memberSlots, weights, algo, buckets);
    }

    /** Members (ids, weights) whose nexthop is alive; all of them when none is, so the table keeps its buckets. */
    private int[][] serving(int[] ids, int[] weights) {
        int[] keep = new int[ids.length];
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            SlotNexthop s = slots.nexthop(gateway(ids[i]).slot());
            if (s != null && s.alive()) {
                keep[n++] = i;
            }
        }
        if (n == 0) {
            return new int[][] {ids.clone(), weights.clone()};
        }
        int[] outIds = new int[n];
        int[] outWeights = new int[n];
        for (int i = 0; i < n; i++) {
            outIds[i] = ids[keep[i]];
            outWeights[i] = weights[keep[i]];
        }
        return new int[][] {outIds, outWeights};
    }

    private GatewayObject gateway(int id) {
        return (GatewayObject) objects.get(id);
    }
}
