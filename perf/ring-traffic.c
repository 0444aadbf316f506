/*
 * Traffic for perf/l3fwd.sh's net_ring comparison: a DPDK secondary process, on its own core, that
 * keeps a fixed number of frames cycling through the forwarder under test (l3fwd or our pipeline,
 * a primary process with net_ring vdevs). A net_ring vdev has one ring that is both its receive
 * and its transmit queue; this process puts frames into the ingress port's ring, takes what the
 * forwarder sent from the egress ports' rings, writes the next flow's frame over each one and puts
 * it back. No frame is allocated or freed while it runs, so this side costs a few ns per frame and
 * both contenders see the same rings, frames and flows.
 *
 * The forwarded rate is counted here, the same way for every contender: frames taken from the
 * egress rings per second, after a warm-up. Prints one line:
 *   ring-traffic: R Mpps (N ns/frame), per-second median M Mpps, min A max B, over S s
 *
 * Usage: ring-traffic EAL-ARGS -- PCAP INGRESS-RING EGRESS-RING[,EGRESS-RING...] FRAMES WARMUP SECONDS
 * (rings are named as net_ring names them: ETH_RXTX0_<vdev name>; the pcap holds 64-byte frames).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#define MAX_FLOWS 65536
#define MAX_EGRESS 4
#define FRAME 64
#define BURST 64
#define MAX_SECONDS 600

static uint8_t templates[MAX_FLOWS][FRAME];

static void fail(const char *what)
{
	fprintf(stderr, "ring-traffic: %s\n", what);
	exit(1);
}

/* Reads a classic little-endian pcap of FRAME-byte frames into templates; returns how many. */
static int read_pcap(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t header[24], record[16];
	int n = 0;
	if (f == NULL)
		fail("cannot open the pcap");
	if (fread(header, 1, sizeof(header), f) != sizeof(header))
		fail("pcap too short");
	while (n < MAX_FLOWS && fread(record, 1, sizeof(record), f) == sizeof(record)) {
		uint32_t captured;
		memcpy(&captured, record + 8, 4);
		if (captured != FRAME)
			fail("pcap frames must be 64 bytes");
		if (fread(templates[n], 1, FRAME, f) != FRAME)
			fail("pcap truncated");
		n++;
	}
	fclose(f);
	if (n == 0)
		fail("pcap has no frames");
	return n;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static struct rte_ring *ring(const char *name)
{
	struct rte_ring *r = rte_ring_lookup(name);
	if (r == NULL) {
		fprintf(stderr, "ring-traffic: no ring %s (is the forwarder up with that net_ring vdev?)\n", name);
		exit(1);
	}
	return r;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int used = rte_eal_init(argc, argv);
	if (used < 0)
		fail(rte_strerror(rte_errno));
	argc -= used;
	argv += used;
	if (argc != 7)
		fail("usage: ring-traffic EAL-ARGS -- PCAP INGRESS-RING EGRESS-RING[,...] FRAMES WARMUP SECONDS");
	int flows = read_pcap(argv[1]);
	struct rte_ring *ingress = ring(argv[2]);
	struct rte_ring *egress[MAX_EGRESS];
	int egresses = 0;
	for (char *name = strtok(argv[3], ","); name != NULL; name = strtok(NULL, ",")) {
		if (egresses == MAX_EGRESS)
			fail("too many egress rings");
		egress[egresses++] = ring(name);
	}
	int frames = atoi(argv[4]);
	double warmup = atof(argv[5]);
	int seconds = atoi(argv[6]);
	if (frames <= 0 || (unsigned int)frames > rte_ring_get_capacity(ingress) || seconds <= 0 || seconds > MAX_SECONDS)
		fail("FRAMES must fit the ingress ring, SECONDS 1..600");

	struct rte_mempool *pool = rte_pktmbuf_pool_create("ring_traffic", frames + 2 * BURST, 0, 0,
							   RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL)
		fail(rte_strerror(rte_errno));
	struct rte_mbuf *m[BURST];
	int flow = 0;
	for (int put = 0; put < frames;) {
		int n = frames - put < BURST ? frames - put : BURST;
		if (rte_pktmbuf_alloc_bulk(pool, m, n) != 0)
			fail("mbuf pool short");
		for (int i = 0; i < n; i++) {
			memcpy(rte_pktmbuf_append(m[i], FRAME), templates[flow], FRAME);
			flow = flow + 1 == flows ? 0 : flow + 1;
		}
		if (rte_ring_enqueue_bulk(ingress, (void **)m, n, NULL) != (unsigned int)n)
			fail("ingress ring full");
		put += n;
	}

	double samples[MAX_SECONDS];
	uint64_t count = 0, mark = 0, start_count = 0;
	double next = now() + warmup, begin = 0, first = 0;
	int sample = -1; /* -1 while warming up */
	for (uint64_t spin = 0;; spin++) {
		for (int e = 0; e < egresses; e++) {
			unsigned int n = rte_ring_dequeue_burst(egress[e], (void **)m, BURST, NULL);
			for (unsigned int i = 0; i < n; i++) {
				/* The forwarder rewrote MACs, TTL and checksum: the next flow's frame, as new. */
				m[i]->data_off = RTE_PKTMBUF_HEADROOM;
				m[i]->data_len = FRAME;
				m[i]->pkt_len = FRAME;
				memcpy(rte_pktmbuf_mtod(m[i], void *), templates[flow], FRAME);
				flow = flow + 1 == flows ? 0 : flow + 1;
			}
			if (n > 0 && rte_ring_enqueue_bulk(ingress, (void **)m, n, NULL) != n)
				fail("ingress ring full (frames came from elsewhere)");
			count += n;
		}
		if ((spin & 1023) != 0)
			continue;
		double t = now();
		if (t < next)
			continue;
		if (sample >= 0)
			samples[sample] = (count - mark) / (t - begin) / 1e6;
		else {
			start_count = count;
			first = t;
		}
		sample++;
		mark = count;
		begin = t;
		next = t + 1;
		if (sample > seconds)
			break;
	}
	double rate = (count - start_count) / (begin - first) / 1e6;
	qsort(samples, seconds, sizeof(samples[0]), compare);
	printf("ring-traffic: %.2f Mpps (%.1f ns/frame), per-second median %.2f Mpps, min %.2f max %.2f, over %d s\n",
	       rate, 1e3 / rate, samples[seconds / 2], samples[0], samples[seconds - 1], seconds);
	/* The frames stay in the rings: the forwarder, still running, owns them from here on. */
	rte_eal_cleanup();
	return 0;
}
