/*
 * tcp_pcb.c: the connection table and the TIME_WAIT table, lookups by
 * 4-tuple, port allocation (bind rules as Linux's, random ephemeral
 * ports), and the ends of a connection's life (drop, close, TIME_WAIT).
 *
 * Limits: lookups go through a small cache keyed by the 4-tuple and
 * scan the table on a miss; TCP_PCB_MAX (256) is small enough for that. When
 * TIME_WAIT is full the entry closest to expiry is recycled.
 */
#include <errno.h>
#include <string.h>
#include "tcp.h"

/* Both tables (120 KiB) come from the page allocator with the first
 * connection block, so images that never use TCP do not carry them.
 * Until then the loops over them run zero times. */
struct tcp_pcb *tcp_pcbs;
struct tcp_tw *tcp_tws;
unsigned tcp_pcb_n, tcp_tw_n;

static size_t pages_for(size_t bytes)
{
    return (bytes + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE;
}

static int tables_alloc(void)
{
    struct tcp_pcb *pcbs =
        hc_pages_alloc(pages_for(sizeof *pcbs * TCP_PCB_MAX));
    struct tcp_tw *tws = hc_pages_alloc(pages_for(sizeof *tws * TCP_TW_MAX));
    if (!pcbs || !tws) {
        if (pcbs)
            hc_pages_free(pcbs, pages_for(sizeof *pcbs * TCP_PCB_MAX));
        if (tws)
            hc_pages_free(tws, pages_for(sizeof *tws * TCP_TW_MAX));
        return -ENOMEM;
    }
    tcp_pcbs = pcbs, tcp_tws = tws;
    tcp_pcb_n = TCP_PCB_MAX, tcp_tw_n = TCP_TW_MAX;
    return 0;
}

struct tcp_pcb *tcp_pcb_alloc(void)
{
    if (!tcp_pcbs && tables_alloc() < 0)
        return NULL;
    for (unsigned i = 0; i < tcp_pcb_n; i++) {
        struct tcp_pcb *p = &tcp_pcbs[i];
        if (p->used)
            continue;
        uint32_t gen = p->gen + 1;
        memset(p, 0, sizeof *p);
        p->used = 1;
        p->gen = gen;
        p->sock.ops = &tcp_ops;
        p->sndbuf = p->rcvbuf = TCP_RING_DEFAULT;
        p->keepidle = 7200;
        p->keepintvl = 75;
        p->keepcnt = 9;
        p->mss = TCP_MSS_NOOPT;
        return p;
    }
    return NULL;
}

void tcp_pcb_free(struct tcp_pcb *p)
{
    tcp_ring_free(&p->snd);
    tcp_ring_free(&p->rcv);
    p->used = 0;
    p->state = TCPS_CLOSED;
}

unsigned tcp_pcb_free_count(void)
{
    unsigned n = TCP_PCB_MAX - tcp_pcb_n; /* all, before the first */
    for (unsigned i = 0; i < tcp_pcb_n; i++)
        n += !tcp_pcbs[i].used;
    return n;
}

unsigned tcp_peer_count(net_addr raddr)
{
    unsigned n = 0;
    for (unsigned i = 0; i < tcp_pcb_n; i++)
        n += tcp_pcbs[i].used && tcp_pcbs[i].passive &&
             addr_eq(tcp_pcbs[i].raddr, raddr);
    return n;
}

unsigned tcp_orphan_count(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < tcp_pcb_n; i++)
        n += tcp_pcbs[i].used && tcp_pcbs[i].orphan &&
             tcp_pcbs[i].state != TCPS_CLOSED;
    return n;
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

/* A direct-mapped cache from a 4-tuple's hash to the pcb last found for
 * it: entries are checked on use, so nothing needs invalidating. */
#define LOOKUP_CACHE 256
_Static_assert(TCP_PCB_MAX <= 256, "lookup_cache holds 8-bit indices");
static uint8_t lookup_cache[LOOKUP_CACHE];

static unsigned tuple_slot(net_addr raddr, uint16_t lport, uint16_t rport)
{
    uint32_t w[4];
    memcpy(w, &raddr, sizeof w);
    uint32_t h = w[0] ^ w[1] ^ w[2] ^ w[3] ^ ((uint32_t)lport << 16 | rport);
    h *= 0x9e3779b1u;
    return h >> 24;
}

struct tcp_pcb *tcp_pcb_lookup(net_addr laddr, uint16_t lport, net_addr raddr,
                               uint16_t rport)
{
    if (!tcp_pcbs)
        return NULL;
    unsigned slot = tuple_slot(raddr, lport, rport);
    struct tcp_pcb *p = &tcp_pcbs[lookup_cache[slot]];
    if (pcb_match(p, laddr, lport, raddr, rport))
        return p;
    for (unsigned i = 0; i < tcp_pcb_n; i++) {
        p = &tcp_pcbs[i];
        if (pcb_match(p, laddr, lport, raddr, rport)) {
            lookup_cache[slot] = (uint8_t)i;
            return p;
        }
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
    for (unsigned i = 0; i < tcp_pcb_n; i++) {
        struct tcp_pcb *p = &tcp_pcbs[i];
        if (!p->used || p->state != TCPS_LISTEN || p->lport != lport)
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
    tcp_timer_set(&t->expire, now + TCP_TW_TIME);
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
        const struct tcp_pcb *p = &tcp_pcbs[i];
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
        if (pcb_holds_port(&tcp_pcbs[i]) && tcp_pcbs[i].lport == port)
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

void tcp_set_state(struct tcp_pcb *p, int state)
{
    p->state = (uint8_t)state;
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
    if (!p->rcv.buf && tcp_ring_alloc(&p->rcv, p->rcvbuf) < 0)
        return -1;
    if (!p->snd.buf && tcp_ring_alloc(&p->snd, p->sndbuf) < 0) {
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
