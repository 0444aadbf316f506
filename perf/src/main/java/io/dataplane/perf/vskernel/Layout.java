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
            + " NIC with RSS would instead give each core its own queue, which is layout a once per core"),
    /** --queues 2, one queue busy: the generator, r0's queue 1 and its forwarding on the router CPU. */
    Q1("multi-queue baseline (--queues 2): every veth has two queues, one generator on the router CPU sends into r0's"
            + " queue 1 (veth picks the queue by the sending CPU), whose receive softirq and forwarding (kernel: in the"
            + " softirq; dataplane: worker 1 of 'queues 2', idle poll at SCHED_FIFO one above the generator's, so"
            + " that the router's work comes before the traffic source's as the kernel's softirq does) run there too;"
            + " the sinks stay on the generator CPU",
            "one queue of a multi-queue NIC on one core, with the traffic source sharing that core: the 1-worker point of"
            + " the scaling factor"),
    /** --queues 2, both queues busy: a generator per CPU, each CPU receives and forwards its own queue. */
    Q2("multi-queue (--queues 2): a generator on each CPU, each sending into its own queue of r0; each CPU runs its"
            + " queue's receive softirq and forwarding (kernel: RSS-like, no RPS; dataplane: 'queues 2', worker q on CPU q);"
            + " the sinks on the generator CPU. Router-core columns count CPU 1 only",
            "a two-queue NIC with RSS, one queue and one worker per core: the 2-worker point of the scaling factor. Here"
            + " each core also generates traffic (only 2 vCPUs), so it is a scaling factor, not a capacity");

    final String description;
    final String realNic;

    Layout(String description, String realNic) {
        this.description = description;
        this.realNic = realNic;
    }

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when this contender is run in this layout (c is the kernel's alone; the C forwarder and testpmd have one queue). */
    boolean runs(String contender) {
        return switch (this) {
            case A, B -> true;
            case C -> contender.equals("kernel");
            case Q1, Q2 -> contender.equals("kernel") || contender.equals("dataplane");
        };
    }

    /** The multi-queue layouts (--queues 2). */
    boolean multiQueue() {
        return this == Q1 || this == Q2;
    }

    /** How many generators run: one, or one per CPU in q2. */
    int generators() {
        return this == Q2 ? 2 : 1;
    }

    static List<Layout> parse(String text) {
        List<Layout> l = new java.util.ArrayList<>();
        for (String p : text.split(",")) {
            switch (p.strip()) {
                case "a" -> l.add(A);
                case "b" -> l.add(B);
                case "c" -> l.add(C);
                case "q1" -> l.add(Q1);
                case "q2" -> l.add(Q2);
                default -> throw new BenchException("--layouts takes a comma-separated list of a, b and c (with --queues 2:"
                        + " q1 and q2); was '" + text + "'");
            }
        }
        if (l.isEmpty() || l.stream().distinct().count() != l.size()) {
            throw new BenchException("--layouts takes each layout at most once; was '" + text + "'");
        }
        return l;
    }
}
