package io.dataplane.ffi.dpdk;

/** The Linux errno values that DPDK's return codes are compared with (x86_64 and arm64 agree). */
final class Errno {
    static final int ENOENT = 2;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int EACCES = 13;
    static final int EEXIST = 17;
    static final int ENOMEM = 12;
    static final int ENOTSUP = 95;
    static final int EALREADY = 114;

    private Errno() {}
}
