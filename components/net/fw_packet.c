/*
 * fw_packet.c: reading the flow a packet belongs to, for connection
 * tracking and NAT: addresses, protocol and ports (TCP, UDP), or the
 * identifier of an ICMP echo (request and reply share it, so both
 * directions of a ping are one flow). Other protocols' flows are just
 * their addresses and protocol. ICMP errors (RFC 792: destination
 * unreachable, source quench, time exceeded, parameter problem) name a
 * flow by the packet they quote.
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
        if (n < 8)
            return -1;
        if (l4[0] == ICMP_ECHO || l4[0] == ICMP_ECHOREPLY) {
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
        .sport = t->dport,
        .dport = t->sport,
        .proto = t->proto,
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
