package io.dataplane.perf.vskernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Busy time per CPU from {@code /proc/stat} (everything but idle and iowait, softirq included:
 * that is where the kernel forwards). Deltas between two readings say how much of each CPU a
 * round used, whoever used it.
 */
record CpuTimes(long[] busyTicks, long[] totalTicks) {
    /** USER_HZ; 100 on every Linux ABI this runs on. */
    static final double TICKS_PER_SECOND = 100.0;

    static CpuTimes read() {
        try {
            var lines = Files.readAllLines(Path.of("/proc/stat")).stream()
                    .filter(l -> l.startsWith("cpu") && Character.isDigit(l.charAt(3))).toList();
            long[] busy = new long[lines.size()];
            long[] total = new long[lines.size()];
            for (String l : lines) {
                String[] f = l.trim().split("\\s+");
                int cpu = Integer.parseInt(f[0].substring(3));
                long sum = 0;
                for (int i = 1; i < Math.min(f.length, 9); i++) { // user..steal; guest is inside user
                    sum += Long.parseLong(f[i]);
                }
                if (cpu < busy.length) {
                    total[cpu] = sum;
                    busy[cpu] = sum - Long.parseLong(f[4]) - Long.parseLong(f[5]);
                }
            }
            return new CpuTimes(busy, total);
        } catch (IOException | RuntimeException e) {
            throw new BenchException("cannot read /proc/stat for CPU accounting: " + e.getMessage());
        }
    }

    /** Seconds of CPU {@code cpu} busy between {@code before} and this reading. */
    double busySecondsSince(CpuTimes before, int cpu) {
        return (busyTicks[cpu] - before.busyTicks[cpu]) / TICKS_PER_SECOND;
    }
}
