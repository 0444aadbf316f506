package io.dataplane.perf.vskernel;

import io.dataplane.tables.HashConfiguration;
import java.util.List;

/**
 * {@code bin/bench vs-kernel --hash-function kernel}: both routers hash like the kernel, with the
 * same {@code fib_multipath_hash_seed} and policy, and after the rounds every flow must have
 * reached the same sink under our router as under the kernel. The sinks count each flow's frames
 * per nexthop, so a flow's nexthop in a round is the sink that got (most of) it. The generator
 * injects its frames with XDP, so they carry no socket hash the kernel could use instead of its own
 * (see the README, "skb->hash").
 */
final class KernelHashParity {
    private KernelHashParity() {
    }

    /** Flows both routers delivered, and how many of them reached different sinks. */
    record Comparison(int compared, int different) {
        String line() {
            return "flows on a different nexthop than under the kernel: " + different + " (of " + compared
                    + " seen in both rounds; kernel hash mode expects 0)";
        }
    }

    /** The kernel router's sysctls for the seed (the policy is set with the topology). */
    static void configureKernel(BenchTopology topo, long seed) {
        topo.exec(topo.router, "sysctl", "-q", "-w", "net.ipv4.fib_multipath_hash_seed=" + seed);
    }

    /** Configuration lines for the daemon, before its routes (which then carry no mpalgo: the policy decides). */
    static List<String> daemonConfig(long seed, String policy) {
        return List.of("set hash-function kernel", "set hash-seed " + seed, "set hash-policy ipv4 " + policy,
                "set hash-policy ipv6 " + policy);
    }

    /** The same for the in-process router. */
    static HashConfiguration configuration(long seed, String policy) {
        int p = Integer.parseInt(policy);
        return HashConfiguration.DEFAULT.withKernel(true).withSeed((int) seed).withPolicy(false, p).withPolicy(true, p);
    }

    /** Compares two routers' per-flow sinks (-1: the flow was not seen). */
    static Comparison compare(int[] kernel, int[] dataplane) {
        int compared = 0, different = 0;
        for (int f = 0; f < Math.min(kernel.length, dataplane.length); f++) {
            if (kernel[f] >= 0 && dataplane[f] >= 0) {
                compared++;
                different += kernel[f] != dataplane[f] ? 1 : 0;
            }
        }
        return new Comparison(compared, different);
    }
}
