package io.dataplane.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls the product makes, linked once with errno captured on every call (reading errno
 * after the call is unreliable because the JVM may overwrite it).
 *
 * <p>Control-path methods throw {@link NativeException}. Hot-path kicks ({@link #sendKick},
 * {@link #recvKick}, {@link #pollNow}) return {@code -errno}, allocate nothing and are linked
 * {@code critical} because they never block.
 */
public final class Libc {
    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;
    public static final int AF_NETLINK = 16;
    public static final int AF_PACKET = 17;
    public static final int AF_INET6 = 10;
    public static final int AF_XDP = 44;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_RCVBUF = 8;
    public static final int SO_RCVTIMEO = 20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int POLLIN = 0x1;
    public static final int POLLOUT = 0x4;
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;
    public static final int O_RDONLY = 0;
    public static final int O_CLOEXEC = 0x80000;
    public static final int CLONE_NEWNET = 0x40000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    /** The capture-state struct; on Linux it holds errno. */
    public static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");
    /** Short, non-blocking calls may skip the thread-state transition; heap capture segments allowed. */
    private static final Linker.Option CRITICAL = Linker.Option.critical(true);

    private static final MethodHandle SOCKET = link("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = link("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = link("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle BIND = link("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MMAP = link("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = link("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle OPEN = link("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETNS = link("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle IF_NAMETOINDEX = link("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SEND = link("send",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SENDTO = link("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = link("recv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle POLL = link("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SCHED_SETAFFINITY = link("sched_setaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle SCHED_GETAFFINITY = link("sched_getaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle SCHED_GETCPU = link("sched_getcpu", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETTID = link("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle CLOCK_GETTIME = link("clock_gettime", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle GETEUID = link("geteuid", FunctionDescriptor.of(JAVA_INT));
    /** {@code long syscall(long nr, ...)}: used for bpf(2), which glibc does not wrap. */
    private static final MethodHandle SYSCALL3 = LINKER.downcallHandle(LOOKUP.findOrThrow("syscall"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG),
            CAPTURE, Linker.Option.firstVariadicArg(1));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LOOKUP.findOrThrow("strerror"),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));

    // Hot-path variants: critical, errno into a caller-owned (possibly heap) capture segment.
    private static final MethodHandle SENDTO_KICK = LINKER.downcallHandle(LOOKUP.findOrThrow("sendto"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), CAPTURE, CRITICAL);
    private static final MethodHandle RECVFROM_KICK = LINKER.downcallHandle(LOOKUP.findOrThrow("recvfrom"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS), CAPTURE, CRITICAL);
    private static final MethodHandle POLL_NOW = LINKER.downcallHandle(LOOKUP.findOrThrow("poll"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), CAPTURE, CRITICAL);
    /** Not critical: it blocks, and a critical call would hold up every safepoint while it sleeps. */
    private static final MethodHandle POLL_WAIT = LINKER.downcallHandle(LOOKUP.findOrThrow("poll"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), CAPTURE);
    private static final MethodHandle SCHED_SETSCHEDULER = link("sched_setscheduler",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SCHED_GETSCHEDULER = link("sched_getscheduler", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private Libc() {
    }

    private static MethodHandle link(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LOOKUP.findOrThrow(name), fd, CAPTURE);
    }

    /** A capture segment a hot-path caller allocates once and passes to every kick. */
    public static MemorySegment newCaptureSegment() {
        return MemorySegment.ofArray(new int[(int) (CAPTURE_LAYOUT.byteSize() + 3) / 4]);
    }

    public static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /** The C library's text for an errno value. */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(512).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    // ---- control path ----------------------------------------------------------------------

    public static int socket(int domain, int type, int protocol) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            int fd = (int) SOCKET.invokeExact(cs, domain, type, protocol);
            if (fd < 0) {
                throw new NativeException("socket", "domain " + domain + ", type " + type + ", protocol " + protocol, errno(cs));
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void setsockopt(int fd, int level, int name, MemorySegment value, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            int rc = (int) SETSOCKOPT.invokeExact(cs, fd, level, name, value, (int) value.byteSize());
            if (rc < 0) {
                throw new NativeException("setsockopt", what, errno(cs));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void setsockoptInt(int fd, int level, int name, int value, String what) {
        try (Arena a = Arena.ofConfined()) {
            setsockopt(fd, level, name, a.allocateFrom(JAVA_INT, value), what);
        }
    }

    /** Fills {@code buf} and returns the length the kernel reported (it tells the struct version). */
    public static int getsockopt(int fd, int level, int name, MemorySegment buf, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            MemorySegment len = a.allocateFrom(JAVA_INT, (int) buf.byteSize());
            int rc = (int) GETSOCKOPT.invokeExact(cs, fd, level, name, buf, len);
            if (rc < 0) {
                throw new NativeException("getsockopt", what, errno(cs));
            }
            return len.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void bind(int fd, MemorySegment address, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            int rc = (int) BIND.invokeExact(cs, fd, address, (int) address.byteSize());
            if (rc < 0) {
                throw new NativeException("bind", what, errno(cs));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Maps {@code length} bytes. The returned segment has global scope: whoever maps it must
     * {@link #munmap} it, and only after every thread has stopped touching it.
     */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            MemorySegment p = (MemorySegment) MMAP.invokeExact(cs, MemorySegment.NULL, length, prot, flags, fd, offset);
            if (p.address() == -1L) {
                throw new NativeException("mmap", what + ", " + length + " bytes", errno(cs));
            }
            return p.reinterpret(length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void munmap(MemorySegment mapping) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            int rc = (int) MUNMAP.invokeExact(cs, mapping, mapping.byteSize());
            if (rc < 0) {
                throw new NativeException("munmap", mapping.byteSize() + " bytes", errno(cs));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Closes a descriptor; closing is best effort during teardown, so errors are returned, not thrown. */
    public static int close(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            int rc = (int) CLOSE.invokeExact(cs, fd);
            return rc < 0 ? -errno(cs) : 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int open(String path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            int fd = (int) OPEN.invokeExact(cs, a.allocateFrom(path), flags);
            if (fd < 0) {
                throw new NativeException("open", path, errno(cs));
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Moves the calling thread into the namespace {@code fd} refers to (network namespaces are per thread). */
    public static void setns(int fd, int nstype, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            int rc = (int) SETNS.invokeExact(cs, fd, nstype);
            if (rc < 0) {
                throw new NativeException("setns", what, errno(cs));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The interface index of {@code name} in the calling thread's network namespace. */
    public static int ifNameToIndex(String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            int idx = (int) IF_NAMETOINDEX.invokeExact(cs, a.allocateFrom(name));
            if (idx == 0) {
                throw new NativeException("if_nametoindex", name, errno(cs));
            }
            return idx;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long send(int fd, MemorySegment buf, long length, int flags, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            long n = (long) SEND.invokeExact(cs, fd, buf, length, flags);
            if (n < 0) {
                throw new NativeException("send", what, errno(cs));
            }
            return n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sendto(fd, buf, length, flags, address, sizeof address)}; returns the bytes sent. */
    public static long sendto(int fd, MemorySegment buf, long length, int flags, MemorySegment address, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            long n = (long) SENDTO.invokeExact(cs, fd, buf, length, flags, address, (int) address.byteSize());
            if (n < 0) {
                throw new NativeException("sendto", what, errno(cs));
            }
            return n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Receives into {@code buf}; returns the byte count, or {@code -errno} for EAGAIN/EINTR (the caller decides). */
    public static long recv(int fd, MemorySegment buf, int flags, String what) {
        try (Arena a = Arena.ofConfined()) {
            return recv(fd, buf, flags, a.allocate(CAPTURE_LAYOUT), what);
        }
    }

    /**
     * {@link #recv(int, MemorySegment, int, String)} with errno captured into {@code capture}, a
     * native segment of {@link #CAPTURE_LAYOUT} the caller keeps: a follower of a full table calls
     * recv once per message, and an arena per call was 150 MB of garbage per 900,000 routes.
     */
    public static long recv(int fd, MemorySegment buf, int flags, MemorySegment capture, String what) {
        try {
            long n = (long) RECV.invokeExact(capture, fd, buf, buf.byteSize(), flags);
            if (n < 0) {
                int e = errno(capture);
                if (e == Errno.EAGAIN || e == Errno.EINTR) {
                    return -e;
                }
                throw new NativeException("recv", what, e);
            }
            return n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Blocks up to {@code timeoutMs} for {@code events} on one descriptor; returns the revents. */
    public static int poll(int fd, int events, int timeoutMs, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            MemorySegment pfd = a.allocate(8);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(JAVA_SHORT, 4, (short) events);
            int rc = (int) POLL.invokeExact(cs, pfd, 1L, timeoutMs);
            if (rc < 0) {
                int e = errno(cs);
                if (e == Errno.EINTR) {
                    return 0;
                }
                throw new NativeException("poll", what, e);
            }
            return rc == 0 ? 0 : pfd.get(JAVA_SHORT, 6);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code syscall(nr, a, b, c)} with a pointer as the second argument; returns the result or -errno. */
    public static long syscall(long nr, long a1, MemorySegment a2, long a3, MemorySegment capture) {
        try {
            long rc = (long) SYSCALL3.invokeExact(capture, nr, a1, a2, a3);
            return rc < 0 ? -errno(capture) : rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void schedSetaffinity(int tid, MemorySegment mask, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            int rc = (int) SCHED_SETAFFINITY.invokeExact(cs, tid, mask.byteSize(), mask);
            if (rc < 0) {
                throw new NativeException("sched_setaffinity", what, errno(cs));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void schedGetaffinity(int tid, MemorySegment mask) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            int rc = (int) SCHED_GETAFFINITY.invokeExact(cs, tid, mask.byteSize(), mask);
            if (rc < 0) {
                throw new NativeException("sched_getaffinity", "tid " + tid, errno(cs));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int schedGetcpu() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            int cpu = (int) SCHED_GETCPU.invokeExact(cs);
            if (cpu < 0) {
                throw new NativeException("sched_getcpu", "", errno(cs));
            }
            return cpu;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The kernel thread id of the calling thread (not {@link Thread#threadId()}). */
    public static int gettid() {
        try (Arena a = Arena.ofConfined()) {
            return (int) GETTID.invokeExact(a.allocate(CAPTURE_LAYOUT));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code CLOCK_MONOTONIC} from {@code <time.h>}. */
    private static final int CLOCK_MONOTONIC = 1;

    /** {@code clock_gettime(CLOCK_MONOTONIC)} in nanoseconds (struct timespec: two longs, seconds then nanoseconds). */
    public static long clockMonotonicNanos() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            MemorySegment ts = a.allocate(16, 8);
            int rc = (int) CLOCK_GETTIME.invokeExact(cs, CLOCK_MONOTONIC, ts);
            if (rc < 0) {
                throw new NativeException("clock_gettime", "CLOCK_MONOTONIC", errno(cs));
            }
            return ts.get(JAVA_LONG, 0) * 1_000_000_000L + ts.get(JAVA_LONG, 8);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int geteuid() {
        try (Arena a = Arena.ofConfined()) {
            return (int) GETEUID.invokeExact(a.allocate(CAPTURE_LAYOUT));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- hot path: never throw, never allocate ----------------------------------------------

    /** {@code sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0)}: the AF_XDP TX kick. Returns 0 or -errno. */
    public static int sendKick(int fd, MemorySegment capture) {
        try {
            long rc = (long) SENDTO_KICK.invokeExact(capture, fd, MemorySegment.NULL, 0L, MSG_DONTWAIT,
                    MemorySegment.NULL, 0);
            return rc < 0 ? -errno(capture) : 0;
        } catch (Throwable t) {
            return -Errno.EINVAL;
        }
    }

    /** {@code recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL)}: the AF_XDP fill-ring wakeup. Returns 0 or -errno. */
    public static int recvKick(int fd, MemorySegment capture) {
        try {
            long rc = (long) RECVFROM_KICK.invokeExact(capture, fd, MemorySegment.NULL, 0L, MSG_DONTWAIT,
                    MemorySegment.NULL, MemorySegment.NULL);
            return rc < 0 ? -errno(capture) : 0;
        } catch (Throwable t) {
            return -Errno.EINVAL;
        }
    }

    /**
     * {@code poll(pfds, n, timeoutMs)} over a caller-owned pollfd array: sleeps until a descriptor is
     * ready or the timeout passes. Returns the ready count (0 on timeout) or -errno; no allocation.
     */
    public static int pollWait(MemorySegment pollfds, long count, int timeoutMs, MemorySegment capture) {
        try {
            int rc = (int) POLL_WAIT.invokeExact(capture, pollfds, count, timeoutMs);
            return rc < 0 ? -errno(capture) : rc;
        } catch (Throwable t) {
            return -Errno.EINVAL;
        }
    }

    /** {@code sched_setscheduler(tid, policy, &{priority})}; tid 0 is the calling thread. Returns 0 or -errno. */
    public static int schedSetscheduler(int tid, int policy, int priority) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            MemorySegment param = a.allocate(JAVA_INT);
            param.set(JAVA_INT, 0, priority);
            int rc = (int) SCHED_SETSCHEDULER.invokeExact(cs, tid, policy, param);
            return rc < 0 ? -errno(cs) : 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sched_getscheduler(tid)}: the thread's policy, or -errno. */
    public static int schedGetscheduler(int tid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE_LAYOUT);
            int rc = (int) SCHED_GETSCHEDULER.invokeExact(cs, tid);
            return rc < 0 ? -errno(cs) : rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code poll(pfds, n, 0)} over a caller-owned pollfd array; returns ready count or -errno. */
    public static int pollNow(MemorySegment pollfds, long count, MemorySegment capture) {
        try {
            int rc = (int) POLL_NOW.invokeExact(capture, pollfds, count, 0);
            return rc < 0 ? -errno(capture) : rc;
        } catch (Throwable t) {
            return -Errno.EINVAL;
        }
    }
}
