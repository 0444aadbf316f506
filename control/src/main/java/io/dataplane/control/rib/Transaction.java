package io.dataplane.control.rib;

import io.dataplane.control.command.Prefix;
import io.dataplane.tables.GroupSpec;
import io.dataplane.tables.RouteTarget;
import java.util.LinkedHashMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntSupplier;

/**
 * The open transaction of the RIB: one command, a batch, or a change the devices reported. Every
 * {@link Rib#apply} and device report mutates the RIB inside it, journalling how to undo each step.
 * The control plane then publishes {@link #delta()} as one table version and ends the transaction
 * with {@link #commit()}, or with {@link #rollback()}, which restores the RIB exactly, if anything
 * failed (a command, or the tables refusing the delta).
 */
public final class Transaction {
    private final Journal journal;
    private final TableSlots slots;
    private final TableEntries<Prefix, Route> routes;
    private final IntSupplier hashSeed;
    private Integer hashSeedBefore;

    Transaction(Journal journal, TableSlots slots, TableEntries<Prefix, Route> routes, IntSupplier hashSeed) {
        this.journal = journal;
        this.slots = slots;
        this.routes = routes;
        this.hashSeed = hashSeed;
    }

    /** The hash seed is about to change in this transaction (remembers what the tables hold). */
    void hashSeedChanging() {
        if (hashSeedBefore == null) {
            hashSeedBefore = hashSeed.getAsInt();
        }
    }

    /**
     * What the tables must change for the open transaction, to be published as one version. The
     * transaction stays open until {@link #commit()} or {@link #rollback()}.
     */
    public TableDelta delta() {
        var nhs = new TreeMap<Integer, SlotNexthop>();
        var nhDel = new TreeSet<Integer>();
        slots.nexthops.changes(nhs::put, nhDel::add);
        var grs = new TreeMap<Integer, GroupSpec>();
        var grDel = new TreeSet<Integer>();
        slots.groups.changes(grs::put, grDel::add);
        var rts = new LinkedHashMap<Prefix, Integer>();
        routes.changes((prefix, r) -> rts.put(prefix, r.target()), prefix -> rts.put(prefix, RouteTarget.NONE));
        int seed = hashSeed.getAsInt();
        return new TableDelta(nhs, nhDel, grs, grDel, hashSeedBefore != null && hashSeedBefore != seed ? seed : null, rts);
    }

    /** Everything the tables should hold, as one delta from empty tables (for tables that start empty). */
    public TableDelta everything() {
        var nhs = new TreeMap<Integer, SlotNexthop>();
        slots.nexthops.forEach(nhs::put);
        var grs = new TreeMap<Integer, GroupSpec>();
        slots.groups.forEach(grs::put);
        var rts = new LinkedHashMap<Prefix, Integer>();
        routes.forEach((prefix, r) -> rts.put(prefix, r.target()));
        return new TableDelta(nhs, new TreeSet<>(), grs, new TreeSet<>(), hashSeed.getAsInt(), rts);
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

    /** True while the transaction holds uncommitted changes. */
    public boolean isOpen() {
        return !journal.isEmpty();
    }

    private void end() {
        journal.forget();
        slots.nexthops.endTransaction();
        slots.groups.endTransaction();
        routes.endTransaction();
        hashSeedBefore = null;
    }
}
