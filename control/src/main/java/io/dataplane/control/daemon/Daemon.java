package io.dataplane.control.daemon;

import io.dataplane.control.ControlPlane;
import io.dataplane.control.WorkerPlane;
import io.dataplane.control.FibPlane;
import io.dataplane.control.command.CommandException;
import io.dataplane.control.command.IpAddress;
import io.dataplane.control.rib.Rib;
import io.dataplane.ffi.Libc;
import io.dataplane.port.VethChecksumLedger;
import io.dataplane.tables.Fib;
import io.dataplane.tables.FibLimits;
import io.dataplane.worker.Workers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The running dataplane behind the control plane: connects the RIB to the forwarding tables, opens
 * the declared ports ({@link PortFactory}) and starts the workers on those tables. With no ports
 * declared it keeps just the tables, so routes can be configured and {@code route get} queried
 * anywhere; the first port added while it runs starts the workers its line asks for.
 *
 * <p>For kernel interfaces (AF_XDP) it follows the kernel ({@link KernelFollower}, relayed by
 * {@link KernelRelay}): neighbours the kernel resolved and carrier reach the RIB, and gateways the
 * RIB cannot resolve are asked for once a second, and so are the hosts of connected routes the
 * workers dropped traffic to for want of a MAC (sampled five times a second).
 */
final class Daemon {
    private static final System.Logger LOG = System.getLogger(Daemon.class.getName());
    private final FibLimits limits = FibLimits.defaults();
    private ControlPlane plane;
    private PortConfiguration config;
    private Executor controlThread;
    /** The forwarding tables, published into since start; the workers read them once they run. */
    private Fib tables;
    private PortFactory ports;
    private Workers dataplane;
    private KernelFollower follower;
    private RoutingSources sources;
    private ScheduledExecutorService resolver;
    /** Told once, from a watch thread, when a worker stops by itself; null: nobody is told. */
    private Consumer<String> workerStopped;
    private ScheduledExecutorService workerWatch;
    private WorkerRates rates;
    /** The followed devices' port indices and back (AF_XDP), changed on the control thread as ports come and go. */
    private final Map<Integer, Integer> portOfIfindex = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Integer, Integer> ifindexOfPort = new java.util.concurrent.ConcurrentHashMap<>();
    /** Where the workers' counters are mapped for other processes to read; null: anonymous memory. */
    private Path countersFile;
    /** The veth peers whose checksum offload the daemon turned off; in memory unless {@link #vethChecksumLedger} names a file. */
    private VethChecksumLedger vethChecksums = new VethChecksumLedger(null);

    /** Puts the counter file at {@code path} (call before {@link #start}). */
    void countersFile(Path path) {
        countersFile = path;
    }

    /**
     * Records the veth peers whose checksum offload the daemon turns off in {@code path}; at
     * {@link #start} it first turns on again those a killed predecessor left there.
     */
    void vethChecksumLedger(Path path) {
        vethChecksums = new VethChecksumLedger(path);
    }

    /**
     * Has {@code action} told (once, from a watch thread, with the reason) when a worker's thread
     * ends although the daemon did not stop it: it could not start, or an error ended it. Call
     * before {@link #start}.
     */
    void onWorkerStopped(Consumer<String> action) {
        workerStopped = action;
    }

    int nexthopSlots() {
        return limits.nexthops();
    }

    int groupSlots() {
        return limits.groups();
    }

