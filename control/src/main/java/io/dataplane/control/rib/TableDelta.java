package io.dataplane.control.rib;

import io.dataplane.control.command.Prefix;
import io.dataplane.tables.GroupSpec;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * What one transaction changes in the forwarding tables: slot contents to write (replaced in
 * place when the slot is occupied), slots to empty, and routes to point somewhere
 * ({@link io.dataplane.tables.RouteTarget} encoding) or to remove ({@code RouteTarget.NONE}).
 * Turned into exactly one {@code Change} so that workers see all of it or none of it.
 */
public record TableDelta(SortedMap<Integer, SlotNexthop> nexthops, SortedSet<Integer> removedNexthops,
                         SortedMap<Integer, GroupSpec> groups, SortedSet<Integer> removedGroups,
                         Integer hashSeed, Map<Prefix, Integer> routes) {

    public boolean isEmpty() {
        return nexthops.isEmpty() && removedNexthops.isEmpty() && groups.isEmpty() && removedGroups.isEmpty()
                && hashSeed == null && routes.isEmpty();
    }
}
