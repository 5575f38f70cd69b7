/*
 * scope6.c: scope ids (RFC 4007 section 6), which NIC a link-local
 * address means. fe80::1 may sit on every link, so a socket that talks
 * to one names the link with sin6_scope_id, and we give it back on the
 * names we report (accept, recvfrom, getpeername, getsockname).
 *
 * Ids follow Linux's numbering so habits carry over: 1 is the loopback,
 * ethN is N + 2 (eth0 is 2). A connection holds no id of its own: its
 * link-local source address is one NIC's, and l4.c sends out of the NIC
 * that holds it, so choosing the source by the id pins the link. As on
 * Linux a bad id (no such NIC) is -ENODEV; unlike Linux, a missing one
 * is accepted while only one NIC runs IPv6 (nothing to choose), and is
 * -EINVAL once there are more.
 *
 * Limits: two NICs with the same MAC (the same EUI-64 link-local
 * address) cannot be told apart by their addresses; a UDP socket
 * connected to fe80::1%2 on a wildcard address also takes datagrams
 * from an fe80::1 on another link (input matches addresses, not NICs).
 */
#include <errno.h>
#include "ip6.h"

#define SCOPE6_ETH0 2 /* the loopback is 1 */

int scope6_linked(net_addr a)
{
    if (addr_is4(a))
        return 0;
    return ip6_is_linklocal(&a) ||
           (ip6_is_multicast(&a) && (a.s6_addr[1] & 15) <= 2);
}

uint32_t scope6_id(const struct netif *nif)
{
    return nif && !nif->loopback ? nif->idx + SCOPE6_ETH0 : 0;
}

/* The NIC id names, if IPv6 runs there. */
static struct netif *scope6_nif(uint32_t id)
{
    if (id < SCOPE6_ETH0)
        return NULL;
    struct netif *nif = netif_get(id - SCOPE6_ETH0);
    return nif && if6_of(nif)->on ? nif : NULL;
}

/* The one NIC running IPv6, or NULL when there are none or several. */
static struct netif *scope6_only(void)
{
    struct netif *nif, *only = NULL;
    for (unsigned i = 0; (nif = netif_get(i)); i++) {
        if (!if6_of(nif)->on)
            continue;
        if (only)
            return NULL;
        only = nif;
    }
    return only;
}

struct netif *scope6_owner(net_addr a)
{
    struct netif *nif;
    for (unsigned i = 0; (nif = netif_get(i)); i++)
        if (addr6_find(nif, &a))
            return nif;
    return NULL;
}

uint32_t net_l4_scope_of(net_addr peer, net_addr local)
{
    return scope6_linked(peer) ? scope6_id(scope6_owner(local)) : 0;
}

uint32_t net_l4_scope_in(net_addr peer, const struct netif *nif)
{
    return scope6_linked(peer) ? scope6_id(nif) : 0;
}

int net_l4_scoped(net_addr dst, uint32_t scope, net_addr *src)
{
    if (!scope6_linked(dst) || addr6_find(NULL, &dst)) {
        if (addr_is_wild(*src))
            *src = net_l4_source(dst);
        return 0; /* a global address, or ours: the id plays no part */
    }
    struct netif *nif = scope ? scope6_nif(scope) : scope6_only();
    if (!nif)
        return scope ? -ENODEV : -EINVAL;
    if (!addr_is_wild(*src))
        return scope6_owner(*src) == nif ? 0 : -EINVAL;
    const struct addr6 *a = addr6_source(nif, &dst);
    if (a)
        *src = a->a;
    return 0;
}

int net_l4_scope_bind(net_addr a, uint32_t scope)
{
    if (!scope || !scope6_linked(a))
        return 0;
    struct netif *nif = scope6_nif(scope);
    if (!nif)
        return -ENODEV;
    return addr6_find(nif, &a) ? 0 : -EADDRNOTAVAIL;
}
