package io.dataplane.worker;

import io.dataplane.ffi.CpuAffinity;
import io.dataplane.ffi.SocketWait;
import io.dataplane.icmp.IcmpResponder;
import io.dataplane.pipeline.PacketBatch;
import io.dataplane.pipeline.Pipeline;
import io.dataplane.pipeline.Verdict;
import io.dataplane.port.Port;
import io.dataplane.tables.Fib;
import io.dataplane.tables.Quiescence;
import io.dataplane.tables.Snapshot;
import io.dataplane.tables.packet.Ipv4;
import io.dataplane.tables.packet.Ipv6;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import org.agrona.concurrent.Agent;

/**
 * A pinned worker's duty cycle, as an Agrona {@link Agent}: for each port it serves, receive a
 * burst, run the pipeline on it (which decides every verdict but {@code TX_FULL}), hand each
 * frame to its egress port or drop it with its reason (answering some drops with ICMP errors),
 * then flush the TX rings and do the ports' housekeeping. {@code doWork()} returns the frames and
 * ring entries it handled, so the idle strategy backs off only when there was nothing to do.
 *
 * <p>Order within a burst: receive first, then load the snapshot. A frame received after a commit
 * returned is therefore always decided by that commit's tables (or newer).
 */
public final class Worker implements Agent {
    private static final int TX_FULL = Verdict.TX_FULL.code;
    private static final int NEEDS_FRAGMENTATION = Verdict.NEEDS_FRAGMENTATION.code;
    private static final int NEIGHBOUR_UNRESOLVED = Verdict.NEIGHBOUR_UNRESOLVED.code;

    private final int id;
    private final Fib forwarding;
    private final Quiescence quiescence;
    /** The port set the control thread published last; read once per duty cycle ({@link #doWork}). */
    private volatile PortSet published;
    /** The set this duty cycle works with (the worker thread's copy of {@link #published}). */
    private PortSet ports;
    /** What the control thread left for this thread to do, looked at when a new port set is published. */
    private final java.util.Queue<Runnable> portTasks = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final int cpu;
    private final WorkerCounters counters;
    private final PacketBatch batch;
    private final Pipeline pipeline;
    private final int slot;
    private final PortStates portStates;
    /** This burst's transmissions per egress port, added to the shared counters at its end. */
    private final int[] txPackets;
    private final long[] txBytes;
    /** Sends the NEEDS_FRAGMENTATION frames as fragments, in frames the egress port allocates. */
    private final Ipv4Fragmenter fragmenter = new Ipv4Fragmenter();
    /** Whom this worker could not send to for want of a MAC, for the control thread to have resolved. */
    private final UnresolvedDestinations unresolved = new UnresolvedDestinations();
    /** Answers TTL_EXPIRED / MTU_EXCEEDED drops with ICMP errors; null: drop silently. */
    private IcmpResponder icmp;
    private WorkerScheduling scheduling = WorkerScheduling.INHERIT;
    /** Set once {@link #onStart} pinned and scheduled the thread: the worker runs as asked. */
    private volatile boolean started;

    /**
     * @param served the ports this worker receives from
     * @param egress every port a route may name, by port index (null where this worker cannot send);
     *               it includes the served ports, whose rings this worker also services
     * @param cpu the CPU to pin to, or -1 to leave the thread unpinned
     */
    public Worker(int id, Fib forwarding, Port[] served, Port[] egress, int cpu, int burst, WorkerCounters counters) {
        this(id, forwarding, served, egress, cpu, burst, counters, new PortStates());
    }

    Worker(int id, Fib forwarding, Port[] served, Port[] egress, int cpu, int burst, WorkerCounters counters,
           PortStates portStates) {
        this.portStates = portStates;
        this.id = id;
        this.forwarding = forwarding;
        this.quiescence = forwarding.quiescence();
        for (Port p : served) {
            if (p.index() >= egress.length || egress[p.index()] != p) {
                throw new IllegalArgumentException("port " + p.name() + " is served by worker " + id
                        + " but missing from its egress table; a served port must also be an egress port");
            }
        }
        this.cpu = cpu;
        this.counters = counters;
        this.batch = new PacketBatch(burst);
        this.ports = new PortSet(served, egress);
        this.published = ports;
        // By port index, for every index a port added at runtime may take.
        this.txPackets = new int[WorkerCounters.MAX_PORTS];
        this.txBytes = new long[WorkerCounters.MAX_PORTS];
        this.slot = quiescence.register();
        // The quiescence slot (0..workers-1) is also this worker's row in resilient groups' bucket activity.
        this.pipeline = new Pipeline(forwarding.limits().groups(), ports.egressMask, slot);
    }

