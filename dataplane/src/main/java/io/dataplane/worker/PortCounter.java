package io.dataplane.worker;

/** Per-port counters a worker keeps. */
public enum PortCounter {
    RX_PACKETS, RX_BYTES, TX_PACKETS, TX_BYTES;

    static final int COUNT = values().length;
}
