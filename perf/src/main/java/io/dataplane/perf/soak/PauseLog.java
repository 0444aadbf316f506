package io.dataplane.perf.soak;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The daemon's stops as its JVM logged them ({@code -Xlog:gc,safepoint:file=...}): each safepoint's
 * total time (every Java thread, the workers included, stood still that long) and each GC's pause.
 * {@link #since} reads what was logged after a file offset, so the soak counts only its own minutes.
 */
record PauseLog(int safepoints, long worstSafepointNanos, String worstSafepoint, int gcs, String gcLines) {
    private static final Pattern SAFEPOINT = Pattern.compile("Safepoint \"([^\"]+)\".*Total: (\\d+) ns");
    private static final Pattern GC = Pattern.compile("\\[gc\\s*\\].*GC\\(\\d+\\)");

    static long length(Path file) {
        return file.toFile().length();
    }

    static PauseLog since(Path file, long offset) {
        String text;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long n = Math.max(0, f.length() - offset);
            byte[] b = new byte[(int) Math.min(n, 64 << 20)];
            f.seek(offset);
            f.readFully(b);
            text = new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SoakFailure("cannot read the daemon's GC log " + file + ": " + e.getMessage());
        }
        int safepoints = 0, gcs = 0;
        long worst = 0;
        String worstName = "none";
        StringBuilder gcLines = new StringBuilder();
        for (String line : text.split("\n")) {
            Matcher m = SAFEPOINT.matcher(line);
            if (m.find()) {
                safepoints++;
                long t = Long.parseLong(m.group(2));
                if (t > worst) {
                    worst = t;
                    worstName = m.group(1);
                }
            } else if (GC.matcher(line).find()) {
                gcs++;
                if (gcLines.length() < 2000) {
                    gcLines.append(line.strip()).append('\n');
                }
            }
        }
        return new PauseLog(safepoints, worst, worstName, gcs, gcLines.toString());
    }
}
