/*
 * fw_packet.c: reading the flow a packet belongs to, for connection
 * tracking and NAT: addresses, protocol and ports (TCP, UDP), or the
 * identifier of an ICMP echo (request and reply share it, so both
 * directions of a ping are one flow). Other protocols' flows are just
 * their addresses and protocol. ICMP errors (RFC 792: destination
 * unreachable, source quench, time exceeded, parameter problem) name a
 * flow by the packet they quote. IPv6's likewise (ICMPv6's echo and
 * errors), the extension headers walked by the caller.
 *
 * Pure code: host unit tested with conntrack.c. The caller has checked
 * the IP header (version, lengths); the transport header is checked here.
 */
#include <netinet/in.h>
#include <string.h>
#include "fw.h"
#include "kiln/byteorder.h"

#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8
#define ICMP6_ECHO 128
#define ICMP6_ECHOREPLY 129
#define IP6_HLEN 40

static size_t ihl_of(const uint8_t *pkt)
{
    return (size_t)(pkt[0] & 15) * 4;
}

static int icmp_is_error(uint8_t type)
{
    return type == 3 || type == 4 || type == 11 || type == 12;
}

/* Ports of the transport header at l4 (n bytes of it here). */
static int tuple_ports(const uint8_t *l4, size_t n, struct ct_tuple *t)
{
    switch (t->proto) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
        if (n < 4)
            return -1;
        memcpy(&t->sport, l4, 2);
        memcpy(&t->dport, l4 + 2, 2);
        return 0;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        if (n < 8)
            return -1;
        if (l4[0] == ICMP_ECHO || l4[0] == ICMP_ECHOREPLY ||
            l4[0] == ICMP6_ECHO || l4[0] == ICMP6_ECHOREPLY) {
            memcpy(&t->sport, l4 + 4, 2);
            t->dport = t->sport;
        }
        return 0;
    default: return 0;
    }
}

/* The tuple of the (possibly truncated, as in a quote) packet. */
static int tuple_read(const uint8_t *pkt, size_t len, struct ct_tuple *t)
{
    memset(t, 0, sizeof *t);
    if (len < 20 || ihl_of(pkt) < 20 || len < ihl_of(pkt))
        return -1;
    memcpy(&t->src, pkt + 12, 4);
    memcpy(&t->dst, pkt + 16, 4);
    t->proto = pkt[9];
    if (get16(pkt + 6) & 0x1fff)
        return 0; /* a later fragment: no transport header */
    return tuple_ports(pkt + ihl_of(pkt), len - ihl_of(pkt), t);
}

int fw_tuple_of(const uint8_t *pkt, size_t len, struct ct_tuple *t)
{
    return tuple_read(pkt, len, t);
}

void fw_tuple_invert(const struct ct_tuple *t, struct ct_tuple *out)
{
    struct ct_tuple r = {
        .src = t->dst,
        .dst = t->src,
        .src6 = t->dst6,
        .dst6 = t->src6,
        .sport = t->dport,
        .dport = t->sport,
        .proto = t->proto,
        .v6 = t->v6,
    };
    *out = r;
}

int fw_icmp_error_quote(const uint8_t *pkt, size_t len, struct ct_tuple *q)
{
    size_t ihl = ihl_of(pkt);
    if (pkt[9] != IPPROTO_ICMP || len < ihl + 8 + 20 ||
        !icmp_is_error(pkt[ihl]))
        return 0;
    const uint8_t *quote = pkt + ihl + 8;
    return tuple_read(quote, len - ihl - 8, q) == 0;
}

/* ---- IPv6 ----------------------------------------------------------------
 * The caller walked the extension headers (ip6_walk): l4 is where the
 * transport starts. Echo's identifier pairs request and reply as in
 * IPv4; ICMPv6 types below 128 are errors (RFC 4443 2.1). */

int fw_tuple_of6(const uint8_t *pkt, size_t len, size_t l4, uint8_t proto,
                 struct ct_tuple *t)
{
    memset(t, 0, sizeof *t);
    if (len < IP6_HLEN || l4 > len)
        return -1;
    memcpy(&t->src6, pkt + 8, 16);
    memcpy(&t->dst6, pkt + 24, 16);
    t->proto = proto;
    t->v6 = 1;
    if (proto == IPPROTO_ICMPV6 && len - l4 >= 8 && pkt[l4] < 128)
        return 0; /* an error: no identifier */
    return tuple_ports(pkt + l4, len - l4, t);
}

int fw_icmp6_error_quote(const uint8_t *pkt, size_t len, size_t l4,
                         struct ct_tuple *q)
{
    if (l4 + 8 + IP6_HLEN > len || pkt[l4] >= 128 || pkt[l4] == 0)
        return 0;
    const uint8_t *quote = pkt + l4 + 8;
    size_t qlen = len - l4 - 8;
    return fw_tuple_of6(quote, qlen, IP6_HLEN, quote[6], q) == 0;
}
