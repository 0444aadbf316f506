package io.dataplane.perf.vskernel;

/**
 * Linux forwarding through resilient nexthop groups (one per family, {@link ResilientContender#BUCKETS}
 * buckets, the kernel's default timers): for the removal round only. The routes point at the
 * groups while it runs ({@code nhid}); {@link #stop()} puts the topology's ECMP routes back and
 * deletes the nexthop objects.
 */
final class ResilientKernelRouter implements RouterUnderTest, ResilientContender {
    private final BenchTopology topo;
    private final int routes;
    private final long[] weights;
    private boolean started;

    ResilientKernelRouter(BenchTopology topo, int routes, long[] weights) {
        this.topo = topo;
        this.routes = routes;
        this.weights = weights;
    }

    @Override
    public String name() {
        return "kernel resilient";
    }

    @Override
    public void start() {
        started = true;
        for (String line : ResilientContender.nexthopLines(weights)) {
            topo.ip(topo.router, line.split(" "));
        }
        for (int r = 0; r < routes; r++) {
            topo.ip(topo.router, "route", "replace", BenchTopology.route4(r), "nhid", String.valueOf(GROUP4));
            topo.ip(topo.router, "-6", "route", "replace", BenchTopology.route6(r), "nhid", String.valueOf(GROUP6));
        }
        topo.kernelForwarding(true);
    }

    @Override
    public void removeNexthop(int index) {
        topo.ip(topo.router, "nexthop", "replace", "id", String.valueOf(GROUP4), "group", ResilientContender.members(weights, 1, index),
                "type", "resilient");
        topo.ip(topo.router, "nexthop", "replace", "id", String.valueOf(GROUP6), "group", ResilientContender.members(weights, 101, index),
                "type", "resilient");
    }

    @Override
    public void stop() {
        if (!started) {
            return;
        }
        topo.kernelForwarding(false);
        topo.installRoutes(routes, weights, -1); // the routes leave the groups first, so flushing them deletes no route
        topo.ip(topo.router, "nexthop", "flush");
        started = false;
    }

    @Override
    public String describe() {
        return "Linux " + System.getProperty("os.version") + " forwarding, resilient nexthop groups of " + BUCKETS + " buckets";
    }
}
