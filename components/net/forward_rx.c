/*
 * forward_rx.c: packets that came with a NIC's receive offloads. A NIC
 * that offers HC_NET_RX_CSUM or HC_NET_RX_TSO4 (virtio-net's GUEST_CSUM,
 * GUEST_TSO4) may deliver a TCP or UDP packet from a sender on the same
 * host whose checksum field holds only the pseudo-header sum, or one TCP
 * segment of up to 64 KiB coalesced from many (hypercall.h's
 * hc_net_meta). Neither may go onto another link as it is.
 *
 * As Linux does (GRO, then GSO at the way out), such a packet crosses
 * the router whole: one pass through tracking, rules and NAT for up to
 * 64 KiB of data, which is what makes TCP forwarding fast (cutting a
 * coalesced segment on arrival cost a copy, two checksums and the whole
 * pipeline for every 1448 bytes). On the way out it keeps its offloads
 * when the outgoing NIC does them (its checksum field seeded again with
 * the translated pseudo-header sum); otherwise, or when packets are held
 * for that NIC's ring (held packets are plain), it is made plain here:
 * the checksum summed, a coalesced segment cut back into the gso_size
 * pieces it came from, each fragmented if the next hop needs it.
 *
 * Limits: a coalesced segment that is not TCP over IPv4, or whose pieces
 * would not fit an MTU of NET_MTU_MAX, is dropped; offloads on a
 * fragment are ignored (no NIC leaves a fragment partial).
 */
#include <netinet/in.h>
#include <string.h>
#include "forward.h"
#include "kiln/byteorder.h"
#include "kiln/copy.h"

#define TH_FIN 0x01
#define TH_PSH 0x08
#define TH_CWR 0x80

/* One cut piece with ETH_HLEN of headroom, as fwd_emit needs. */
static uint8_t piece_buf[ETH_HLEN + NET_MTU_MAX];

/* Where the transport checksum of proto sits, or 0 for none we fill. */
static size_t l4_sum_at(uint8_t proto)
{
    return proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 0;
}

static size_t ip_hlen(const uint8_t *pkt)
{
    return (size_t)(pkt[0] & 15) * 4;
}

/* The pseudo-header sum of an unfragmented IPv4 packet's transport. */
static uint32_t l4_pseudo(const uint8_t *pkt, size_t len)
{
    uint32_t src, dst;
    memcpy(&src, pkt + 12, 4);
    memcpy(&dst, pkt + 16, 4);
    return inet_pseudo(src, dst, pkt[9], len - ip_hlen(pkt));
}

/* The transport checksum, from scratch. */
static void l4_sum(uint8_t *pkt, size_t len)
{
    size_t ihl = ip_hlen(pkt), at = l4_sum_at(pkt[9]);
    if (!at || len < ihl + at + 2)
        return;
    uint8_t *l4 = pkt + ihl;
    put16(l4 + at, 0);
    uint16_t c = inet_fold(inet_sum(l4, len - ihl, l4_pseudo(pkt, len)));
    put16(l4 + at, c == 0 && pkt[9] == IPPROTO_UDP ? 0xffff : c);
}

/* The field a NIC completes: the pseudo-header sum, as it is now (NAT
 * and the incremental updates it made are undone by this). */
static void l4_seed(uint8_t *pkt, size_t len)
{
    put16(pkt + ip_hlen(pkt) + l4_sum_at(pkt[9]),
          (uint16_t)l4_pseudo(pkt, len));
}

static void ip_sum(uint8_t *pkt)
{
    size_t ihl = ip_hlen(pkt);
    put16(pkt + 10, 0);
    put16(pkt + 10, inet_fold(inet_sum(pkt, ihl, 0)));
}

/* ---- on arrival --------------------------------------------------------- */

/* A coalesced segment's metadata as it would leave (offsets from the
 * Ethernet header); -1 if it cannot be forwarded. */
static int rx_gso(const uint8_t *pkt, size_t len, uint16_t gso,
                  struct hc_net_meta *m)
{
    size_t ihl = ip_hlen(pkt);
    if (pkt[9] != IPPROTO_TCP || len < ihl + 20 || !gso)
        return -1;
    size_t hlen = ihl + (size_t)(pkt[ihl + 12] >> 4) * 4;
    if (hlen > len || hlen + gso > NET_MTU_MAX)
        return -1;
    m->gso_type = HC_NET_GSO_TCPV4;
    m->gso_size = gso;
    m->hdr_len = (uint16_t)(ETH_HLEN + hlen);
    return 0;
}

