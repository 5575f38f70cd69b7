/*
 * nd.c: IPv6 neighbour discovery for a host, the address resolution
 * half (RFC 4861 sections 7.2 and 7.3): neighbour solicitations and
 * advertisements, and a neighbour cache with the NUD states
 * INCOMPLETE, REACHABLE, STALE, DELAY and PROBE. A miss solicits the
 * target's solicited-node group up to ND_MCAST_TRIES times, queueing a
 * few packets (copies) meanwhile; a solicited advertisement makes an
 * entry REACHABLE for ND_REACHABLE_NS, after which it is STALE; a stale
 * entry in use waits ND_DELAY_NS for a confirmation and then is probed
 * by unicast, and dropped when ND_UCAST_TRIES probes go unanswered.
 *
 * Solicitations for an address of ours that is still tentative, from
 * the unspecified address, are another host's duplicate address
 * detection: both of us want it, so we give it up (addr6_conflict); an
 * advertisement of a tentative address does the same; one for an
 * address we hold is only logged (RFC 4862 5.4.4).
 *
 * Limits: ND_MAX entries shared by the interfaces (the least recently
 * used one that is not being resolved is replaced when full),
 * ND_QUEUE_MAX queued packets in all and ND_QUEUE_PER per neighbour;
 * no upper-layer reachability hints (TCP's acknowledgements do not
 * confirm a neighbour yet); redirects are ignored, as a host may.
 */
#include <errno.h>
#include <string.h>
#include "ip6.h"
#include "kiln/byteorder.h"
#include "kiln/log.h"
#include "kiln/table.h"

#define ND_MAX 32
#define ND_QUEUE_MAX 8
#define ND_QUEUE_PER 3
#define ND_MCAST_TRIES 3
#define ND_UCAST_TRIES 3
#define ND_RETRANS_NS 1000000000ull
#define ND_REACHABLE_NS 30000000000ull
#define ND_DELAY_NS 5000000000ull
#define ND_NS 135
#define ND_NA 136
#define ND_HLEN 24 /* type, code, sum, flags, target */
#define OPT_SLLA 1
#define OPT_TLLA 2
#define NA_ROUTER 0x80
#define NA_SOLICITED 0x40
#define NA_OVERRIDE 0x20

enum { NB_FREE, NB_INCOMPLETE, NB_REACHABLE, NB_STALE, NB_DELAY, NB_PROBE };

struct nbr {
    struct netif *nif;
    struct in6_addr ip;
    uint8_t mac[6];
    uint8_t state, tries, router;
    uint64_t timer; /* the state's deadline */
    uint64_t used;
};

struct nd_queued {
    struct nbr *e; /* NULL: slot free */
    uint32_t seq;
    uint16_t len;
    uint8_t buf[NET_FRAME_MAX];
};

/* Allocated by the first lookup (kiln/table.h), not loaded by every image. */
static struct nbr *cache;

static void nd_cache_ready(void)
{
    kiln_table((void **)&cache, ND_MAX * sizeof *cache,
               "no memory for neighbours");
}
/* ND_QUEUE_MAX frames (12 KiB), allocated when the first packet waits:
 * an image never resolving over IPv6 does not carry them. */
static struct nd_queued *queue;
#define ND_QUEUE_PAGES                                                         \
    ((ND_QUEUE_MAX * sizeof(struct nd_queued) + HC_PAGE_SIZE - 1) /            \
     HC_PAGE_SIZE)
static uint32_t queue_seq;
static uint8_t nd_buf[NET6_HEADROOM + ND_HLEN + 8];

/* ---- options ------------------------------------------------------------ */

int nd_options_valid(const uint8_t *o, size_t len)
{
    while (len) {
        if (len < 8 || !o[1] || (size_t)o[1] * 8 > len)
            return 0; /* 7.1.1: no option may have length zero */
        len -= (size_t)o[1] * 8;
        o += (size_t)o[1] * 8;
    }
    return 1;
}

const uint8_t *nd_option(const uint8_t *o, size_t len, uint8_t type,
                         size_t *olen)
{
    while (len >= 8 && o[1] && (size_t)o[1] * 8 <= len) {
        size_t n = (size_t)o[1] * 8;
        if (o[0] == type) {
            *olen = n - 2;
            return o + 2;
        }
        o += n, len -= n;
    }
    return NULL;
}

/* ---- sending ------------------------------------------------------------ */

