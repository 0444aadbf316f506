package io.dataplane.worker;

/** The forwarding contract over in-memory ports. */
class MemoryPortForwardingTest extends ForwardingContractTest {
    @Override
    protected TestWire openWire() {
        return new MemoryWire();
    }
}
