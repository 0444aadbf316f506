package io.dataplane.stress;

import io.dataplane.ffi.CpuAffinity;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import io.dataplane.tables.IpAddresses;
import io.dataplane.tables.Nexthop;
import io.dataplane.tables.NexthopTable;
import io.dataplane.tables.Quiescence;
import io.dataplane.tables.RouteTarget;
import io.dataplane.tables.Snapshot;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The real {@link Fib} with room for one IPv4 second-level (tbl8) group, so that every cycle
 * reuses the same memory for another /24: the writer (pinned to one CPU) adds 10.1.1.0/25, deletes
 * it (the group is unlinked), then adds 10.2.2.0/25, which can only get the group back after a
 * grace period, and deletes that. A worker on the other CPU looks up 10.1.1.5 and 10.2.2.5 in
 * bursts between quiescent points, as a worker does, and checks that each lookup gives one of the
 * routes that cover that address and that the nexthop is present in its snapshot. Reading the
 * group after it was handed to the other /24 (the reclamation the grace period guards against)
 * shows up as 10.1.1.5 routed by a 10.2.x.x route, or the other way round.
 */
public final class ReclamationStress {
    private static final int BURST = 256;
    private static final int A = IpAddresses.parse4("10.1.1.0"), B = IpAddresses.parse4("10.2.2.0");
    private static final int IN_A = A | 5, IN_B = B | 5;
    /** Nexthop 1: 10.1.1.0/25, 2: 10.2.2.0/25, 3: 10.1.0.0/16, 4: 10.2.0.0/16 (always there, so no lookup has no route). */
    private static final int NH_A = RouteTarget.nexthop(1), NH_B = RouteTarget.nexthop(2),
            COVER_A = RouteTarget.nexthop(3), COVER_B = RouteTarget.nexthop(4);

    /** What a run did: reuse cycles, lookups, and the first wrong lookup. */
    public record Result(long cycles, long lookups, long nanos, String failure) {
        @Override
        public String toString() {
            return failure != null ? "reclamation stress FAILED after " + cycles + " cycles: " + failure
                    : String.format("reclamation stress: %,d tbl8 reuse cycles (each a grace period), %,d lookups, no lookup"
                            + " saw reclaimed memory, in %.1f s", cycles, lookups, nanos / 1e9);
        }
    }

    private ReclamationStress() {
    }

    /** Runs {@code cycles} reuse cycles with the writer on {@code writerCpu} and the worker on {@code workerCpu}. */
    public static Result run(long cycles, int writerCpu, int workerCpu) throws InterruptedException {
        try (Fib fib = new Fib(new FibLimits(8, 1, 1, 1, 1))) {
            var setup = fib.change();
            for (int i = 1; i <= 4; i++) {
                setup.nexthop(i, new Nexthop(i, 0, 1, 1500, true, true));
            }
            setup.route4(IpAddresses.parse4("10.1.0.0"), 16, COVER_A).route4(IpAddresses.parse4("10.2.0.0"), 16, COVER_B).commit();
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<String> failure = new AtomicReference<>();
            long[] lookups = new long[1];
            Thread worker = Thread.ofPlatform().name("stress-worker").start(() -> {
                CpuAffinity.pin(workerCpu);
                Quiescence q = fib.quiescence();
                int slot = q.register();
                q.online(slot);
                long n = 0;
                try {
                    while (!done.get() && failure.get() == null) {
                        q.quiescent(slot);
                        Snapshot s = fib.snapshot();
                        for (int i = 0; i < BURST; i++) {
                            int a = s.route4(IN_A);
                            int b = s.route4(IN_B);
                            if ((a != NH_A && a != COVER_A) || (b != NH_B && b != COVER_B)) {
                                failure.set("10.1.1.5 -> " + RouteTarget.toString(a) + ", 10.2.2.5 -> " + RouteTarget.toString(b)
                                        + " (a lookup read a tbl8 group after it was reused for the other /24)");
                                break;
                            }
                            if ((s.nexthops.flags(RouteTarget.index(a)) & NexthopTable.FLAG_PRESENT) == 0) {
                                failure.set("route to " + RouteTarget.toString(a) + ", a nexthop its snapshot lacks");
                                break;
                            }
                        }
                        n += 2 * BURST;
                    }
                } finally {
                    lookups[0] = n;
                    q.unregister(slot);
                }
            });
            AtomicReference<Result> result = new AtomicReference<>();
            Thread writer = Thread.ofPlatform().name("stress-writer").start(() -> {
                CpuAffinity.pin(writerCpu);
                long start = System.nanoTime();
                long c = 0;
                while (c < cycles && failure.get() == null && worker.isAlive()) {
                    fib.change().route4(A, 25, NH_A).commit();
                    fib.change().removeRoute4(A, 25).commit();
                    fib.change().route4(B, 25, NH_B).commit(); // needs the only tbl8 group: waits out a grace period
                    fib.change().removeRoute4(B, 25).commit();
                    c++;
                }
                result.set(new Result(c, 0, System.nanoTime() - start, null));
            });
            writer.join();
            done.set(true);
            worker.join();
            Result r = result.get();
            String why = failure.get() != null ? failure.get() : r.cycles() < cycles ? "the worker stopped early" : null;
            return new Result(r.cycles(), lookups[0], r.nanos(), why);
        }
    }

    /** {@code ReclamationStress [cycles]}: the long run of bin/bench stress. */
    public static void main(String[] args) throws InterruptedException {
        long cycles = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000L;
        Result r = run(cycles, 0, 1);
        System.out.println(r + ", writer on CPU 0, worker on CPU 1");
        System.exit(r.failure() == null ? 0 : 1);
    }
}