static void nd_send(struct netif *nif, uint8_t *m, size_t len,
                    const struct in6_addr *src, const struct in6_addr *dst)
{
    put16(m + 2, 0);
    put16(m + 2, inet_fold(inet_sum(m, len, ip6_pseudo(src, dst, 58, len))));
    ip6_send(nif, nd_buf, len, src, dst, 58, 255);
}

/* The message head (type, target) and a link-layer option of type opt
 * (0: none); its length. */
static size_t nd_build(struct netif *nif, uint8_t type, uint8_t flags,
                       const struct in6_addr *target, uint8_t opt)
{
    uint8_t *m = nd_buf + NET6_HEADROOM;
    memset(m, 0, ND_HLEN + 8);
    m[0] = type;
    m[4] = flags;
    memcpy(m + 8, target, 16);
    if (!opt)
        return ND_HLEN;
    m[ND_HLEN] = opt;
    m[ND_HLEN + 1] = 1;
    memcpy(m + ND_HLEN + 2, nif->mac, 6);
    return ND_HLEN + 8;
}

void nd_solicit(struct netif *nif, const struct in6_addr *target, int from_us,
                const struct in6_addr *dst)
{
    static const struct in6_addr any;
    struct in6_addr group;
    const struct addr6 *a = NULL;
    if (from_us && !(a = addr6_source(nif, target)))
        return;
    if (!dst) {
        ip6_solicited(target, &group);
        dst = &group;
    }
    /* From ::, no link-layer option (7.1.1); else ours. */
    size_t len = nd_build(nif, ND_NS, 0, target, a ? OPT_SLLA : 0);
    nd_send(nif, nd_buf + NET6_HEADROOM, len, a ? &a->a : &any, dst);
}

static void nd_advertise(struct netif *nif, const struct in6_addr *target,
                         const struct in6_addr *dst, uint8_t flags)
{
    size_t len = nd_build(nif, ND_NA, flags, target, OPT_TLLA);
    nd_send(nif, nd_buf + NET6_HEADROOM, len, target, dst);
}

/* ---- the cache ---------------------------------------------------------- */

static struct nbr *nd_find(const struct netif *nif, const struct in6_addr *a)
{
    nd_cache_ready();
    for (struct nbr *e = cache; e < cache + ND_MAX; e++)
        if (e->state != NB_FREE && e->nif == nif && !memcmp(&e->ip, a, 16))
            return e;
    return NULL;
}

static void nd_unqueue(const struct nbr *e)
{
    for (int i = 0; queue && i < ND_QUEUE_MAX; i++)
        if (queue[i].e == e)
            queue[i].e = NULL;
}

static struct nbr *nd_alloc(struct netif *nif, const struct in6_addr *a)
{
    struct nbr *old = NULL;
    nd_cache_ready();
    for (struct nbr *e = cache; e < cache + ND_MAX; e++) {
        if (e->state == NB_FREE) {
            old = e;
            break;
        }
        if (e->state != NB_INCOMPLETE && (!old || e->used < old->used))
            old = e;
    }
    if (!old)
        return NULL;
    nd_unqueue(old);
    *old = (struct nbr){.nif = nif, .ip = *a, .used = hc_clock_monotonic()};
    return old;
}

/* Send what waited for e, in the order it was queued. */
static void nd_flush(struct nbr *e)
{
    while (queue) {
        struct nd_queued *first = NULL;
        for (int i = 0; i < ND_QUEUE_MAX; i++)
            if (queue[i].e == e && (!first || queue[i].seq < first->seq))
                first = &queue[i];
        if (!first)
            return;
        first->e = NULL;
        eth_send(e->nif, e->mac, 0x86dd, first->buf + ETH_HLEN, first->len);
    }
}

static void nd_set(struct nbr *e, uint8_t state, uint64_t after)
{
    e->state = state;
    e->tries = 0;
    e->timer = hc_clock_monotonic() + after;
}

void nd_learn(struct netif *nif, const struct in6_addr *a, const uint8_t mac[6],
              int is_router)
{
    struct nbr *e = nd_find(nif, a);
    if (!e && !(e = nd_alloc(nif, a)))
        return;
    if (is_router >= 0)
        e->router = (uint8_t)is_router;
    if (e->state != NB_INCOMPLETE && !memcmp(e->mac, mac, 6))
        return;
    int was_incomplete = e->state == NB_INCOMPLETE || e->state == NB_FREE;
    memcpy(e->mac, mac, 6);
    nd_set(e, NB_STALE, 0);
    if (was_incomplete)
        nd_flush(e);
}

