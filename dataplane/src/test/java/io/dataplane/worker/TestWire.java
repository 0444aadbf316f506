package io.dataplane.worker;

import io.dataplane.port.MemoryPort;
import io.dataplane.port.Port;
import java.lang.foreign.MemorySegment;
import java.util.function.IntToLongFunction;

/**
 * The far side of a set of ports, for transport-agnostic tests: put a frame on a port's wire,
 * collect what a port transmitted. Each port type (memory, DPDK ring, AF_XDP veth) provides one.
 */
public interface TestWire extends AutoCloseable {
    /** The ports, index i at position i: 0 faces the client, 1 and 2 the servers. */
    Port[] ports();

    /** Puts one frame on port {@code port}'s receive side; false when it cannot take one now. */
    boolean inject(int port, MemorySegment frame);

    /** Hands frames transmitted on {@code port} to the sink; returns how many. */
    int drain(int port, MemoryPort.FrameSink sink);

    /**
     * How to read the frames the dataplane received on a port (its rx_packets counter), for wires
     * that pace injection to what the worker has taken. Called once the dataplane is built.
     */
    default void routerReceived(IntToLongFunction received) {
    }

    @Override
    void close();
}
