/*
 * Exports what DPDK keeps static inline or in macros (burst functions, mbuf bulk alloc/free, data
 * pointer, rte_errno, lcore id), and the struct sizes and field offsets Java needs, so that Java
 * reaches DPDK through java.lang.foreign without hard-coding any layout of the DPDK version it runs
 * against. Everything else (EAL init, ethdev configure/start, mempool create) Java binds directly
 * from DPDK's exported symbols; this library links them so one lookup finds both.
 *
 * Built by ffi-bindings/src/main/c/build-shim.sh when pkg-config finds libdpdk.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_build_config.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_version.h>

/* Java's hot path takes the address of these to pass frame descriptors in parallel arrays. */
_Static_assert(sizeof(struct rte_mbuf *) == sizeof(int64_t), "mbuf pointers must fit a Java long");

/* ---- identity ---- */

const char *dpshim_version(void) { return rte_version(); }

/* Where EAL loads its drivers (PMDs) from; error messages list what is installed there. */
const char *dpshim_pmd_path(void) { return RTE_EAL_PMD_PATH; }

/* ---- layout getters: Java reads and rewrites mbuf fields in place with these ---- */

int64_t dpshim_mbuf_size(void) { return (int64_t)sizeof(struct rte_mbuf); }
int64_t dpshim_mbuf_buf_addr_offset(void) { return offsetof(struct rte_mbuf, buf_addr); }
int64_t dpshim_mbuf_data_off_offset(void) { return offsetof(struct rte_mbuf, data_off); }
int64_t dpshim_mbuf_nb_segs_offset(void) { return offsetof(struct rte_mbuf, nb_segs); }
int64_t dpshim_mbuf_pkt_len_offset(void) { return offsetof(struct rte_mbuf, pkt_len); }
int64_t dpshim_mbuf_data_len_offset(void) { return offsetof(struct rte_mbuf, data_len); }
int64_t dpshim_mbuf_buf_len_offset(void) { return offsetof(struct rte_mbuf, buf_len); }
int64_t dpshim_mbuf_headroom(void) { return RTE_PKTMBUF_HEADROOM; }
int64_t dpshim_mbuf_default_buf_size(void) { return RTE_MBUF_DEFAULT_BUF_SIZE; }
int64_t dpshim_eth_conf_size(void) { return (int64_t)sizeof(struct rte_eth_conf); }
int64_t dpshim_max_lcore(void) { return RTE_MAX_LCORE; }
int64_t dpshim_ether_hdr_len(void) { return RTE_ETHER_HDR_LEN; }

/* ---- errors and threads ---- */

/* rte_errno is a per-lcore thread-local variable: only a function can read it from Java. */
int dpshim_errno(void) { return rte_errno; }

/*
 * Gives the calling (non-EAL) thread an lcore id so mempool per-lcore caches work for it. DPDK's own
 * rte_thread_register allocates a fresh id on every call, so repeat calls are answered here.
 * Returns the lcore id, or -rte_errno.
 */
int dpshim_thread_register(void)
{
	if (rte_lcore_id() != LCORE_ID_ANY)
		return (int)rte_lcore_id();
	if (rte_thread_register() != 0)
		return -rte_errno;
	return (int)rte_lcore_id();
}

void dpshim_thread_unregister(void) { rte_thread_unregister(); }

int dpshim_lcore_id(void) { return rte_lcore_id() == LCORE_ID_ANY ? -1 : (int)rte_lcore_id(); }

/* ---- hot path ---- */

/*
 * Receives up to n frames of one queue into a burst's parallel arrays, from index start on: mbuf
 * pointers land directly in handle[], their first data byte's absolute address in data[], their
 * length in len[]. Chained (multi-segment) frames are freed and counted in *dropped, because the
 * pipeline sees one contiguous frame. Returns how many descriptors were written. Ints rather than
 * uint16_t in the signature keep the Java side to JAVA_INT.
 *
 * Each frame's first cache line (the headers the pipeline reads) is prefetched here, as l3fwd
 * does: a frame that another core or a device wrote is then in cache, or on its way, by the time
 * Java parses it, instead of costing one miss per frame in series.
 */