/* ---- output ------------------------------------------------------------- */

static int nd_queue(struct nbr *e, const uint8_t *pkt, size_t len)
{
    int n = 0;
    struct nd_queued *slot = NULL, *oldest = NULL;
    if (!queue && !(queue = hc_pages_alloc(ND_QUEUE_PAGES)))
        return -ENOBUFS;
    for (int i = 0; i < ND_QUEUE_MAX; i++) {
        struct nd_queued *q = &queue[i];
        if (!q->e)
            slot = slot ? slot : q;
        else if (q->e == e && (++n, !oldest || q->seq < oldest->seq))
            oldest = q;
    }
    if (n >= ND_QUEUE_PER)
        slot = oldest; /* 7.2.2: the newest packets are the ones to keep */
    if (!slot || len > NET_MTU_MAX)
        return -ENOBUFS;
    slot->e = e;
    slot->seq = queue_seq++;
    slot->len = (uint16_t)len;
    memcpy(slot->buf + ETH_HLEN, pkt, len);
    return 0;
}

/* A queued packet leaves later as a plain frame: a checksum left to the
 * NIC (m) is completed before it waits. */
static int nd_resolve(struct netif *nif, const struct in6_addr *nh,
                      uint8_t mac[6], uint8_t *pkt, size_t len,
                      const struct hc_net_meta *m)
{
    struct nbr *e = nd_find(nif, nh);
    if (!e) {
        if (!(e = nd_alloc(nif, nh)))
            return -ENOBUFS;
        nd_set(e, NB_INCOMPLETE, ND_RETRANS_NS);
        e->tries = 1;
        nd_solicit(nif, nh, 1, NULL);
    }
    e->used = hc_clock_monotonic();
    if (e->state == NB_INCOMPLETE) {
        if (m)
            inet_csum_finish(pkt - ETH_HLEN, ETH_HLEN + len, m);
        return nd_queue(e, pkt, len) < 0 ? -ENOBUFS : -EAGAIN;
    }
    if (e->state == NB_STALE)
        nd_set(e, NB_DELAY, ND_DELAY_NS);
    memcpy(mac, e->mac, 6);
    return 0;
}

int nd_output_meta(struct netif *nif, const struct in6_addr *nh, uint8_t *pkt,
                   size_t len, const struct hc_net_meta *m)
{
    uint8_t mac[6] = {0x33, 0x33}; /* RFC 2464 section 7 */
    if (ip6_is_multicast(nh)) {
        memcpy(mac + 2, nh->s6_addr + 12, 4);
    } else {
        int r = nd_resolve(nif, nh, mac, pkt, len, m);
        if (r == -EAGAIN)
            return 0; /* queued until the answer comes */
        if (r < 0)
            return r;
    }
    return eth_send_meta(nif, mac, 0x86dd, pkt, len, m);
}

int nd_output(struct netif *nif, const struct in6_addr *nh, uint8_t *pkt,
              size_t len)
{
    return nd_output_meta(nif, nh, pkt, len, NULL);
}

/* ---- input -------------------------------------------------------------- */

/* 7.1.1 and 7.1.2's checks common to both messages. */
static int nd_valid(const struct ip6_info *ip, const uint8_t *m, size_t len)
{
    if (ip->hlim != 255 || m[1] != 0 || len < ND_HLEN)
        return 0;
    if (m[8] == 0xff)
        return 0; /* the target is a group */
    return nd_options_valid(m + ND_HLEN, len - ND_HLEN);
}

static void nd_ns_in(const struct ip6_info *ip, const uint8_t *m, size_t len)
{
    struct in6_addr target;
    memcpy(&target, m + 8, 16);
    size_t olen;
    const uint8_t *sll = nd_option(m + ND_HLEN, len - ND_HLEN, OPT_SLLA, &olen);
    int from_any = ip6_is_unspecified(&ip->src);
    if (from_any && (sll || ip->dst.s6_addr[11] != 1))
        return; /* DAD: to a solicited-node group, no link-layer option */
    struct addr6 *ad = addr6_find(ip->nif, &target);
    if (!ad)
        return;
    if (ad->state == A6_TENTATIVE) {
        if (from_any) /* another host is testing it too */
            addr6_conflict(ip->nif, ad, "another host is claiming it");
        return;
    }
    if (sll && olen >= 6)
        nd_learn(ip->nif, &ip->src, sll, -1);
    static const struct in6_addr all_nodes = {.s6_addr = {0xff, 2, [15] = 1}};
    if (from_any)
        nd_advertise(ip->nif, &target, &all_nodes, NA_OVERRIDE);
    else
        nd_advertise(ip->nif, &target, &ip->src, NA_SOLICITED | NA_OVERRIDE);
}

