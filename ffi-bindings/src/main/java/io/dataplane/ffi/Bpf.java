package io.dataplane.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The {@code bpf(2)} commands the product needs: maps, program load, test runs and XDP links.
 * glibc has no wrapper, so this goes through {@code syscall(__NR_bpf, ...)}. Every method is
 * control path and throws {@link NativeException}.
 */
public final class Bpf {
    /** {@code __NR_bpf}: 321 on x86_64, 280 on arm64. */
    static final long NR_BPF = "aarch64".equals(System.getProperty("os.arch")) ? 280 : 321;
    /** {@code sizeof(union bpf_attr)} in current headers; the kernel accepts a zeroed tail. */
    static final int ATTR_SIZE = 168;

    static final int BPF_MAP_CREATE = 0;
    static final int BPF_MAP_LOOKUP_ELEM = 1;
    static final int BPF_MAP_UPDATE_ELEM = 2;
    static final int BPF_MAP_DELETE_ELEM = 3;
    static final int BPF_PROG_LOAD = 5;
    static final int BPF_PROG_TEST_RUN = 10;
    static final int BPF_LINK_CREATE = 28;
    static final int BPF_LINK_DETACH = 34;

    public static final int MAP_TYPE_HASH = 1;
    public static final int MAP_TYPE_ARRAY = 2;
    /** {@code BPF_F_TEST_XDP_LIVE_FRAMES}: a test run's XDP_TX/REDIRECT really transmit (Linux 5.18+). */
    public static final int F_TEST_XDP_LIVE_FRAMES = 1 << 1;
    /** Helpers by id (include/uapi/linux/bpf.h, {@code __BPF_FUNC_MAPPER}). */
    public static final int HELPER_MAP_LOOKUP_ELEM = 1, HELPER_KTIME_GET_NS = 5;
    public static final int MAP_TYPE_XSKMAP = 17;
    public static final int PROG_TYPE_XDP = 6;
    public static final int ATTACH_TYPE_XDP = 37;
    /** XDP attach modes for {@link #linkXdp}: 0 lets the kernel choose native when the driver has it. */
    public static final int XDP_FLAGS_SKB_MODE = 2;
    public static final int XDP_FLAGS_DRV_MODE = 4;

    public static final int XDP_ABORTED = 0;
    public static final int XDP_DROP = 1;
    public static final int XDP_PASS = 2;
    public static final int XDP_TX = 3;
    public static final int XDP_REDIRECT = 4;

    /** Offsets in {@code union bpf_attr}, per command (include/uapi/linux/bpf.h). */
    private static final long MAP_TYPE = 0, KEY_SIZE = 4, VALUE_SIZE = 8, MAX_ENTRIES = 12, MAP_NAME = 28;
    private static final long ELEM_MAP_FD = 0, ELEM_KEY = 8, ELEM_VALUE = 16, ELEM_FLAGS = 24;
    private static final long PROG_TYPE = 0, INSN_CNT = 4, INSNS = 8, LICENSE = 16, LOG_LEVEL = 24, LOG_SIZE = 28,
            LOG_BUF = 32, PROG_NAME = 48;
    private static final long TEST_PROG_FD = 0, TEST_RETVAL = 4, TEST_DATA_SIZE_IN = 8, TEST_DATA_SIZE_OUT = 12,
            TEST_DATA_IN = 16, TEST_DATA_OUT = 24, TEST_REPEAT = 32, TEST_CTX_SIZE_IN = 40, TEST_CTX_IN = 48,
            TEST_FLAGS = 64, TEST_BATCH_SIZE = 72;
    /** {@code struct xdp_md}: data 0, data_end 4, data_meta 8, ingress_ifindex 12, rx_queue_index 16, egress 20. */
    private static final int XDP_MD_SIZE = 24, XDP_MD_DATA_END = 4, XDP_MD_INGRESS_IFINDEX = 12;
    private static final long LINK_PROG_FD = 0, LINK_TARGET_IFINDEX = 4, LINK_ATTACH_TYPE = 8, LINK_FLAGS = 12;
    private static final long DETACH_LINK_FD = 0;

    private static final int LOG_BUF_SIZE = 64 * 1024;

    private Bpf() {
    }

    private static long call(int cmd, MemorySegment attr, Arena a) {
        return Libc.syscall(NR_BPF, cmd, attr, ATTR_SIZE, a.allocate(Libc.CAPTURE_LAYOUT));
    }

    private static void putName(MemorySegment attr, long offset, String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        // BPF object names are at most 15 characters plus the NUL, of [A-Za-z0-9_.].
        int n = Math.min(b.length, 15);
        MemorySegment.copy(b, 0, attr, java.lang.foreign.ValueLayout.JAVA_BYTE, offset, n);
    }

