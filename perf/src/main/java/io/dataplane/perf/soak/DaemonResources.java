package io.dataplane.perf.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The daemon's resources at one moment, from outside its JVM: heap in use ({@code jcmd
 * GC.heap_info}: every generation's or region set's "used"), the JVM's "Other" native memory
 * ({@code jcmd VM.native_memory summary}, the daemon runs with {@code
 * -XX:NativeMemoryTracking=summary}: direct buffers and FFM {@code Arena} allocations, which the
 * tables and the counters use), resident set, open file descriptors and threads ({@code /proc}).
 */
record DaemonResources(long heapUsedBytes, long otherNativeBytes, long rssBytes, int fds, int threads) {
    private static final Pattern USED = Pattern.compile("(?:used (\\d+)([KMG])\\b|(\\d+)([KMG]) used)");
    private static final Pattern OTHER = Pattern.compile("Other \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");

    static DaemonResources sample(long pid) {
        String heap = jcmd(pid, "GC.heap_info");
        String nmt = jcmd(pid, "VM.native_memory", "summary");
        Matcher o = OTHER.matcher(nmt);
        long other = o.find() ? Long.parseLong(o.group(2)) << 10 : -1;
        return new DaemonResources(heapUsed(heap), other, rss(pid), count(Path.of("/proc/" + pid + "/fd")),
                count(Path.of("/proc/" + pid + "/task")));
    }

    /** The sum of the heap's top-level "used" figures (Metaspace and class space are not heap). */
    static long heapUsed(String heapInfo) {
        long used = 0;
        for (String line : heapInfo.split("\n")) {
            if (line.contains("Metaspace") || line.contains("class space")) {
                continue;
            }
            Matcher m = USED.matcher(line);
            if (m.find()) {
                String n = m.group(1) != null ? m.group(1) : m.group(3);
                String unit = m.group(2) != null ? m.group(2) : m.group(4);
                used += Long.parseLong(n) << switch (unit) {
                    case "K" -> 10;
                    case "M" -> 20;
                    default -> 30;
                };
            }
        }
        return used;
    }

    private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");

    /**
     * The bytes of live objects in the daemon's heap: {@code jcmd GC.class_histogram} collects
     * fully first and sums what survived. Exact whatever the collector, where "used" after a
     * collection is not (ZGC counts whole pages); it stops the daemon for the heap walk, so the
     * soak takes it only before and after the minutes it measures.
     */
    static long liveHeap(long pid) throws InterruptedException {
        // The first collection finds the replaced table versions unreachable, but their Cleaner references
        // still count until the cleaner thread has run (the likely reason a single histogram read 13 -> 98 MiB over a
        // 10-minute ZGC soak while the native memory they own was back to its start a second later); the second is what lives.
        jcmd(pid, "GC.class_histogram");
        Thread.sleep(1000);
        return liveHeap(jcmd(pid, "GC.class_histogram"));
    }

    static long liveHeap(String histogram) {
        Matcher m = HISTOGRAM_TOTAL.matcher(histogram);
        if (!m.find()) {
            throw new SoakFailure("jcmd GC.class_histogram printed no 'Total' line: " + histogram.lines().limit(3).toList());
        }
        return Long.parseLong(m.group(1));
    }

    private static String jcmd(long pid, String... command) {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path jcmd = Path.of(java).resolveSibling("jcmd");
        String[] cmd = new String[command.length + 2];
        cmd[0] = jcmd.toString();
        cmd[1] = String.valueOf(pid);
        System.arraycopy(command, 0, cmd, 2, command.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new SoakFailure(String.join(" ", cmd) + " failed: " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new SoakFailure("cannot run " + jcmd + " (" + e.getMessage() + "): the soak reads the daemon's heap with the JDK's jcmd");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SoakFailure("interrupted while running jcmd");
        }
    }

    private static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) << 10;
                }
            }
        } catch (IOException e) {
            throw new SoakFailure("cannot read /proc/" + pid + "/status: the daemon has gone (" + e.getMessage() + ")");
        }
        return -1;
    }

    private static int count(Path dir) {
        try (var s = Files.list(dir)) {
            return (int) s.count();
        } catch (IOException e) {
            throw new SoakFailure("cannot list " + dir + ": the daemon has gone (" + e.getMessage() + ")");
        }
    }

    String text() {
        return String.format("heap used %.1f MiB, other native %.1f MiB, rss %.1f MiB, fds %d, threads %d",
                heapUsedBytes / 1048576.0, otherNativeBytes / 1048576.0, rssBytes / 1048576.0, fds, threads);
    }
}
