package io.dataplane.ffi.dpdk;

/**
 * A DPDK operation on the control path failed (DPDK missing, EAL options rejected, a device that
 * cannot be probed or configured). The message says what failed and what the operator can do.
 */
public final class DpdkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DpdkException(String message) {
        super(message);
    }

    public DpdkException(String message, Throwable cause) {
        super(message, cause);
    }
}
