/*
 * route.c: the routing table, implied by the interfaces' configuration:
 * 127.0.0.0/8 and our own addresses go to the loopback interface, each
 * configured interface has a connected route for its subnet, and each
 * gateway is a default route. The longest matching prefix wins; among
 * default routes, the first interface's.
 *
 * Limits: no static routes beyond those; no forwarding.
 */
#include "netint.h"

static int route_is_loopback(uint32_t dst)
{
    return netif_is_local(dst);
}

static int is_multicast(uint32_t a)
{
    return (((const uint8_t *)&a)[0] & 0xf0) == 0xe0;
}

/* The configured interface with the longest prefix holding dst. */
static struct netif *route_connected(uint32_t dst)
{
    struct netif *best = NULL, *nif;
    for (unsigned i = 0; (nif = netif_get(i)); i++)
        if (nif->addr && !((dst ^ nif->addr) & nif->mask) &&
            (!best ||
             __builtin_popcount(nif->mask) > __builtin_popcount(best->mask)))
            best = nif;
    return best;
}

static struct netif *route_default(void)
{
    struct netif *nif;
    for (unsigned i = 0; (nif = netif_get(i)); i++)
        if (nif->addr && nif->gw)
            return nif;
    return NULL;
}

/* Broadcast and multicast leave through the default route's interface,
 * else the first configured one. */
static struct netif *route_any(void)
{
    struct netif *nif = route_default();
    for (unsigned i = 0; !nif && (nif = netif_get(i)); i++)
        if (!nif->addr)
            nif = NULL;
    return nif;
}

struct netif *route_lookup(uint32_t dst, uint32_t *next_hop)
{
    struct netif *nif;
    *next_hop = dst;
    if (route_is_loopback(dst))
        return netif_loopback();
    if ((nif = route_connected(dst)))
        return nif;
    if (dst == 0xffffffffu || is_multicast(dst))
        return route_any();
    if ((nif = route_default()))
        *next_hop = nif->gw;
    return nif;
}

uint32_t route_source(uint32_t dst)
{
    uint32_t nh;
    struct netif *nif = route_lookup(dst, &nh);
    if (!nif)
        return 0;
    if (nif->loopback) /* ourselves: 127.x from 127.0.0.1, else dst */
        return (dst & nif->mask) == (nif->addr & nif->mask) ? nif->addr : dst;
    return nif->addr;
}
