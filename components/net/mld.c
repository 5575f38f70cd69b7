/*
 * mld.c: MLDv2 listener reports (RFC 3810) for the groups an interface
 * listens to: the solicited-node group of each of its addresses
 * (all-nodes, ff02::1, is never reported, 3810 section 6). Snooping
 * switches forward neighbour solicitations only to ports that reported
 * the group, so without these a guest behind one would not be found.
 *
 * When the set changes we send a state-change report (TO_EX for groups
 * joined, TO_IN for groups left) at once and once more within
 * MLD_REPEAT_NS (the robustness variable 2, 3810 section 6.1); a query
 * gets a current-state report (IS_EX for every group) after a random
 * part of its maximum response delay. Reports go to ff02::16 with hop
 * limit 1 and a hop-by-hop router alert, from the link-local address or,
 * before it is ready, from :: (RFC 3590).
 *
 * Limits: MLDv1 queriers get MLDv2 reports (no compatibility mode); one
 * pending report of each kind per interface, a newer one replacing it.
 */
#include <string.h>
#include "ip6.h"
#include "kiln/byteorder.h"
#include "kiln/table.h"

#define GROUPS_MAX ADDR6_MAX
#define MLD_REPEAT_NS 1000000000ull
#define MLD_QUERY_MAX_NS 10000000000ull
#define MLD_REPORT 143
#define REC_IS_EX 2
#define REC_TO_IN 3
#define REC_TO_EX 4
#define REC_LEN 20
#define HBH_LEN 8

struct mld_if {
    struct in6_addr reported[GROUPS_MAX]; /* what the routers know */
    unsigned nreported;
    struct in6_addr rec[2 * GROUPS_MAX]; /* the pending change report */
    uint8_t rec_type[2 * GROUPS_MAX];
    unsigned nrec;
    uint64_t repeat_at; /* 0: no change report pending */
    uint64_t answer_at; /* 0: no query to answer */
};

/* Allocated when an interface first joins or is queried (kiln/table.h). */
static struct mld_if *mifs;

static struct mld_if *mld_if_of(const struct netif *nif)
{
    kiln_table((void **)&mifs, NETIF_MAX * sizeof *mifs, "no memory for MLD");
    return &mifs[nif->idx];
}
#define MLD_BUF_LEN (NET6_HEADROOM + HBH_LEN + 8 + 2 * GROUPS_MAX * REC_LEN)
static uint8_t *mld_buf; /* allocated by the first report */

/* The groups nif's addresses ask for, each once. */
static unsigned mld_groups(struct netif *nif, struct in6_addr *g)
{
    unsigned n = 0;
    struct if6 *s = if6_of(nif);
    for (struct addr6 *ad = s->addrs; ad < s->addrs + ADDR6_MAX; ad++) {
        if (ad->state == A6_FREE)
            continue;
        struct in6_addr x;
        ip6_solicited(&ad->a, &x);
        unsigned i;
        for (i = 0; i < n && memcmp(&g[i], &x, 16); i++)
            ;
        if (i == n)
            g[n++] = x;
    }
    return n;
}

static int mld_has(const struct in6_addr *set, unsigned n,
                   const struct in6_addr *a)
{
    for (unsigned i = 0; i < n; i++)
        if (!memcmp(&set[i], a, 16))
            return 1;
    return 0;
}

