/*
 * addr6.c: our IPv6 addresses per interface, stateless address
 * autoconfiguration and duplicate address detection (RFC 4862).
 *
 * Every address starts tentative: we join its solicited-node group
 * (mld.c reports it), wait a random time of up to a second (5.4.2), send
 * DAD_TRANSMITS solicitations from :: and, if nobody objected within a
 * retransmission time, it becomes preferred and the console gets its
 * line ("net: eth0 MAC ADDR/LEN (link-local)"). An objection (nd.c: an
 * advertisement of it, or another host's DAD solicitation for it) makes
 * us give it up and say so; a SLAAC address then tries the next RFC 7217
 * identifier, IDGEN_RETRIES times (section 6).
 *
 * SLAAC addresses take RFC 7217's stable, opaque identifiers
 * (stableid6.c) keyed by the ip6.secret= boot option; without one the
 * key is KEY_DEFAULT, so the address is stable but predictable from the
 * MAC: the guest has no storage to keep a secret it drew itself, and one
 * drawn at each boot would change the address at each boot. Link-local
 * addresses stay modified EUI-64 (RFC 4291 appendix A), which is what
 * neighbours and the tests expect to find. SLAAC addresses follow the prefix's
 * lifetimes with 5.5.3 e)'s two-hour rule; past its preferred lifetime an
 * address is deprecated (chosen as a source only when nothing else fits), past
 * its valid one removed.
 *
 * Limits: ADDR6_MAX addresses per interface; no temporary (RFC 8981)
 * addresses; no optimistic DAD.
 */
#include <stdio.h>
#include <string.h>
#include "ip6.h"
#include "kiln/log.h"

#define DAD_TRANSMITS 1
#define DAD_DELAY_NS 1000000000ull
#define NS_PER_S 1000000000ull
#define TWO_HOURS_S 7200u
#define IDGEN_RETRIES 3 /* RFC 7217 section 6 */

/* Used without ip6.secret=: anyone who reads this can compute the
 * addresses from the MAC (README says so). */
static const uint8_t KEY_DEFAULT[16] = "kiln:rfc7217-key";

static const char *const how_text[] = {"link-local", "slaac", "static",
                                       "loopback"};

static uint64_t addr6_deadline(uint32_t secs)
{
    if (secs == UINT32_MAX)
        return NET_NEVER;
    return hc_clock_monotonic() + (uint64_t)secs * NS_PER_S;
}

static struct netif *addr6_nif(unsigned i)
{
    return i == NETIF_MAX ? netif_loopback() : netif_get(i);
}

struct addr6 *addr6_find(const struct netif *nif, const struct in6_addr *a)
{
    for (unsigned i = 0; i <= NETIF_MAX; i++) {
        const struct netif *n = addr6_nif(i);
        if (!n || (nif && n != nif))
            continue;
        struct if6 *s = if6_of(n);
        for (struct addr6 *ad = s->addrs; ad < s->addrs + ADDR6_MAX; ad++)
            if (ad->state != A6_FREE && !memcmp(&ad->a, a, 16))
                return ad;
    }
    return NULL;
}

void addr6_eui64(const struct netif *nif, uint8_t iid[8])
{
    const uint8_t *m = nif->mac;
    iid[0] = m[0] ^ 0x02; /* the universal/local bit, inverted */
    iid[1] = m[1], iid[2] = m[2];
    iid[3] = 0xff, iid[4] = 0xfe;
    iid[5] = m[3], iid[6] = m[4], iid[7] = m[5];
}

struct addr6 *addr6_add(struct netif *nif, const struct in6_addr *a,
                        uint8_t plen, uint8_t how, uint32_t valid,
                        uint32_t preferred)
{
    struct if6 *s = if6_of(nif);
    struct addr6 *ad = addr6_find(nif, a);
    if (ad)
        return ad;
    for (ad = s->addrs; ad < s->addrs + ADDR6_MAX && ad->state; ad++)
        ;
    if (ad == s->addrs + ADDR6_MAX)
        return NULL;
    *ad = (struct addr6){.a = *a,
                         .state = A6_TENTATIVE,
                         .how = how,
                         .plen = plen,
                         .dad_left = DAD_TRANSMITS};
    ad->valid_until = addr6_deadline(valid);
    ad->prefer_until = addr6_deadline(preferred);
    ad->dad_at = hc_clock_monotonic() + net_random32() % DAD_DELAY_NS;
    if (nif->loopback)
        ad->state = A6_PREFERRED; /* nobody else is on the loopback */
    else
        mld_changed(nif);
    net_timer_kick(ad->dad_at);
    return ad;
}