    @Override
    public void onStart() {
        if (cpu >= 0) {
            CpuAffinity.pin(cpu);
        }
        scheduling.apply(id);
        quiescence.online(slot);
        started = true;
    }

    /** The thread was pinned and scheduled as asked ({@link #onStart} returned); any thread. */
    boolean started() {
        return started;
    }

    /**
     * Idle mode poll, after a duty cycle that did nothing: sleeps on {@code wait} (this worker's
     * sockets) for as long as every port allows, at most {@code longestMs}, offline for the FIB's
     * grace periods meanwhile. Returns at once while a port still needs the worker.
     */
    void sleep(SocketWait wait, int longestMs) {
        int ms = longestMs;
        for (Port port : ports.egress) {
            if (ms > 0) {
                ms = port.mayWaitMs(ms);
            }
        }
        if (ms <= 0) {
            return;
        }
        quiescence.offline(slot);
        if (wait != null) {
            wait.await(ms);
        } else {
            java.util.concurrent.locks.LockSupport.parkNanos(ms * 1_000_000L); // no socket to wait on: every port was removed
        }
        quiescence.online(slot);
    }

    /** The descriptors of the published set's served ports, for idle mode poll; throws when a served port has none. */
    int[] pollDescriptors() {
        return pollDescriptors(published);
    }

    /** The descriptors of {@code set}'s served ports; throws when a served port has none. */
    int[] pollDescriptors(PortSet set) {
        Port[] served = set.served;
        int[] fds = new int[served.length];
        for (int i = 0; i < served.length; i++) {
            fds[i] = served[i].pollDescriptor();
            if (fds[i] < 0) {
                throw new IllegalArgumentException("idle mode poll needs ports a worker can sleep on (AF_XDP sockets); port "
                        + served[i].name() + " of worker " + id + " has none: use idle busy-spin");
            }
        }
        return fds;
    }

    /** The scheduling policy the worker gives itself when it starts; set before it starts. */
    public void scheduling(WorkerScheduling value) {
        this.scheduling = java.util.Objects.requireNonNull(value);
    }

    @Override
    public int doWork() {
        quiescence.quiescent(slot);
        // After the quiescent store: once the control thread's grace period ends, this cycle and
        // every later one work with the set it published before, never with the one it replaced.
        PortSet set = published;
        if (set != ports) {
            for (Runnable task = portTasks.poll(); task != null; task = portTasks.poll()) {
                task.run();
            }
            ports = set;
        }
        long down = portStates.downMask();
        int work = 0;
        for (Port port : set.served) {
            if ((down & (1L << port.index())) != 0) {
                continue;
            }
            batch.clear();
            int n = port.receive(batch);
            if (n > 0) {
                work += n;
                forward(forwarding.snapshot(), port);
            }
        }
        for (Port port : set.egress) {
            port.flush();
            work += port.poll();
        }
        return work;
    }

    private void forward(Snapshot snapshot, Port in) {
        // Re-read after receiving, like the snapshot: a frame received after setPortState returned
        // is never sent to a port that it set down.
        pipeline.process(snapshot, in.memory(), batch, portStates.downMask(), ports.egressMask);
        int n = batch.count();
        long rxBytes = 0;
        for (int i = 0; i < n; i++) {
            int length = batch.length[i];
            rxBytes += length;
            int verdict = batch.verdict[i];
            if (verdict >= 0) {
                if (ports.byIndex[verdict].transmit(batch.handle[i], batch.data[i], length)) {
                    txPackets[verdict]++;
                    txBytes[verdict] += length;
                    counters.forwarded(batch.nexthop[i], length);
                    continue;
                }
                verdict = TX_FULL; // the one verdict the pipeline cannot know: the ring's room now
            } else if (verdict == NEEDS_FRAGMENTATION && fragment(snapshot, in, i)) {
                continue;
            }
            counters.drop(verdict);
            if (verdict == NEIGHBOUR_UNRESOLVED) {
                unresolved(in, i);
            }
            if (icmp != null && IcmpResponder.answers(verdict)) {
                int nh = batch.nexthop[i];
                int mtu = nh >= 0 ? snapshot.nexthops.mtu(nh) : 0;
                if (icmp.respond(verdict, in, batch, i, mtu, System.nanoTime())) {
                    continue; // the frame left as the ICMP error, on the ingress port's TX ring
                }
            }
            in.release(batch.handle[i]);
        }
        // Port counters once per burst, not per frame: the control side reads them at human pace.
        counters.received(in.index(), n, rxBytes);
        for (long egress = ports.egressMask; egress != 0; egress &= egress - 1) { // the set's ports, not all 64 indices
            int p = Long.numberOfTrailingZeros(egress);
            if (txPackets[p] != 0) {
                counters.transmitted(p, txPackets[p], txBytes[p]);
                txPackets[p] = 0;
                txBytes[p] = 0;
            }
        }
        counters.publish(icmp == null ? 0 : icmp.sent());
        // The snapshot's tables are read at absolute addresses (ICMP's MTU, the fragmenter's rewrite):
        // its versions must stay reachable to the end of the burst, even once a commit replaced it.
        Reference.reachabilityFence(snapshot);
    }

