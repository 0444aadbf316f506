package io.dataplane.ffi;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A worker's sleep until one of its sockets has a frame to read: {@code poll(2)} for POLLIN on a
 * fixed set of descriptors, over a {@code struct pollfd} array allocated once, so that
 * {@link #await} allocates nothing and throws nothing. On an AF_XDP socket, poll also does what a
 * kick would: in copy mode it transmits the TX ring's pending descriptors (at most 32, like
 * {@code sendto}), in zero-copy mode it wakes the driver ({@code xsk_poll}). One owner thread.
 */
public final class SocketWait implements AutoCloseable {
    /** {@code struct pollfd} from {@code include/uapi/asm-generic/poll.h}: int fd, short events, short revents. */
    private static final long POLLFD_SIZE = 8, FD = 0, EVENTS = 4;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment pollfds;
    private final MemorySegment capture = arena.allocate(Libc.CAPTURE_LAYOUT);
    private final int count;
    private long sleeps;

    /** Waits for POLLIN on each of {@code fds} (at least one). */
    public SocketWait(int[] fds) {
        if (fds.length == 0) {
            throw new IllegalArgumentException("a socket wait needs at least one descriptor");
        }
        count = fds.length;
        pollfds = arena.allocate(POLLFD_SIZE * fds.length, 8);
        for (int i = 0; i < fds.length; i++) {
            pollfds.set(JAVA_INT, i * POLLFD_SIZE + FD, fds[i]);
            pollfds.set(JAVA_SHORT, i * POLLFD_SIZE + EVENTS, (short) Libc.POLLIN);
        }
    }

    /**
     * Sleeps until a socket is readable or {@code timeoutMs} passed; returns how many are ready
     * (0: timeout or a signal) or -errno. Hot path: no allocation, no exception.
     */
    public int await(int timeoutMs) {
        sleeps++;
        return Libc.pollWait(pollfds, count, timeoutMs, capture);
    }

    /** How often {@link #await} was called (owner thread's count; others may read a stale value). */
    public long sleeps() {
        return sleeps;
    }

    @Override
    public void close() {
        arena.close();
    }
}
