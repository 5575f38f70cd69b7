/*
 * ipv6.c: IPv6 input and output for a host (RFC 8200).
 *
 * Input checks the version, the payload length against the frame
 * (Ethernet padding is trimmed; jumbograms are not taken), drops
 * multicast sources and, from the wire, ::1; takes what is addressed to
 * one of our addresses on the interface it came in on or to a group we
 * listen to; walks the extension headers (ip6_ext.c), reassembles
 * fragments (reasm6.c) and hands ICMPv6 on. Nothing is forwarded here:
 * a router's forward6.c, when linked, sees each packet first.
 * Upper-layer protocols we do not speak get parameter problem code 1.
 *
 * Output builds the 40-byte header in the caller's headroom, chooses
 * the interface (the caller's, else the on-link prefix's, else one with
 * a default router), the next hop and, if the caller did not, the
 * source address; packets to ::1 or to one of our addresses go through
 * the loopback queue. Datagrams longer than the path MTU (the NIC's,
 * the RA's, or what Packet Too Big taught) leave as fragments.
 *
 * Limits: no jumbograms; source selection knows scope and the
 * tentative/preferred state only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "ip6.h"
#include "kiln/byteorder.h"
#include "kiln/table.h"

#define IP6_MAX_PAYLOAD 65535
#define FRAG6_PAGES                                                            \
    ((ETH_HLEN + NET_LOOP_MTU + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE)

/* NETIF_MAX + 1, the last loopback's; allocated by the first interface
 * (kiln/table.h), so programs without sockets load none of it. */
static struct if6 *ifs6;
static uint8_t *frag6_buf;
static uint32_t frag6_id;

struct if6 *if6_of(const struct netif *nif)
{
    kiln_table((void **)&ifs6, (NETIF_MAX + 1) * sizeof *ifs6,
               "no memory for IPv6");
    return nif->loopback ? &ifs6[NETIF_MAX] : &ifs6[nif->idx];
}

int ip6_is_multicast(const struct in6_addr *a)
{
    return a->s6_addr[0] == 0xff;
}

