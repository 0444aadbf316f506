package io.dataplane.ffi;

import java.util.Locale;

/**
 * How an XDP program is attached to an interface: {@code native} runs it in the driver (the fast
 * way, when the driver has XDP support), {@code generic} runs it in the kernel's receive path after
 * the skb is built (every device has it, at the cost of that allocation). The flag is given to the
 * kernel explicitly, so a driver without native XDP fails the attach instead of silently running
 * the program in generic mode.
 */
public enum XdpAttachMode {
    NATIVE(Bpf.XDP_FLAGS_DRV_MODE),
    GENERIC(Bpf.XDP_FLAGS_SKB_MODE);

    private final int flags;

    XdpAttachMode(int flags) {
        this.flags = flags;
    }

    /** The {@code XDP_FLAGS_*} value for {@link Bpf#linkXdp}. */
    public int flags() {
        return flags;
    }

    /** The configuration word: {@code native} or {@code generic}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
