package io.dataplane.ffi.dpdk;

/**
 * Sizes and field offsets of {@code struct rte_mbuf} and related constants, as the shim reports
 * them for the DPDK it was compiled against, so that Java never hard-codes a DPDK ABI.
 */
public final class MbufLayout {
    public static final long SIZE = Dpdk.layoutValue("dpshim_mbuf_size");
    public static final long BUF_ADDR = Dpdk.layoutValue("dpshim_mbuf_buf_addr_offset");
    /** u16: where the data starts, relative to buf_addr. */
    public static final long DATA_OFF = Dpdk.layoutValue("dpshim_mbuf_data_off_offset");
    public static final long NB_SEGS = Dpdk.layoutValue("dpshim_mbuf_nb_segs_offset");
    /** u32: length of the whole (possibly chained) frame. */
    public static final long PKT_LEN = Dpdk.layoutValue("dpshim_mbuf_pkt_len_offset");
    /** u16: length of this segment's data. */
    public static final long DATA_LEN = Dpdk.layoutValue("dpshim_mbuf_data_len_offset");
    public static final long BUF_LEN = Dpdk.layoutValue("dpshim_mbuf_buf_len_offset");
    /** RTE_PKTMBUF_HEADROOM: bytes reserved before a fresh mbuf's data. */
    public static final int HEADROOM = (int) Dpdk.layoutValue("dpshim_mbuf_headroom");
    /** RTE_MBUF_DEFAULT_BUF_SIZE: headroom plus a 2048-byte data room. */
    public static final int DEFAULT_BUF_SIZE = (int) Dpdk.layoutValue("dpshim_mbuf_default_buf_size");
    public static final long ETH_CONF_SIZE = Dpdk.layoutValue("dpshim_eth_conf_size");
    public static final int MAX_LCORE = (int) Dpdk.layoutValue("dpshim_max_lcore");
    public static final int ETHER_HEADER_LENGTH = (int) Dpdk.layoutValue("dpshim_ether_hdr_len");

    private MbufLayout() {}
}
