package io.dataplane.stress;

import io.dataplane.tables.Quiescence;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The snapshot publication and reclamation protocol as the Fib runs it: the writer publishes a
 * new table (release store), waits for a grace period ({@link Quiescence#synchronize()}), then
 * reuses the old table's memory (here: poisons it, value -1). A worker goes online, loads the
 * current table (acquire) and reads it, passes a quiescent point, loads and reads again, and goes
 * offline. It must never read a poisoned table, and never go back from the new table to the old.
 */
@JCStressTest
@Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "both bursts saw the old table, whole")
@Outcome(id = "1, 2", expect = Expect.ACCEPTABLE, desc = "the swap happened between the bursts")
@Outcome(id = "2, 2", expect = Expect.ACCEPTABLE, desc = "both bursts saw the new table")
@Outcome(expect = Expect.FORBIDDEN, desc = "a burst read a reclaimed (poisoned) table, or went back to the old one")
@State
public class QuiescenceReclamation {
    /** A stand-in for forwarding memory: 1 in the old version, 2 in the new, -1 once reclaimed. */
    private static final class Table {
        int value;

        Table(int value) {
            this.value = value;
        }
    }

    private final Quiescence quiescence = new Quiescence(1);
    private final int slot = quiescence.register();
    private final Table old = new Table(1);
    private final AtomicReference<Table> current = new AtomicReference<>(old);

    @Actor
    public void worker(II_Result r) {
        quiescence.online(slot);
        r.r1 = current.getAcquire().value;
        quiescence.quiescent(slot);
        r.r2 = current.getAcquire().value;
        quiescence.offline(slot);
    }

    @Actor
    public void writer() {
        current.setRelease(new Table(2));
        quiescence.synchronize();
        old.value = -1;
    }
}
