/*
 * netif6.c: IPv6 on the interfaces: the ip6= options (net_configure6),
 * bringing IPv6 up on each NIC and on the loopback (ip6_start, which
 * netif.c calls from net_start) and the IPv6 timers in one call
 * (ip6_timer, run by the stack's thread beside IPv4's).
 *
 * With no ip6= option a NIC gets its link-local address and SLAAC from
 * router advertisements, alongside whatever IPv4 does; ip6=ADDR/LEN
 * gives it a static address (no SLAAC) and ip6=...,GW a default router;
 * ip6=off leaves IPv6 off on it. The n-th ip6= option is NIC n's. The
 * loopback interface always has ::1.
 *
 * Limits: no runtime reconfiguration; NETIF_MAX options.
 */
#include <errno.h>
#include <string.h>
#include "ip6.h"
#include "kiln/log.h"
#include "kiln/table.h"

/* ip6= by interface; NETIF_MAX, allocated by the first use. */
static struct ip6_config *configs6;

static struct ip6_config *config6_of(unsigned dev)
{
    kiln_table((void **)&configs6, NETIF_MAX * sizeof *configs6,
               "no memory for ip6=");
    return &configs6[dev];
}
static uint8_t has_config6[NETIF_MAX];
static unsigned nconfigs6;

int net_configure6(const char *opt)
{
    struct ip6_config c;
    if (ip6config_parse(opt, &c) < 0) {
        kiln_log("net: ip6=%s is not valid: %s", opt, c.why);
        return -EINVAL;
    }
    if (nconfigs6 >= NETIF_MAX) {
        kiln_log("net: ip6=%s is not valid: more ip6= options than the %d "
                 "interfaces supported",
                 opt, NETIF_MAX);
        return -EINVAL;
    }
    *config6_of(nconfigs6) = c;
    has_config6[nconfigs6++] = 1;
    return 0;
}

static void ip6_start_loopback(struct netif *lo)
{
    static const struct in6_addr one = {.s6_addr = {[15] = 1}};
    struct if6 *s = if6_of(lo);
    s->on = 1;
    s->hlim = IP6_HLIM_DEFAULT;
    addr6_add(lo, &one, 128, A6_LOOPBACK, UINT32_MAX, UINT32_MAX);
}

static void ip6_static(struct netif *nif, const struct ip6_config *c)
{
    addr6_add(nif, &c->addr, c->plen, A6_STATIC, UINT32_MAX, UINT32_MAX);
    ra_add_prefix(nif, &c->addr, c->plen);
    if (!ip6_is_unspecified(&c->gw))
        ra_add_static(nif, &c->gw);
}

void ip6_start(struct netif *nif)
{
    if (nif->loopback) {
        ip6_start_loopback(nif);
        return;
    }
    const struct ip6_config *c = config6_of(nif->idx);
    int configured = has_config6[nif->idx];
    if (configured && c->off) {
        kiln_log("net: eth%u IPv6 off (ip6=off)", nif->idx);
        return;
    }
    struct if6 *s = if6_of(nif);
    s->on = 1;
    s->hlim = IP6_HLIM_DEFAULT;
    s->mtu = nif->mtu;
    s->retrans_ms = 1000; /* RETRANS_TIMER until an RA says otherwise */
    s->slaac = !(configured && c->have_addr);
    struct in6_addr ll = {.s6_addr = {0xfe, 0x80}};
    addr6_eui64(nif, ll.s6_addr + 8);
    addr6_add(nif, &ll, 64, A6_LINKLOCAL, UINT32_MAX, UINT32_MAX);
    if (configured && c->have_addr)
        ip6_static(nif, c);
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

uint64_t ip6_timer(uint64_t now)
{
    uint64_t next = addr6_timer(now);
    next = min64(next, reasm6_timer(now));
    next = min64(next, icmp6_timer(now));
    next = min64(next, nd_timer(now));
    next = min64(next, ra_timer(now));
    return min64(next, mld_timer(now));
}
