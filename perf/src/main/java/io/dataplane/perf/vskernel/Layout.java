package io.dataplane.perf.vskernel;

import java.util.List;
import java.util.Locale;

/**
 * Where a contender's receive and forwarding work runs on the two CPUs. The generator (and the
 * sinks' receive threads) always run on the generator CPU, at SCHED_FIFO.
 */
enum Layout {
    /** Everything the router does on the router CPU. */
    A("one router core: r0's NAPI thread (receive) and the forwarding (kernel: in that thread; AF_XDP: the worker)"
            + " both on the router CPU",
            "a NIC whose queue interrupt and NAPI poll run on the core that also forwards: one queue per core, the"
            + " usual production set-up. For AF_XDP the driver's NAPI and the worker share the core, so they must take"
            + " turns (need_wakeup, priorities); a zero-copy driver spends far less of that core per packet than veth's"
            + " copy mode does here"),
    /** Receive work on the generator's CPU, forwarding on the router CPU. */
    B("receive on the generator's core: r0's NAPI thread on the generator CPU (SCHED_FIFO above the generator), the"
            + " forwarding on the router CPU (AF_XDP: the worker; kernel: RPS steers every frame to the router CPU's backlog)",
            "a NIC whose interrupt and NAPI are steered to another core than the forwarding thread (IRQ affinity): the"
            + " classic AF_XDP copy-mode advice, which costs a second core per queue; the router core then only routes"
            + " and transmits. On a real NIC with zero-copy the NAPI core's share shrinks to descriptor handling"),
    /** The kernel's untuned two-core use: veth's receive softirq on the sending CPU, RPS to the router CPU. */
    C("the kernel's own two-core use: r0 not threaded, so veth runs its receive softirq on the CPU that sent (the"
            + " generator's), and RPS hands every frame to the router CPU for routing and transmit (kernel only)",
            "a single-queue NIC with RPS: one core takes the interrupt and builds skbs, another routes. A multi-queue"
            + " NIC with RSS would instead give each core its own queue, which is layout a once per core");

    final String description;
    final String realNic;

    Layout(String description, String realNic) {
        this.description = description;
        this.realNic = realNic;
    }

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when this contender is run in this layout (c is the kernel's alone). */
    boolean runs(String contender) {
        return this != C || contender.equals("kernel");
    }

    static List<Layout> parse(String text) {
        List<Layout> l = new java.util.ArrayList<>();
        for (String p : text.split(",")) {
            switch (p.strip()) {
                case "a" -> l.add(A);
                case "b" -> l.add(B);
                case "c" -> l.add(C);
                default -> throw new BenchException("--layouts takes a comma-separated list of a, b and c; was '" + text + "'");
            }
        }
        if (l.isEmpty() || l.stream().distinct().count() != l.size()) {
            throw new BenchException("--layouts takes each of a, b and c at most once; was '" + text + "'");
        }
        return l;
    }
}