int fwd_rx_offloads(const struct netif *nif, const uint8_t *pkt, size_t len,
                    struct hc_net_meta *m)
{
    const struct hc_net_meta *in = nif->rx_meta;
    size_t at = l4_sum_at(pkt[9]), ihl = ip_hlen(pkt);
    *m = (struct hc_net_meta){0};
    if (!in || (get16(pkt + 6) & 0x3fff))
        return 0;
    if (in->gso_type != HC_NET_GSO_NONE && rx_gso(pkt, len, in->gso_size, m))
        return -1;
    if (in->gso_type == HC_NET_GSO_NONE &&
        !(at && (in->flags & HC_NET_F_CSUM_PARTIAL)))
        return 0; /* plain, or checked by the NIC: final as it is */
    if (len < ihl + at + 2)
        return -1; /* a partial checksum past the packet's end */
    m->flags = HC_NET_F_CSUM_PARTIAL;
    m->csum_start = (uint16_t)(ETH_HLEN + ihl);
    m->csum_offset = (uint16_t)at;
    return 0;
}

size_t fwd_wire_len(const struct fwd *f)
{
    return f->off.gso_type ? (size_t)f->off.hdr_len - ETH_HLEN + f->off.gso_size
                           : f->len;
}

/* ---- on the way out ----------------------------------------------------- */

int fwd_send_offloaded(struct fwd *f)
{
    uint32_t need = HC_NET_TX_CSUM | (f->off.gso_type ? HC_NET_TX_TSO4 : 0);
    if ((f->out->offloads & need) != need || fwd_wire_len(f) > f->out->mtu ||
        fwd_held(f->out))
        return -1;
    l4_seed(f->pkt, f->len);
    if (eth_output_ip_meta(f->out, f->nh, f->pkt, f->len, &f->off) < 0)
        return -1;
    fwd_stats.nif[f->out->idx].out++;
    fwd_stats.offloaded++;
    return 0;
}

/* Piece k (data [off, off + n)) of the coalesced segment pkt. */
static uint8_t *cut_piece(const uint8_t *pkt, size_t hlen, size_t off, size_t n,
                          unsigned k, int last)
{
    uint8_t *p = piece_buf + ETH_HLEN;
    memcpy(p, pkt, hlen);
    kiln_copy(p + hlen, pkt + hlen + off, n);
    put16(p + 2, (uint16_t)(hlen + n));
    put16(p + 4, (uint16_t)(get16(pkt + 4) + k));
    ip_sum(p);
    uint8_t *th = p + ip_hlen(pkt);
    put32(th + 4, get32(th + 4) + (uint32_t)off);
    if (!last)
        th[13] &= (uint8_t) ~(TH_FIN | TH_PSH);
    if (k)
        th[13] &= (uint8_t)~TH_CWR;
    l4_sum(p, hlen + n);
    return p;
}

/* Cut a coalesced segment into its pieces, each sent plain; -1 if some
 * were lost. */
static int cut_segment(struct fwd *f)
{
    size_t hlen = f->off.hdr_len - ETH_HLEN, gso = f->off.gso_size;
    size_t data = f->len - hlen;
    int r = 0;
    unsigned k = 0;
    fwd_stats.coalesced++;
    for (size_t off = 0; off < data; off += gso, k++) {
        size_t n = data - off < gso ? data - off : gso;
        uint8_t *p = cut_piece(f->pkt, hlen, off, n, k, off + n == data);
        fwd_stats.pieces++;
        r |= fwd_emit(f->out, f->nh, p, hlen + n);
    }
    return r;
}

int fwd_send_plain(struct fwd *f)
{
    if (f->off.gso_type)
        return cut_segment(f);
    if (f->off.flags & HC_NET_F_CSUM_PARTIAL)
        l4_sum(f->pkt, f->len);
    return fwd_emit(f->out, f->nh, f->pkt, f->len);
}
