package io.dataplane.ffi;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs code inside a named network namespace ({@code ip netns} style, /var/run/netns/NAME).
 * Linux network namespaces are per thread, so the code runs on a fresh thread that enters the
 * namespace first; sockets, BPF links and netlink sockets it creates stay in that namespace and
 * may then be used from any thread.
 */
public final class NetNamespace {
    private static final String NETNS_DIR = "/var/run/netns/";

    private NetNamespace() {
    }

    public static <T> T call(String name, Callable<T> body) {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("netns-" + name).unstarted(() -> {
            try {
                int fd = Libc.open(NETNS_DIR + name, Libc.O_RDONLY | Libc.O_CLOEXEC);
                try {
                    Libc.setns(fd, Libc.CLONE_NEWNET, "network namespace " + name);
                } finally {
                    Libc.close(fd);
                }
                result.set(new Object[] {body.call()});
            } catch (Throwable e) {
                result.set(e);
            }
        });
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running in network namespace " + name, e);
        }
        Object r = result.get();
        if (r instanceof RuntimeException e) {
            throw e;
        }
        if (r instanceof Error e) {
            throw e;
        }
        if (r instanceof Throwable e) {
            throw new IllegalStateException("in network namespace " + name + ": " + e, e);
        }
        @SuppressWarnings("unchecked")
        T value = (T) ((Object[]) r)[0];
        return value;
    }

    /** Enters the namespace on the calling thread for good (a worker thread that lives there). */
    public static void enter(String name) {
        int fd = Libc.open(NETNS_DIR + name, Libc.O_RDONLY | Libc.O_CLOEXEC);
        try {
            Libc.setns(fd, Libc.CLONE_NEWNET, "network namespace " + name);
        } finally {
            Libc.close(fd);
        }
    }
}
