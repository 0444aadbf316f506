package io.dataplane.perf.vskernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * CPU time that other people's processes took on the harness's CPUs during a round, from every
 * thread's utime+stime in {@code /proc/<pid>/task/<tid>/stat}, attributed to the CPU the thread
 * last ran on. On a shared machine this is what says whether a round measured the router or its
 * neighbours. Approximate: a thread that migrated between CPUs is counted on the last one.
 */
final class ForeignLoad {
    private record Task(String comm, int tgid, long ticks, int cpu) {
    }

    private final Map<Long, Task> tasks;

    private ForeignLoad(Map<Long, Task> tasks) {
        this.tasks = tasks;
    }

    static ForeignLoad read() {
        Map<Long, Task> m = new HashMap<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String pid = p.getFileName().toString();
                if (!pid.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try (var threads = Files.list(p.resolve("task"))) {
                    for (Path t : threads.toList()) {
                        Task task = parse(Files.readString(t.resolve("stat")), Integer.parseInt(pid));
                        if (task != null) {
                            m.put(Long.parseLong(t.getFileName().toString()), task);
                        }
                    }
                } catch (IOException | RuntimeException gone) {
                    // the process exited while we looked
                }
            }
        } catch (IOException e) {
            return new ForeignLoad(Map.of());
        }
        return new ForeignLoad(m);
    }

    private static Task parse(String stat, int tgid) {
        int open = stat.indexOf('('), close = stat.lastIndexOf(')');
        if (open < 0 || close < 0) {
            return null;
        }
        String[] f = stat.substring(close + 2).trim().split(" ");
        // Fields after the comm start at field 3 (state): utime is field 14, stime 15, processor 39.
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        int cpu = Integer.parseInt(f[36]);
        return new Task(stat.substring(open + 1, close), tgid, ticks, cpu);
    }

    /**
     * Seconds of CPU {@code cpu} used since {@code before} by threads that are not the harness's:
     * not in the processes {@code own}, and not the router's NAPI thread or the softirq thread.
     * Returns the total and the three largest users.
     */
    String foreignSince(ForeignLoad before, int cpu, Set<Integer> own, double[] total) {
        Map<String, Long> byName = new TreeMap<>();
        long sum = 0;
        for (var e : tasks.entrySet()) {
            Task now = e.getValue();
            Task then = before.tasks.get(e.getKey());
            long d = now.ticks - (then == null ? 0 : then.ticks);
            if (d <= 0 || now.cpu != cpu || own.contains(now.tgid) || now.comm.startsWith("napi/r0-")
                    || now.comm.startsWith("ksoftirqd/") || now.comm.startsWith("napi/s")) {
                continue;
            }
            sum += d;
            byName.merge(now.comm + "[" + now.tgid + "]", d, Long::sum);
        }
        total[0] = sum / CpuTimes.TICKS_PER_SECOND;
        StringBuilder sb = new StringBuilder();
        byName.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(3)
                .forEach(x -> sb.append(sb.isEmpty() ? "" : ", ").append(x.getKey()).append(' ')
                        .append(String.format(java.util.Locale.ROOT, "%.1fs", x.getValue() / CpuTimes.TICKS_PER_SECOND)));
        return sb.toString();
    }
}
