package io.dataplane.control.daemon;

import java.util.BitSet;

/**
 * The CPUs workers may be pinned to: the daemon's affinity mask (all online CPUs, or fewer under
 * {@code taskset} or a cgroup cpuset). A worker pinned outside it never starts, so a CPU that is
 * not in it is refused before anything is opened.
 */
final class UsableCpus {
    private final BitSet cpus;

    UsableCpus(BitSet cpus) {
        this.cpus = (BitSet) cpus.clone();
    }

    /** The CPUs the calling thread may run on. */
    static UsableCpus ofThisProcess() {
        return new UsableCpus(io.dataplane.ffi.CpuAffinity.allowed());
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
