package io.dataplane.worker;

import io.dataplane.icmp.IcmpRateLimiter;
import io.dataplane.icmp.IcmpResponder;
import io.dataplane.pipeline.Verdict;
import io.dataplane.port.Port;
import io.dataplane.tables.Forwarding;
import io.dataplane.tables.ForwardingLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

/**
 * The running fast path: the forwarding state, the ports, and the pinned workers that poll them.
 * The control plane changes state only through {@link #forwarding()} and reads counters here while
 * workers run.
 */
public final class Dataplane implements AutoCloseable {
    /** How an idle worker waits: spin for latency, back off to share the machine. */
    public enum Idle {
        BUSY_SPIN, YIELD, BACKOFF;

        public static Idle parse(String text) {
            return switch (text) {
                case "busy-spin" -> BUSY_SPIN;
                case "yield" -> YIELD;
                case "backoff" -> BACKOFF;
                default -> throw new IllegalArgumentException("unknown idle strategy '" + text + "'; use busy-spin, yield or backoff");
            };
        }

        IdleStrategy create() {
            return switch (this) {
                case BUSY_SPIN -> new BusySpinIdleStrategy();
                case YIELD -> new YieldingIdleStrategy();
                case BACKOFF -> new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100));
            };
        }
    }

    /** A worker: its CPU, its port table (null: the builder's ports) and the indices it receives from. */
    private record WorkerPlan(int cpu, Port[] table, int[] served) {
    }

    private final Forwarding forwarding;
    private final Port[] ports;
    /** Every port object of every worker, closed with the dataplane. */
    private final List<Port> allPorts = new ArrayList<>();
    private final PortStates portStates = new PortStates();
    private final List<Worker> workers = new ArrayList<>();
    private final List<AgentRunner> runners = new ArrayList<>();
    private final Idle idle;
    private volatile Throwable lastError;

    private Dataplane(Builder b) {
        this.forwarding = new Forwarding(b.limits);
        this.ports = b.ports.toArray(new Port[0]);
        this.idle = b.idle;
        allPorts.addAll(b.ports);
        List<WorkerPlan> plans = b.workers.isEmpty()
                ? List.of(new WorkerPlan(-1, null, b.ports.stream().mapToInt(Port::index).toArray()))
                : b.workers;
        for (int w = 0; w < plans.size(); w++) {
            WorkerPlan plan = plans.get(w);
            Port[] table = plan.table() != null ? plan.table() : ports;
            if (plan.table() != null) {
                for (Port p : table) {
                    if (p != null) {
                        allPorts.add(p);
                    }
                }
            }
            Port[] served = new Port[plan.served().length];
            for (int i = 0; i < served.length; i++) {
                int index = plan.served()[i];
                if (index < 0 || index >= table.length || table[index] == null) {
                    throw new IllegalArgumentException("worker " + w + " serves port index " + index + ", which its port table lacks");
                }
                served[i] = table[index];
            }
            Worker worker = new Worker(w, forwarding, served, table, plan.cpu(), b.burst, new WorkerCounters(b.limits.nexthops()),
                    portStates);
            if (b.icmpSources) {
                // One responder per worker: its rate limiter is single-threaded, like the worker.
                worker.icmpResponder(new IcmpResponder(new IcmpRateLimiter(), b.icmp4, b.icmp6Hi, b.icmp6Lo));
            }
            workers.add(worker);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts one thread per worker. */
    public synchronized void start() {
        if (!runners.isEmpty()) {
            throw new IllegalStateException("the dataplane is already running");
        }
        ErrorHandler onError = t -> {
            lastError = t;
            System.err.println("dataplane worker error: " + t);
        };
        for (Worker w : workers) {
            AgentRunner runner = new AgentRunner(idle.create(), onError, null, w);
            AgentRunner.startOnThread(runner);
            runners.add(runner);
        }
    }

    /** Stops the workers and waits for them; the ports stay open. */
    public synchronized void stop() {
        for (AgentRunner r : runners) {
            r.close();
        }
        runners.clear();
    }

    public Forwarding forwarding() {
        return forwarding;
    }

    /** Every port of every worker (with several queues, one object per queue). */
    public List<Port> ports() {
        return List.copyOf(allPorts);
    }

    /**
     * Administrative state of a port index (all its queues): a down port is neither received from
     * nor sent to; frames routed to it are dropped as {@code nexthop_dead}. The control plane also
     * marks the port's nexthops dead, so groups rebalance away from it.
     */
    public void setPortState(int port, boolean up) {
        portStates.set(port, up);
    }

    /** The last exception a worker reported, or null. A worker keeps running after one. */
    public Throwable lastError() {
        return lastError;
    }

    public long portCounter(int port, PortCounter counter) {
        long sum = 0;
        for (Worker w : workers) {
            sum += w.counters().port(port, counter);
        }
        return sum;
    }

    public long dropCounter(Verdict verdict) {
        long sum = 0;
        for (Worker w : workers) {
            sum += w.counters().drops(verdict);
        }
        return sum;
    }

    /** ICMP errors the workers generated (Time Exceeded, Frag Needed, Packet Too Big). */
    public long icmpErrorsSent() {
        long sum = 0;
        for (Worker w : workers) {
            sum += w.icmpResponder() == null ? 0 : w.icmpResponder().sent();
        }
        return sum;
    }

    public long nexthopPackets(int nexthop) {
        long sum = 0;
        for (Worker w : workers) {
            sum += w.counters().nexthopPackets(nexthop);
        }
        return sum;
    }

    public long nexthopBytes(int nexthop) {
        long sum = 0;
        for (Worker w : workers) {
            sum += w.counters().nexthopBytes(nexthop);
        }
        return sum;
    }

    @Override
    public synchronized void close() {
        stop();
        for (Worker w : workers) {
            w.counters().close();
        }
        for (Port p : allPorts) {
            p.close();
        }
        forwarding.close();
    }

    /** Collects ports and worker placement; ports must be added in index order. */
    public static final class Builder {
        private final List<Port> ports = new ArrayList<>();
        private final List<WorkerPlan> workers = new ArrayList<>();
        private ForwardingLimits limits = ForwardingLimits.defaults();
        private Idle idle = Idle.BACKOFF;
        private int burst = 64;
        private boolean icmpSources;
        private final int[] icmp4 = new int[WorkerCounters.MAX_PORTS];
        private final long[] icmp6Hi = new long[WorkerCounters.MAX_PORTS];
        private final long[] icmp6Lo = new long[WorkerCounters.MAX_PORTS];

        public Builder limits(ForwardingLimits value) {
            limits = Objects.requireNonNull(value);
            return this;
        }

        public Builder port(Port port) {
            if (port.index() != ports.size()) {
                throw new IllegalArgumentException("port " + port.name() + " has index " + port.index() + "; expected " + ports.size());
            }
            if (ports.size() == WorkerCounters.MAX_PORTS) {
                throw new IllegalArgumentException("at most " + WorkerCounters.MAX_PORTS + " ports");
            }
            ports.add(port);
            return this;
        }

        /** A worker pinned to {@code cpu} (-1: not pinned) serving the given port indices. Default: one unpinned worker for all ports. */
        public Builder worker(int cpu, int... portIndices) {
            workers.add(new WorkerPlan(cpu, null, portIndices.clone()));
            return this;
        }

        /**
         * A worker with a port table of its own (index = port index, null where it has no port),
         * receiving from every port in it: one worker per queue, each owning that queue of every
         * interface, or ports that must belong to one thread (DPDK queues).
         */
        public Builder worker(int cpu, Port[] table) {
            if (table.length > WorkerCounters.MAX_PORTS) {
                throw new IllegalArgumentException("at most " + WorkerCounters.MAX_PORTS + " ports");
            }
            int[] served = java.util.stream.IntStream.range(0, table.length).filter(i -> table[i] != null).toArray();
            for (int i : served) {
                if (table[i].index() != i) {
                    throw new IllegalArgumentException("port " + table[i].name() + " has index " + table[i].index() + " but sits at " + i);
                }
            }
            workers.add(new WorkerPlan(cpu, table.clone(), served));
            return this;
        }

        /**
         * The router's addresses on {@code port}: the source of the ICMP errors (Time Exceeded,
         * Frag Needed, Packet Too Big) sent back out of it. 0 (both halves for IPv6) means none;
         * without any call, workers send no ICMP errors.
         */
        public Builder icmpSource(int port, int ipv4, long ipv6Hi, long ipv6Lo) {
            if (port < 0 || port >= WorkerCounters.MAX_PORTS) {
                throw new IllegalArgumentException("port index must be 0.." + (WorkerCounters.MAX_PORTS - 1) + ", was " + port);
            }
            icmpSources = true;
            icmp4[port] = ipv4;
            icmp6Hi[port] = ipv6Hi;
            icmp6Lo[port] = ipv6Lo;
            return this;
        }

        public Builder idle(Idle value) {
            idle = Objects.requireNonNull(value);
            return this;
        }

        /** Frames per burst, 1..256 (default 64). */
        public Builder burst(int frames) {
            if (frames < 1 || frames > 256) {
                throw new IllegalArgumentException("burst must be 1..256 frames, was " + frames);
            }
            burst = frames;
            return this;
        }

        public Dataplane build() {
            if (ports.isEmpty() && workers.stream().allMatch(w -> w.table() == null)) {
                throw new IllegalStateException("a dataplane needs at least one port");
            }
            return new Dataplane(this);
        }
    }
}