static void mld_send(struct netif *nif, const struct in6_addr *g,
                     const uint8_t *types, unsigned n)
{
    static const struct in6_addr routers = {.s6_addr = {0xff, 2, [15] = 0x16}};
    static const struct in6_addr any;
    if (!n)
        return;
    kiln_table((void **)&mld_buf, MLD_BUF_LEN, "no memory for MLD");
    uint8_t *h = mld_buf + NET6_HEADROOM, *m = h + HBH_LEN;
    static const uint8_t hbh[HBH_LEN] = {58, 0, 5, 2, 0, 0, 1, 0};
    memcpy(h, hbh, HBH_LEN); /* router alert (MLD), then PadN */
    memset(m, 0, 8);
    m[0] = MLD_REPORT;
    put16(m + 6, (uint16_t)n);
    for (unsigned i = 0; i < n; i++) {
        uint8_t *r = m + 8 + i * REC_LEN;
        memset(r, 0, 4);
        r[0] = types[i];
        memcpy(r + 4, &g[i], 16);
    }
    size_t len = 8 + n * REC_LEN;
    const struct addr6 *a = addr6_source(nif, &routers);
    const struct in6_addr *src = a && a->how == A6_LINKLOCAL ? &a->a : &any;
    put16(m + 2,
          inet_fold(inet_sum(m, len, ip6_pseudo(src, &routers, 58, len))));
    ip6_send(nif, mld_buf, HBH_LEN + len, src, &routers, 0, 1);
}

void mld_changed(struct netif *nif)
{
    struct mld_if *mi = mld_if_of(nif);
    struct in6_addr now[GROUPS_MAX];
    unsigned n = mld_groups(nif, now);
    mi->nrec = 0;
    for (unsigned i = 0; i < n; i++)
        if (!mld_has(mi->reported, mi->nreported, &now[i])) {
            mi->rec[mi->nrec] = now[i];
            mi->rec_type[mi->nrec++] = REC_TO_EX;
        }
    for (unsigned i = 0; i < mi->nreported; i++)
        if (!mld_has(now, n, &mi->reported[i])) {
            mi->rec[mi->nrec] = mi->reported[i];
            mi->rec_type[mi->nrec++] = REC_TO_IN;
        }
    memcpy(mi->reported, now, sizeof now);
    mi->nreported = n;
    mld_send(nif, mi->rec, mi->rec_type, mi->nrec);
    mi->repeat_at = hc_clock_monotonic() + 1 + net_random32() % MLD_REPEAT_NS;
    net_timer_kick(mi->repeat_at);
}

static void mld_answer(struct netif *nif)
{
    struct in6_addr g[GROUPS_MAX];
    uint8_t types[GROUPS_MAX];
    unsigned n = mld_groups(nif, g);
    memset(types, REC_IS_EX, sizeof types);
    mld_send(nif, g, types, n);
}

void mld_query(const struct ip6_info *ip, const uint8_t *msg, size_t len)
{
    if (len < 24 || ip->hlim != 1 || !ip6_is_linklocal(&ip->src) ||
        ip->nif->loopback)
        return; /* 3810 section 5.1.14 */
    uint32_t max_ms = get16(msg + 4);
    if (max_ms >= 32768) /* 5.1.3's floating point form */
        max_ms = ((max_ms & 0xfff) | 0x1000) << (((max_ms >> 12) & 7) + 3);
    uint64_t max_ns = (uint64_t)max_ms * 1000000ull;
    if (max_ns > MLD_QUERY_MAX_NS || !max_ns)
        max_ns = MLD_QUERY_MAX_NS;
    struct mld_if *mi = mld_if_of(ip->nif);
    uint64_t at = hc_clock_monotonic() + 1 + net_random32() % max_ns;
    if (!mi->answer_at || at < mi->answer_at)
        mi->answer_at = at;
    net_timer_kick(mi->answer_at);
}

uint64_t mld_timer(uint64_t now)
{
    uint64_t next = NET_NEVER;
    struct netif *nif;
    for (unsigned i = 0; mifs && (nif = netif_get(i)); i++) {
        struct mld_if *mi = &mifs[i];
        if (mi->repeat_at && now >= mi->repeat_at) {
            mi->repeat_at = 0;
            mld_send(nif, mi->rec, mi->rec_type, mi->nrec);
        }
        if (mi->answer_at && now >= mi->answer_at) {
            mi->answer_at = 0;
            mld_answer(nif);
        }
        if (mi->repeat_at && mi->repeat_at < next)
            next = mi->repeat_at;
        if (mi->answer_at && mi->answer_at < next)
            next = mi->answer_at;
    }
    return next;
}
