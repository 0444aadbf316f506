package io.dataplane.ffi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

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
        return call(Path.of(NETNS_DIR + name), body);
    }

    /**
     * As {@link #call(String, Callable)}, for the namespace a file refers to: a bind mount such as
     * /run/netns/NAME, or a process's /proc/PID/ns/net.
     */
    public static <T> T call(Path namespace, Callable<T> body) {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("netns-" + namespace.getFileName()).unstarted(() -> {
            try {
                int fd = Libc.open(namespace.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
                try {
                    Libc.setns(fd, Libc.CLONE_NEWNET, "network namespace " + namespace);
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
            throw new IllegalStateException("interrupted while running in network namespace " + namespace, e);
        }
        Object r = result.get();
        if (r instanceof RuntimeException e) {
            throw e;
        }
        if (r instanceof Error e) {
            throw e;
        }
        if (r instanceof Throwable e) {
            throw new IllegalStateException("in network namespace " + namespace + ": " + e, e);
        }
        @SuppressWarnings("unchecked")
        T value = (T) ((Object[]) r)[0];
        return value;
    }

    /**
     * A file that refers to the network namespace our namespace knows by {@code nsid} (the
     * IFLA_LINK_NETNSID of a veth whose peer lives there), or empty if none can be found. The
     * kernel has no "open namespace by id" call, so this asks RTM_GETNSID of each candidate: the
     * names under /run/netns, other nsfs bind mounts (e.g. container runtimes' own directories),
     * then every process's /proc/PID/ns/net, each namespace once.
     */
    public static Optional<Path> locate(int nsid) {
        Set<Long> seen = new HashSet<>();
        try (Rtnetlink nl = Rtnetlink.open()) {
            for (Path candidate : candidates()) {
                try {
                    if (!seen.add((Long) Files.getAttribute(candidate, "unix:ino"))) {
                        continue;
                    }
                    int fd = Libc.open(candidate.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
                    try {
                        if (nl.netnsId(fd) == nsid) {
                            return Optional.of(candidate);
                        }
                    } finally {
                        Libc.close(fd);
                    }
                } catch (IOException | RuntimeException e) {
                    // a process that exited or a mount that went away meanwhile: not this one
                }
            }
        }
        return Optional.empty();
    }

    private static List<Path> candidates() {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> named = Files.list(Path.of(NETNS_DIR))) {
            named.sorted().forEach(out::add);
        } catch (IOException e) {
            // no named namespaces
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE SOURCE SUPER
                String[] f = line.split(" ");
                int dash = List.of(f).indexOf("-");
                if (dash > 4 && dash + 1 < f.length && f[dash + 1].equals("nsfs") && f[3].startsWith("net:")) {
                    out.add(Path.of(f[4].replace("\\040", " ")));
                }
            }
        } catch (IOException e) {
            // no mount table: the other candidates remain
        }
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .sorted().forEach(p -> out.add(p.resolve("ns/net")));
        } catch (IOException e) {
            // no /proc
        }
        return out;
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
