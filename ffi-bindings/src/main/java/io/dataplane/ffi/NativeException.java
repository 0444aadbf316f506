package io.dataplane.ffi;

/**
 * A failed system call on the control path: carries the call's name, what it was applied to, the
 * errno and the C library's text for it, so that an operator can act on the message alone.
 */
public final class NativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String syscall;
    private final int errno;

    public NativeException(String syscall, String subject, int errno) {
        this(syscall, subject, errno, null);
    }

    /** {@code detail} is appended on its own lines (the BPF verifier log, a netlink extended ack). */
    public NativeException(String syscall, String subject, int errno, String detail) {
        super(message(syscall, subject, errno, detail));
        this.syscall = syscall;
        this.errno = errno;
    }

    private static String message(String syscall, String subject, int errno, String detail) {
        StringBuilder sb = new StringBuilder(syscall);
        if (subject != null && !subject.isEmpty()) {
            sb.append('(').append(subject).append(')');
        }
        sb.append(" failed: ").append(Libc.strerror(errno)).append(" (errno ").append(errno).append(')');
        if (detail != null && !detail.isBlank()) {
            sb.append('\n').append(detail.strip());
        }
        return sb.toString();
    }

    public String syscall() {
        return syscall;
    }

    public int errno() {
        return errno;
    }
}
