/*
 * tcp-world.h: the fake world the TCP unit tests (tcp-conn, tcp-attack)
 * run components/net/tcp_*.c in. The lower layers are faked: ip_send
 * queues segments, pump() delivers them to tcp_input (optionally
 * dropping or reordering), a fake clock jumps to the next TCP deadline
 * when the network is idle, and the page allocator can be told to be
 * short of memory; while_waiting runs the world while a caller sleeps
 * in net_wait. inject() hands tcp_input a segment built by the test,
 * as a hostile peer would send it. The fake NIC may offer offloads
 * (offloads): it then checks the metadata TCP hands it (bad counts
 * mistakes) and either cuts each TSO segment into MSS-sized ones with
 * full checksums, as a NIC does, or (tso_whole) delivers it whole with
 * the checksum vouched for, as a receiver's coalescing NIC does.
 *
 * Header-only, like tap.h: each test is one translation unit plus the
 * kernel files it links.
 */
#ifndef KILN_TCP_WORLD_H
#define KILN_TCP_WORLD_H

#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include "../../components/net/ip6.h"
#include "../../components/net/tcp.h"
#include "tap.h"

#define A 0x0100000a /* 10.0.0.1, network order */
#define B 0x0200000a
#define C 0x0300000a /* a flooder nobody answers for */
#define D 0x0400000a /* another remote host, answered like C */
/* 2001:db8::1 and ::2, the IPv6 addresses of the two ends */
static const struct in6_addr A6 = {.s6_addr = {0x20, 1, 0xd, 0xb8, [15] = 1}};
static const struct in6_addr B6 = {.s6_addr = {0x20, 1, 0xd, 0xb8, [15] = 2}};

/* ---- the fake world ---------------------------------------------------- */

static uint64_t clock_ns = 1000000000ull;
static int fail_alloc;
static size_t free_pages = 8000; /* what hc_pages_stats reports */
static size_t pages_out;         /* allocated and not yet freed */
static size_t page_allocs;       /* hc_pages_alloc calls that succeeded */
static int aborted;              /* hc_abort was called */
static jmp_buf abort_jmp;        /* where hc_abort returns to */
static unsigned drop_every, drop_count, reorder, nobufs_every, sends;
static unsigned drop_also; /* with drop_every: also lose this one after */

uint64_t hc_clock_monotonic(void)
{
    return clock_ns;
}
void *hc_pages_alloc(size_t n)
{
    if (fail_alloc)
        return NULL;
    void *p = aligned_alloc(HC_PAGE_SIZE, n * HC_PAGE_SIZE);
    memset(p, 0, n * HC_PAGE_SIZE);
    pages_out += n;
    page_allocs++;
    return p;
}
void hc_pages_stats(struct hc_mem_stats *out)
{
    out->total_pages = 8192; /* 32 MiB, all but a little free */
    out->free_pages = fail_alloc ? 10 : free_pages;
}
void hc_pages_free(void *p, size_t n)
{
    pages_out -= n;
    free(p);
}
int hc_entropy(void *buf, size_t len)
{
    memset(buf, 0x33, len);
    return 0;
}
_Noreturn void hc_abort(const char *msg)
{
    printf("# hc_abort: %s\n", msg);
    aborted = 1;
    longjmp(abort_jmp, 1);
}
void net_notify(void)
{
}
/* socket.c's, which this world does not link (it needs UDP's) */
void net_sock_notify(struct net_sock *s)
{
    if (s->watch)
        s->watch(s->watch_arg);
}
void net_watch(struct net_sock *s, void (*fn)(void *arg), void *arg)
{
    s->watch = fn;
    s->watch_arg = arg;
}
void net_timer_kick(uint64_t deadline)
{
    (void)deadline;
}
uint32_t net_random32(void)
{
    return (uint32_t)rand();
}
static struct netif nif = {.mtu = 1500, .present = 1};
struct netif *route_lookup(uint32_t dst, uint32_t *nh)
{
    *nh = dst;
    return &nif;
}
uint32_t route_source(uint32_t dst)
{
    return dst == A ? B : A;
}
int netif_is_local(uint32_t a)
{
    return a == A || a == B;
}
/* What happens while a caller sleeps in net_wait, once (a test sets it:
 * a peer's RST, the stack's timers); without it the wait times out. */
