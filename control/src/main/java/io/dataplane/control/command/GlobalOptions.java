package io.dataplane.control.command;

/**
 * iproute2's global options as a command line carries them ({@code -j}, {@code -p}, {@code -4},
 * {@code -6}, {@code -s}, {@code -d}, {@code -o}, {@code -br}), each meaning what it means to
 * {@code ip}: JSON, pretty JSON, one address family, statistics (repeatable: {@code -s -s}),
 * details, one line per record, brief output. {@code family} is 0 (both), 4 or 6.
 */
public record GlobalOptions(boolean json, boolean pretty, int family, int stats, boolean details, boolean oneline,
                            boolean brief) {

    /** No option given. */
    public static final GlobalOptions NONE = new GlobalOptions(false, false, 0, 0, false, false, false);

    /** Whether a route, neighbour or address of this family is shown under {@code -4}/{@code -6}. */
    public boolean shows(boolean v6) {
        return family == 0 || (family == 6) == v6;
    }
}
