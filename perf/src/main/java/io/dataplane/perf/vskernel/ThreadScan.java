package io.dataplane.perf.vskernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every thread's CPU time at one moment, from {@code /proc/<pid>/task/<tid>/schedstat} (run time
 * in nanoseconds, exact, unlike /proc/stat's tick samples), with the CPU it last ran on from its
 * {@code stat}. The difference of two scans, taken about a second apart, says who used the router
 * core: the contender (its processes and the kernel's threads), the harness, or other people's
 * processes. Threads pinned to one CPU are attributed exactly; a thread that migrated within the
 * interval is counted on the CPU it ran on last.
 */
final class ThreadScan {
    private record Task(String comm, int tgid, boolean kernel, long runNs, int cpu) {
    }

    /** CPU time on the router core between two scans, by whose it was; seconds. */
    record Usage(double contender, double harness, double foreign, String foreignTop, Map<String, Double> threads) {
    }

    private final Map<Long, Task> tasks;

    private ThreadScan(Map<Long, Task> tasks) {
        this.tasks = tasks;
    }

    static ThreadScan read() {
        Map<Long, Task> m = new HashMap<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String pid = p.getFileName().toString();
                if (!pid.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try (var threads = Files.list(p.resolve("task"))) {
                    for (Path t : threads.toList()) {
                        Task task = parse(Files.readString(t.resolve("stat")), Files.readString(t.resolve("schedstat")),
                                Integer.parseInt(pid));
                        if (task != null) {
                            m.put(Long.parseLong(t.getFileName().toString()), task);
                        }
                    }
                } catch (IOException | RuntimeException gone) {
                    // the process exited while we looked
                }
            }
        } catch (IOException e) {
            return new ThreadScan(Map.of());
        }
        return new ThreadScan(m);
    }

    private static Task parse(String stat, String schedstat, int tgid) {
        int open = stat.indexOf('('), close = stat.lastIndexOf(')');
        if (open < 0 || close < 0) {
            return null;
        }
        String[] f = stat.substring(close + 2).trim().split(" ");
        // After the comm: state is field 3, ppid 4, processor 39.
        int ppid = Integer.parseInt(f[1]);
        int cpu = Integer.parseInt(f[36]);
        long run = Long.parseLong(schedstat.trim().split(" ")[0]);
        return new Task(stat.substring(open + 1, close), tgid, ppid == 2 || tgid == 2, run, cpu);
    }

    /**
     * The router core's time since {@code before}: the contender's ({@code contender} processes and
     * kernel threads: NAPI, softirq, workqueues), the harness's ({@code harness}), and everyone
     * else's, with the three largest of those. {@code threads} names the contender's and the NAPI
     * threads that ran anywhere, with their CPU and seconds (where a router's time goes).
     */
    Usage since(ThreadScan before, int routerCpu, Set<Integer> contender, int harness) {
        long own = 0, ours = 0, foreign = 0;
        Map<String, Long> others = new TreeMap<>();
        Map<String, Long> named = new TreeMap<>();
        for (var e : tasks.entrySet()) {
            Task now = e.getValue();
            Task then = before.tasks.get(e.getKey());
            long d = now.runNs - (then == null ? 0 : then.runNs);
            if (d <= 0) {
                continue;
            }
            boolean mine = contender.contains(now.tgid) && now.tgid != harness;
            if (mine || now.comm.startsWith("napi/")) {
                named.merge(now.comm + " on " + now.cpu, d, Long::sum);
            }
            if (now.cpu != routerCpu) {
                continue;
            }
            if (mine || now.kernel) {
                own += d;
            } else if (now.tgid == harness) {
                if (contender.contains(harness)) {
                    own += d; // the in-process dataplane's worker
                } else {
                    ours += d;
                }
            } else {
                foreign += d;
                others.merge(now.comm + "[" + now.tgid + "]", d, Long::sum);
            }
        }
        StringBuilder top = new StringBuilder();
        others.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(3)
                .forEach(x -> top.append(top.isEmpty() ? "" : ", ").append(x.getKey()).append(' ')
                        .append(String.format(Locale.ROOT, "%.2fs", x.getValue() / 1e9)));
        Map<String, Double> threads = new java.util.LinkedHashMap<>();
        named.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(6)
                .forEach(x -> threads.put(x.getKey(), x.getValue() / 1e9));
        return new Usage(own / 1e9, ours / 1e9, foreign / 1e9, top.toString(), threads);
    }
}