    /** Creates a map and returns its fd. */
    public static int mapCreate(int type, int keySize, int valueSize, int maxEntries, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, MAP_TYPE, type);
            attr.set(JAVA_INT, KEY_SIZE, keySize);
            attr.set(JAVA_INT, VALUE_SIZE, valueSize);
            attr.set(JAVA_INT, MAX_ENTRIES, maxEntries);
            putName(attr, MAP_NAME, name);
            long rc = call(BPF_MAP_CREATE, attr, a);
            if (rc < 0) {
                throw new NativeException("bpf(BPF_MAP_CREATE)",
                        name + " type " + type + " key " + keySize + " value " + valueSize + " entries " + maxEntries,
                        (int) -rc);
            }
            return (int) rc;
        }
    }

    /** Inserts or replaces one entry. */
    public static void mapUpdate(int mapFd, MemorySegment key, MemorySegment value, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, ELEM_MAP_FD, mapFd);
            attr.set(ADDRESS, ELEM_KEY, key);
            attr.set(ADDRESS, ELEM_VALUE, value);
            attr.set(JAVA_LONG, ELEM_FLAGS, 0L); // BPF_ANY
            long rc = call(BPF_MAP_UPDATE_ELEM, attr, a);
            if (rc < 0) {
                throw new NativeException("bpf(BPF_MAP_UPDATE_ELEM)", what, (int) -rc);
            }
        }
    }

    /** Convenience for int-keyed, int-valued maps such as the XSKMAP (queue id to socket fd). */
    public static void mapUpdateInt(int mapFd, int key, int value, String what) {
        try (Arena a = Arena.ofConfined()) {
            mapUpdate(mapFd, a.allocateFrom(JAVA_INT, key), a.allocateFrom(JAVA_INT, value), what);
        }
    }

    /** Deletes one entry; returns false when it was not there. */
    public static boolean mapDelete(int mapFd, MemorySegment key, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, ELEM_MAP_FD, mapFd);
            attr.set(ADDRESS, ELEM_KEY, key);
            long rc = call(BPF_MAP_DELETE_ELEM, attr, a);
            if (rc == -Errno.ENOENT) {
                return false;
            }
            if (rc < 0) {
                throw new NativeException("bpf(BPF_MAP_DELETE_ELEM)", what, (int) -rc);
            }
            return true;
        }
    }

    /** Looks one entry up into {@code value}; returns false when absent. */
    public static boolean mapLookup(int mapFd, MemorySegment key, MemorySegment value, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, ELEM_MAP_FD, mapFd);
            attr.set(ADDRESS, ELEM_KEY, key);
            attr.set(ADDRESS, ELEM_VALUE, value);
            long rc = call(BPF_MAP_LOOKUP_ELEM, attr, a);
            if (rc == -Errno.ENOENT) {
                return false;
            }
            if (rc < 0) {
                throw new NativeException("bpf(BPF_MAP_LOOKUP_ELEM)", what, (int) -rc);
            }
            return true;
        }
    }

    /**
     * Loads a program and returns its fd. On failure the exception carries the verifier's log,
     * which is what an operator (or developer) needs to see why.
     */
    public static int progLoad(int type, byte[] instructions, String license, String name) {
        if (instructions.length % 8 != 0) {
            throw new IllegalArgumentException("BPF instructions are 8 bytes each; got " + instructions.length + " bytes");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment insns = a.allocate(instructions.length, 8);
            MemorySegment.copy(instructions, 0, insns, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, instructions.length);
            MemorySegment lic = a.allocateFrom(license);
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, PROG_TYPE, type);
            attr.set(JAVA_INT, INSN_CNT, instructions.length / 8);
            attr.set(ADDRESS, INSNS, insns);
            attr.set(ADDRESS, LICENSE, lic);
            putName(attr, PROG_NAME, name);
            long rc = call(BPF_PROG_LOAD, attr, a);
            if (rc >= 0) {
                return (int) rc;
            }
            // Load again with the log on: the first attempt keeps the common path cheap.
            MemorySegment log = a.allocate(LOG_BUF_SIZE);
            attr.set(JAVA_INT, LOG_LEVEL, 1);
            attr.set(JAVA_INT, LOG_SIZE, LOG_BUF_SIZE);
            attr.set(ADDRESS, LOG_BUF, log);
            long rc2 = call(BPF_PROG_LOAD, attr, a);
            if (rc2 >= 0) {
                return (int) rc2;
            }
            throw new NativeException("bpf(BPF_PROG_LOAD)", name + ", " + instructions.length / 8 + " instructions",
                    (int) -rc2, "verifier log:\n" + log.getString(0));
        }
    }

    /**
     * Runs a loaded program once over {@code frame} ({@code BPF_PROG_TEST_RUN}) and returns its
     * return code (for XDP: {@link #XDP_PASS}, {@link #XDP_REDIRECT}, ...). The program sees
     * queue 0 (another queue would need a real ingress device with that many queues).
     */
    public static int testRun(int progFd, byte[] frame) {
        return testRun(progFd, frame, null);
    }

    /**
     * As {@link #testRun(int, byte[])}, and copies the frame as the program left it into
     * {@code frameOut} (when not null; its length must be at least the frame's).
     */
    public static int testRun(int progFd, byte[] frame, byte[] frameOut) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocate(Math.max(frame.length, 1));
            MemorySegment.copy(frame, 0, in, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, frame.length);
            MemorySegment out = a.allocate(frame.length + 512);
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, TEST_PROG_FD, progFd);
            attr.set(JAVA_INT, TEST_DATA_SIZE_IN, frame.length);
            attr.set(JAVA_INT, TEST_DATA_SIZE_OUT, (int) out.byteSize());
            attr.set(ADDRESS, TEST_DATA_IN, in);
            attr.set(ADDRESS, TEST_DATA_OUT, out);
            attr.set(JAVA_INT, TEST_REPEAT, 1);
            long rc = call(BPF_PROG_TEST_RUN, attr, a);
            if (rc < 0) {
                throw new NativeException("bpf(BPF_PROG_TEST_RUN)", "prog fd " + progFd + ", " + frame.length + " bytes",
                        (int) -rc);
            }
            if (frameOut != null) {
                int n = Math.min(frameOut.length, attr.get(JAVA_INT, TEST_DATA_SIZE_OUT));
                MemorySegment.copy(out, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, frameOut, 0, n);
            }
            return attr.get(JAVA_INT, TEST_RETVAL);
        }
    }

    /**
     * Runs an XDP program {@code repeat} times over copies of {@code frame} in live-frames mode
     * ({@code BPF_F_TEST_XDP_LIVE_FRAMES}): each run's XDP_TX really leaves through the interface
     * {@code ingressIfindex} of the calling thread's network namespace. The frame data is copied
     * into recycled pages, so a program that stamps fields must rewrite them on every run. Returns
     * normally after all repeats; a pending signal ends it early with EINTR (reported as such).
     */
    public static void testRunLive(int progFd, MemorySegment frame, int ingressIfindex, int repeat, int batchSize) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ctx = a.allocate(XDP_MD_SIZE, 8);
            ctx.set(JAVA_INT, XDP_MD_DATA_END, (int) frame.byteSize());
            ctx.set(JAVA_INT, XDP_MD_INGRESS_IFINDEX, ingressIfindex);
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, TEST_PROG_FD, progFd);
            attr.set(JAVA_INT, TEST_DATA_SIZE_IN, (int) frame.byteSize());
            attr.set(ADDRESS, TEST_DATA_IN, frame);
            attr.set(JAVA_INT, TEST_REPEAT, repeat);
            attr.set(JAVA_INT, TEST_CTX_SIZE_IN, XDP_MD_SIZE);
            attr.set(ADDRESS, TEST_CTX_IN, ctx);
            attr.set(JAVA_INT, TEST_FLAGS, F_TEST_XDP_LIVE_FRAMES);
            attr.set(JAVA_INT, TEST_BATCH_SIZE, batchSize);
            long rc = call(BPF_PROG_TEST_RUN, attr, a);
            if (rc < 0) {
                throw new NativeException("bpf(BPF_PROG_TEST_RUN)", "live frames, prog fd " + progFd + ", ifindex "
                        + ingressIfindex + ", " + frame.byteSize() + " bytes x " + repeat, (int) -rc,
                        rc == -Errno.EINVAL ? "live frames need Linux 5.18 or later and an XDP program" : null);
            }
        }
    }

    /**
     * Attaches an XDP program to an interface through a BPF link and returns the link fd. The
     * program stays attached only while the fd is open, so a crashed process leaves nothing behind.
     */
    public static int linkXdp(int progFd, int ifindex, int xdpFlags, String ifname) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, LINK_PROG_FD, progFd);
            attr.set(JAVA_INT, LINK_TARGET_IFINDEX, ifindex);
            attr.set(JAVA_INT, LINK_ATTACH_TYPE, ATTACH_TYPE_XDP);
            attr.set(JAVA_INT, LINK_FLAGS, xdpFlags);
            long rc = call(BPF_LINK_CREATE, attr, a);
            if (rc < 0) {
                String hint = rc == -Errno.EBUSY ? "another XDP program is attached to " + ifname
                        + " (a netlink-attached one, e.g. by 'ip link set dev " + ifname + " xdp ...'); detach it first"
                        : rc == -Errno.ERANGE ? "the peer's MTU is too large for native XDP on veth; lower it" : null;
                throw new NativeException("bpf(BPF_LINK_CREATE)", "XDP on " + ifname + " (ifindex " + ifindex
                        + ", flags " + xdpFlags + ")", (int) -rc, hint);
            }
            return (int) rc;
        }
    }

    /** Detaches a link's program now (the link fd must still be closed). */
    public static void linkDetach(int linkFd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, DETACH_LINK_FD, linkFd);
            long rc = call(BPF_LINK_DETACH, attr, a);
            if (rc < 0) {
                throw new NativeException("bpf(BPF_LINK_DETACH)", "link fd " + linkFd, (int) -rc);
            }
        }
    }
}
