package io.dataplane.perf.vskernel;

/**
 * Linux forwarding with its own ECMP: the routes the topology installed ({@code ip route ...
 * nexthop ... weight}), {@code fib_multipath_hash_policy} set from the algorithm, forwarding
 * switched on for the round. r0's GRO-enabled, threaded NAPI gives it the NAPI context that
 * frames sent into a veth by XDP_TX need (reference §2.4); where that NAPI thread runs, and
 * whether RPS hands the forwarding to the router CPU, is the layout's ({@link Layout}).
 */
final class KernelRouter implements RouterUnderTest {
    private final BenchTopology topo;
    private final int routes;
    private final long[] weights;
    private boolean started;

    KernelRouter(BenchTopology topo, int routes, long[] weights) {
        this.topo = topo;
        this.routes = routes;
        this.weights = weights;
    }

    @Override
    public String name() {
        return "kernel";
    }

    @Override
    public void start() {
        started = true;
        topo.kernelForwarding(true);
    }

    @Override
    public void removeNexthop(int index) {
        topo.installRoutes(routes, weights, index);
    }

    @Override
    public void stop() {
        if (!started) {
            return;
        }
        topo.kernelForwarding(false);
        topo.installRoutes(routes, weights, -1);
        started = false;
    }

    @Override
    public String describe() {
        return "Linux " + System.getProperty("os.version") + " forwarding, ECMP routes with weights";
    }
}
