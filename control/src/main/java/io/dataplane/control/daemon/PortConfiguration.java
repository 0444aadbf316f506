package io.dataplane.control.daemon;

import io.dataplane.control.ConfigurationLines;
import io.dataplane.control.RunningConfig;
import io.dataplane.control.command.CommandException;
import io.dataplane.control.rib.Rib;
import io.dataplane.ffi.dpdk.EalOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * How ports are made: each {@code port add} line's {@link PortSpec} and the one {@code dpdk eal}
 * line. The control plane runs these lines inside the configuration's batch; each declared port is
 * registered in the RIB (name, MAC, MTU and what {@code link show} tells about it), so routes in the
 * same file can name it. A failed load leaves no port in the RIB and the daemon does not start.
 *
 * <p>Once the daemon runs ({@link #running}), {@code port add} and {@code port del} also run on the
 * command socket and in a reload, as state-changing commands: inside their transaction a port is
 * made and given to the workers (rolled back: taken away and closed again), and a removed port
 * leaves the workers only once the transaction is published ({@link #published}), so nothing is
 * half-applied when a command or batch fails.
 */
public final class PortConfiguration implements ConfigurationLines {
    private final Map<String, PortSpec> specs = new HashMap<>();
    private EalOptions dpdkEal;
    private final UsableCpus cpus;
    /** Makes and removes ports while the daemon runs (starting the workers with the first port); null until it runs. */
    private RunningPorts running;
    /** Ports removed by the open transaction, taken from the workers when it is published. */
    private final List<Rib.PortEntry> removed = new ArrayList<>();

    /** What makes and removes the ports of the running workers (the daemon's {@link PortFactory}). */
    interface RunningPorts {
        /** Makes port {@code spec} at {@code index} and gives it to the workers, inside the open transaction; throws with nothing changed. */
        void add(Rib rib, PortSpec spec, int index);

        /** Takes port {@code index} from the workers and closes it (after its removal was published, or to undo its addition). */
        void remove(int index, String name);
    }

    /** Refuses a {@code cpu N} this process cannot run on (see {@link UsableCpus}). */
    public PortConfiguration() {
        this(UsableCpus.ofThisProcess());
    }

    PortConfiguration(UsableCpus cpus) {
        this.cpus = cpus;
    }

    /** An empty configuration with the same CPU check: where a reload loads the new file on its own. */
    PortConfiguration fresh() {
        return new PortConfiguration(cpus);
    }

    @Override
    public String command(String line) {
        return PortGrammar.command(line);
    }

    /** From now on port lines run on the running daemon (which starts the workers with the first port, if none run). */
    void running(RunningPorts ports) {
        running = ports;
    }

    @Override
    public Consumer<Rib> parseLive(String line) {
        String command = PortGrammar.command(line);
        Consumer<Rib> change = parse(line); // a bad line is told what is wrong with it first
        if (command.equals("dpdk eal")) {
            throw new CommandException("'dpdk eal' is read when the daemon starts only: put it in the --config file and restart");
        }
        if (running == null) {
            throw new CommandException("'" + command + "' runs on a started daemon only (this control plane has no dataplane"
                    + " yet): put the line in the --config file");
        }
        return change;
    }

    @Override
    public void published() {
        List<Rib.PortEntry> gone = List.copyOf(removed);
        removed.clear();
        for (Rib.PortEntry p : gone) {
            try {
                running.remove(p.index(), p.name());
            } catch (RuntimeException e) {
                // The removal is published: what is left is the daemon's to log, not the command's to fail.
                System.getLogger(PortConfiguration.class.getName()).log(System.Logger.Level.ERROR,
                        "port " + p.name() + " removed, but closing it failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public Consumer<Rib> parse(String line) {
        if (PortGrammar.command(line).equals("port del")) {
            String name = PortGrammar.portDel(line);
            return rib -> {
                Rib.PortEntry p = rib.portByName(name);
                rib.removePort(name);
                if (running != null) {
                    removed.add(p);
                    rib.undoOnRollback(() -> removed.remove(p));
                }
            };
        }
        if (PortGrammar.command(line).equals("dpdk eal")) {
            EalOptions eal = PortGrammar.dpdkEal(line);
            return rib -> {
                if (dpdkEal != null) {
                    throw new CommandException("'dpdk eal' is given twice; put every EAL argument on one 'dpdk eal ...' line");
                }
                dpdkEal = eal;
            };
        }
        PortSpec spec = PortGrammar.portAdd(line);
        // Checked here, not when the workers start: a worker pinned to a missing CPU never runs.
        String refusal = spec.cpu() < 0 ? null : cpus.refusal(spec.cpu(), spec.queues());
        if (refusal != null) {
            throw new CommandException("port " + spec.name() + ": " + refusal);
        }
        return rib -> {
            int index = rib.nextPortIndex();
            // Memory ports have no device to ask for a MAC: a locally administered one per index.
            long mac = spec.mac() >= 0 ? spec.mac() : 0x02_00_00_00_00_00L | (index + 1);
            spec.worker().merge(workers(rib), spec.name()); // refuses a line that contradicts an earlier one
            if (removed.stream().anyMatch(p -> p.name().equals(spec.name()))) {
                throw new CommandException("port " + spec.name() + " is deleted in this batch and leaves the workers only when it"
                        + " commits; add it again after the batch (to change a port's options: 'port del', then 'port add')");
            }
            int added = rib.addPort(spec.name(), mac, spec.mtu(), spec.details());
            PortSpec before = specs.put(spec.name(), spec);
            rib.undoOnRollback(() -> {
                if (before == null) {
                    specs.remove(spec.name());
                } else {
                    specs.put(spec.name(), before);
                }
            });
            if (running != null) {
                running.add(rib, spec, added);
                rib.undoOnRollback(() -> running.remove(added, spec.name()));
            }
        };
    }

    /** The {@code dpdk eal} line (if any), then each port's {@code port add} line in index order. */
    @Override
    public List<RunningConfig.Line> running(Rib rib) {
        List<RunningConfig.Line> out = new ArrayList<>();
        if (dpdkEal != null) {
            out.add(new RunningConfig.Line("dpdk eal", "dpdk eal " + String.join(" ", dpdkEal.args()), null));
        }
        for (Rib.PortEntry p : rib.ports()) {
            out.add(new RunningConfig.Line("port " + p.name(), PortLine.of(spec(p)), "port del dev " + p.name()));
        }
        return out;
    }

    /**
     * The workers' idle mode and scheduling as the lines of the RIB's ports said them (fields null
     * where none did). Derived from the RIB, so a batch that failed and rolled back leaves nothing.
     */
    public WorkerSpec workers(Rib rib) {
        WorkerSpec said = WorkerSpec.UNSAID;
        for (Rib.PortEntry p : rib.ports()) {
            PortSpec s = specs.get(p.name());
            if (s != null) {
                said = s.worker().merge(said, p.name());
            }
        }
        return said;
    }

    /** How the RIB's port {@code port} is to be made. */
    public PortSpec spec(Rib.PortEntry port) {
        PortSpec s = specs.get(port.name());
        if (s == null) {
            throw new IllegalStateException("port " + port.name() + " was not declared by a 'port add' line");
        }
        return s;
    }

    /** The {@code dpdk eal} options, or null if the configuration has none. */
    public EalOptions dpdkEal() {
        return dpdkEal;
    }
}
