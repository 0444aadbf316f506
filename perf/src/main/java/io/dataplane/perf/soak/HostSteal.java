package io.dataplane.perf.soak;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The time the hypervisor kept one CPU of this virtual machine from running ("steal" in
 * /proc/stat), in milliseconds since boot. While the router CPU is stolen, neither the worker nor
 * the receive thread in front of it runs, and the generator on the other CPU keeps sending: the
 * soak shows it next to the loss, since no setting of the daemon can absorb a stall it never sees.
 */
final class HostSteal {
    /** /proc/stat counts in USER_HZ ticks, 100 a second on Linux. */
    private static final int MS_PER_TICK = 10;

    private HostSteal() {
    }

    /** Steal of {@code cpu} in ms, read now; -1 when /proc/stat cannot be read or has no such CPU. */
    static long millis(int cpu) {
        try {
            return millis(Files.readString(Path.of("/proc/stat")), cpu);
        } catch (IOException e) {
            return -1;
        }
    }

    /** Steal of {@code cpu} in ms from /proc/stat's text: the 8th number of its "cpuN" line; -1 if absent. */
    static long millis(String procStat, int cpu) {
        String prefix = "cpu" + cpu + " ";
        for (String line : procStat.split("\n")) {
            if (line.startsWith(prefix)) {
                String[] f = line.trim().split("\\s+");
                return f.length > 8 ? Long.parseLong(f[8]) * MS_PER_TICK : -1;
            }
        }
        return -1;
    }
}