static void (*while_waiting)(void);
int net_wait(uint64_t deadline)
{
    void (*happen)(void) = while_waiting;
    if (!happen || clock_ns >= deadline)
        return -ETIMEDOUT;
    while_waiting = NULL;
    happen();
    return 0;
}
/* IPv6 as l4.c reaches it: A6 and B6 on the one fake link. */
static struct addr6 addr_a6 = {.a = A6}, addr_b6 = {.a = B6};
int ip6_send_meta(struct netif *n, uint8_t *buf, size_t len,
                  const struct in6_addr *src, const struct in6_addr *dst,
                  uint8_t proto, uint8_t hlim, const struct hc_net_meta *m);
uint32_t ip6_pseudo(const struct in6_addr *src, const struct in6_addr *dst,
                    uint8_t proto, size_t len)
{
    uint8_t t[8] = {(uint8_t)(len >> 24),
                    (uint8_t)(len >> 16),
                    (uint8_t)(len >> 8),
                    (uint8_t)len,
                    0,
                    0,
                    0,
                    proto};
    return inet_sum(t, 8, inet_sum(dst, 16, inet_sum(src, 16, 0)));
}
struct netif *ip6_route(const struct in6_addr *dst, struct in6_addr *nh)
{
    *nh = *dst;
    return &nif;
}
uint16_t ip6_path_mtu(struct netif *n, const struct in6_addr *dst)
{
    (void)dst;
    return n->mtu;
}
const struct addr6 *addr6_source(const struct netif *n,
                                 const struct in6_addr *dst)
{
    (void)n;
    return memcmp(dst, &A6, 16) ? &addr_a6 : &addr_b6;
}
struct addr6 *addr6_find(const struct netif *n, const struct in6_addr *a)
{
    (void)n;
    return !memcmp(a, &A6, 16)   ? &addr_a6
           : !memcmp(a, &B6, 16) ? &addr_b6
                                 : NULL;
}
/* scope6.c's view: one NIC, IPv6 on, link-local means fe80::/10. */
static struct if6 if6_fake = {.on = 1};
struct netif *netif_get(unsigned i)
{
    return i == 0 ? &nif : NULL;
}
struct if6 *if6_of(const struct netif *n)
{
    (void)n;
    return &if6_fake;
}
int ip6_is_linklocal(const struct in6_addr *a)
{
    return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}
int ip6_is_multicast(const struct in6_addr *a)
{
    return a->s6_addr[0] == 0xff;
}

#define QMAX 4096
struct pkt {
    uint32_t src, dst;
    uint8_t v6; /* then src6 and dst6 are the addresses */
    struct in6_addr src6, dst6;
    size_t len;
    uint8_t csum_ok; /* delivered whole by a coalescing NIC */
    uint8_t *big;    /* malloc'd when longer than b */
    uint8_t b[1600];
};
static struct pkt q[QMAX];
static unsigned qhead, qtail;
static uint32_t offloads; /* the fake NIC's HC_NET_TX_* (IPv6: nif's) */
static int tso_whole;     /* deliver TSO segments whole (else cut them) */
static unsigned tso_segs, tso_bad; /* TSO segments seen; bad metadata */
/* IPv6 segments sent with the checksum left to the NIC, and whole */
static unsigned csum6_partial, csum6_full;

static inline uint8_t *pkt_data(struct pkt *k)
{
    return k->big ? k->big : k->b;
}

/* 0, or -ENOBUFS when the fake NIC's ring is full (or says so). */
static int q_room(void)
{
    if (qtail - qhead >= QMAX || (nobufs_every && ++sends % nobufs_every == 0))
        return -ENOBUFS;
    return 0;
}

static void q_put(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                  int csum_ok)
{
    struct pkt *k = &q[qtail++ % QMAX];
    k->src = src;
    k->dst = dst;
    k->v6 = 0;
    k->len = len;
    k->csum_ok = (uint8_t)csum_ok;
    k->big = len > sizeof k->b ? malloc(len) : NULL;
    memcpy(pkt_data(k), seg, len);
}

