/*
 * tcp_pcb.c: the connection blocks and the TIME_WAIT table, lookups by
 * 4-tuple, port allocation (bind rules as Linux's, random ephemeral
 * ports), and the ends of a connection's life (drop, close, TIME_WAIT).
 *
 * Blocks are made TCP_PCB_CHUNK at a time as connections need them;
 * the lowest free one is taken, so when the connections go the last
 * chunks empty and are given back (tcp_pcb_trim): a guest pays for the
 * connections it holds, not for TCP_PCB_MAX. Every packet
 * finds its block in a hash of the 4-tuple and its listener in a short
 * list, and the per-SYN and per-close limits read counters: no work per
 * packet grows with the number of connections. Binding and connect()
 * still scan the blocks, as do the timers (tcp_timer.c).
 *
 * Limits: when TIME_WAIT is full the entry closest to expiry is recycled.
 */
#include <errno.h>
#include <string.h>
#include "tcp.h"

struct tcp_pcb **tcp_pcb_chunks; /* TCP_PCB_MAX / TCP_PCB_CHUNK */
struct tcp_pcb *tcp_armed;
struct tcp_tw *tcp_tws;
unsigned tcp_pcb_n, tcp_tw_n;

/* 4-tuple hash buckets (pcb indices, 0: empty), with the first chunk. */
#define HASH_BITS 12
static uint16_t *buckets;
static uint16_t listeners; /* head, as a pcb index */
/* A bit per block in use, a word per chunk; none free below busy_hint. */
_Static_assert(TCP_PCB_CHUNK == 64, "a chunk is one word of busy");
static uint64_t *busy;
static unsigned busy_hint;
static unsigned pcbs_used, orphans;
/* Counts every allocation, so a generation names one block's life even
 * across chunks given back and made again (whose blocks start zeroed). */
static uint32_t gens;
/* Blocks made by listeners, counted by a hash of the remote address: a
 * slot's count bounds each of its addresses' (tcp_peer_full). */
#define PEER_SLOTS 256
static uint16_t *peer_slot_n;

enum { LINK_NONE, LINK_HASH, LINK_LISTEN };

