package io.dataplane.worker;

import io.dataplane.port.MemoryPort;
import io.dataplane.port.MemoryUmem;
import io.dataplane.port.Port;
import java.lang.foreign.MemorySegment;

/** {@link TestWire} over in-memory ports sharing one UMEM. */
final class MemoryWire implements TestWire {
    private final MemoryUmem umem = new MemoryUmem(4096, 2048);
    private final MemoryPort[] ports = new MemoryPort[3];

    MemoryWire() {
        String[] names = {"client", "server1", "server2"};
        for (int i = 0; i < 3; i++) {
            ports[i] = new MemoryPort(i, names[i], umem, 512, 1500);
        }
    }

    @Override
    public Port[] ports() {
        return ports.clone();
    }

    @Override
    public boolean inject(int port, MemorySegment frame) {
        return ports[port].inject(frame);
    }

    @Override
    public int drain(int port, MemoryPort.FrameSink sink) {
        return ports[port].drain(sink, Integer.MAX_VALUE);
    }

    @Override
    public void close() {
        umem.close();
    }
}