static void addr6_describe(struct netif *nif, const struct addr6 *ad)
{
    char a[48], gw[64] = "", g[48];
    const uint8_t *m = nif->mac;
    const struct in6_addr *r = ra_router(nif);
    if (r && ad->how != A6_LINKLOCAL)
        snprintf(gw, sizeof gw, " gw %s", ip6_text(r, g, sizeof g));
    kiln_log("net: eth%u %02x:%02x:%02x:%02x:%02x:%02x %s/%u%s (%s)", nif->idx,
             m[0], m[1], m[2], m[3], m[4], m[5], ip6_text(&ad->a, a, sizeof a),
             ad->plen, gw, how_text[ad->how]);
}

/* The RFC 7217 key: ip6.secret=, else KEY_DEFAULT; read once. */
static const uint8_t *addr6_key(void)
{
    static uint8_t key[16];
    static int ready;
    if (ready)
        return key;
    ready = 1;
    int r = stableid6_secret(hc_cmdline(), key);
    if (r < 0)
        kiln_log("net: ip6.secret= wants 32 hex digits (128 bits); SLAAC "
                 "addresses use the built-in key, predictable from the MAC");
    if (r <= 0)
        memcpy(key, KEY_DEFAULT, sizeof key);
    return key;
}

/* Move a SLAAC address to its next identifier and start DAD again. */
static void addr6_regenerate(struct netif *nif, struct addr6 *ad)
{
    uint8_t prefix[8];
    memcpy(prefix, ad->a.s6_addr, 8);
    ad->dad_counter =
        stableid6_iid(addr6_key(), prefix, nif->mac,
                      (uint8_t)(ad->dad_counter + 1), ad->a.s6_addr + 8);
    ad->state = A6_TENTATIVE;
    ad->dad_left = DAD_TRANSMITS;
    ad->dad_at = hc_clock_monotonic() + net_random32() % DAD_DELAY_NS;
    net_timer_kick(ad->dad_at);
}

void addr6_conflict(struct netif *nif, struct addr6 *ad, const char *how)
{
    char a[48];
    kiln_log("net: eth%u: %s/%u is in use on the link (%s); giving it up",
             nif->idx, ip6_text(&ad->a, a, sizeof a), ad->plen, how);
    if (ad->how == A6_SLAAC && ad->dad_counter < IDGEN_RETRIES)
        addr6_regenerate(nif, ad);
    else
        ad->state = A6_FREE;
    mld_changed(nif);
}

/* ---- SLAAC -------------------------------------------------------------- */

/* RFC 4862 5.5.3 e): what a prefix's new valid lifetime does to ours. */
static void addr6_refresh(struct addr6 *ad, uint32_t valid, uint32_t preferred)
{
    uint64_t now = hc_clock_monotonic();
    uint64_t left = ad->valid_until == NET_NEVER ? NET_NEVER
                    : ad->valid_until > now      ? ad->valid_until - now
                                                 : 0;
    ad->prefer_until = addr6_deadline(preferred);
    if (valid > TWO_HOURS_S || addr6_deadline(valid) > ad->valid_until)
        ad->valid_until = addr6_deadline(valid);
    else if (left > (uint64_t)TWO_HOURS_S * NS_PER_S)
        ad->valid_until = addr6_deadline(TWO_HOURS_S);
}

/* The SLAAC address nif holds on prefix (whatever its counter). */
static struct addr6 *addr6_on_prefix(struct netif *nif, const uint8_t p[8])
{
    struct if6 *s = if6_of(nif);
    for (struct addr6 *ad = s->addrs; ad < s->addrs + ADDR6_MAX; ad++)
        if (ad->state != A6_FREE && ad->how == A6_SLAAC &&
            !memcmp(ad->a.s6_addr, p, 8))
            return ad;
    return NULL;
}

void addr6_slaac(struct netif *nif, const uint8_t prefix[8], uint32_t valid,
                 uint32_t preferred)
{
    struct addr6 *ad = addr6_on_prefix(nif, prefix);
    if (ad) {
        addr6_refresh(ad, valid, preferred);
        return;
    }
    struct in6_addr a;
    memcpy(a.s6_addr, prefix, 8);
    uint8_t n = stableid6_iid(addr6_key(), prefix, nif->mac, 0, a.s6_addr + 8);
    if (valid && !addr6_find(nif, &a) &&
        (ad = addr6_add(nif, &a, 64, A6_SLAAC, valid, preferred)))
        ad->dad_counter = n;
}

