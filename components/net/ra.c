/*
 * ra.c: the router half of neighbour discovery for a host (RFC 4861
 * section 6.3): router solicitations at start-up (up to RS_TRIES, RS_GAP_NS
 * apart, after a random delay of up to a second), and router
 * advertisements read into a default router list, an on-link prefix
 * list, the interface's hop limit and MTU, the routers' link-layer
 * addresses (nd.c), autonomous prefixes for SLAAC (addr6.c) and RDNSS
 * DNS servers (RFC 8106) for resolv.conf. Each entry expires with the
 * lifetime its advertisement gave; a static ip6= gateway never does.
 *
 * Limits: ROUTERS_MAX routers and PREFIX_MAX prefixes per interface
 * (more are ignored until one expires); the first live router is the
 * default (no preference or reachability ranking); DNS_MAX servers in
 * all; no DNSSL.
 */
#include <string.h>
#include "ip6.h"
#include "kiln/byteorder.h"
#include "kiln/table.h"

#define ROUTERS_MAX 3
#define PREFIX_MAX 4
#define DNS6_MAX NET_DNS_MAX
#define RS_TRIES 3
#define RS_GAP_NS 4000000000ull   /* RTR_SOLICITATION_INTERVAL */
#define RS_DELAY_NS 1000000000ull /* MAX_RTR_SOLICITATION_DELAY */
#define NS_PER_S 1000000000ull
#define RA_HLEN 16
#define OPT_SLLA 1
#define OPT_PREFIX 3
#define OPT_MTU 5
#define OPT_RDNSS 25

struct life6 {
    struct in6_addr a;
    uint8_t used, plen;
    uint64_t expires; /* NET_NEVER: static */
};

/* An interface's routers and prefixes; NETIF_MAX of them, allocated by
 * the first interface's use (kiln/table.h), not loaded by every image. */
struct ra_lists {
    struct life6 routers[ROUTERS_MAX];
    struct life6 prefixes[PREFIX_MAX];
};
static struct ra_lists *lists;

static struct ra_lists *ra_of(unsigned idx)
{
    kiln_table((void **)&lists, NETIF_MAX * sizeof *lists,
               "no memory for IPv6 routers");
    return &lists[idx];
}
static struct life6 dns6[DNS6_MAX];
static uint8_t rs_buf[NET6_HEADROOM + 16];

static uint64_t ra_expiry(uint32_t secs)
{
    if (secs == UINT32_MAX)
        return NET_NEVER;
    return hc_clock_monotonic() + (uint64_t)secs * NS_PER_S;
}

/* Set, refresh or (secs 0) remove a in list. */
static void life_update(struct life6 *list, int n, const struct in6_addr *a,
                        uint8_t plen, uint32_t secs)
{
    struct life6 *free = NULL;
    for (struct life6 *e = list; e < list + n; e++) {
        if (e->used && e->plen == plen && !memcmp(&e->a, a, 16)) {
            if (e->expires == NET_NEVER)
                return; /* static: advertisements do not change it */
            e->used = secs != 0;
            e->expires = ra_expiry(secs);
            return;
        }
        if (!e->used && !free)
            free = e;
    }
    if (free && secs)
        *free = (struct life6){
            .a = *a, .used = 1, .plen = plen, .expires = ra_expiry(secs)};
}

const struct in6_addr *ra_router(const struct netif *nif)
{
    if (nif->loopback)
        return NULL;
    struct life6 *list = ra_of(nif->idx)->routers;
    for (struct life6 *e = list; e < list + ROUTERS_MAX; e++)
        if (e->used)
            return &e->a;
    return NULL;
}

static int prefix_match(const struct in6_addr *a, const struct in6_addr *p,
                        unsigned plen)
{
    unsigned whole = plen / 8, rest = plen % 8;
    if (memcmp(a, p, whole))
        return 0;
    return !rest ||
           !((a->s6_addr[whole] ^ p->s6_addr[whole]) & (0xff00u >> rest));
}

int ra_onlink(const struct netif *nif, const struct in6_addr *dst)
{
    if (nif->loopback)
        return 0;
    const struct life6 *list = ra_of(nif->idx)->prefixes;
    for (const struct life6 *e = list; e < list + PREFIX_MAX; e++)
        if (e->used && prefix_match(dst, &e->a, e->plen))
            return 1;
    return 0;
}

void ra_add_static(struct netif *nif, const struct in6_addr *gw)
{
    struct life6 *e = &ra_of(nif->idx)->routers[0];
    *e = (struct life6){.a = *gw, .used = 1, .expires = NET_NEVER};
}

/* A static address's prefix is on-link for good. */
void ra_add_prefix(struct netif *nif, const struct in6_addr *a, uint8_t plen)
{
    struct life6 *e = &ra_of(nif->idx)->prefixes[PREFIX_MAX - 1];
    *e = (struct life6){.a = *a, .used = 1, .plen = plen, .expires = NET_NEVER};
}

/* ---- solicitation ------------------------------------------------------- */

void ra_start(struct netif *nif)
{
    struct if6 *i = if6_of(nif);
    i->rs_left = RS_TRIES;
    i->rs_at = hc_clock_monotonic() + net_random32() % RS_DELAY_NS;
}