    /** Records frame {@code i}'s destination: the control thread has the kernel resolve it (a connected route's host). */
    private void unresolved(Port in, int i) {
        MemorySegment m = in.memory();
        long ip = batch.l3[i];
        if (batch.ipVersion[i] == 6) {
            unresolved.record(true, Ipv6.destinationHi(m, ip), Ipv6.destinationLo(m, ip));
        } else {
            unresolved.record(false, 0, Ipv4.destination(m, ip) & 0xFFFF_FFFFL);
        }
    }

    /**
     * Sends frame {@code i} as fragments on its nexthop's port (the pipeline checked that this
     * worker may send there now). True when the frame left, whole or as some of its fragments; false
     * when nothing was sent and the frame is still the caller's to drop.
     */
    private boolean fragment(Snapshot snapshot, Port in, int i) {
        int nh = batch.nexthop[i];
        int port = snapshot.nexthops.port(nh);
        int status = fragmenter.fragment(in.memory(), batch.handle[i], batch.data[i], batch.l3[i], snapshot.nexthops, nh,
                ports.byIndex[port]);
        int sent = fragmenter.fragmentsSent();
        if (sent > 0) {
            txPackets[port] += sent;
            txBytes[port] += fragmenter.bytesSent();
            counters.forwarded(nh, sent, fragmenter.bytesSent());
        }
        if (status == Ipv4Fragmenter.SENT) {
            counters.fragmented(sent);
            return true;
        }
        if (status == Ipv4Fragmenter.NO_BUFFER) {
            counters.fragmentNoBuffer();
        }
        if (sent > 0) {
            // The kernel's FragFails: the datagram did not leave whole. The first fragment was the
            // frame itself, now on the TX ring, so the caller has nothing to release.
            counters.drop(NEEDS_FRAGMENTATION);
            counters.fragmentsOfFailedPacket(sent);
            return true;
        }
        return false; // the caller counts the needs_fragmentation drop and releases the frame
    }

    /** The set last published (control thread: what the next set is derived from). */
    PortSet publishedPorts() {
        return published;
    }

    /**
     * Control thread: the worker works with {@code next} from its next duty cycle on. Whatever
     * {@code next} adds must be ready (counters allocated) before this call; what it drops stays
     * in use until the FIB's quiescence says every worker has passed a duty cycle since.
     */
    void publishPorts(PortSet next) {
        published = next;
    }

    /**
     * Control thread: {@code task} runs on the worker's thread at the start of a coming duty cycle
     * (frames of a removed port back to the UMEM, whose free list only the worker touches).
     */
    void runOnWorkerThread(Runnable task) {
        portTasks.add(task);
        published = published.copy();
    }

    /** The set the worker's current duty cycle works with (worker thread: its idle strategy). */
    PortSet portsInUse() {
        return ports;
    }

    /**
     * Makes this worker answer TTL and MTU drops with ICMP errors; set before the worker starts,
     * or (a port added at runtime) before the port set with the port is published, which makes it
     * visible to the worker.
     */
    public void icmpResponder(IcmpResponder responder) {
        this.icmp = responder;
    }

    /** The ICMP responder, or null. */
    public IcmpResponder icmpResponder() {
        return icmp;
    }

    @Override
    public void onClose() {
        quiescence.unregister(slot);
    }

    @Override
    public String roleName() {
        return "dataplane-worker-" + id;
    }

    /** The destinations of this worker's recent unresolved drops (sampled by the control thread). */
    public UnresolvedDestinations unresolvedDestinations() {
        return unresolved;
    }

    public WorkerCounters counters() {
        return counters;
    }
}
