// The C AF_XDP reference forwarder of 'bin/bench vs-kernel': receives on one interface, rewrites
// the Ethernet addresses and transmits on one or more others, one UMEM shared by all sockets, copy
// mode, need_wakeup. With several outputs it splits the flows over them by weight (a multiplicative
// hash of the addresses and ports, hash-threshold), so that its I/O is the route's: the same
// sockets, sinks and shares as the dataplane's multipath route. No routing, no checks: what it
// forwards is the I/O ceiling of AF_XDP copy mode on this path, against which our Java
// dataplane's cost is judged. The harness compiles it with
//   gcc -O2 -o xsk_fwd xsk_fwd.c -lxdp -lbpf
// and runs it in the router namespace:
//   xsk_fwd --in r0 --out r1 --dst-mac 02:00:00:00:02:01 --src-mac 02:00:00:00:01:01 [--weight 1]
//           [--out r2 --dst-mac ... --src-mac ... --weight 2] ...
//           [--cpu 1] [--idle poll|busy-spin] [--fifo PRIO] [--batch 64]
// (--dst-mac, --src-mac and --weight apply to the --out before them.)
// It prints "ready" once all sockets are bound and, on SIGTERM or SIGINT, one line of counters.
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#define FRAME_SIZE 2048
#define RING_SIZE 2048
#define NUM_FRAMES (2 * RING_SIZE)
#define MAX_BATCH 256
#define MAX_OUT 8

static volatile sig_atomic_t stopping;

static void on_signal(int sig) {
    (void) sig;
    stopping = 1;
}

static void die(const char *what, int err) {
    fprintf(stderr, "xsk_fwd: %s: %s\n", what, strerror(err < 0 ? -err : err));
    exit(1);
}

static int parse_mac(const char *text, unsigned char mac[6]) {
    return sscanf(text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) == 6;
}

// Copy mode transmits inside sendto, at most 32 descriptors a call, and says EAGAIN while more
// remain; these errors all mean "try again later" (as in xdp-tools' xdpsock).
// One transmit side: a socket on the output device sharing the UMEM, with its own TX ring and the
// fill/completion pair a shared socket on another device needs (it receives nothing).
struct output {
    const char *ifname;
    unsigned char dst[6], src[6];
    unsigned weight, upper; // upper: the bound of its hash-threshold bucket, cumulative weights
    struct xsk_socket *xsk;
    struct xsk_ring_prod tx, fq;
    struct xsk_ring_cons cq;
    int fd;
    unsigned long long sent;
};

static unsigned long long rd(const unsigned char *p, int n) {
    unsigned long long v = 0;
    for (int i = 0; i < n; i++) v = v << 8 | p[i];
    return v;
}

// The output of a frame: a flow hash of its IPv4/IPv6 addresses and UDP/TCP ports mapped onto the
// cumulative weights (RFC 2992 hash-threshold). Other frames go to the first output.
static unsigned pick(const unsigned char *f, unsigned len, const struct output *out, int outs, unsigned total) {
    if (outs == 1) return 0;
    unsigned long long h = 0;
    unsigned l4 = 0, proto = 0;
    unsigned type = len >= 14 ? (unsigned) rd(f + 12, 2) : 0;
    if (type == 0x0800 && len >= 34) {
        h = rd(f + 26, 8);
        proto = f[23];
        l4 = 14 + (f[14] & 0x0f) * 4;
    } else if (type == 0x86dd && len >= 54) {
        h = rd(f + 22, 8) ^ rd(f + 30, 8) * 0x9e3779b97f4a7c15ULL ^ rd(f + 38, 8) ^ rd(f + 46, 8) * 0xc2b2ae3d27d4eb4fULL;
        proto = f[20];
        l4 = 54;
    } else {
        return 0;
    }
    if ((proto == 6 || proto == 17) && len >= l4 + 4) h ^= rd(f + l4, 4) << 17;
    h *= 0x9e3779b97f4a7c15ULL;
    unsigned bucket = (unsigned) ((h >> 32) % total);
    unsigned o = 0;
    while (bucket >= out[o].upper) o++;
    return o;
}

static void kick_tx(int fd) {
    for (int i = 0; i < MAX_BATCH / 32 + 1; i++) {
        if (sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0 || errno != EAGAIN) {
            return;
        }
    }
}

