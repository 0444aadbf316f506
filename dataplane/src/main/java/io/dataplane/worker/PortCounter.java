package io.dataplane.worker;

import io.dataplane.counters.CounterType;

/** Per-port counters a worker keeps, in display order. */
public enum PortCounter {
    RX_PACKETS(CounterType.PORT_RX_PACKETS), RX_BYTES(CounterType.PORT_RX_BYTES),
    TX_PACKETS(CounterType.PORT_TX_PACKETS), TX_BYTES(CounterType.PORT_TX_BYTES);

    static final int COUNT = values().length;

    /** The counter file's type of this counter. */
    public final CounterType type;

    PortCounter(CounterType type) {
        this.type = type;
    }
}