static size_t pages_for(size_t bytes)
{
    return (bytes + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE;
}

#define HASH_BYTES (sizeof *buckets << HASH_BITS)
/* The timers' list head, chunk pointers, busy words and peer slots, in
 * one piece, in that order (each aligned for the next): in the image
 * they would cost every guest 5 KiB before its first connection. */
#define CHUNKS (TCP_PCB_MAX / TCP_PCB_CHUNK)
#define INDEX_BYTES                                                            \
    (sizeof *tcp_armed + CHUNKS * (sizeof *tcp_pcb_chunks + sizeof *busy) +    \
     PEER_SLOTS * sizeof *peer_slot_n)

/* What the first block brings: the TIME_WAIT table, the hash and the
 * index of chunks. */
static int tables_alloc(void)
{
    struct tcp_tw *tws = hc_pages_alloc(pages_for(sizeof *tws * TCP_TW_MAX));
    uint16_t *b = hc_pages_alloc(pages_for(HASH_BYTES));
    char *ix = hc_pages_alloc(pages_for(INDEX_BYTES));
    if (!tws || !b || !ix) {
        if (tws)
            hc_pages_free(tws, pages_for(sizeof *tws * TCP_TW_MAX));
        if (b)
            hc_pages_free(b, pages_for(HASH_BYTES));
        if (ix)
            hc_pages_free(ix, pages_for(INDEX_BYTES));
        return -ENOMEM;
    }
    tcp_tws = tws, buckets = b;
    tcp_armed = (struct tcp_pcb *)ix;
    tcp_armed->tnext = tcp_armed->tprev = tcp_armed;
    tcp_pcb_chunks = (struct tcp_pcb **)(tcp_armed + 1);
    busy = (uint64_t *)(tcp_pcb_chunks + CHUNKS);
    peer_slot_n = (uint16_t *)(busy + CHUNKS);
    tcp_tw_n = TCP_TW_MAX;
    return 0;
}

/* One more chunk of blocks, at the end. */
static int chunk_add(void)
{
    unsigned c = tcp_pcb_n / TCP_PCB_CHUNK;
    if (tcp_pcb_n == TCP_PCB_MAX || (!tcp_tws && tables_alloc() < 0))
        return -1;
    struct tcp_pcb *ch = hc_pages_alloc(pages_for(sizeof *ch * TCP_PCB_CHUNK));
    if (!ch)
        return -1;
    tcp_pcb_chunks[c] = ch;
    for (unsigned i = 0; i < TCP_PCB_CHUNK; i++)
        ch[i].idx = (uint16_t)(tcp_pcb_n + i + 1);
    tcp_pcb_n += TCP_PCB_CHUNK;
    return 0;
}

/* The lowest free block's index, making a chunk if all are taken: low
 * blocks are reused first, so the last chunks empty when the load goes
 * and tcp_pcb_trim can give them back. */
static uint16_t lowest_free(void)
{
    unsigned c = busy_hint;
    while (c < tcp_pcb_n / TCP_PCB_CHUNK && busy[c] == UINT64_MAX)
        c++;
    if (c == tcp_pcb_n / TCP_PCB_CHUNK && chunk_add() < 0)
        return 0;
    busy_hint = c;
    return (uint16_t)(c * TCP_PCB_CHUNK + __builtin_ctzll(~busy[c]) + 1);
}

struct tcp_pcb *tcp_pcb_alloc(void)
{
    uint16_t idx = lowest_free();
    if (!idx)
        return NULL;
    busy[(idx - 1) / TCP_PCB_CHUNK] |= 1ull << ((idx - 1) % TCP_PCB_CHUNK);
    struct tcp_pcb *p = tcp_pcb_at(idx);
    memset(p, 0, sizeof *p);
    p->idx = idx;
    p->used = 1;
    p->gen = ++gens;
    p->sock.ops = &tcp_ops;
    p->sndbuf = p->rcvbuf = TCP_RING_DEFAULT;
    p->keepidle = 7200;
    p->keepintvl = 75;
    p->keepcnt = 9;
    p->mss = TCP_MSS_NOOPT;
    pcbs_used++;
    return p;
}

/* Give back the empty chunks at the end (the first stays): called
 * between packets and timers, never while a loop holds a block. */
void tcp_pcb_trim(void)
{
    unsigned c = tcp_pcb_n / TCP_PCB_CHUNK;
    while (c > 1 && !busy[c - 1]) {
        c--;
        hc_pages_free(tcp_pcb_chunks[c],
                      pages_for(sizeof(struct tcp_pcb) * TCP_PCB_CHUNK));
        tcp_pcb_chunks[c] = NULL;
        tcp_pcb_n -= TCP_PCB_CHUNK;
    }
    busy_hint = busy_hint < c ? busy_hint : c;
}

struct tcp_pcb *tcp_pcb_find(uint16_t idx, uint32_t gen)
{
    if (!idx || idx > tcp_pcb_n)
        return NULL; /* its chunk went back */
    struct tcp_pcb *p = tcp_pcb_at(idx);
    return p->used && p->gen == gen ? p : NULL;
}

static unsigned peer_slot(net_addr raddr)
{
    uint32_t w[4];
    memcpy(w, &raddr, sizeof w);
    return ((w[0] ^ w[1] ^ w[2] ^ w[3]) * 0x9e3779b1u) >> 24;
}

void tcp_pcb_free(struct tcp_pcb *p)
{
    tcp_timer_forget(p);
    tcp_ring_free(&p->snd);
    tcp_ring_free(&p->rcv);
    tcp_set_state(p, TCPS_CLOSED); /* leaves the hash or listener list */
    if (p->passive)
        peer_slot_n[peer_slot(p->raddr)]--;
    p->used = 0;
    p->passive = 0;
    unsigned c = (p->idx - 1u) / TCP_PCB_CHUNK;
    busy[c] &= ~(1ull << ((p->idx - 1u) % TCP_PCB_CHUNK));
    busy_hint = c < busy_hint ? c : busy_hint;
    pcbs_used--;
}

unsigned tcp_pcb_free_count(void)
{
    return TCP_PCB_MAX - pcbs_used;
}

void tcp_peer_add(struct tcp_pcb *p)
{
    p->passive = 1;
    peer_slot_n[peer_slot(p->raddr)]++;
}

unsigned tcp_peer_count(net_addr raddr)
{
    unsigned n = 0;
    for (unsigned i = 0; i < tcp_pcb_n; i++) {
        const struct tcp_pcb *p = tcp_pcb_nth(i);
        n += p->used && p->passive && addr_eq(p->raddr, raddr);
    }
    return n;
}

/* The slot's count is at least raddr's own: below the cap it settles
 * the question; at it (a crowded slot or a greedy host) count exactly. */
int tcp_peer_full(net_addr raddr)
{
    if (peer_slot_n[peer_slot(raddr)] < TCP_PEER_MAX)
        return 0;
    return tcp_peer_count(raddr) >= TCP_PEER_MAX;
}

static int orphan_live(const struct tcp_pcb *p)
{
    return p->used && p->orphan && p->state != TCPS_CLOSED;
}

unsigned tcp_orphan_count(void)
{
    return orphans;
}

void tcp_pcb_orphan(struct tcp_pcb *p)
{
    orphans -= orphan_live(p);
    p->orphan = 1;
    orphans += orphan_live(p);
}

/* Whether p takes part in demultiplexing (has a live 4-tuple). */
static int pcb_live(const struct tcp_pcb *p)
{
    return p->used && p->state != TCPS_CLOSED && p->state != TCPS_LISTEN &&
           p->state != TCPS_TIME_WAIT;
}

static int pcb_match(const struct tcp_pcb *p, net_addr laddr, uint16_t lport,
                     net_addr raddr, uint16_t rport)
{
    return pcb_live(p) && p->lport == lport && p->rport == rport &&
           addr_eq(p->raddr, raddr) && addr_eq(p->laddr, laddr);
}

static unsigned tuple_hash(net_addr raddr, uint16_t lport, uint16_t rport)
{
    uint32_t w[4];
    memcpy(w, &raddr, sizeof w);
    uint32_t h = w[0] ^ w[1] ^ w[2] ^ w[3] ^ ((uint32_t)lport << 16 | rport);
    h *= 0x9e3779b1u;
    return h >> (32 - HASH_BITS);
}

/* The head of the list holding p, by p->linked. */
static uint16_t *list_head(const struct tcp_pcb *p)
{
    if (p->linked == LINK_LISTEN)
        return &listeners;
    return &buckets[tuple_hash(p->raddr, p->lport, p->rport)];
}

static void list_remove(struct tcp_pcb *p)
{
    uint16_t *at = list_head(p);
    while (*at && *at != p->idx)
        at = &tcp_pcb_at(*at)->hnext;
    if (*at)
        *at = p->hnext;
    p->linked = LINK_NONE;
}

/* Listeners stay in index order: the first bound is found first. */
static void list_insert(struct tcp_pcb *p, int which)
{
    p->linked = (uint8_t)which;
    uint16_t *at = list_head(p);
    if (which == LINK_LISTEN)
        while (*at && *at < p->idx)
            at = &tcp_pcb_at(*at)->hnext;
    p->hnext = *at;
    *at = p->idx;
}

/* Put p on the list its state calls for. */
static void pcb_relink(struct tcp_pcb *p)
{
    int want = pcb_live(p)                          ? LINK_HASH
               : p->used && p->state == TCPS_LISTEN ? LINK_LISTEN
                                                    : LINK_NONE;
    if (want == p->linked)
        return;
    if (p->linked == LINK_HASH || p->linked == LINK_LISTEN)
        list_remove(p);
    if (want != LINK_NONE)
        list_insert(p, want);
}

struct tcp_pcb *tcp_pcb_lookup(net_addr laddr, uint16_t lport, net_addr raddr,
                               uint16_t rport)
{
    if (!buckets)
        return NULL;
    uint16_t i = buckets[tuple_hash(raddr, lport, rport)];
    for (struct tcp_pcb *p; i; i = p->hnext) {
        p = tcp_pcb_at(i);
        if (pcb_match(p, laddr, lport, raddr, rport))
            return p;
    }
    return NULL;
}

/* Whether a listener bound to the wildcard w takes traffic to laddr:
 * ::ffff:0.0.0.0 takes IPv4, :: both families unless IPV6_V6ONLY. */
static int wild_takes(const struct tcp_pcb *p, net_addr laddr)
{
    if (addr_is4(p->laddr))
        return addr_is4(laddr);
    return !addr_is4(laddr) || !p->v6only;
}

struct tcp_pcb *tcp_listener_lookup(net_addr laddr, uint16_t lport)
{
    struct tcp_pcb *any = NULL;
    for (uint16_t i = listeners; i;) {
        struct tcp_pcb *p = tcp_pcb_at(i);
        i = p->hnext;
        if (p->lport != lport)
            continue;
        if (addr_eq(p->laddr, laddr))
            return p;
        if (addr_is_wild(p->laddr) && wild_takes(p, laddr) &&
            (!any || addr_is4(p->laddr) == addr_is4(laddr)))
            any = p; /* the family's own wildcard first */
    }
    return any;
}

struct tcp_tw *tcp_tw_lookup(net_addr laddr, uint16_t lport, net_addr raddr,
                             uint16_t rport)
{
    for (unsigned i = 0; i < tcp_tw_n; i++) {
        struct tcp_tw *t = &tcp_tws[i];
        if (t->used && t->lport == lport && t->rport == rport &&
            addr_eq(t->raddr, raddr) && addr_eq(t->laddr, laddr))
            return t;
    }
    return NULL;
}

static struct tcp_tw *tw_slot(void)
{
    struct tcp_tw *old = &tcp_tws[0];
    for (unsigned i = 0; i < tcp_tw_n; i++) {
        if (!tcp_tws[i].used)
            return &tcp_tws[i];
        if (tcp_tws[i].expire < old->expire)
            old = &tcp_tws[i];
    }
    return old; /* full: recycle the one closest to expiry */
}

void tcp_tw_enter(struct tcp_pcb *p, uint64_t now)
{
    struct tcp_tw *t = tw_slot();
    t->used = 1;
    t->laddr = p->laddr;
    t->raddr = p->raddr;
    t->lport = p->lport;
    t->rport = p->rport;
    t->snd_nxt = p->snd_nxt;
    t->rcv_nxt = p->rcv_nxt;
    t->ts_recent = p->ts_recent;
    t->ts_offset = p->ts_offset;
    t->ts_ok = p->ts_ok;
    t->rcv_wscale = p->rcv_wscale;
    tcp_timer_set(NULL, &t->expire, now + TCP_TW_TIME);
    tcp_set_state(p, TCPS_TIME_WAIT);
    p->t_rexmit = p->t_delack = p->t_persist = p->t_keep = p->t_close = 0;
    p->t_retry = 0;
    tcp_ring_free(&p->snd);
    if (p->orphan)
        tcp_pcb_free(p);
    net_notify();
}

uint64_t tcp_tw_timer(uint64_t now)
{
    uint64_t next = NET_NEVER;
    for (unsigned i = 0; i < tcp_tw_n; i++) {
        struct tcp_tw *t = &tcp_tws[i];
        if (!t->used)
            continue;
        if (t->expire <= now)
            t->used = 0;
        else if (t->expire < next)
            next = t->expire;
    }
    return next;
}

/* Whether p holds its local port against a new bind. */
static int pcb_holds_port(const struct tcp_pcb *p)
{
    if (!p->used || !p->lport)
        return 0;
    return p->state != TCPS_TIME_WAIT &&
           !(p->state == TCPS_CLOSED && p->conn_done);
}

/* Whether binding addr (of me's family) and a holds addresses that can
 * meet: equal ones, or a wildcard covering the other's family. */
static int addrs_meet(const struct tcp_pcb *me, net_addr addr, net_addr b,
                      uint8_t b_v6only)
{
    if (addr_eq(addr, b))
        return 1;
    if (addr_is_wild(addr) && addr_is_wild(b))
        return addr_is4(addr) == addr_is4(b) ||
               (addr_is4(addr) ? !b_v6only : !me->v6only);
    if (addr_is_wild(addr))
        return addr_is4(addr) ? addr_is4(b) : !addr_is4(b) || !me->v6only;
    if (addr_is_wild(b))
        return addr_is4(b) ? addr_is4(addr) : !addr_is4(addr) || !b_v6only;
    return 0;
}

static int port_conflict(const struct tcp_pcb *me, net_addr addr, uint16_t port)
{
    for (unsigned i = 0; i < tcp_pcb_n; i++) {
        const struct tcp_pcb *p = tcp_pcb_nth(i);
        if (p == me || !pcb_holds_port(p) || p->lport != port)
            continue;
        if (!addrs_meet(me, addr, p->laddr, p->v6only))
            continue;
        if (me->reuseport && p->reuseport)
            continue;
        if (me->reuseaddr && p->reuseaddr && p->state != TCPS_LISTEN)
            continue;
        return 1;
    }
    if (me->reuseaddr)
        return 0;
    for (unsigned i = 0; i < tcp_tw_n; i++) {
        const struct tcp_tw *t = &tcp_tws[i];
        if (t->used && t->lport == port && addrs_meet(me, addr, t->laddr, 0))
            return 1;
    }
    return 0;
}

int tcp_port_bind(struct tcp_pcb *p, net_addr addr, uint16_t port)
{
    if (!port) {
        p->laddr = addr;
        return tcp_port_ephemeral(p, addr_from4(0), 0);
    }
    if (port_conflict(p, addr, port))
        return -EADDRINUSE;
    p->laddr = addr;
    p->lport = port;
    return 0;
}

/* Linux's default ip_local_port_range. */
#define EPH_LO 32768u
#define EPH_HI 60999u

static int port_used(uint16_t port, net_addr raddr, uint16_t rport)
{
    for (unsigned i = 0; i < tcp_pcb_n; i++)
        if (pcb_holds_port(tcp_pcb_nth(i)) && tcp_pcb_nth(i)->lport == port)
            return 1;
    for (unsigned i = 0; i < tcp_tw_n; i++) {
        const struct tcp_tw *t = &tcp_tws[i];
        if (t->used && t->lport == port && addr_eq(t->raddr, raddr) &&
            t->rport == rport)
            return 1;
    }
    return 0;
}

int tcp_port_ephemeral(struct tcp_pcb *p, net_addr raddr, uint16_t rport)
{
    uint32_t n = EPH_HI - EPH_LO + 1, start = net_random32() % n;
    for (uint32_t i = 0; i < n; i++) {
        uint16_t port = htons((uint16_t)(EPH_LO + (start + i) % n));
        if (!port_used(port, raddr, rport)) {
            p->lport = port;
            return 0;
        }
    }
    return -EADDRNOTAVAIL;
}

/* Every state change comes here, so the lists and the orphan count
 * follow it. */
void tcp_set_state(struct tcp_pcb *p, int state)
{
    orphans -= orphan_live(p);
    p->state = (uint8_t)state;
    orphans += orphan_live(p);
    pcb_relink(p);
}

static void pcb_stop(struct tcp_pcb *p)
{
    p->t_rexmit = p->t_delack = p->t_persist = p->t_keep = p->t_close = 0;
    p->t_retry = 0;
    p->conn_done = 1;
    tcp_ring_free(&p->snd);
    p->snd_len = 0;
}

void tcp_drop(struct tcp_pcb *p, int err)
{
    int was = p->state;
    tcp_set_state(p, TCPS_CLOSED);
    pcb_stop(p);
    if (p->passive && was == TCPS_SYN_RECEIVED) {
        tcp_child_unlink(p);
        tcp_pcb_free(p);
        return;
    }
    p->err = err;
    p->shut_rd = p->shut_wr = 1;
    if (p->orphan || p->parent) {
        tcp_child_unlink(p);
        tcp_pcb_free(p);
    }
    net_notify();
}

void tcp_closed(struct tcp_pcb *p)
{
    tcp_set_state(p, TCPS_CLOSED);
    pcb_stop(p);
    if (p->orphan)
        tcp_pcb_free(p);
    net_notify();
}

int tcp_alloc_rings(struct tcp_pcb *p)
{
    if (!p->rcv.size && tcp_ring_plan(&p->rcv, p->rcvbuf) < 0)
        return -1;
    if (!p->snd.size && tcp_ring_plan(&p->snd, p->sndbuf) < 0) {
        tcp_ring_free(&p->rcv);
        return -1;
    }
    return 0;
}

/* The MSS we announce for a route: the interface MTU less the headers. */
static uint16_t mss_for(net_addr raddr)
{
    return (uint16_t)(net_l4_room(raddr) - TCP_HLEN);
}

void tcp_pcb_init_conn(struct tcp_pcb *p, uint64_t now)
{
    p->adv_mss = mss_for(p->raddr);
    if (p->user_mss && p->user_mss < p->adv_mss)
        p->adv_mss = p->user_mss;
    p->mss = p->adv_mss;
    p->rcv_wscale = TCP_WSCALE;
    p->ts_offset = net_random32();
    p->rto = TCP_RTO_INIT;
    p->last_rcv = now;
    p->ssthresh = UINT32_MAX;
}
