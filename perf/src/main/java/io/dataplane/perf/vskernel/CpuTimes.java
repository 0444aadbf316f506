package io.dataplane.perf.vskernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Steal and idle per CPU from {@code /proc/stat}. Steal is what the hypervisor took from this
 * virtual CPU (it comes from the paravirtual steal clock); idle, on this NO_HZ kernel, is timed at
 * idle entry and exit, not sampled at ticks. Busy time is never read from here: its user, system
 * and softirq fields are tick samples, which is why the router core's time comes from
 * {@link ThreadScan}. Used for steal (disturbed seconds) and as a cross-check of the busy time.
 */
record CpuTimes(long[] idleTicks, long[] stealTicks) {
    /** USER_HZ; 100 on every Linux ABI this runs on. */
    static final double TICKS_PER_SECOND = 100.0;

    static CpuTimes read() {
        try {
            var lines = Files.readAllLines(Path.of("/proc/stat")).stream()
                    .filter(l -> l.startsWith("cpu") && Character.isDigit(l.charAt(3))).toList();
            int n = 0;
            for (String l : lines) {
                n = Math.max(n, Integer.parseInt(l.trim().split("\\s+")[0].substring(3)) + 1);
            }
            long[] idle = new long[n];
            long[] steal = new long[n];
            for (String l : lines) {
                String[] f = l.trim().split("\\s+");
                int cpu = Integer.parseInt(f[0].substring(3));
                idle[cpu] = Long.parseLong(f[4]) + Long.parseLong(f[5]); // idle + iowait
                steal[cpu] = f.length > 8 ? Long.parseLong(f[8]) : 0;
            }
            return new CpuTimes(idle, steal);
        } catch (IOException | RuntimeException e) {
            throw new BenchException("cannot read /proc/stat for steal and idle time: " + e.getMessage());
        }
    }

    /** Online CPUs (the highest number + 1), whatever this JVM's affinity. */
    int cpus() {
        return idleTicks.length;
    }

    double stealSecondsSince(CpuTimes before, int cpu) {
        return (stealTicks[cpu] - before.stealTicks[cpu]) / TICKS_PER_SECOND;
    }

    double idleSecondsSince(CpuTimes before, int cpu) {
        return (idleTicks[cpu] - before.idleTicks[cpu]) / TICKS_PER_SECOND;
    }
}
