/*
 * forward_rx.c: what a NIC's receive offloads hand a router becomes
 * plain packets before forwarding. A NIC that offers HC_NET_RX_CSUM or
 * HC_NET_RX_TSO4 (virtio-net's GUEST_CSUM, GUEST_TSO4) may deliver a
 * TCP or UDP packet from a sender on the same host whose checksum field
 * holds only the pseudo-header sum, or one TCP segment of up to 64 KiB
 * coalesced from many (hypercall.h's hc_net_meta). A host's stack takes
 * both as they are; a router must not put either on another link, and
 * its rules and NAT need the real checksum to adjust. So the checksum
 * is completed here, and a coalesced segment is cut back into the
 * gso_size pieces it came from, each going through ip_input on its own
 * (rules, connection tracking, forwarding or local delivery).
 *
 * Limits: the pieces leave without offloads (a copy and two checksums
 * each); a coalesced segment that is not TCP over IPv4, or whose pieces
 * would not fit an MTU of NET_MTU_MAX, is dropped.
 */
#include <netinet/in.h>
#include <string.h>
#include "forward.h"
#include "kiln/byteorder.h"

#define TH_FIN 0x01
#define TH_PSH 0x08
#define TH_CWR 0x80

/* One cut piece with ETH_HLEN of headroom, as forwarding needs. */
static uint8_t piece_buf[ETH_HLEN + NET_MTU_MAX];

/* Where the transport checksum of proto sits, or 0 for none we fill. */
static size_t l4_sum_at(uint8_t proto)
{
    return proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 0;
}

/* The transport checksum of an unfragmented IPv4 packet, from scratch. */
static void l4_sum(uint8_t *pkt, size_t len)
{
    size_t ihl = (size_t)(pkt[0] & 15) * 4, at = l4_sum_at(pkt[9]);
    if (!at || len < ihl + at + 2)
        return;
    uint32_t src, dst;
    memcpy(&src, pkt + 12, 4);
    memcpy(&dst, pkt + 16, 4);
    uint8_t *l4 = pkt + ihl;
    put16(l4 + at, 0);
    uint16_t c = inet_fold(
        inet_sum(l4, len - ihl, inet_pseudo(src, dst, pkt[9], len - ihl)));
    put16(l4 + at, c == 0 && pkt[9] == IPPROTO_UDP ? 0xffff : c);
}

static void ip_sum(uint8_t *pkt)
{
    size_t ihl = (size_t)(pkt[0] & 15) * 4;
    put16(pkt + 10, 0);
    put16(pkt + 10, inet_fold(inet_sum(pkt, ihl, 0)));
}

/* Piece k (data [off, off + n)) of the coalesced segment pkt. */
static uint8_t *cut_piece(const uint8_t *pkt, size_t hlen, size_t off, size_t n,
                          unsigned k, int last)
{
    uint8_t *p = piece_buf + ETH_HLEN;
    size_t ihl = (size_t)(pkt[0] & 15) * 4;
    memcpy(p, pkt, hlen);
    memcpy(p + hlen, pkt + hlen + off, n);
    put16(p + 2, (uint16_t)(hlen + n));
    put16(p + 4, (uint16_t)(get16(pkt + 4) + k));
    ip_sum(p);
    uint8_t *th = p + ihl;
    uint32_t seq;
    memcpy(&seq, th + 4, 4);
    seq = htonl(ntohl(seq) + (uint32_t)off);
    memcpy(th + 4, &seq, 4);
    if (!last)
        th[13] &= (uint8_t) ~(TH_FIN | TH_PSH);
    if (k)
        th[13] &= (uint8_t)~TH_CWR;
    l4_sum(p, hlen + n);
    return p;
}

/* Cut a coalesced TCP segment and take each piece through ip_input. */
static void cut_segment(struct netif *nif, const uint8_t *pkt, size_t len,
                        size_t gso)
{
    size_t ihl = (size_t)(pkt[0] & 15) * 4;
    if (pkt[9] != IPPROTO_TCP || len < ihl + 20 || !gso) {
        fwd_stats.invalid++;
        return;
    }
    size_t hlen = ihl + (size_t)(pkt[ihl + 12] >> 4) * 4;
    if (hlen > len || hlen + gso > NET_MTU_MAX) {
        fwd_stats.invalid++;
        return;
    }
    unsigned k = 0;
    fwd_stats.coalesced++;
    for (size_t off = 0; off < len - hlen; off += gso, k++) {
        size_t n = len - hlen - off < gso ? len - hlen - off : gso;
        uint8_t *p = cut_piece(pkt, hlen, off, n, k, off + n == len - hlen);
        fwd_stats.pieces++;
        ip_input(nif, p, hlen + n);
    }
}

int fwd_rx_plain(struct netif *nif, uint8_t *pkt, size_t len)
{
    const struct hc_net_meta *m = nif->rx_meta;
    if (!m)
        return 0;
    nif->rx_meta = NULL; /* the pieces, and this packet, are plain now */
    nif->rx_csum_ok = 0;
    if (m->gso_type != HC_NET_GSO_NONE) {
        cut_segment(nif, pkt, len, m->gso_size);
        return 1;
    }
    if ((m->flags & HC_NET_F_CSUM_PARTIAL) &&
        !(get16(pkt + 6) & 0x3fff)) /* never on a fragment */
        l4_sum(pkt, len);
    return 0;
}
