package io.dataplane.perf.vskernel;

import io.dataplane.ffi.Bpf;
import io.dataplane.ffi.Libc;
import io.dataplane.ffi.NetNamespace;

/**
 * Linux forwarding with its own ECMP: the routes the topology installed ({@code ip route ...
 * nexthop ... weight}), {@code fib_multipath_hash_policy} set from the algorithm, forwarding
 * switched on for the round. An XDP_PASS program on the ingress veth gives it the NAPI context
 * that frames sent into a veth by XDP_TX need (reference §2.4); the dataplane's round has its own
 * program there, so both routers receive through native XDP on that veth.
 */
final class KernelRouter implements RouterUnderTest {
    private final BenchTopology topo;
    private final int routes;
    private final long[] weights;
    private int prog = -1;
    private int link = -1;

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
        prog = Bpf.progLoad(Bpf.PROG_TYPE_XDP, TrafficPrograms.pass(), "GPL", "vsk_pass");
        final int p = prog;
        link = NetNamespace.call(topo.router, () -> Bpf.linkXdp(p, Libc.ifNameToIndex("r0"), Bpf.XDP_FLAGS_DRV_MODE, "r0"));
        topo.kernelForwarding(true);
    }

    @Override
    public void removeNexthop(int index) {
        topo.installRoutes(routes, weights, index);
    }

    @Override
    public void stop() {
        if (prog < 0) {
            return;
        }
        topo.kernelForwarding(false);
        Libc.close(link);
        Libc.close(prog);
        prog = -1;
        link = -1;
        topo.installRoutes(routes, weights, -1);
    }

    @Override
    public String describe() {
        return "Linux " + System.getProperty("os.version") + " forwarding, ECMP routes with weights, RPS of the ingress veth to the router CPU";
    }
}
