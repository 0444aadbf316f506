package io.dataplane.ffi.dpdk;

import java.util.Arrays;
import java.util.List;

/**
 * The EAL arguments of the one {@code dpdk eal ...} configuration line, e.g.
 * {@code dpdk eal --no-huge -m 256 --no-pci --no-shconf}. Devices are not declared here but by
 * {@code port add dev NAME type dpdk vdev SPEC | pci ADDR}, which probes them after EAL started.
 *
 * <p>Validated on construction against the mistakes that DPDK reports badly or not at all.
 */
public record EalOptions(List<String> args) {
    /**
     * Works without hugepages, PCI access or shared files: what tests and virtual devices need.
     * {@code --in-memory} is not used because DPDK 22.11 rejects it together with {@code --no-huge}.
     */
    public static final EalOptions NO_HUGEPAGES =
            new EalOptions(List.of("--no-huge", "-m", "256", "--no-pci", "--no-shconf", "--no-telemetry"));

    public EalOptions {
        args = List.copyOf(args);
        for (String a : args) {
            if (a.isBlank()) {
                throw new IllegalArgumentException("dpdk eal: empty argument");
            }
            if (a.equals("--vdev") || a.startsWith("--vdev=")) {
                throw new IllegalArgumentException("dpdk eal: do not pass --vdev here; declare each virtual device as "
                        + "a port: 'port add dev NAME type dpdk vdev SPEC'");
            }
            if (a.equals("--proc-type") || a.startsWith("--proc-type=")) {
                throw new IllegalArgumentException("dpdk eal: --proc-type is not supported; the dataplane runs DPDK "
                        + "as a single primary process");
            }
        }
        if (args.contains("--in-memory") && args.contains("--no-huge")) {
            throw new IllegalArgumentException("dpdk eal: --in-memory cannot be combined with --no-huge (DPDK 22.11 "
                    + "rejects it); use '--no-huge --no-shconf' instead of --in-memory");
        }
    }

    /** Splits the text after {@code dpdk eal} on whitespace (EAL arguments never contain spaces). */
    public static EalOptions parse(String text) {
        String t = text.strip();
        return new EalOptions(t.isEmpty() ? List.of() : Arrays.asList(t.split("\\s+")));
    }

    /** True when the options choose the lcores themselves (otherwise {@link Eal} maps lcore 0 for them). */
    public boolean choosesLcores() {
        for (String a : args) {
            if (a.equals("-l") || a.equals("-c") || a.startsWith("--lcores") || a.startsWith("-l") && a.length() > 2
                    && Character.isDigit(a.charAt(2))) {
                return true;
            }
        }
        return false;
    }

    /** True when PCI probing is switched off, so PCI ports cannot be added. */
    public boolean noPci() {
        return args.contains("--no-pci");
    }

    /** The configuration line that gives these options. */
    @Override
    public String toString() {
        return "dpdk eal " + String.join(" ", args);
    }
}
