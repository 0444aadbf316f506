package io.dataplane.ffi;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * What systemd does for {@code Type=notify}: an AF_UNIX datagram socket bound at an address
 * ({@code @name}: abstract namespace, else a path) that receives {@code sd_notify} messages.
 * Test code: the daemon tests hand {@link #address()} to the daemon as {@code NOTIFY_SOCKET}.
 */
public final class NotifyListener implements AutoCloseable {
    private final String address;
    private final int fd;

    public NotifyListener(String address) {
        this.address = address;
        this.fd = Libc.socket(SdNotify.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        byte[] name = address.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = name[0] == '@';
        if (abstractName) {
            name[0] = 0;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(2 + name.length + (abstractName ? 0 : 1));
            sa.set(JAVA_SHORT, 0, (short) SdNotify.AF_UNIX);
            MemorySegment.copy(name, 0, sa, JAVA_BYTE, 2, name.length);
            Libc.bind(fd, sa, "notify listener " + address);
        }
    }

    public String address() {
        return address;
    }

    /** The next message, or null if none arrives within {@code timeoutMs}. */
    public String receive(int timeoutMs) {
        if ((Libc.poll(fd, Libc.POLLIN, timeoutMs, "notify listener") & Libc.POLLIN) == 0) {
            return null;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(4096);
            long n = Libc.recv(fd, buf, 0, "notify listener");
            return n < 0 ? null : new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