int ip_send(uint8_t *buf, size_t len, uint32_t src, uint32_t dst, uint8_t proto,
            int df)
{
    (void)proto;
    (void)df;
    if (q_room() < 0)
        return -ENOBUFS;
    q_put(buf + NET_HEADROOM, len, src, dst, 0);
    return 0;
}

/* What a NIC checks of an IPv6 segment's hc_net_meta: a partial
 * checksum at the TCP header's place in the IPv6 frame, the field
 * holding the pseudo-header sum, nothing to segment. */
static int meta6_ok(const uint8_t *seg, size_t len, const struct in6_addr *src,
                    const struct in6_addr *dst, const struct hc_net_meta *m)
{
    uint16_t pseudo = (uint16_t)ip6_pseudo(src, dst, IPPROTO_TCP, len);
    return m->flags == HC_NET_F_CSUM_PARTIAL &&
           m->gso_type == HC_NET_GSO_NONE && m->csum_start == NET6_HEADROOM &&
           m->csum_offset == 16 && (seg[16] << 8 | seg[17]) == pseudo &&
           (nif.offloads & HC_NET_TX_CSUM) && len <= NET_MTU_MAX - IP6_HLEN;
}

/* The receiver (tcp_input) checks every IPv6 checksum, so one this fake
 * NIC completes wrong loses the segment. */
int ip6_send_meta(struct netif *n, uint8_t *buf, size_t len,
                  const struct in6_addr *src, const struct in6_addr *dst,
                  uint8_t proto, uint8_t hlim, const struct hc_net_meta *m)
{
    (void)n, (void)proto, (void)hlim;
    if (q_room() < 0 || len > sizeof q[0].b)
        return -ENOBUFS;
    if (m && !meta6_ok(buf + NET6_HEADROOM, len, src, dst, m))
        tso_bad++;
    if (m)
        inet_csum_finish(buf, NET6_HEADROOM + len, m);
    *(m ? &csum6_partial : &csum6_full) += 1;
    q_put(buf + NET6_HEADROOM, len, 0, 0, 0);
    struct pkt *k = &q[(qtail - 1) % QMAX];
    k->v6 = 1, k->src6 = *src, k->dst6 = *dst;
    return 0;
}

uint32_t ip_offloads(uint32_t dst)
{
    (void)dst;
    return offloads;
}

/* What a NIC checks of hc_net_meta (hypercall.h) before it sums. */
static int meta_ok(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                   const struct hc_net_meta *m)
{
    size_t hlen = (size_t)(seg[12] >> 4) * 4;
    uint16_t pseudo = (uint16_t)inet_pseudo(src, dst, IPPROTO_TCP, len);
    int ok = m->flags == HC_NET_F_CSUM_PARTIAL &&
             m->csum_start == NET_HEADROOM && m->csum_offset == 16 &&
             (seg[16] << 8 | seg[17]) == pseudo && (offloads & HC_NET_TX_CSUM);
    if (m->gso_type == HC_NET_GSO_NONE)
        return ok && len <= NET_MTU_MAX - IP_HLEN;
    return ok && m->gso_type == HC_NET_GSO_TCPV4 && m->gso_size &&
           m->hdr_len == NET_HEADROOM + hlen && (offloads & HC_NET_TX_TSO4) &&
           len - hlen > m->gso_size &&
           hlen + m->gso_size <= NET_MTU_MAX - IP_HLEN;
}

/* One gso_size piece at off of a TSO segment, as a NIC makes it. */
static void tso_cut(const uint8_t *seg, size_t hlen, size_t dlen, size_t off,
                    size_t n, uint32_t src, uint32_t dst)
{
    uint8_t one[1600];
    memcpy(one, seg, hlen);
    memcpy(one + hlen, seg + hlen + off, n);
    struct tcp_hdr *th = (struct tcp_hdr *)one;
    th->seq = htonl(ntohl(th->seq) + (uint32_t)off);
    if (off + n < dlen)
        th->flags &= (uint8_t) ~(TH_FIN | TH_PSH);
    th->sum = 0;
    th->sum = htons(inet_fold(
        inet_sum(one, hlen + n, inet_pseudo(src, dst, IPPROTO_TCP, hlen + n))));
    q_put(one, hlen + n, src, dst, 0);
}