/* ---- selection ---------------------------------------------------------- */

int addr6_listens(const struct netif *nif, const struct in6_addr *dst)
{
    static const uint8_t all_nodes[16] = {0xff, 2, [15] = 1};
    if (!memcmp(dst, all_nodes, 16))
        return 1;
    const struct if6 *s = if6_of(nif);
    for (const struct addr6 *ad = s->addrs; ad < s->addrs + ADDR6_MAX; ad++) {
        struct in6_addr g;
        ip6_solicited(&ad->a, &g);
        if (ad->state != A6_FREE && !memcmp(&g, dst, 16))
            return 1;
    }
    return 0;
}

static int addr6_scope_fits(const struct addr6 *ad, const struct in6_addr *dst)
{
    int link = ip6_is_linklocal(dst) ||
               (ip6_is_multicast(dst) && (dst->s6_addr[1] & 15) <= 2);
    return link == (ad->how == A6_LINKLOCAL);
}

/* Rules 1-3 of RFC 6724 section 5 in short: dst itself, then a
 * preferred address of dst's scope, then any preferred one. */
static const struct addr6 *addr6_pick(const struct netif *nif,
                                      const struct in6_addr *dst)
{
    const struct if6 *s = if6_of(nif);
    const struct addr6 *any = NULL, *fit = NULL;
    uint64_t now = hc_clock_monotonic();
    for (const struct addr6 *ad = s->addrs; ad < s->addrs + ADDR6_MAX; ad++) {
        if (ad->state != A6_PREFERRED)
            continue;
        if (!memcmp(&ad->a, dst, 16))
            return ad;
        int fresh = now < ad->prefer_until;
        if (addr6_scope_fits(ad, dst) && (!fit || fresh))
            fit = ad;
        if (!any || fresh)
            any = ad;
    }
    return fit ? fit : any;
}

const struct addr6 *addr6_source(const struct netif *nif,
                                 const struct in6_addr *dst)
{
    if (nif && !nif->loopback)
        return addr6_pick(nif, dst);
    const struct addr6 *ad = addr6_find(NULL, dst);
    if (ad && ad->state == A6_PREFERRED)
        return ad; /* to ourselves: from the same address */
    for (unsigned i = 0; !nif && i < NETIF_MAX; i++) {
        struct netif *n = netif_get(i);
        if (n && if6_of(n)->on && (ra_onlink(n, dst) || ra_router(n)))
            return addr6_pick(n, dst);
    }
    return addr6_pick(netif_loopback(), dst);
}

/* ---- timers ------------------------------------------------------------- */

static void addr6_due(struct netif *nif, struct addr6 *ad, uint64_t now)
{
    char a[48];
    if (now >= ad->valid_until) {
        kiln_log("net: eth%u: %s/%u removed: its valid lifetime ended",
                 nif->idx, ip6_text(&ad->a, a, sizeof a), ad->plen);
        ad->state = A6_FREE;
        mld_changed(nif);
        return;
    }
    if (ad->state != A6_TENTATIVE || now < ad->dad_at)
        return;
    if (ad->dad_left) {
        ad->dad_left--;
        ad->dad_at = now + (uint64_t)if6_of(nif)->retrans_ms * 1000000ull;
        nd_solicit(nif, &ad->a, 0, NULL);
        return;
    }
    ad->state = A6_PREFERRED;
    addr6_describe(nif, ad);
    if (ad->how == A6_LINKLOCAL && if6_of(nif)->slaac)
        ra_start(nif);
}

uint64_t addr6_timer(uint64_t now)
{
    uint64_t next = NET_NEVER;
    struct netif *nif;
    for (unsigned i = 0; (nif = netif_get(i)); i++) {
        struct if6 *s = if6_of(nif);
        for (struct addr6 *ad = s->addrs; ad < s->addrs + ADDR6_MAX; ad++) {
            if (ad->state == A6_FREE)
                continue;
            addr6_due(nif, ad, now);
            if (ad->state == A6_TENTATIVE && ad->dad_at < next)
                next = ad->dad_at;
            if (ad->state != A6_FREE && ad->valid_until < next)
                next = ad->valid_until;
        }
    }
    return next;
}
