package io.dataplane.ffi;

import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * systemd's service notification protocol ({@code sd_notify(3)}), without libsystemd: one
 * datagram of {@code KEY=VALUE} lines sent on an AF_UNIX datagram socket to the address in
 * {@code $NOTIFY_SOCKET}. A leading '@' names the abstract namespace (the '@' becomes a NUL byte
 * and the address is not NUL-terminated), anything else is a file system path. Without the
 * variable (not started by systemd) there is nothing to tell, and {@link #fromEnvironment} is
 * empty.
 */
public final class SdNotify implements AutoCloseable {
    /** {@code AF_UNIX} from {@code <sys/socket.h>}. */
    public static final int AF_UNIX = 1;
    /** {@code sizeof(((struct sockaddr_un *) 0)->sun_path)}. */
    private static final int SUN_PATH_SIZE = 108;
    /** {@code offsetof(struct sockaddr_un, sun_path)}: after the 2-byte {@code sun_family}. */
    private static final int SUN_PATH_OFFSET = 2;

    private final String address;
    private final int fd;

    private SdNotify(String address) {
        byte[] name = address.getBytes(StandardCharsets.UTF_8);
        if (name.length == 0 || name.length >= SUN_PATH_SIZE) {
            throw new IllegalArgumentException("NOTIFY_SOCKET '" + address + "' is not a usable AF_UNIX address (1.."
                    + (SUN_PATH_SIZE - 1) + " bytes)");
        }
        this.address = address;
        this.fd = Libc.socket(AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
    }

    /** The notifier for {@code $NOTIFY_SOCKET}, or empty when the variable is unset or empty. */
    public static Optional<SdNotify> fromEnvironment() {
        return to(System.getenv("NOTIFY_SOCKET"));
    }

    /** The notifier for {@code address} (as {@code $NOTIFY_SOCKET} would give it), or empty for null or "". */
    public static Optional<SdNotify> to(String address) {
        if (address == null || address.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new SdNotify(address));
    }

    /** Sends {@code state} (newline-separated {@code KEY=VALUE} assignments) as one datagram. */
    public void send(String state) {
        byte[] payload = state.getBytes(StandardCharsets.UTF_8);
        byte[] name = address.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = name[0] == '@';
        if (abstractName) {
            name[0] = 0;
        }
        try (Arena a = Arena.ofConfined()) {
            // A path is NUL-terminated; an abstract name is exactly its bytes (a NUL would be part of it).
            MemorySegment sockaddr = a.allocate(SUN_PATH_OFFSET + name.length + (abstractName ? 0 : 1));
            sockaddr.set(JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(name, 0, sockaddr, java.lang.foreign.ValueLayout.JAVA_BYTE, SUN_PATH_OFFSET, name.length);
            MemorySegment buf = a.allocate(Math.max(1, payload.length));
            MemorySegment.copy(payload, 0, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, payload.length);
            Libc.sendto(fd, buf, payload.length, 0, sockaddr, "sd_notify to NOTIFY_SOCKET " + address);
        }
    }

    /** {@code CLOCK_MONOTONIC} in microseconds, as {@code MONOTONIC_USEC=} wants it with {@code RELOADING=1}. */
    public static long monotonicMicros() {
        return Libc.clockMonotonicNanos() / 1000;
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
