package io.dataplane.ffi;

/**
 * The errno values the product reacts to (Linux, the same on x86_64 and arm64), for libc calls and
 * for DPDK's negative return codes alike. 95 is EOPNOTSUPP (glibc's ENOTSUP is the same number).
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ERANGE = 34;
    public static final int EOPNOTSUPP = 95;
    public static final int ENETDOWN = 100;
    public static final int ENOBUFS = 105;
    public static final int ENOTCONN = 107;
    public static final int EALREADY = 114;

    private Errno() {
    }
}