int ip_send_meta(uint8_t *buf, size_t len, uint32_t src, uint32_t dst,
                 uint8_t proto, int df, const struct hc_net_meta *m)
{
    if (!m)
        return ip_send(buf, len, src, dst, proto, df);
    uint8_t *seg = buf + NET_HEADROOM;
    if (!meta_ok(seg, len, src, dst, m))
        tso_bad++;
    if (q_room() < 0)
        return -ENOBUFS;
    if (m->gso_type == HC_NET_GSO_NONE || tso_whole) {
        if (m->gso_type != HC_NET_GSO_NONE)
            tso_segs++;
        inet_csum_finish(buf, NET_HEADROOM + len, m);
        q_put(seg, len, src, dst, tso_whole);
        return 0;
    }
    tso_segs++;
    size_t hlen = (size_t)(seg[12] >> 4) * 4, dlen = len - hlen;
    for (size_t off = 0; off < dlen; off += m->gso_size) {
        size_t n = dlen - off < m->gso_size ? dlen - off : m->gso_size;
        if (n + hlen > 1600 || qtail - qhead >= QMAX)
            return tso_bad++, 0; /* lost, as on a wire */
        tso_cut(seg, hlen, dlen, off, n, src, dst);
    }
    return 0;
}

static inline int is_data(struct pkt *k)
{
    return k->len > (size_t)((pkt_data(k)[12] >> 4) * 4);
}

/* Deliver everything queued (and what that sends); 0 if nothing was.
 * max: at most that many packets. */
static inline int pump_n(unsigned max)
{
    int any = 0;
    while (qhead != qtail && max--) {
        unsigned i = qhead;
        if (reorder && qtail - qhead >= 2 && (i % 5) == 0) {
            struct pkt t = q[i % QMAX]; /* swap the next two */
            q[i % QMAX] = q[(i + 1) % QMAX];
            q[(i + 1) % QMAX] = t;
        }
        struct pkt *k = &q[qhead++ % QMAX];
        any = 1;
        int lost = k->dst == C || k->dst == D ||
                   (drop_every && is_data(k) &&
                    (++drop_count % drop_every == 0 ||
                     (drop_also && drop_count % drop_every == drop_also)));
        struct ip_info ip = {.nif = &nif,
                             .src = k->src,
                             .dst = k->dst,
                             .csum_ok = k->csum_ok,
                             .v6 = k->v6,
                             .src6 = k->src6,
                             .dst6 = k->dst6};
        if (!lost)
            tcp_input(&ip, pkt_data(k), k->len);
        free(k->big);
        k->big = NULL;
    }
    return any;
}

static inline int pump(void)
{
    return pump_n(UINT32_MAX);
}

/* Deliver, and when idle move the clock to the next TCP deadline. A
 * round delivers at most PUMP_MAX segments, so two ends that answer
 * each other forever (an ACK storm) end a test instead of hanging it. */
#define PUMP_MAX 100000
static inline void run(unsigned rounds)
{
    for (unsigned r = 0; r < rounds; r++) {
        if (pump_n(PUMP_MAX))
            continue;
        uint64_t next = tcp_timer(clock_ns);
        if (next == NET_NEVER || next - clock_ns > 10000 * MS)
            return; /* only retransmissions, not TIME_WAIT's end */
        if (next > clock_ns)
            clock_ns = next;
        tcp_timer(clock_ns);
    }
}

/* ---- helpers ----------------------------------------------------------- */

static inline struct sockaddr_in sin_of(uint32_t a, uint16_t port)
{
    struct sockaddr_in s = {0};
    s.sin_family = AF_INET;
    s.sin_addr.s_addr = a;
    s.sin_port = htons(port);
    return s;
}

static inline struct net_sock *listener(uint16_t port, int backlog)
{
    struct net_sock *l;
    struct sockaddr_in a = sin_of(B, port);
    if (tcp_sock_create(&l) < 0)
        return NULL;
    tcp_ops.bind(l, &a);
    tcp_ops.listen(l, backlog);
    return l;
}

