package io.dataplane.ffi.dpdk;

import io.dataplane.ffi.Errno;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * DPDK's Environment Abstraction Layer, which starts once per process and cannot be restarted:
 * {@link #start} brings it up with the {@code dpdk eal} options; everything DPDK (ports, mempools)
 * needs it running. A second start, bad options or a missing DPDK install throw a
 * {@link DpdkException} that says what to do, and leave the process as it was.
 */
public final class Eal {
    private static Eal running;
    /** Set when rte_eal_init failed in a way it cannot be retried from (DPDK keeps a run-once flag). */
    private static String brokenBy;

    private final EalOptions options;
    private final List<String> argv;
    private final String version;

    private Eal(EalOptions options, List<String> argv, String version) {
        this.options = options;
        this.argv = argv;
        this.version = version;
    }

    /** The running EAL, if {@link #start} succeeded in this process. */
    public static synchronized Optional<Eal> current() {
        return Optional.ofNullable(running);
    }

    /** The running EAL, or an error telling the operator to configure and start it first. */
    public static synchronized Eal require() {
        if (running == null) {
            throw new DpdkException("DPDK is not started: add a 'dpdk eal ...' line (e.g. '" + EalOptions.NO_HUGEPAGES
                    + "') before the first 'port add ... type dpdk'");
        }
        return running;
    }

    /**
     * Starts the EAL. The calling thread becomes DPDK's main lcore; unless the options choose
     * lcores, lcore 0 is mapped to every CPU this process may use, so that rte_eal_init (which pins
     * its caller) does not narrow the control thread's affinity.
     */
    public static synchronized Eal start(EalOptions options) {
        if (running != null) {
            throw new DpdkException("DPDK is already started in this process (" + running.options + "); DPDK's EAL "
                    + "starts once per process: keep one 'dpdk eal' line and restart the dataplane to change it");
        }
        if (brokenBy != null) {
            throw new DpdkException("DPDK cannot be started again in this process after the earlier failure ("
                    + brokenBy + "); fix the 'dpdk eal' line and restart the dataplane");
        }
        DpdkLibrary.lookup(); // a missing install fails here, with the packages to install
        List<String> argv = new ArrayList<>();
        argv.add("dataplane");
        argv.addAll(options.args());
        if (!options.choosesLcores()) {
            argv.add("--lcores=0@(" + allowedCpus() + ")");
        }
        // Global arena: EAL may keep pointers into argv for the life of the process.
        Arena arena = Arena.global();
        MemorySegment array = arena.allocate(ValueLayout.ADDRESS, argv.size() + 1L);
        for (int i = 0; i < argv.size(); i++) {
            array.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(argv.get(i)));
        }
        array.setAtIndex(ValueLayout.ADDRESS, argv.size(), MemorySegment.NULL);
        int rc = Dpdk.ealInit(argv.size(), array);
        if (rc < 0) {
            int errno = Dpdk.errno();
            String why = Dpdk.strerror(errno);
            // EINVAL is an argument error, after which DPDK 22.11 allows another rte_eal_init; others are final.
            if (errno != Errno.EINVAL) {
                brokenBy = why;
            }
            throw new DpdkException("DPDK EAL did not start with '" + String.join(" ", argv.subList(1, argv.size()))
                    + "': " + why + " (rte_errno " + errno + "). " + hint(errno, options)
                    + " DPDK's own log lines above on stderr give the detail.");
        }
        running = new Eal(options, List.copyOf(argv), Dpdk.version());
        return running;
    }

    private static String hint(int errno, EalOptions options) {
        if (errno == Errno.EACCES) {
            // DPDK reports "cannot get hugepage information" as EACCES, for root too.
            return options.args().contains("--no-huge")
                    ? "DPDK needs root (or CAP_SYS_ADMIN, CAP_IPC_LOCK, CAP_NET_RAW, CAP_NET_ADMIN) for its memory and devices; run as root."
                    : "No usable hugepages (none reserved, hugetlbfs not mounted, or not root): reserve them "
                            + "('dpdk-hugepages.py --setup 1G', as root) or add '--no-huge -m 256' to the 'dpdk eal' line.";
        }
        if (errno == Errno.ENOMEM) {
            return options.args().contains("--no-huge")
                    ? "Not enough memory for '-m': lower it."
                    : "No hugepages are reserved: reserve some (dpdk-hugepages.py --setup 1G) or add '--no-huge -m 256'.";
        }
        if (errno == Errno.EALREADY) {
            return "rte_eal_init already ran in this process (outside this dataplane); restart the process.";
        }
        return "Check the 'dpdk eal' line; a working one without hugepages is '" + EalOptions.NO_HUGEPAGES + "'.";
    }

    /** The CPUs the calling thread may run on, in the list syntax EAL accepts, e.g. {@code 0-1}. */
    private static String allowedCpus() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return line.substring("Cpus_allowed_list:".length()).strip();
                }
            }
        } catch (IOException e) {
            // fall through: every CPU the JVM counts, numbered from 0
        }
        return "0-" + (Runtime.getRuntime().availableProcessors() - 1);
    }

    public EalOptions options() {
        return options;
    }

    /** The argv rte_eal_init was given (argv[0] first). */
    public List<String> argv() {
        return argv;
    }

    /** DPDK's version string, e.g. {@code DPDK 22.11.11}. */
    public String version() {
        return version;
    }

    /**
     * Gives the calling thread a DPDK lcore id, so its mempool accesses use a per-lcore cache
     * instead of the shared ring. Idempotent. Returns the lcore id.
     */
    public int registerCurrentThread() {
        int lcore = Dpdk.threadRegister();
        if (lcore < 0) {
            throw new DpdkException("cannot register thread '" + Thread.currentThread().getName() + "' with DPDK: "
                    + Dpdk.strerror(-lcore) + "; at most " + MbufLayout.MAX_LCORE
                    + " threads can be registered (threads that end should call unregisterCurrentThread)");
        }
        return lcore;
    }

    /** Gives the calling thread's lcore id back (call when a worker thread ends). */
    public void unregisterCurrentThread() {
        Dpdk.threadUnregister();
    }

    @Override
    public String toString() {
        return version + " started with " + String.join(" ", argv.subList(1, argv.size()));
    }
}
