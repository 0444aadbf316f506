package io.dataplane.perf.vskernel;

import io.dataplane.tables.MultipathAlgorithm;
import java.util.ArrayList;
import java.util.List;

/**
 * Our daemon with the routes through resilient nexthop groups, the same {@code nexthop} lines the
 * kernel gets (plus the algorithm, as the other rounds): for the removal round only. A member
 * leaves through the command socket ({@code nexthop replace id ... type resilient}).
 */
final class ResilientDaemonRouter extends DaemonRouter implements ResilientContender {
    private final int routes;
    private final long[] weights;
    private final MultipathAlgorithm algorithm;

    ResilientDaemonRouter(BenchTopology topo, int routes, long[] weights, MultipathAlgorithm algorithm, int generatorCpu, int routerCpu) {
        super(topo, routes, weights, algorithm, generatorCpu, routerCpu);
        this.routes = routes;
        this.weights = weights;
        this.algorithm = algorithm;
    }

    @Override
    public String name() {
        return "dataplane resilient";
    }

    @Override
    protected List<String> routeLines() {
        List<String> lines = new ArrayList<>();
        String mpalgo = " mpalgo " + (algorithm == MultipathAlgorithm.L3 ? "l3" : "l4");
        for (String line : ResilientContender.nexthopLines(weights)) {
            lines.add(line.contains(" group ") ? line + mpalgo : line);
        }
        for (int r = 0; r < routes; r++) {
            lines.add("route add " + BenchTopology.route4(r) + " nhid " + GROUP4);
            lines.add("route add " + BenchTopology.route6(r) + " nhid " + GROUP6);
        }
        return lines;
    }

    @Override
    public void removeNexthop(int index) {
        String mpalgo = algorithm == MultipathAlgorithm.L3 ? "l3" : "l4";
        dpctl("nexthop", "replace", "id", String.valueOf(GROUP4), "group", ResilientContender.members(weights, 1, index),
                "type", "resilient", "mpalgo", mpalgo);
        dpctl("nexthop", "replace", "id", String.valueOf(GROUP6), "group", ResilientContender.members(weights, 101, index),
                "type", "resilient", "mpalgo", mpalgo);
    }

    @Override
    public String describe() {
        return super.describe() + "; routes through resilient nexthop groups of " + BUCKETS + " buckets";
    }
}
