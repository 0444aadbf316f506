package io.dataplane.worker;

import io.dataplane.port.Port;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The ports one worker receives from and may send on, as one immutable value. The control thread
 * builds the next set and publishes it to the worker, which reads the published set once per duty
 * cycle, as it reads the tables' snapshot: a port added or removed at runtime changes the worker's
 * ports between two cycles, with no lock and without stopping its other ports.
 */
final class PortSet {
    /** The ports received from, in the order they are polled. */
    final Port[] served;
    /** Every port this worker may transmit on, by port index (null where none), {@link WorkerCounters#MAX_PORTS} long. */
    final Port[] byIndex;
    /** The non-null entries of {@link #byIndex}: the rings flushed and serviced every cycle. */
    final Port[] egress;
    /** Bit p set when {@code byIndex[p]} is a port. */
    final long egressMask;

    PortSet(Port[] served, Port[] egress) {
        this.served = served.clone();
        this.byIndex = new Port[WorkerCounters.MAX_PORTS];
        long mask = 0;
        List<Port> present = new ArrayList<>();
        for (int i = 0; i < egress.length; i++) {
            if (egress[i] == null) {
                continue;
            }
            if (egress[i].index() != i || i >= WorkerCounters.MAX_PORTS) {
                throw new IllegalArgumentException("port " + egress[i].name() + " has index " + egress[i].index()
                        + " but sits at " + i + " (port indices are 0.." + (WorkerCounters.MAX_PORTS - 1) + ")");
            }
            byIndex[i] = egress[i];
            mask |= 1L << i;
            present.add(egress[i]);
        }
        this.egress = present.toArray(new Port[0]);
        this.egressMask = mask;
    }

    /** This set with {@code port} added at its index, received from too when {@code serve}; throws if the index is taken. */
    PortSet with(Port port, boolean serve) {
        if (port.index() < 0 || port.index() >= WorkerCounters.MAX_PORTS) {
            throw new IllegalArgumentException("port index must be 0.." + (WorkerCounters.MAX_PORTS - 1) + ", was " + port.index());
        }
        if (byIndex[port.index()] != null) {
            throw new IllegalArgumentException("port index " + port.index() + " is taken by " + byIndex[port.index()].name());
        }
        Port[] table = byIndex.clone();
        table[port.index()] = port;
        Port[] s = serve ? Arrays.copyOf(served, served.length + 1) : served;
        if (serve) {
            s[served.length] = port;
        }
        return new PortSet(s, table);
    }

    /** This set without port index {@code index} (unchanged if it has none). */
    PortSet without(int index) {
        Port[] table = byIndex.clone();
        table[index] = null;
        return new PortSet(Arrays.stream(served).filter(p -> p.index() != index).toArray(Port[]::new), table);
    }

    /** The same ports as a new set: publishing it makes the worker look at its tasks ({@link Worker#runOnWorkerThread}). */
    PortSet copy() {
        return new PortSet(served, byIndex);
    }

    /** The port at {@code index}, or null. */
    Port port(int index) {
        return index >= 0 && index < byIndex.length ? byIndex[index] : null;
    }
}
