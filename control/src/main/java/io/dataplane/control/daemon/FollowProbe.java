package io.dataplane.control.daemon;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.FibPlane;
import io.dataplane.control.rib.Rib;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's kernel-route following, measured: a RIB with one port ({@code d0}), its tables,
 * and a {@link KernelFollower} of network namespace {@code namespace}, as {@code rib follow
 * kernel} runs them; for {@code bin/bench follow}, which lives in another module.
 */
public final class FollowProbe {
    private FollowProbe() {
    }

    /**
     * Starts following, runs {@code install} (which adds {@code routes} routes through {@code d0},
     * ifindex {@code ifindex} in the namespace), and returns the seconds {@code install} took, the
     * seconds until the RIB and the tables held every route, and the dumps the follower had to make
     * again because the kernel dropped notifications ({@code ENOBUFS}).
     */
    public static double[] follow(String namespace, int ifindex, int routes, Runnable install) throws Exception {
        FibLimits limits = FibLimits.defaults();
        ExecutorService control = Executors.newSingleThreadExecutor();
        try (Fib fib = new Fib(limits)) {
            ControlPlane plane = new ControlPlane(new Rib(limits.nexthops(), limits.groups()), null, new PortConfiguration());
            plane.loadConfiguration(List.of("port add dev d0 type memory"), "probe.conf");
            plane.attach(new FibPlane(fib));
            Rib rib = plane.rib();
            control.submit(() -> rib.follow("kernel", "the kernel's table 254", 254, Set.of())).get();
            int before = control.submit(rib::routeCount).get();
            RouteRelay relay = new RouteRelay(plane, control, "kernel", 254, Map.of(ifindex, "d0"));
            try (KernelFollower follower = new KernelFollower(relay, namespace, KernelFollower.Tables.ROUTES, 0)) {
                follower.awaitLoaded(60, TimeUnit.SECONDS);
                long t0 = System.nanoTime();
                install.run();
                long installed = System.nanoTime();
                while (control.submit(rib::routeCount).get() < before + routes) {
                    Thread.sleep(5);
                }
                long done = System.nanoTime();
                return new double[] {(installed - t0) / 1e9, (done - t0) / 1e9, follower.dumps() - 1};
            }
        } finally {
            control.shutdownNow();
        }
    }
}