/* 7.2.5 for an entry that is not INCOMPLETE. */
static void nd_na_update(struct nbr *e, uint8_t flags, const uint8_t *tll)
{
    int differs = tll && memcmp(tll, e->mac, 6);
    if (!(flags & NA_OVERRIDE) && differs) {
        if (e->state == NB_REACHABLE)
            nd_set(e, NB_STALE, 0);
        return;
    }
    if (tll)
        memcpy(e->mac, tll, 6);
    if (flags & NA_SOLICITED)
        nd_set(e, NB_REACHABLE, ND_REACHABLE_NS);
    else if (differs)
        nd_set(e, NB_STALE, 0);
    e->router = (flags & NA_ROUTER) != 0;
}

static void nd_na_in(const struct ip6_info *ip, const uint8_t *m, size_t len)
{
    struct in6_addr target;
    memcpy(&target, m + 8, 16);
    if (ip->mcast && (m[4] & NA_SOLICITED))
        return;
    struct addr6 *ad = addr6_find(ip->nif, &target);
    if (ad && ad->state == A6_TENTATIVE) {
        addr6_conflict(ip->nif, ad, "another host has it");
        return;
    }
    if (ad) {
        char t[48];
        kiln_log("net: eth%u: another host advertises our address %s",
                 ip->nif->idx, ip6_text(&target, t, sizeof t));
        return;
    }
    size_t olen;
    const uint8_t *tll = nd_option(m + ND_HLEN, len - ND_HLEN, OPT_TLLA, &olen);
    if (tll && olen < 6)
        tll = NULL;
    struct nbr *e = nd_find(ip->nif, &target);
    if (!e)
        return;
    if (e->state != NB_INCOMPLETE) {
        nd_na_update(e, m[4], tll);
        return;
    }
    if (!tll)
        return;
    memcpy(e->mac, tll, 6);
    e->router = (m[4] & NA_ROUTER) != 0;
    if (m[4] & NA_SOLICITED)
        nd_set(e, NB_REACHABLE, ND_REACHABLE_NS);
    else
        nd_set(e, NB_STALE, 0);
    nd_flush(e);
}

void nd_input(const struct ip6_info *ip, const uint8_t *msg, size_t len)
{
    if (!nd_valid(ip, msg, len))
        return;
    if (msg[0] == ND_NS)
        nd_ns_in(ip, msg, len);
    else if (msg[0] == ND_NA)
        nd_na_in(ip, msg, len);
    /* router solicitations are for routers; redirects are ignored */
}

/* ---- timers ------------------------------------------------------------- */

static void nd_expire(struct nbr *e)
{
    switch (e->state) {
    case NB_INCOMPLETE:
        if (e->tries >= ND_MCAST_TRIES)
            break;
        e->tries++;
        e->timer += ND_RETRANS_NS;
        nd_solicit(e->nif, &e->ip, 1, NULL);
        return;
    case NB_REACHABLE: nd_set(e, NB_STALE, 0); return;
    case NB_DELAY:
        nd_set(e, NB_PROBE, 0); /* probe now */
    /* fall through */
    case NB_PROBE:
        if (e->tries >= ND_UCAST_TRIES)
            break;
        e->tries++;
        e->timer = hc_clock_monotonic() + ND_RETRANS_NS;
        nd_solicit(e->nif, &e->ip, 1, &e->ip);
        return;
    default: return; /* STALE waits for traffic */
    }
    nd_unqueue(e);
    e->state = NB_FREE;
}

uint64_t nd_timer(uint64_t now)
{
    uint64_t next = NET_NEVER;
    for (struct nbr *e = cache; cache && e < cache + ND_MAX; e++) {
        if (e->state == NB_FREE || e->state == NB_STALE)
            continue;
        if (now >= e->timer)
            nd_expire(e);
        if (e->state != NB_FREE && e->state != NB_STALE && e->timer < next)
            next = e->timer;
    }
    return next;
}
