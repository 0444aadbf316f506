package io.dataplane.counters;

/**
 * The type id of every counter in a {@link CounterFile}, as an external reader sees it in the
 * counter's metadata record. The ids are part of the file format: never renumber one, only add.
 */
public enum CounterType {
    /** Frames a worker received on a port (key: worker, port). */
    PORT_RX_PACKETS(1, "rx_packets"),
    PORT_RX_BYTES(2, "rx_bytes"),
    /** Frames a worker queued on a port's TX ring (key: worker, port). */
    PORT_TX_PACKETS(3, "tx_packets"),
    PORT_TX_BYTES(4, "tx_bytes"),
    /** Frames a worker dropped (or punted) for one reason (key: worker, detail = the verdict code, negative). */
    DROPS(10, "drops"),
    /** Bursts of at least one frame a worker handled (key: worker). */
    WORKER_BURSTS(20, "bursts"),
    /** ICMP errors a worker generated (key: worker). */
    WORKER_ICMP_ERRORS_SENT(21, "icmp_errors_sent"),
    /** IPv4 packets a worker fragmented and sent whole (the kernel's FragOKs; key: worker). */
    WORKER_FRAG_OKS(70, "frag_oks"),
    /** Fragments a worker sent (the kernel's FragCreates; key: worker). */
    WORKER_FRAG_CREATES(71, "frag_creates"),
    /**
     * Packets a worker could not fragment because the egress port had no free frame (key: worker);
     * they are among the {@code needs_fragmentation} drops (the kernel's FragFails).
     */
    WORKER_FRAG_NO_BUFFER(72, "frag_no_buffer"),
    /** Exceptions a worker's duty cycle threw; the worker kept running (key: worker). */
    WORKER_ERRORS(22, "errors"),
    /**
     * Describes one worker's nexthop table (key: worker, detail = slots, table offset); the value
     * is unused. The table holds {packets, bytes} per nexthop slot, see {@link CounterFile}.
     */
    NEXTHOP_TABLE(30, "nexthop_table"),
    /** AF_XDP socket: wakeup syscalls that failed with something other than "try again" (key: port, detail = queue). */
    AFXDP_KICK_ERRORS(40, "kick_errors"),
    /** AF_XDP socket: transmits refused because the TX ring was full (key: port, detail = queue). */
    AFXDP_TX_RING_FULL(41, "tx_ring_full"),
    /** The kernel's XDP_STATISTICS of an AF_XDP socket, in struct xdp_statistics order (key: port, detail = queue). */
    XDP_RX_DROPPED(50, "xdp_rx_dropped"),
    XDP_RX_INVALID_DESCS(51, "xdp_rx_invalid_descs"),
    XDP_TX_INVALID_DESCS(52, "xdp_tx_invalid_descs"),
    XDP_RX_RING_FULL(53, "xdp_rx_ring_full"),
    XDP_RX_FILL_RING_EMPTY_DESCS(54, "xdp_rx_fill_ring_empty_descs"),
    XDP_TX_RING_EMPTY_DESCS(55, "xdp_tx_ring_empty_descs"),
    /** DPDK port: received frames dropped because they spanned several mbufs (key: port, detail = queue). */
    DPDK_MULTI_SEGMENT_DROPS(60, "multi_segment_drops");

    private static final CounterType[] XDP = {XDP_RX_DROPPED, XDP_RX_INVALID_DESCS, XDP_TX_INVALID_DESCS, XDP_RX_RING_FULL,
        XDP_RX_FILL_RING_EMPTY_DESCS, XDP_TX_RING_EMPTY_DESCS};

    /** The type id stored in the counter's metadata. */
    public final int id;
    /** The first word of the counter's label, and its name in {@code link show} / {@code stats}. */
    public final String label;

    CounterType(int id, String label) {
        this.id = id;
        this.label = label;
    }

    /** The type of the i-th field of struct xdp_statistics. */
    public static CounterType xdpStatistic(int i) {
        return XDP[i];
    }

    /** Number of XDP_STATISTICS fields that have a type. */
    public static int xdpStatistics() {
        return XDP.length;
    }
}