/* A connected pair: client c (on A) and the accepted server side s. */
static inline int connect_pair(struct net_sock *l, uint16_t port,
                               struct net_sock **c, struct net_sock **s)
{
    struct sockaddr_in a = sin_of(B, port);
    if (tcp_sock_create(c) < 0)
        return -1;
    int rc = tcp_ops.connect(*c, &a);
    if (rc != -EINPROGRESS)
        return rc;
    run(100);
    rc = tcp_ops.connect(*c, &a);
    if (rc != 0)
        return rc;
    return tcp_ops.accept(l, s, NULL);
}

/* Move n bytes from x to y through the fake network; 1 if intact. */
static inline int transfer(struct net_sock *x, struct net_sock *y, size_t n)
{
    uint8_t *src = malloc(n), *dst = malloc(n);
    for (size_t i = 0; i < n; i++)
        src[i] = (uint8_t)(i * 31 + i / 251);
    size_t sent = 0, got = 0;
    for (unsigned guard = 0; got < n && guard < 200000; guard++) {
        if (sent < n) {
            long k = tcp_ops.send(x, src + sent, n - sent, 0, NULL);
            if (k > 0)
                sent += (size_t)k;
        }
        run(1);
        long k = tcp_ops.recv(y, dst + got, n - got, 0, NULL);
        if (k > 0)
            got += (size_t)k;
    }
    int ok = got == n && memcmp(src, dst, n) == 0;
    free(src);
    free(dst);
    return ok;
}

/* ---- a hostile peer ---------------------------------------------------- */

/* One segment a test writes field by field. */
struct raw_seg {
    uint32_t src, dst;
    uint16_t sport, dport; /* host order */
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t win;
    const uint8_t *opt, *data;
    size_t optlen, dlen;
};

/* Hand tcp_input the segment r (checksummed), of any size: a peer's IP
 * fragments can carry far more than one MTU. */
static inline void inject(const struct raw_seg *r)
{
    size_t len = TCP_HLEN + r->optlen + r->dlen;
    uint8_t *b = calloc(1, len);
    struct tcp_hdr *th = (struct tcp_hdr *)b;
    th->sport = htons(r->sport);
    th->dport = htons(r->dport);
    th->seq = htonl(r->seq);
    th->ack = htonl(r->ack);
    th->off = (uint8_t)(((TCP_HLEN + r->optlen) / 4) << 4);
    th->flags = r->flags;
    th->win = htons(r->win);
    if (r->optlen)
        memcpy(b + TCP_HLEN, r->opt, r->optlen);
    if (r->dlen)
        memcpy(b + TCP_HLEN + r->optlen, r->data, r->dlen);
    uint32_t ps = inet_pseudo(r->src, r->dst, IPPROTO_TCP, len);
    th->sum = htons(inet_fold(inet_sum(b, len, ps)));
    struct ip_info ip = {.nif = &nif, .src = r->src, .dst = r->dst};
    tcp_input(&ip, b, len);
    free(b);
}

/* The newest segment queued for dst, NULL if none. */
static inline const struct tcp_hdr *last_to(uint32_t dst)
{
    for (unsigned i = qtail; i != qhead; i--)
        if (q[(i - 1) % QMAX].dst == dst)
            return (const struct tcp_hdr *)q[(i - 1) % QMAX].b;
    return NULL;
}

/* Segments queued for dst and not yet delivered. */
static inline unsigned queued_to(uint32_t dst)
{
    unsigned n = 0;
    for (unsigned i = qhead; i != qtail; i++)
        n += q[i % QMAX].dst == dst;
    return n;
}

/* What an ICMP error quotes: the IP header and 8 bytes of our segment. */
static inline void icmp_quote(struct tcp_pcb *p, uint32_t seq, int err,
                              uint16_t mtu)
{
    uint8_t q[28] = {0x45};
    uint32_t l = addr_to4(p->laddr), r = addr_to4(p->raddr);
    memcpy(q + 12, &l, 4);
    memcpy(q + 16, &r, 4);
    memcpy(q + 20, &p->lport, 2);
    memcpy(q + 22, &p->rport, 2);
    uint32_t s = htonl(seq);
    memcpy(q + 24, &s, 4);
    tcp_icmp_error(q, sizeof q, err, mtu);
}

#endif