int main(int argc, char **argv) {
    const char *in = NULL;
    static struct output out[MAX_OUT];
    int outs = 0;
    int cpu = -1, fifo = 0, batch = 64, spin = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *o = argv[i], *v = argv[i + 1];
        struct output *last = outs ? &out[outs - 1] : NULL;
        if (!strcmp(o, "--in")) in = v;
        else if (!strcmp(o, "--out") && outs < MAX_OUT) out[outs++] = (struct output) {.ifname = v, .weight = 1};
        else if (!strcmp(o, "--dst-mac") && last && parse_mac(v, last->dst)) continue;
        else if (!strcmp(o, "--src-mac") && last && parse_mac(v, last->src)) continue;
        else if (!strcmp(o, "--weight") && last && atoi(v) >= 1 && atoi(v) <= 255) last->weight = atoi(v);
        else if (!strcmp(o, "--cpu")) cpu = atoi(v);
        else if (!strcmp(o, "--fifo")) fifo = atoi(v);
        else if (!strcmp(o, "--batch")) batch = atoi(v);
        else if (!strcmp(o, "--idle") && (!strcmp(v, "poll") || !strcmp(v, "busy-spin"))) spin = !strcmp(v, "busy-spin");
        else {
            fprintf(stderr, "xsk_fwd: bad option %s %s\n", o, v);
            return 2;
        }
    }
    if (!in || !outs || batch < 1 || batch > MAX_BATCH) {
        fprintf(stderr, "usage: xsk_fwd --in IF --out IF --dst-mac MAC --src-mac MAC [--weight 1..255] [--out ...]"
                        " [--cpu N] [--idle poll|busy-spin] [--fifo PRIO] [--batch 1..%d]\n", MAX_BATCH);
        return 2;
    }
    unsigned total = 0;
    for (int o = 0; o < outs; o++) {
        total += out[o].weight;
        out[o].upper = total;
    }
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set)) die("sched_setaffinity", errno);
    }
    if (fifo > 0) {
        struct sched_param p = {.sched_priority = fifo};
        if (sched_setscheduler(0, SCHED_FIFO, &p)) die("sched_setscheduler(SCHED_FIFO)", errno);
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    // libxdp attaches its redirect program through netlink, which outlives the process: start
    // clean, and detach it again at the end (a left-over program would refuse the next contender's).
    int in_ifindex = if_nametoindex(in);
    if (!in_ifindex) die(in, errno);
    bpf_xdp_detach(in_ifindex, XDP_FLAGS_DRV_MODE, NULL);

    void *area = mmap(NULL, (size_t) NUM_FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (area == MAP_FAILED) die("mmap", errno);
    // Zeroed: libxdp 1.3 leaves some of the rings' cached indices unset.
    struct xsk_ring_prod fq = {0};
    struct xsk_ring_cons cq_in = {0}, rx = {0};
    struct xsk_umem *umem;
    struct xsk_umem_config ucfg = {.fill_size = RING_SIZE, .comp_size = RING_SIZE, .frame_size = FRAME_SIZE};
    int err = xsk_umem__create(&umem, area, (__u64) NUM_FRAMES * FRAME_SIZE, &fq, &cq_in, &ucfg);
    if (err) die("xsk_umem__create", err);
    struct xsk_socket *rxs;
    struct xsk_socket_config rcfg = {.rx_size = RING_SIZE, .xdp_flags = XDP_FLAGS_DRV_MODE,
                                     .bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP};
    // The socket of a forwarder that just exited may still hold the queue for a moment: EBUSY.
    for (int tries = 0; (err = xsk_socket__create(&rxs, in, 0, umem, &rx, NULL, &rcfg)) == -EBUSY && tries < 50; tries++) {
        usleep(100000);
    }
    if (err) die("xsk_socket__create (receive side)", err);
    // The transmit sockets share the UMEM; on another device each needs its own fill and completion
    // rings. They receive nothing, so they get no XDP program.
    struct xsk_socket_config tcfg = {.tx_size = RING_SIZE, .libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
                                     .xdp_flags = XDP_FLAGS_DRV_MODE, .bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP};
    for (int o = 0; o < outs; o++) {
        struct output *t = &out[o];
        memset(&t->tx, 0, sizeof(t->tx));
        for (int tries = 0; (err = xsk_socket__create_shared(&t->xsk, t->ifname, 0, umem, NULL, &t->tx, &t->fq, &t->cq, &tcfg))
                == -EBUSY && tries < 50; tries++) {
            usleep(100000);
        }
        if (err) die("xsk_socket__create_shared (transmit side)", err);
        t->fd = xsk_socket__fd(t->xsk);
    }

    __u32 idx;
    if (xsk_ring_prod__reserve(&fq, RING_SIZE, &idx) != RING_SIZE) die("filling the fill ring", ENOSPC);
    for (__u32 i = 0; i < RING_SIZE; i++) {
        *xsk_ring_prod__fill_addr(&fq, idx + i) = (__u64) i * FRAME_SIZE;
    }
    xsk_ring_prod__submit(&fq, RING_SIZE);

    int rxfd = xsk_socket__fd(rxs);
    unsigned long long received = 0, wakeups = 0, polls = 0;
    unsigned outstanding = 0; // submitted for transmit, not yet completed
    unsigned char where[MAX_BATCH];
    printf("ready\n");
    fflush(stdout);
    while (!stopping) {
        // Completed transmissions go back to the receive side's fill ring.
        for (int o = 0; o < outs; o++) {
            __u32 ic = 0, ifq = 0;
            unsigned done = xsk_ring_cons__peek(&out[o].cq, MAX_BATCH, &ic);
            if (!done) continue;
            while (xsk_ring_prod__reserve(&fq, done, &ifq) != done) {
                if (stopping) goto end;
            }
            for (unsigned i = 0; i < done; i++) {
                *xsk_ring_prod__fill_addr(&fq, ifq + i) = *xsk_ring_cons__comp_addr(&out[o].cq, ic + i);
            }
            xsk_ring_prod__submit(&fq, done);
            xsk_ring_cons__release(&out[o].cq, done);
            outstanding -= done;
        }
        __u32 ir = 0;
        unsigned n = xsk_ring_cons__peek(&rx, batch, &ir);
        if (!n) {
            // Descriptors the kernel has not taken yet need a kick; frames merely waiting for their
            // completion do not: spinning on those would keep r0's NAPI thread off a shared core.
            for (int o = 0; o < outs; o++) {
                if (__atomic_load_n(out[o].tx.consumer, __ATOMIC_ACQUIRE) != out[o].tx.cached_prod) {
                    kick_tx(out[o].fd);
                }
            }
            if (spin) {
                if (xsk_ring_prod__needs_wakeup(&fq)) {
                    recvfrom(rxfd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
                    wakeups++;
                }
            } else {
                // Completions still due come back within a millisecond; then nothing is pending.
                struct pollfd p = {.fd = rxfd, .events = POLLIN};
                poll(&p, 1, outstanding ? 1 : 100);
                polls++;
            }
            continue;
        }
        unsigned count[MAX_OUT] = {0};
        for (unsigned i = 0; i < n; i++) {
            const struct xdp_desc *d = xsk_ring_cons__rx_desc(&rx, ir + i);
            where[i] = (unsigned char) pick(xsk_umem__get_data(area, d->addr), d->len, out, outs, total);
            count[where[i]]++;
        }
        __u32 it[MAX_OUT] = {0};
        for (int o = 0; o < outs; o++) {
            while (count[o] && xsk_ring_prod__reserve(&out[o].tx, count[o], &it[o]) != count[o]) {
                kick_tx(out[o].fd); // the transmit ring is full: let the kernel send some
                if (stopping) goto end;
            }
        }
        for (unsigned i = 0; i < n; i++) {
            const struct xdp_desc *d = xsk_ring_cons__rx_desc(&rx, ir + i);
            struct output *o = &out[where[i]];
            unsigned char *frame = xsk_umem__get_data(area, d->addr);
            memcpy(frame, o->dst, 6);
            memcpy(frame + 6, o->src, 6);
            struct xdp_desc *t = xsk_ring_prod__tx_desc(&o->tx, it[where[i]]++);
            t->addr = d->addr;
            t->len = d->len;
        }
        xsk_ring_cons__release(&rx, n);
        received += n;
        outstanding += n;
        for (int o = 0; o < outs; o++) {
            if (!count[o]) continue;
            xsk_ring_prod__submit(&out[o].tx, count[o]);
            out[o].sent += count[o];
            if (xsk_ring_prod__needs_wakeup(&out[o].tx)) {
                kick_tx(out[o].fd);
            }
        }
    }
end:;
    struct xdp_statistics st = {0};
    socklen_t len = sizeof(st);
    getsockopt(rxfd, SOL_XDP, XDP_STATISTICS, &st, &len);
    printf("xsk_fwd: rx %llu tx", received);
    for (int o = 0; o < outs; o++) printf(" %s %llu", out[o].ifname, out[o].sent);
    printf(" idle %s recvfrom wakeups %llu polls %llu; %s rx_dropped %llu rx_ring_full %llu rx_fill_ring_empty %llu;"
           " in flight %u\n", spin ? "busy-spin" : "poll", wakeups, polls, in, (unsigned long long) st.rx_dropped,
           (unsigned long long) st.rx_ring_full, (unsigned long long) st.rx_fill_ring_empty_descs, outstanding);
    fflush(stdout);
    for (int o = 0; o < outs; o++) xsk_socket__delete(out[o].xsk);
    xsk_socket__delete(rxs);
    xsk_umem__delete(umem);
    bpf_xdp_detach(in_ifindex, XDP_FLAGS_DRV_MODE, NULL);
    return 0;
}
