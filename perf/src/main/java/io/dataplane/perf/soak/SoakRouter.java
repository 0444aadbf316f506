package io.dataplane.perf.soak;

import io.dataplane.perf.vskernel.BenchTopology;
import io.dataplane.perf.vskernel.DaemonRouter;
import io.dataplane.tables.MultipathAlgorithm;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The daemon as vs-kernel runs it ({@code bin/dataplane run --config FILE} in the router
 * namespace), configured with nexthop objects instead of inline multipath routes, so that the
 * driver can replace the group: nexthop {@code k} (1-based) is sink {@code k}'s gateway, group
 * {@link #GROUP} holds them all and carries the traffic's route {@link #ROUTE}; group
 * {@link #COVER_GROUP} (the first two members, equal weights) is the target of the less specific
 * {@link #COVER_ROUTE} the driver adds and deletes, which must never take a frame.
 */
final class SoakRouter extends DaemonRouter {
    static final int GROUP = 100, COVER_GROUP = 101;
    static final String ROUTE = "16.0.0.0/24", COVER_ROUTE = "16.0.0.0/16";

    private final int members;
    private final int[] weights;

    /** r0's fill and RX rings have {@code rxRing} entries (the port line's {@code rx-ring}); the sinks' ports the default. */
    SoakRouter(BenchTopology topo, int generatorCpu, int routerCpu, int[] weights, int rxRing) {
        super(topo, 0, new long[weights.length], MultipathAlgorithm.L3, generatorCpu, routerCpu, "dataplane", "rx-ring " + rxRing);
        this.members = weights.length;
        this.weights = weights.clone();
    }

    /** {@code nexthop replace id 100 group 1,W1/2,W2/...}: the group with these weights. */
    static String groupCommand(String verb, int[] weights) {
        return "nexthop " + verb + " id " + GROUP + " group "
                + IntStream.range(0, weights.length).mapToObj(i -> (i + 1) + "," + weights[i]).collect(Collectors.joining("/"));
    }

    @Override
    protected List<String> routeLines() {
        List<String> lines = new ArrayList<>();
        for (int k = 0; k < members; k++) {
            lines.add("nexthop add id " + (k + 1) + " via " + BenchTopology.sinkAddress4(k) + " dev " + BenchTopology.routerPort(k));
        }
        lines.add(groupCommand("add", weights));
        lines.add("nexthop add id " + COVER_GROUP + " group 1/2");
        lines.add("route add " + ROUTE + " nhid " + GROUP);
        return lines;
    }
}