int dpshim_rx_burst_desc(int port, int queue, int64_t *handle, int64_t *data, int32_t *len, int start, int n,
			 uint64_t *dropped)
{
	struct rte_mbuf **pkts = (struct rte_mbuf **)(handle + start);
	uint16_t got = rte_eth_rx_burst((uint16_t)port, (uint16_t)queue, pkts, (uint16_t)n);
	int64_t *d = data + start;
	int32_t *l = len + start;
	int kept = 0;
	for (uint16_t i = 0; i < got; i++) {
		struct rte_mbuf *m = pkts[i];
		if (unlikely(m->nb_segs != 1)) {
			rte_pktmbuf_free(m);
			(*dropped)++;
			continue;
		}
		char *frame = rte_pktmbuf_mtod(m, char *);
		rte_prefetch0(frame);
		pkts[kept] = m;
		d[kept] = (int64_t)(uintptr_t)frame;
		l[kept] = m->data_len;
		kept++;
	}
	return kept;
}

/*
 * Transmits n frames whose descriptors the pipeline may have moved (data start) or resized: each
 * mbuf's data_off and lengths are set from data[]/len[] first, where they differ (a frame forwarded
 * in place, the common case, keeps the ones it was received with; not storing them saved about a
 * nanosecond a frame over net_pcap). Frames the device did not take stay at handle[sent..n) and
 * still belong to the caller. Returns how many were sent.
 */
int dpshim_tx_burst_desc(int port, int queue, int64_t *handle, const int64_t *data, const int32_t *len, int n)
{
	struct rte_mbuf **pkts = (struct rte_mbuf **)handle;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint16_t off = (uint16_t)((uintptr_t)data[i] - (uintptr_t)m->buf_addr);
		if (unlikely(m->data_off != off || m->pkt_len != (uint32_t)len[i] || m->data_len != (uint16_t)len[i])) {
			m->data_off = off;
			m->data_len = (uint16_t)len[i];
			m->pkt_len = (uint32_t)len[i];
		}
	}
	return rte_eth_tx_burst((uint16_t)port, (uint16_t)queue, pkts, (uint16_t)n);
}

int dpshim_rx_burst(int port, int queue, struct rte_mbuf **pkts, int n)
{
	return rte_eth_rx_burst((uint16_t)port, (uint16_t)queue, pkts, (uint16_t)n);
}

int dpshim_tx_burst(int port, int queue, struct rte_mbuf **pkts, int n)
{
	return rte_eth_tx_burst((uint16_t)port, (uint16_t)queue, pkts, (uint16_t)n);
}

/* Returns 0 with n fresh (reset, empty, headroom-only) mbufs, or -ENOENT when the pool is short. */
int dpshim_mbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **mbufs, int n)
{
	return rte_pktmbuf_alloc_bulk(pool, mbufs, (unsigned int)n);
}

void dpshim_mbuf_free_bulk(struct rte_mbuf **mbufs, int n) { rte_pktmbuf_free_bulk(mbufs, (unsigned int)n); }

void dpshim_mbuf_free(struct rte_mbuf *m) { rte_pktmbuf_free(m); }

/* ---- single-mbuf accessors (control path and tests: building frames to inject) ---- */

void *dpshim_mbuf_data(struct rte_mbuf *m) { return rte_pktmbuf_mtod(m, void *); }

int dpshim_mbuf_data_len(const struct rte_mbuf *m) { return m->data_len; }

int dpshim_mbuf_pkt_len(const struct rte_mbuf *m) { return m->pkt_len; }

/* Appends len bytes to the frame; returns where they start, or NULL when the buffer has no room. */
void *dpshim_mbuf_append(struct rte_mbuf *m, int len) { return len < 0 || len > UINT16_MAX ? NULL : rte_pktmbuf_append(m, (uint16_t)len); }

/* Returns the number of mbufs not in use: a test's way to prove that every frame came back. */
int dpshim_mempool_avail(const struct rte_mempool *pool) { return (int)rte_mempool_avail_count(pool); }
