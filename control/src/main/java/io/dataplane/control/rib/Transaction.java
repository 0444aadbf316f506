package io.dataplane.control.rib;

import io.dataplane.control.command.IpAddress;
import io.dataplane.control.command.Prefix;
import io.dataplane.tables.Change;
import io.dataplane.tables.HashConfiguration;
import io.dataplane.tables.RouteTarget;
import java.util.function.Supplier;

/**
 * The open transaction of the RIB: one command, a batch, or a change the devices reported. Every
 * {@link Rib#apply} and device report mutates the RIB inside it, journalling how to undo each step.
 * The control plane then writes the difference into one table {@link Change} ({@link #writeTo}),
 * commits that as one version, and ends the transaction with {@link #commit()}, or with
 * {@link #rollback()}, which restores the RIB exactly, if anything failed (a command, or the
 * tables refusing the change).
 */
public final class Transaction {
    private final Journal journal;
    private final TableSlots slots;
    private final TableEntries<Prefix, Route> routes;
    /** Connected routes' host entries ({@link ConnectedHosts}), in the same LPM as the routes. */
    private final TableEntries<Prefix, Integer> hosts;
    private final Supplier<HashConfiguration> hash;
    private HashConfiguration hashBefore;

    Transaction(Journal journal, TableSlots slots, TableEntries<Prefix, Route> routes, TableEntries<Prefix, Integer> hosts,
                Supplier<HashConfiguration> hash) {
        this.journal = journal;
        this.slots = slots;
        this.routes = routes;
        this.hosts = hosts;
        this.hash = hash;
    }

    /** The hash configuration (or seed) is about to change in this transaction (remembers what the tables hold). */
    void hashChanging() {
        if (hashBefore == null) {
            hashBefore = hash.get();
        }
    }

    /**
     * Writes what the tables must change for the open transaction into {@code change}, to be
     * committed as one version. The transaction stays open until {@link #commit()} or
     * {@link #rollback()}.
     */
    public void writeTo(Change change) {
        slots.nexthops.changes((slot, s) -> change.nexthop(slot, s.nexthop()), change::removeNexthop);
        slots.groups.changes(change::group, change::removeGroup);
        // a host entry and a route never hold one prefix at the same time, but one may take the other's
        // place in a transaction: host entries leave before the routes are written and come after
        hosts.changes((prefix, t) -> { }, prefix -> route(change, prefix, RouteTarget.NONE));
        routes.changes((prefix, r) -> route(change, prefix, r.target()), prefix -> route(change, prefix, RouteTarget.NONE));
        hosts.changes((prefix, t) -> route(change, prefix, t), prefix -> { });
        HashConfiguration now = hash.get();
        if (hashBefore != null && !hashBefore.equals(now)) {
            change.hash(now);
        }
    }

    /** Writes everything the tables should hold into {@code change}, for tables that start empty. */
    public void writeAll(Change change) {
        slots.nexthops.forEach((slot, s) -> change.nexthop(slot, s.nexthop()));
        slots.groups.forEach(change::group);
        routes.forEach((prefix, r) -> route(change, prefix, r.target()));
        hosts.forEach((prefix, t) -> route(change, prefix, t));
        change.hash(hash.get());
    }

    private static void route(Change change, Prefix p, int target) {
        IpAddress a = p.address();
        if (target == RouteTarget.NONE) {
            if (a.v6()) {
                change.removeRoute6(a.hi(), a.lo(), p.length());
            } else {
                change.removeRoute4(a.v4Value(), p.length());
            }
        } else if (a.v6()) {
            change.route6(a.hi(), a.lo(), p.length(), target);
        } else {
            change.route4(a.v4Value(), p.length(), target);
        }
    }

    /** Ends the transaction: its changes are published and the slots it released become reusable. */
    public void commit() {
        end();
        slots.commit();
    }

    /** Ends the transaction, undoing every change it made (a no-op when nothing is open). */
    public void rollback() {
        journal.rollback();
        end();
    }

    private void end() {
        journal.forget();
        slots.nexthops.endTransaction();
        slots.groups.endTransaction();
        routes.endTransaction();
        hosts.endTransaction();
        hashBefore = null;
    }
}