int ip6_is_linklocal(const struct in6_addr *a)
{
    return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

int ip6_is_unspecified(const struct in6_addr *a)
{
    static const struct in6_addr any;
    return !memcmp(a, &any, sizeof any);
}

static int ip6_is_loopback(const struct in6_addr *a)
{
    static const struct in6_addr one = {.s6_addr = {[15] = 1}};
    return !memcmp(a, &one, sizeof one);
}

void ip6_solicited(const struct in6_addr *a, struct in6_addr *out)
{
    static const uint8_t pre[13] = {0xff, 2, [11] = 1, [12] = 0xff};
    memcpy(out->s6_addr, pre, 13);
    memcpy(out->s6_addr + 13, a->s6_addr + 13, 3);
}

const char *ip6_text(const struct in6_addr *a, char *buf, size_t n)
{
    if (!inet_ntop(AF_INET6, a, buf, (socklen_t)n))
        buf[0] = 0;
    return buf;
}

uint32_t ip6_pseudo(const struct in6_addr *src, const struct in6_addr *dst,
                    uint8_t proto, size_t len)
{
    uint8_t tail[8] = {0};
    put32(tail, (uint32_t)len);
    tail[7] = proto;
    uint32_t sum = inet_sum(src, 16, 0);
    sum = inet_sum(dst, 16, sum);
    return inet_sum(tail, sizeof tail, sum);
}

/* ---- input -------------------------------------------------------------- */

/* 1 if a packet to dst arriving on nif is ours. */
static int ip6_accepts(const struct netif *nif, const struct in6_addr *dst)
{
    if (nif->loopback)
        return 1;
    if (ip6_is_multicast(dst))
        return addr6_listens(nif, dst);
    const struct addr6 *a = addr6_find(nif, dst);
    return a && a->state == A6_PREFERRED; /* not tentative (4862 5.4) */
}

static void ip6_deliver(struct ip6_info *info, uint8_t *pkt, size_t len,
                        const struct ip6_walk *w)
{
    info->pkt = pkt, info->pkt_len = len;
    if (w->nh == IPPROTO_ICMPV6_) {
        icmp6_input(info, pkt + w->off, len - w->off);
        return;
    }
    if (w->nh == IPPROTO_TCP && !info->mcast && tcp_input) {
        struct ip_info ip = {.nif = info->nif,
                             .ttl = info->hlim,
                             .hdr = pkt,
                             .csum_ok = info->csum_ok,
                             .v6 = 1,
                             .src6 = info->src,
                             .dst6 = info->dst};
        tcp_input(&ip, pkt + w->off, len - w->off);
        return;
    }
    if (w->nh == IPPROTO_UDP) {
        struct ip_info ip = {.nif = info->nif,
                             .ttl = info->hlim,
                             .hdr = pkt,
                             .broadcast = info->mcast,
                             .csum_ok = info->csum_ok,
                             .v6 = 1,
                             .src6 = info->src,
                             .dst6 = info->dst};
        udp_input(&ip, pkt + w->off, len - w->off);
        return;
    }
    if (!info->mcast) /* an upper layer we do not speak */
        icmp6_error(info->nif, pkt, len, 4, 1, w->ptr);
}

/* The fragment at w: reassembled, walked again and delivered. */
static void ip6_fragment_in(struct ip6_info *info, uint8_t *pkt, size_t len,
                            struct ip6_walk *w)
{
    const uint8_t *fh = pkt + w->off;
    if (!(get16(fh + 2) & 0xfff9)) { /* atomic (RFC 6946): no reassembly */
        ip6_walk(pkt, len, fh[0], w->off + 8, 1, info->mcast, w);
    } else {
        uint32_t param;
        uint8_t *whole = reasm6_add(pkt, len, w->off, &len, &param);
        if (!whole) {
            if (param != UINT32_MAX)
                icmp6_error(info->nif, pkt, len, 4, 0, param);
            return;
        }
        pkt = whole;
        info->csum_ok = 0; /* the NIC saw one fragment, not the datagram */
        ip6_walk(pkt, len, pkt[6], IP6_HLEN, 1, info->mcast, w);
    }
    if (w->verdict == IP6W_DELIVER)
        ip6_deliver(info, pkt, len, w);
    else if (w->verdict == IP6W_PARAM)
        icmp6_error(info->nif, pkt, len, 4, w->code, w->ptr);
}

static int ip6_header_ok(struct netif *nif, const uint8_t *pkt, size_t len,
                         size_t *total)
{
    if (len < IP6_HLEN || pkt[0] >> 4 != 6)
        return 0;
    *total = IP6_HLEN + get16(pkt + 4);
    if (*total > len || (*total == IP6_HLEN && pkt[6] == 0))
        return 0; /* truncated, or a jumbogram */
    if (pkt[8] == 0xff)
        return 0;             /* a multicast source */
    struct in6_addr src, dst; /* copies: packets need not be aligned */
    memcpy(&src, pkt + 8, 16);
    memcpy(&dst, pkt + 24, 16);
    if (!nif->loopback && (ip6_is_loopback(&src) || ip6_is_loopback(&dst)))
        return 0; /* ::1 never comes from the wire (RFC 4291 2.5.3) */
    return if6_of(nif)->on;
}

void ip6_input(struct netif *nif, uint8_t *pkt, size_t len)
{
    size_t total;
    if (!ip6_header_ok(nif, pkt, len, &total))
        return;
    struct ip6_info info = {
        .nif = nif, .hlim = pkt[7], .csum_ok = nif->rx_csum_ok};
    memcpy(&info.src, pkt + 8, 16);
    memcpy(&info.dst, pkt + 24, 16);
    info.mcast = (uint8_t)ip6_is_multicast(&info.dst);
    if (fwd6_input && !nif->loopback && fwd6_input(nif, pkt, total))
        return; /* a router's: forwarded or filtered (forward6.c) */
    if (!ip6_accepts(nif, &info.dst))
        return;
    struct ip6_walk w;
    ip6_walk(pkt, total, pkt[6], IP6_HLEN, 0, info.mcast, &w);
    switch (w.verdict) {
    case IP6W_DELIVER: ip6_deliver(&info, pkt, total, &w); break;
    case IP6W_FRAG: ip6_fragment_in(&info, pkt, total, &w); break;
    case IP6W_PARAM: icmp6_error(nif, pkt, total, 4, w.code, w.ptr); break;
    default: break;
    }
}

/* ---- routing ------------------------------------------------------------ */

/* The interface for dst when the caller named none; *nh its next hop. */
struct netif *ip6_route(const struct in6_addr *dst, struct in6_addr *nh)
{
    struct netif *nif;
    *nh = *dst;
    if (ip6_is_loopback(dst) || addr6_find(NULL, dst))
        return netif_loopback();
    for (unsigned i = 0; (nif = netif_get(i)); i++)
        if (if6_of(nif)->on && ra_onlink(nif, dst))
            return nif;
    for (unsigned i = 0; (nif = netif_get(i)); i++)
        if (if6_of(nif)->on && ra_router(nif)) {
            *nh = *ra_router(nif);
            return nif;
        }
    if (ip6_is_linklocal(dst) || ip6_is_multicast(dst))
        for (unsigned i = 0; (nif = netif_get(i)); i++)
            if (if6_of(nif)->on)
                return nif; /* no scope given: the first interface */
    return NULL;
}

/* The next hop for dst leaving by the caller's nif. */
static void ip6_next_hop(struct netif *nif, const struct in6_addr *dst,
                         struct in6_addr *nh)
{
    *nh = *dst;
    if (ip6_is_linklocal(dst) || ip6_is_multicast(dst) || ra_onlink(nif, dst))
        return;
    if (ra_router(nif))
        *nh = *ra_router(nif);
}

/* ---- output ------------------------------------------------------------- */

static void ip6_header(uint8_t *h, size_t plen, uint8_t proto, uint8_t hlim,
                       const struct in6_addr *src, const struct in6_addr *dst)
{
    put32(h, 0x60000000u);
    put16(h + 4, (uint16_t)plen);
    h[6] = proto;
    h[7] = hlim;
    memcpy(h + 8, src, 16);
    memcpy(h + 24, dst, 16);
}

static int ip6_transmit(struct netif *nif, const struct in6_addr *nh,
                        uint8_t *pkt, size_t len)
{
    if (nif->loopback)
        return loop_send(pkt, len);
    if (fwd_local_out) /* a router's flow table sees our replies */
        fwd_local_out(nif, pkt, len);
    return nd_output(nif, nh, pkt, len);
}

uint16_t ip6_path_mtu(struct netif *nif, const struct in6_addr *dst)
{
    uint16_t mtu = nif->loopback ? NET_LOOP_MTU : if6_of(nif)->mtu;
    if (!mtu)
        mtu = nif->mtu;
    uint16_t p = icmp6_pmtu(dst);
    return p && p < mtu ? p : mtu;
}

/* The packet whose header is at h (plen payload bytes) in fragments of
 * at most mtu: fragment header, then 8-byte multiples of the payload. */
static int ip6_fragment(struct netif *nif, const struct in6_addr *nh,
                        const uint8_t *h, size_t plen, uint16_t mtu)
{
    if (!frag6_buf && !(frag6_buf = hc_pages_alloc(FRAG6_PAGES)))
        return -ENOBUFS;
    if (mtu > NET_LOOP_MTU)
        mtu = NET_LOOP_MTU;
    size_t chunk = (mtu - IP6_HLEN - 8) & ~(size_t)7;
    uint32_t id = frag6_id++ ^ net_random32();
    uint8_t *f = frag6_buf + ETH_HLEN;
    for (size_t off = 0; off < plen; off += chunk) {
        size_t n = plen - off < chunk ? plen - off : chunk;
        memcpy(f, h, IP6_HLEN);
        put16(f + 4, (uint16_t)(8 + n));
        f[6] = 44;
        f[IP6_HLEN] = h[6];
        f[IP6_HLEN + 1] = 0;
        put16(f + IP6_HLEN + 2, (uint16_t)(off | (off + n < plen)));
        put32(f + IP6_HLEN + 4, id);
        memcpy(f + IP6_HLEN + 8, h + IP6_HLEN + off, n);
        int r = ip6_transmit(nif, nh, f, IP6_HLEN + 8 + n);
        if (r < 0)
            return r;
    }
    return 0;
}

int ip6_send(struct netif *nif, uint8_t *buf, size_t len,
             const struct in6_addr *src, const struct in6_addr *dst,
             uint8_t proto, uint8_t hlim)
{
    struct in6_addr nh, from;
    if (len > IP6_MAX_PAYLOAD)
        return -EMSGSIZE;
    if (!nif)
        nif = ip6_route(dst, &nh);
    else
        ip6_next_hop(nif, dst, &nh);
    if (!nif)
        return -ENETUNREACH;
    if (!src) {
        const struct addr6 *a = addr6_source(nif, dst);
        if (!a)
            return -ENETUNREACH;
        from = a->a;
    } else {
        from = *src; /* :: too: DAD's solicitations need it */
    }
    uint8_t *h = buf + ETH_HLEN;
    ip6_header(h, len, proto, hlim ? hlim : if6_of(nif)->hlim, &from, dst);
    uint16_t mtu = ip6_path_mtu(nif, dst);
    if (IP6_HLEN + len > mtu)
        return ip6_fragment(nif, &nh, h, len, mtu);
    return ip6_transmit(nif, &nh, h, IP6_HLEN + len);
}
