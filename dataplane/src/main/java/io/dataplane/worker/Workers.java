package io.dataplane.worker;

import io.dataplane.counters.CounterFile;
import io.dataplane.counters.CounterSums;
import io.dataplane.counters.CounterType;
import io.dataplane.icmp.IcmpRateLimiter;
import io.dataplane.icmp.IcmpResponder;
import io.dataplane.pipeline.Verdict;
import io.dataplane.port.Port;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The running fast path: the FIB, the ports, the pinned workers that poll them, and
 * their {@link CounterFile} (a file when the builder names one, else anonymous memory). The control
 * plane changes state only through {@link #fib()} and reads counters through
 * {@link #counters()} while workers run; another process reads the same file.
 */
public final class Workers implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Workers.class.getName());
    /**
     * How an idle worker waits: spin for latency, back off to share the machine, or sleep in
     * poll(2) on its sockets until a frame arrives ({@link PollIdleStrategy}: AF_XDP ports only).
     */
    public enum Idle {
        BUSY_SPIN, YIELD, BACKOFF, POLL;

        public static Idle parse(String text) {
            return switch (text) {
                case "busy-spin" -> BUSY_SPIN;
                case "yield" -> YIELD;
                case "backoff" -> BACKOFF;
                case "poll" -> POLL;
                default -> throw new IllegalArgumentException("unknown idle strategy '" + text + "'; use busy-spin, poll, yield or backoff");
            };
        }

        /** The name {@link #parse} takes. */
        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }

        IdleStrategy create(Worker worker) {
            return switch (this) {
                case BUSY_SPIN -> new BusySpinIdleStrategy();
                case YIELD -> new YieldingIdleStrategy();
                case BACKOFF -> new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100));
                case POLL -> new PollIdleStrategy(worker);
            };
        }
    }

    /**
     * What {@code dpctl status} tells about one worker: its CPU (-1: not pinned), the ports and
     * queues it receives from, its state ("running", "stopped": its thread ended, "not started"),
     * its counters so far and its last error (null: none).
     */
    public record WorkerState(int id, int cpu, List<String> ports, String state, long rxPackets, long txPackets,
                              long errors, String lastError) {
    }

    /** A worker: its CPU, its port table (null: the builder's ports) and the indices it receives from. */
    private record WorkerPlan(int cpu, Port[] table, int[] served) {
    }

    private final Fib forwarding;
    private final Port[] ports;
    /** Every port object of every worker, closed with the dataplane; the statistics thread iterates it while ports change. */
    private final List<Port> allPorts = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final PortStates portStates = new PortStates();
    private final List<Worker> workers = new ArrayList<>();
    private final List<AgentRunner> runners = new ArrayList<>();
    private final Idle idle;
    private final WorkerScheduling scheduling;
    private final List<PollIdleStrategy> pollStrategies = new ArrayList<>();
    private final CounterFile counterFile;
    private final CounterSums counterSums;
    /** One error counter per worker, incremented by its error handler (start failures too). */
    private final List<AtomicCounter> errorCounters = new ArrayList<>();
    /** Each worker's served ports, as "NAME queue Q", for {@link #workerStates()}. */
    private final List<List<String>> servedNames = new ArrayList<>();
    private final List<Integer> cpus = new ArrayList<>();
    /** Each worker's last error, kept by its error handler. */
    private java.util.concurrent.atomic.AtomicReferenceArray<Throwable> lastErrors;
    private volatile Throwable lastError;
    private volatile int lastErrorWorker = -1;
    /** {@link #start} ran: the runners close the workers (also after {@link #stop}). */
    private boolean startedOnce;
    /** Refreshes the ports' kernel statistics in the counter file while the workers run. */
    private ScheduledExecutorService statistics;

    /** The FIB was the builder's to give ({@link Builder#tables}): closing the dataplane leaves it open. */
    private final boolean borrowedTables;

    private Workers(Builder b) {
        this.borrowedTables = b.tables != null;
        this.forwarding = b.tables != null ? b.tables : new Fib(b.limits);
        this.ports = b.ports.toArray(new Port[0]);
        this.idle = b.idle;
        this.scheduling = b.scheduling;
        allPorts.addAll(b.ports);
        List<WorkerPlan> plans = b.workers.isEmpty()
                ? List.of(new WorkerPlan(-1, null, b.ports.stream().mapToInt(Port::index).toArray()))
                : b.workers;
        List<Port[]> tables = new ArrayList<>();
        List<Port[]> servedBy = new ArrayList<>();
        int counters = 0;
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
            tables.add(table);
            servedBy.add(served);
            servedNames.add(names(served));
            cpus.add(plan.cpu());
            // Room for every port index in every worker, so that ports added at runtime find their counters' records.
            counters += WorkerCounters.countersFor(WorkerCounters.MAX_PORTS) + 1 + WorkerCounters.MAX_PORTS * Port.MAX_OWN_COUNTERS;
        }
        long nexthopTables = CounterFile.nexthopTableBytes(plans.size(), b.limits.nexthops());
        this.counterFile = b.countersFile == null ? CounterFile.inMemory(counters, nexthopTables)
                : CounterFile.create(b.countersFile, counters, nexthopTables);
        for (int w = 0; w < plans.size(); w++) {
            Port[] table = tables.get(w);
            Worker worker = new Worker(w, forwarding, servedBy.get(w), table, plans.get(w).cpu(), b.burst,
                    new WorkerCounters(counterFile, w, table, b.limits.nexthops()), portStates);
            worker.scheduling(b.scheduling);
            if (b.idle == Idle.POLL) {
                worker.pollDescriptors(); // refused here, while building, rather than in the worker's thread
            }
            if (b.icmpSources) {
                // One responder per worker: its rate limiter is single-threaded, like the worker.
                worker.icmpResponder(new IcmpResponder(new IcmpRateLimiter(), b.icmp4, b.icmp6Hi, b.icmp6Lo));
            }
            workers.add(worker);
            errorCounters.add(counterFile.newCounter(CounterType.WORKER_ERRORS, w, -1, 0, "worker " + w));
        }
        for (Port p : allPorts) {
            p.allocateCounters(counterFile);
        }
        this.counterSums = new CounterSums(counterFile);
        this.lastErrors = new java.util.concurrent.atomic.AtomicReferenceArray<>(workers.size());
    }

    private static List<String> names(Port[] served) {
        return java.util.Arrays.stream(served).map(p -> p.name() + " queue " + p.queue()).toList();
    }

    /** How many workers there are (the port objects {@link #addPort} takes, one per worker). */
    public int workerCount() {
        return workers.size();
    }

    /** The port index {@code index} is free: no worker has a port there (a removed port's index is free once it is closed). */
    public synchronized boolean portIndexFree(int index) {
        for (Worker w : workers) {
            if (w.publishedPorts().port(index) != null) {
                return false;
            }
        }
        return true;
    }

    /**
     * The router's addresses on port index {@code port} (0: none), the source of the ICMP errors
     * sent back out of it, for a port about to be added while the workers run: call before
     * {@link #addPort}, whose publication makes them visible to the workers. Control thread.
     */
    public synchronized void icmpSource(int port, int ipv4, long ipv6Hi, long ipv6Lo) {
        if (port < 0 || port >= WorkerCounters.MAX_PORTS) {
            throw new IllegalArgumentException("port index must be 0.." + (WorkerCounters.MAX_PORTS - 1) + ", was " + port);
        }
        for (Worker w : workers) {
            if (w.icmpResponder() == null) {
                if (ipv4 == 0 && ipv6Hi == 0 && ipv6Lo == 0) {
                    continue;
                }
                int n = WorkerCounters.MAX_PORTS;
                w.icmpResponder(new IcmpResponder(new IcmpRateLimiter(), new int[n], new long[n], new long[n]));
            }
            w.icmpResponder().source(port, ipv4, ipv6Hi, ipv6Lo);
        }
    }

    /**
     * Adds a port while the workers run: {@code perWorker[w]} is worker w's object for it (its
     * queue of the device; null: that worker neither receives from nor sends to it), all with the
     * same index. Its counters are allocated, then each worker starts polling it from its next duty
     * cycle, its other ports untouched. Control thread. Throws, with nothing changed, when the index
     * is taken, a worker in idle mode poll could not sleep on it, or the counter file is full.
     */
    public synchronized void addPort(Port[] perWorker) {
        if (perWorker.length != workers.size()) {
            throw new IllegalArgumentException(perWorker.length + " port objects for " + workers.size() + " workers");
        }
        Port first = java.util.Arrays.stream(perWorker).filter(Objects::nonNull).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no worker gets the port"));
        int index = first.index();
        if (!portIndexFree(index)) {
            throw new IllegalArgumentException("port index " + index + " is in use");
        }
        List<PortSet> next = new ArrayList<>();
        for (int w = 0; w < workers.size(); w++) {
            Port p = perWorker[w];
            if (p != null && p.index() != index) {
                throw new IllegalArgumentException("port " + p.name() + " has index " + p.index() + ", expected " + index);
            }
            if (p != null && idle == Idle.POLL && p.pollDescriptor() < 0) {
                throw new IllegalArgumentException("the workers run idle mode poll, and port " + p.name()
                        + " has no descriptor to sleep on; only AF_XDP ports can join them");
            }
            next.add(p == null ? workers.get(w).publishedPorts() : workers.get(w).publishedPorts().with(p, true));
        }
        try {
            for (int w = 0; w < workers.size(); w++) {
                if (perWorker[w] != null) {
                    workers.get(w).counters().addPort(perWorker[w]);
                    perWorker[w].allocateCounters(counterFile);
                }
            }
        } catch (RuntimeException e) {
            for (Worker w : workers) {
                w.counters().removePort(index);
            }
            counterFile.freePort(index);
            throw e;
        }
        portStates.set(index, true);
        for (int w = 0; w < workers.size(); w++) {
            if (perWorker[w] != null) {
                allPorts.add(perWorker[w]);
            }
            workers.get(w).publishPorts(next.get(w));
            servedNames.set(w, names(next.get(w).served));
        }
    }

    /**
     * Removes port index {@code index} while the workers run: each worker stops using it from its
     * next duty cycle; once every worker has passed one (the FIB's quiescence, as for a table
     * swap), its objects are closed here (an AF_XDP socket detaches its XDP program and takes its
     * frames back into the UMEM) and its counters freed, so the index may be given again. The
     * other ports and their counters go on. Control thread; returns the port objects closed.
     */
    public synchronized List<Port> removePort(int index) {
        Port[] removed = new Port[workers.size()];
        for (int w = 0; w < workers.size(); w++) {
            Worker worker = workers.get(w);
            removed[w] = worker.publishedPorts().port(index);
            if (removed[w] != null) {
                PortSet next = worker.publishedPorts().without(index);
                worker.publishPorts(next);
                servedNames.set(w, names(next.served));
            }
        }
        if (java.util.Arrays.stream(removed).allMatch(Objects::isNull)) {
            throw new IllegalArgumentException("no worker has port index " + index);
        }
        forwarding.quiescence().synchronize(); // no worker uses the port any more
        List<Port> closed = new ArrayList<>();
        for (int w = 0; w < workers.size(); w++) {
            Port p = removed[w];
            if (p == null) {
                continue;
            }
            allPorts.remove(p);
            closed.add(p);
            try {
                // The worker finishes the close on its thread; one that no longer runs never will, and need not.
                workers.get(w).runOnWorkerThread(p.closeWhileWorkerRuns());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing port " + p.name() + " queue " + p.queue() + ": " + e.getMessage());
            }
        }
        for (Worker w : workers) {
            w.counters().removePort(index);
            if (w.icmpResponder() != null) {
                w.icmpResponder().source(index, 0, 0, 0); // a port given the index later says its own
            }
        }
        counterFile.freePort(index);
        portStates.set(index, true);
        return closed;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts one thread per worker. */
    public synchronized void start() {
        if (!runners.isEmpty()) {
            throw new IllegalStateException("the dataplane is already running");
        }
        startedOnce = true;
        for (int w = 0; w < workers.size(); w++) {
            IdleStrategy strategy = idle.create(workers.get(w));
            if (strategy instanceof PollIdleStrategy p) {
                pollStrategies.add(p);
            }
            // No counter for the runner: it counts doWork's errors but not onStart's (a CPU that
            // cannot be pinned), so the handler counts every error itself.
            AgentRunner runner = new AgentRunner(strategy, errorHandler(w), null, workers.get(w));
            AgentRunner.startOnThread(runner);
            runners.add(runner);
        }
        statistics = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dataplane-statistics");
            t.setDaemon(true);
            return t;
        });
        statistics.scheduleWithFixedDelay(this::refreshKernelStatistics, 0, 1, TimeUnit.SECONDS);
    }

    /**
     * Waits until every worker started ({@link #start}) has pinned and scheduled its thread, for
     * workers started while the daemon runs, whose failure to start must fail the command that
     * asked for them rather than stop the daemon. Returns -1 when all did, else the first worker
     * whose thread ended before it got there (its error: {@link #workerStates()}); throws when one
     * is still starting after {@code timeoutMillis}. Control path.
     */
    public int awaitStarted(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        List<AgentRunner> started;
        synchronized (this) {
            started = List.copyOf(runners);
        }
        for (int w = 0; w < started.size(); w++) {
            while (!workers.get(w).started()) {
                Thread t = started.get(w).thread();
                if (t == AgentRunner.TOMBSTONE || t != null && !t.isAlive()) {
                    return w;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("worker " + w + " did not start within " + timeoutMillis + " ms");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
        }
        return -1;
    }

    /**
     * Keeps worker {@code w}'s last error for {@link #lastError()}; the runner counts it. Logged
     * only when it differs from the previous one, so a worker failing every cycle does not flood
     * the log (the error counter still says how often).
     */
    private ErrorHandler errorHandler(int w) {
        return t -> {
            errorCounters.get(w).increment();
            Throwable previous = lastError;
            lastError = t;
            lastErrorWorker = w;
            lastErrors.set(w, t);
            if (previous == null || previous.getClass() != t.getClass()
                    || !Objects.equals(previous.getMessage(), t.getMessage())) {
                LOG.log(System.Logger.Level.ERROR, "dataplane worker " + w + " error (it keeps running)", t);
            }
        };
    }

    /** Copies each port's kernel statistics (AF_XDP: XDP_STATISTICS) into the counter file. */
    public void refreshKernelStatistics() {
        for (Port p : allPorts) {
            p.publishKernelStatistics();
        }
    }

    /** Stops the workers and waits for them; the ports stay open. */
    public synchronized void stop() {
        if (statistics != null) {
            statistics.shutdownNow();
            try {
                statistics.awaitTermination(5, TimeUnit.SECONDS); // a refresh in progress must not meet a closed port
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            statistics = null;
        }
        for (AgentRunner r : runners) {
            r.close();
        }
        runners.clear();
        for (PollIdleStrategy p : pollStrategies) {
            p.close();
        }
        pollStrategies.clear();
    }

    /** Poll-mode sleeps of worker {@code w} so far (0 in the other idle modes); any thread, may be stale. */
    public long pollSleeps(int w) {
        for (PollIdleStrategy p : pollStrategies) {
            if (p.worker() == workers.get(w)) {
                return p.sleeps();
            }
        }
        return 0;
    }

    /** The idle mode and scheduling the workers run with, e.g. "idle poll, sched fifo 1". */
    public String schedulingText() {
        return "idle " + idle.text() + ", sched " + scheduling.text();
    }

    public Fib fib() {
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

    /**
     * The first worker whose thread has ended although the dataplane was not stopped (its start
     * failed, e.g. its CPU could not be pinned, or an error ended it), or -1 when every started
     * worker runs. Not for the hot path: the control plane polls it.
     */
    public synchronized int stoppedWorker() {
        for (int w = 0; w < runners.size(); w++) {
            Thread t = runners.get(w).thread();
            if (t != null && t != AgentRunner.TOMBSTONE && !t.isAlive()) {
                return w;
            }
        }
        return -1;
    }

    /** Each worker's state and counters now (control path: reads the counter file, never stops a worker). */
    public synchronized List<WorkerState> workerStates() {
        List<WorkerState> out = new ArrayList<>();
        for (int w = 0; w < workers.size(); w++) {
            String state = "not started";
            if (w < runners.size()) {
                Thread t = runners.get(w).thread();
                state = t == null ? "starting" : t == AgentRunner.TOMBSTONE || !t.isAlive() ? "stopped" : "running";
            }
            Throwable last = lastErrors.get(w);
            out.add(new WorkerState(w, cpus.get(w), servedNames.get(w), state,
                    counterSums.worker(w, CounterType.PORT_RX_PACKETS), counterSums.worker(w, CounterType.PORT_TX_PACKETS),
                    counterSums.worker(w, CounterType.WORKER_ERRORS), last == null ? null : String.valueOf(last.getMessage())));
        }
        return out;
    }

    /** The last exception a worker reported, or null. A worker keeps running after one. */
    public Throwable lastError() {
        return lastError;
    }

    /** The worker that reported {@link #lastError()}, or -1. */
    public int lastErrorWorker() {
        return lastErrorWorker;
    }

    /** Exceptions the workers reported so far (a worker keeps running after one). */
    public long errorCount() {
        return counterSums.workers(CounterType.WORKER_ERRORS);
    }

    /** The counter file the workers write; its path is null when it lives in anonymous memory. */
    public CounterFile counterFile() {
        return counterFile;
    }

    /** The counters summed over workers, as {@code link show} and {@code stats} show them. */
    public CounterSums counters() {
        return counterSums;
    }

    public long portCounter(int port, PortCounter counter) {
        return counterSums.port(port, counter.type);
    }

    public long dropCounter(Verdict verdict) {
        return counterSums.drops(verdict.code);
    }

    /** ICMP errors the workers generated (Time Exceeded, Frag Needed, Packet Too Big). */
    public long icmpErrorsSent() {
        return counterSums.workers(CounterType.WORKER_ICMP_ERRORS_SENT);
    }

    /**
     * Control thread: the destinations the workers dropped as {@code neighbour_unresolved} since
     * the last call (lossy, may repeat; see {@link UnresolvedDestinations}).
     */
    public synchronized void sampleUnresolved(UnresolvedDestinations.Destination to) {
        for (Worker w : workers) {
            w.unresolvedDestinations().sample(to);
        }
    }

    public long nexthopPackets(int nexthop) {
        return counterSums.nexthopPackets(nexthop);
    }

    public long nexthopBytes(int nexthop) {
        return counterSums.nexthopBytes(nexthop);
    }

    @Override
    public synchronized void close() {
        if (!startedOnce) {
            // Never started: no runner will close the workers, and borrowed tables keep their quiescence slots otherwise.
            workers.forEach(Worker::onClose);
        }
        stop();
        for (Port p : allPorts) {
            p.close();
        }
        if (!borrowedTables) {
            forwarding.close();
        }
        counterFile.close();
    }

    /** Collects ports and worker placement; ports must be added in index order. */
    public static final class Builder {
        private final List<Port> ports = new ArrayList<>();
        private final List<WorkerPlan> workers = new ArrayList<>();
        private FibLimits limits = FibLimits.defaults();
        private Idle idle = Idle.BACKOFF;
        private WorkerScheduling scheduling = WorkerScheduling.INHERIT;
        private int burst = 64;
        private Path countersFile;
        private Fib tables;
        private boolean icmpSources;
        private final int[] icmp4 = new int[WorkerCounters.MAX_PORTS];
        private final long[] icmp6Hi = new long[WorkerCounters.MAX_PORTS];
        private final long[] icmp6Lo = new long[WorkerCounters.MAX_PORTS];

        public Builder limits(FibLimits value) {
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

        /**
         * The workers read {@code existing} tables instead of new empty ones: a daemon that ran
         * without workers keeps the published RIB there, and its first port starts them on it
         * (nothing is published again). The caller keeps it: closing the dataplane leaves it open.
         */
        public Builder tables(Fib existing) {
            tables = Objects.requireNonNull(existing);
            limits = existing.limits();
            return this;
        }

        /** Where the counter file lives (replaced if it exists); default: anonymous memory. */
        public Builder countersFile(Path path) {
            countersFile = Objects.requireNonNull(path);
            return this;
        }

        public Builder idle(Idle value) {
            idle = Objects.requireNonNull(value);
            return this;
        }

        /** The scheduling policy every worker gives itself when it starts (default: as created). */
        public Builder scheduling(WorkerScheduling value) {
            scheduling = Objects.requireNonNull(value);
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

        public Workers build() {
            if (ports.isEmpty() && workers.stream().allMatch(w -> w.table() == null)) {
                throw new IllegalStateException("a dataplane needs at least one port");
            }
            return new Workers(this);
        }
    }
}