static void ra_solicit(struct netif *nif)
{
    static const struct in6_addr all_routers = {.s6_addr = {0xff, 2, [15] = 2}};
    static const struct in6_addr any;
    const struct addr6 *a = addr6_source(nif, &all_routers);
    uint8_t *m = rs_buf + NET6_HEADROOM;
    size_t len = a ? 16 : 8; /* from :: no link-layer option (6.3.7) */
    memset(m, 0, 16);
    m[0] = 133;
    m[8] = OPT_SLLA;
    m[9] = 1;
    memcpy(m + 10, nif->mac, 6);
    const struct in6_addr *src = a ? &a->a : &any;
    put16(m + 2,
          inet_fold(inet_sum(m, len, ip6_pseudo(src, &all_routers, 58, len))));
    ip6_send(nif, rs_buf, len, src, &all_routers, 58, 255);
}

/* ---- advertisements ----------------------------------------------------- */

static void ra_prefix(struct netif *nif, const uint8_t *o, size_t olen)
{
    if (olen < 30)
        return;
    uint8_t plen = o[0], flags = o[1];
    uint32_t valid = get32(o + 2), preferred = get32(o + 6);
    struct in6_addr p;
    memcpy(&p, o + 14, 16);
    if (ip6_is_linklocal(&p) || preferred > valid || plen > 128)
        return; /* 4861 6.3.4, 4862 5.5.3 a) and c) */
    if (flags & 0x80)
        life_update(ra_of(nif->idx)->prefixes, PREFIX_MAX, &p, plen, valid);
    if ((flags & 0x40) && plen == 64 && if6_of(nif)->slaac)
        addr6_slaac(nif, p.s6_addr, valid, preferred);
}

static void ra_rdnss(const uint8_t *o, size_t olen)
{
    if (olen < 22) /* 8106 5.1: at least one address */
        return;
    uint32_t life = get32(o + 2);
    for (size_t at = 6; at + 16 <= olen; at += 16) {
        struct in6_addr a;
        memcpy(&a, o + at, 16);
        life_update(dns6, DNS6_MAX, &a, 0, life);
    }
}

static void ra_mtu(struct netif *nif, const uint8_t *o, size_t olen)
{
    uint32_t mtu = olen >= 6 ? get32(o + 2) : 0;
    if (mtu >= IP6_MIN_MTU && mtu <= nif->mtu)
        if6_of(nif)->mtu = (uint16_t)mtu;
}

static void ra_options(const struct ip6_info *ip, const uint8_t *o, size_t len)
{
    while (len >= 8) {
        size_t n = (size_t)o[1] * 8;
        if (o[0] == OPT_SLLA)
            nd_learn(ip->nif, &ip->src, o + 2, 1);
        else if (o[0] == OPT_PREFIX)
            ra_prefix(ip->nif, o + 2, n - 2);
        else if (o[0] == OPT_MTU)
            ra_mtu(ip->nif, o + 2, n - 2);
        else if (o[0] == OPT_RDNSS)
            ra_rdnss(o + 2, n - 2);
        o += n, len -= n;
    }
}

void ra_input(const struct ip6_info *ip, const uint8_t *m, size_t len)
{
    if (!ip6_is_linklocal(&ip->src) || ip->hlim != 255 || m[1] ||
        len < RA_HLEN || !nd_options_valid(m + RA_HLEN, len - RA_HLEN))
        return; /* 6.1.2 */
    struct if6 *i = if6_of(ip->nif);
    i->rs_left = 0;
    if (m[4])
        i->hlim = m[4];
    if (get32(m + 12))
        i->retrans_ms = get32(m + 12);
    life_update(ra_of(ip->nif->idx)->routers, ROUTERS_MAX, &ip->src, 0,
                get16(m + 6));
    ra_options(ip, m + RA_HLEN, len - RA_HLEN);
}

/* ---- timers and DNS ----------------------------------------------------- */

static uint64_t life_expire(struct life6 *list, int n, uint64_t now)
{
    uint64_t next = NET_NEVER;
    for (struct life6 *e = list; e < list + n; e++) {
        if (e->used && now >= e->expires)
            e->used = 0;
        else if (e->used && e->expires < next)
            next = e->expires;
    }
    return next;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

uint64_t ra_timer(uint64_t now)
{
    uint64_t next = life_expire(dns6, DNS6_MAX, now);
    struct netif *nif;
    for (unsigned i = 0; (nif = netif_get(i)); i++) {
        next = min64(next, life_expire(ra_of(i)->routers, ROUTERS_MAX, now));
        next = min64(next, life_expire(ra_of(i)->prefixes, PREFIX_MAX, now));
        struct if6 *s = if6_of(nif);
        if (s->rs_left && now >= s->rs_at) {
            ra_solicit(nif);
            s->rs_left--;
            s->rs_at = now + RS_GAP_NS;
        }
        if (s->rs_left)
            next = min64(next, s->rs_at);
    }
    return next;
}

int net_dns6_servers(struct in6_addr *out, int max)
{
    int n = 0;
    for (int i = 0; i < DNS6_MAX && n < max; i++)
        if (dns6[i].used)
            out[n++] = dns6[i].a;
    return n;
}
