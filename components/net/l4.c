/*
 * l4.c: the transports' (TCP's, UDP's) way down to IPv4 or IPv6. They
 * hold net_addr addresses (netint.h): v4-mapped ones go through ip_send
 * as before, the others through ip6_send. IPv6 needs 20 more bytes of
 * headroom than the buffers the transports build in (NET_HEADROOM,
 * IPv4's), so an IPv6 packet is copied once into a buffer of its own: a
 * first version that leaves their buffers and the IPv4 path alone.
 *
 * A link-local destination leaves by the NIC holding the source
 * address, which the socket chose by its scope id (scope6.c).
 *
 * Offloads: a packet may leave its checksum to the NIC (net_l4_send_meta,
 * hypercall.h's HC_NET_F_CSUM_PARTIAL); for IPv6 its offsets move with
 * the copy. Segmentation (TSO) is IPv4's only: net_l4_offloads offers
 * IPv6 the checksum alone.
 *
 * Limits: one copy per IPv6 packet (kiln_copy's: musl's memcpy is a
 * `rep movsq`, which TCG runs one iteration per pass).
 */
#include <errno.h>
#include <string.h>
#include "ip6.h"
#include "kiln/copy.h"

#define TX6_MAX 65535 /* an IPv6 payload */
#define TX6_PAGES ((NET6_HEADROOM + TX6_MAX + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE)

static uint8_t *tx6_buf;

int net_l4_send(uint8_t *buf, size_t len, net_addr src, net_addr dst,
                uint8_t proto, int df)
{
    return net_l4_send_meta(buf, len, src, dst, proto, df, NULL);
}

int net_l4_send_meta(uint8_t *buf, size_t len, net_addr src, net_addr dst,
                     uint8_t proto, int df, const struct hc_net_meta *m)
{
    if (addr_is4(dst))
        return ip_send_meta(buf, len, addr_to4(src), addr_to4(dst), proto, df,
                            m);
    if (len > TX6_MAX)
        return -EMSGSIZE;
    if (!tx6_buf && !(tx6_buf = hc_pages_alloc(TX6_PAGES)))
        return -ENOBUFS;
    kiln_copy(tx6_buf + NET6_HEADROOM, buf + NET_HEADROOM, len);
    struct netif *nif = NULL; /* routed */
    if (scope6_linked(dst) && !addr6_find(NULL, &dst))
        nif = scope6_owner(src);
    struct hc_net_meta m6;
    if (m) { /* the transport header moved NET6_HEADROOM - NET_HEADROOM on */
        m6 = *m;
        m6.csum_start =
            (uint16_t)(m->csum_start + NET6_HEADROOM - NET_HEADROOM);
    }
    return ip6_send_meta(nif, tx6_buf, len, &src, &dst, proto, 0,
                         m ? &m6 : NULL);
}

/* IPv6: the checksum if any NIC completes it, a guess that spares a
 * route lookup per segment. Where it is wrong (the loopback, another
 * NIC) ip6_send_meta sums instead, the same work as summing here. */
uint32_t net_l4_offloads(net_addr dst)
{
    struct netif *nif;
    if (addr_is4(dst))
        return ip_offloads(addr_to4(dst));
    for (unsigned i = 0; (nif = netif_get(i)); i++)
        if (nif->offloads & HC_NET_TX_CSUM)
            return HC_NET_TX_CSUM;
    return 0;
}

uint32_t net_l4_pseudo(net_addr src, net_addr dst, uint8_t proto, size_t len)
{
    if (addr_is4(dst))
        return inet_pseudo(addr_to4(src), addr_to4(dst), proto, len);
    return ip6_pseudo(&src, &dst, proto, len);
}

net_addr net_l4_source(net_addr dst)
{
    static const net_addr any;
    if (addr_is4(dst))
        return addr_from4(route_source(addr_to4(dst)));
    struct in6_addr nh;
    struct netif *nif = ip6_route(&dst, &nh);
    const struct addr6 *a = nif ? addr6_source(nif, &dst) : NULL;
    return a ? a->a : any;
}

int net_l4_is_local(net_addr a)
{
    if (addr_is4(a))
        return netif_is_local(addr_to4(a));
    const struct addr6 *ad = addr6_find(NULL, &a);
    return ad || (a.s6_addr[15] == 1 &&
                  addr_eq(a, (net_addr){.s6_addr = {[15] = 1}}));
}

uint16_t net_l4_room(net_addr dst)
{
    uint16_t mtu = 1500, hlen = IP_HLEN;
    if (addr_is4(dst)) {
        uint32_t nh;
        struct netif *nif = route_lookup(addr_to4(dst), &nh);
        if (nif && nif->mtu)
            mtu = nif->mtu;
    } else {
        struct in6_addr nh;
        struct netif *nif = ip6_route(&dst, &nh);
        if (nif)
            mtu = ip6_path_mtu(nif, &dst);
        hlen = IP6_HLEN;
    }
    return (uint16_t)((mtu > NET_MTU_MAX ? NET_MTU_MAX : mtu) - hlen);
}
