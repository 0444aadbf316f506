package io.dataplane.control.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

/**
 * The CPUs workers may be pinned to: the online CPUs, less those the daemon's cgroup cpuset
 * excludes. A worker pinned outside them never starts, so such a CPU is refused before anything
 * is opened. The daemon's own affinity mask does not count: {@code sched_setaffinity} may widen
 * it within the cpuset, and a supervisor (or {@code bin/bench}) may start the daemon under
 * {@code taskset} on a housekeeping CPU while its workers belong on others.
 */
final class UsableCpus {
    private final BitSet cpus;

    UsableCpus(BitSet cpus) {
        this.cpus = (BitSet) cpus.clone();
    }

    /** The online CPUs within this process's cpuset (cgroup v2 or v1), as the kernel lists them in sysfs. */
    static UsableCpus ofThisProcess() {
        BitSet cpus = parseList(read(Path.of("/sys/devices/system/cpu/online")));
        String cpuset = cpusetOfThisProcess();
        if (cpuset != null) {
            cpus.and(parseList(cpuset));
        }
        return new UsableCpus(cpus);
    }

    /** The effective cpuset of this process's cgroup, or null when there is none to read. */
    private static String cpusetOfThisProcess() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] f = line.split(":", 3); // hierarchy-id:controllers:path
                if (f.length < 3) {
                    continue;
                }
                String rel = f[2].startsWith("/") ? f[2].substring(1) : f[2];
                List<Path> candidates = f[0].equals("0") && f[1].isEmpty()
                        ? List.of(Path.of("/sys/fs/cgroup", rel, "cpuset.cpus.effective"))
                        : List.of(f[1].split(",")).contains("cpuset")
                        ? List.of(Path.of("/sys/fs/cgroup/cpuset", rel, "cpuset.effective_cpus"), Path.of("/sys/fs/cgroup/cpuset", rel, "cpuset.cpus"))
                        : List.of();
                for (Path c : candidates) {
                    String v = read(c);
                    if (v != null && !v.isBlank()) {
                        return v;
                    }
                }
            }
        } catch (IOException e) {
            // no cgroup information: the online CPUs alone
        }
        return null;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).strip();
        } catch (IOException e) {
            return null;
        }
    }

    /** The kernel's CPU list form ("0-3,8,10-11"); null or empty is no CPU. */
    static BitSet parseList(String list) {
        BitSet cpus = new BitSet();
        if (list == null || list.isBlank()) {
            return cpus;
        }
        for (String part : list.strip().split(",")) {
            String[] range = part.split("-", 2);
            int from = Integer.parseInt(range[0].strip());
            int to = range.length == 2 ? Integer.parseInt(range[1].strip()) : from;
            cpus.set(from, to + 1);
        }
        return cpus;
    }

    /** Null when CPUs {@code first .. first+count-1} are all usable, else an operator-readable reason. */
    String refusal(int first, int count) {
        for (int c = first; c < first + count; c++) {
            if (!cpus.get(c)) {
                String why = "CPU " + c + " does not exist or is not usable by this process (usable: " + this + ")";
                return count == 1 ? why : count + " queues need CPUs " + first + "-" + (first + count - 1) + ", and " + why;
            }
        }
        return null;
    }

    /** The highest usable CPU (the demo's default), or -1 when the set is empty. */
    int last() {
        return cpus.length() - 1;
    }

    /** The set in the kernel's list form, e.g. "0-1" or "0,2-3". */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (int c = cpus.nextSetBit(0); c >= 0; c = cpus.nextSetBit(c + 1)) {
            int end = cpus.nextClearBit(c) - 1;
            s.append(s.isEmpty() ? "" : ",").append(c).append(end > c ? "-" + end : "");
            c = end;
        }
        return s.isEmpty() ? "none" : s.toString();
    }
}