    /**
     * Opens and starts what the configuration declared, then publishes the RIB into it. On failure
     * everything opened so far is closed again (nothing stays bound) and the exception says why.
     * Without ports it keeps just the tables; the first {@code port add} starts the workers then.
     *
     * @param controlThread runs tasks on the control thread (the RIB's single writer)
     */
    void start(ControlPlane plane, PortConfiguration config, Executor controlThread) {
        this.plane = plane;
        this.config = config;
        this.controlThread = controlThread;
        tables = new Fib(limits);
        vethChecksums.restoreLeftovers();
        try {
            plane.attach(new FibPlane(tables)); // publishes the loaded RIB; workers started on these tables read it
            if (!plane.rib().ports().isEmpty()) {
                startWorkers(plane::applyReported, false);
            }
            config.running(runningPorts());
            startSources(plane, controlThread);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    /**
     * Makes the workers for the RIB's ports and starts them on the tables: at start for the
     * declared ports, or while running for the first port added (inside that command's
     * transaction; {@code report} applies what the devices tell). A worker that ends before it is
     * running is the daemon's to report at start ({@link #onWorkerStopped}); {@code whileRunning},
     * it fails the command that asked for it instead (the daemon serves on, as before). On failure
     * nothing is left: no port open, no worker, the tables alone.
     */
    private void startWorkers(Consumer<Consumer<Rib>> report, boolean whileRunning) {
        ports = new PortFactory(plane, config, vethChecksums);
        try {
            PortSpec.Type type = ports.type();
            Workers.Builder b = Workers.builder().tables(tables);
            if (countersFile != null) {
                b.countersFile(countersFile);
            }
            ports.open(b, report);
            dataplane = b.build();
            plane.replacePlane(new WorkerPlane(dataplane));
            if (type == PortSpec.Type.AFXDP) {
                followKernel(plane, controlThread);
            }
            dataplane.start();
            if (whileRunning) {
                int failed = dataplane.awaitStarted(10_000);
                if (failed >= 0) {
                    String why = dataplane.workerStates().get(failed).lastError();
                    throw new CommandException("worker " + failed + " could not start" + (why == null ? "" : ": " + why)
                            + "; nothing changed (check the line's 'cpu' and 'sched')");
                }
            }
            rates = new WorkerRates(dataplane);
            if (workerStopped != null) {
                watchWorkers(dataplane);
            }
        } catch (RuntimeException e) {
            stopWorkers();
            throw e;
        }
    }

    /** The running workers and their ports, or null (no port added yet, or not started); tests inject frames through it. */
    Workers workers() {
        return dataplane;
    }

    /** The routing sources ('rib follow kernel', 'fpm listen'): those the configuration asked for start now. */
    private void startSources(ControlPlane plane, Executor controlThread) {
        sources = new RoutingSources(plane, controlThread);
        try {
            plane.sources(sources);
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** How port {@code index} was bound, e.g. "copy mode, 2 queue(s)"; empty for memory ports. */
    String bound(int index) {
        return ports == null ? "" : ports.bound(index);
    }

    /**
     * Ports added and removed while the daemon runs ({@code port add|del} on the socket or in a
     * reload): the first port starts the workers ({@link #startWorkers}, undone if the transaction
     * rolls back), later ones are made by the factory in the running workers' memories. Kernel
     * devices are followed from then on, and no longer once removed, when their index is free for
     * another port. A worker whose ports were all removed keeps running, idle.
     */
    private PortConfiguration.RunningPorts runningPorts() {
        return new PortConfiguration.RunningPorts() {
            @Override
            public void add(Rib rib, PortSpec spec, int index) {
                PortFactory.refuseWhileRunning(spec);
                if (dataplane == null) {
                    try {
                        startWorkers(change -> change.accept(rib), true);
                    } catch (CommandException e) {
                        throw e;
                    } catch (RuntimeException e) {
                        throw new CommandException("port " + spec.name() + " not added, nothing changed: " + e.getMessage());
                    }
                    rib.undoOnRollback(Daemon.this::stopWorkers); // runs after the port's own removal
                    LOG.log(System.Logger.Level.INFO, "port " + index + " " + spec.name() + " added: "
                            + dataplane.workerCount() + " worker(s) started for it" + (bound(index).isEmpty() ? "" : ", " + bound(index)));
                    return;
                }
                ports.addRunning(rib, spec, index, dataplane);
                if (spec.type() == PortSpec.Type.AFXDP) { // the type of the running ports, or it was refused
                    int ifindex = Libc.ifNameToIndex(spec.name());
                    portOfIfindex.put(ifindex, index);
                    ifindexOfPort.put(index, ifindex);
                }
            }

            @Override
            public void remove(int index, String name) {
                Integer ifindex = ifindexOfPort.remove(index);
                if (ifindex != null) {
                    portOfIfindex.remove(ifindex);
                }
                ports.removeRunning(index, name, dataplane);
                plane.rib().portIndexReleased(index);
            }
        };
    }

    /** Learned neighbours and carrier from the kernel into the RIB; unresolved gateways get resolution asked once a second. */
    private void followKernel(ControlPlane plane, Executor controlThread) {
        for (Rib.PortEntry p : plane.rib().ports()) {
            int ifindex = Libc.ifNameToIndex(p.name());
            portOfIfindex.put(ifindex, p.index());
            ifindexOfPort.put(p.index(), ifindex);
        }
        follower = new KernelFollower(new KernelRelay(plane, controlThread, portOfIfindex, this::icmpSources), null);
        try {
            follower.awaitLoaded(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading the kernel's neighbour table", e);
        }
        resolver = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("neighbour-resolver").unstarted(r));
        resolver.scheduleWithFixedDelay(() -> controlThread.execute(() -> {
            for (Rib.Neighbour n : plane.rib().unresolvedGateways()) {
                resolve(n.address(), n.port());
            }
        }), 0, 1, TimeUnit.SECONDS);
        // The hosts of connected routes the workers could not send to: the kernel would ARP for them.
        resolver.scheduleWithFixedDelay(() -> controlThread.execute(() -> {
            Workers running = dataplane;
            if (running != null) {
                running.sampleUnresolved((v6, hi, lo) -> {
                    IpAddress a = new IpAddress(v6, hi, lo);
                    int port = plane.rib().unresolvedConnectedHost(a);
                    if (port >= 0) {
                        resolve(a, port);
                    }
                });
            }
        }), 200, 200, TimeUnit.MILLISECONDS);
    }

    /** The port's ICMP error sources again from its device's addresses now (one was added or removed). Control thread. */
    private void icmpSources(int port, int ifindex) {
        Workers running = dataplane;
        if (running == null) {
            return;
        }
        try (io.dataplane.ffi.Rtnetlink nl = io.dataplane.ffi.Rtnetlink.open()) {
            java.util.List<io.dataplane.ffi.Rtnetlink.Address> addresses = nl.addresses(ifindex);
            running.icmpSource(port, 0, 0, 0); // none left is none
            PortFactory.icmpSource(running::icmpSource, port, addresses);
        } catch (RuntimeException e) {
            System.getLogger(Daemon.class.getName()).log(System.Logger.Level.WARNING,
                    "port " + port + ": reading its device's addresses for ICMP sources: " + e.getMessage());
        }
    }

    /** Asks the kernel to resolve {@code a} on port {@code port}'s device (rate-limited per neighbour by the follower). */
    private void resolve(IpAddress a, int port) {
        Integer ifindex = ifindexOfPort.get(port);
        if (ifindex != null && follower != null) {
            follower.resolve(ifindex, KernelAddresses.inetAddress(a));
        }
    }

    /** Polls the workers four times a second (control path, nothing on the hot path) and tells {@link #workerStopped} once. */
    private void watchWorkers(Workers running) {
        workerWatch = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("worker-watch").unstarted(r));
        workerWatch.scheduleWithFixedDelay(() -> {
            int w = running.stoppedWorker();
            if (w < 0) {
                return;
            }
            Throwable why = running.lastErrorWorker() == w ? running.lastError() : null;
            workerWatch.shutdown(); // once: the action decides whether the daemon stops
            workerStopped.accept("worker " + w + " stopped" + (why == null ? "" : ": " + why.getMessage()));
        }, 250, 250, TimeUnit.MILLISECONDS);
    }

    /**
     * Each worker for {@code dpctl status}: id, CPU, ports and queues, state, packets per second,
     * counters, errors and the last error. Empty while no workers run (no port added yet).
     */
    List<Map<String, Object>> workerStatus() {
        List<Map<String, Object>> out = new ArrayList<>();
        if (dataplane == null) {
            return out;
        }
        for (Workers.WorkerState w : dataplane.workerStates()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("worker", w.id());
            m.put("cpu", w.cpu() < 0 ? "any" : w.cpu());
            m.put("ports", w.ports());
            m.put("state", w.state());
            m.put("rx_pps", rates == null ? 0L : rates.packetsPerSecond(w.id()));
            m.put("rx_packets", w.rxPackets());
            m.put("tx_packets", w.txPackets());
            m.put("errors", w.errors());
            if (w.lastError() != null) {
                m.put("last_error", w.lastError());
            }
            out.add(m);
        }
        return out;
    }

    /** Stops the workers and closes every port (which detaches the XDP programs), then the tables; idempotent. */
    void stop() {
        if (sources != null) {
            sources.close();
            sources = null;
        }
        stopWorkers();
        if (tables != null) {
            tables.close();
            tables = null;
        }
    }

    /**
     * Stops the workers and what serves them and closes their ports; the tables stay, with the
     * control plane on them alone again (as before the workers started). Idempotent.
     */
    private void stopWorkers() {
        if (rates != null) {
            rates.close();
            rates = null;
        }
        if (workerWatch != null) {
            workerWatch.shutdownNow();
            workerWatch = null;
        }
        if (resolver != null) {
            resolver.shutdownNow();
            resolver = null;
        }
        if (follower != null) {
            follower.close();
            follower = null;
        }
        portOfIfindex.clear();
        ifindexOfPort.clear();
        if (dataplane != null) {
            if (tables != null) {
                plane.replacePlane(new FibPlane(tables));
            }
            dataplane.close(); // stops the workers, closes the ports it holds
            dataplane = null;
        }
        if (ports != null) {
            ports.close();
            ports = null;
        }
    }
}
