/*
 * netfront_gso.c: multi-slot frames, pure code (netfront_gso.h).
 *
 * Transmit: a frame is laid over whole pages, one request each; the
 * first carries the frame's total size (netif.h: the backend finds the
 * first fragment's size by subtracting the others), and a segmented
 * frame's first request is followed by one GSO extra slot.
 *
 * Receive: a frame's first response may be followed by extras (its
 * NETRXF_extra_info, then each extra's XEN_NETIF_EXTRA_FLAG_MORE) and
 * by more data slots (NETRXF_more_data on every slot but the last).
 * Extras overlay the response and carry no id, so each slot is matched
 * to the request by its ring position. A frame is taken only once every
 * slot of it is answered; one that would need more slots than we post
 * can never complete and breaks the protocol.
 */
#include "netfront_gso.h"

#include <string.h>

#define ETH_HDR 14

int nf_tx_meta_check(const struct hc_net_meta *m, size_t len, int gso)
{
    if (len < ETH_HDR)
        return -1;
    if (!m || (!m->flags && m->gso_type == HC_NET_GSO_NONE))
        return len <= NF_FRAME_MAX ? 0 : -1;
    if (m->flags != HC_NET_F_CSUM_PARTIAL ||
        (size_t)m->csum_start + m->csum_offset + 2 > len)
        return -1;
    if (m->gso_type == HC_NET_GSO_NONE)
        return len <= NF_FRAME_MAX ? 0 : -1;
    return gso && m->gso_type == HC_NET_GSO_TCPV4 && m->gso_size &&
                   len <= XEN_NETIF_MAX_TX_SIZE /* a request's size */
               ? 0
               : -1;
}

int nf_tx_csum_blank(const struct hc_net_meta *m, const uint8_t *frame,
                     size_t len, int csum6)
{
    if (!m || !(m->flags & HC_NET_F_CSUM_PARTIAL))
        return 0;
    int ip6 = len >= ETH_HDR && frame[12] == 0x86 && frame[13] == 0xdd;
    return !ip6 || csum6;
}

netif_extra_info_t nf_tx_gso_extra(const struct hc_net_meta *m)
{
    netif_extra_info_t x = {.type = XEN_NETIF_EXTRA_TYPE_GSO};
    x.u.gso.size = m->gso_size;
    x.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
    return x;
}

/* One extra slot: a TCPv4 GSO one is used, any other drops the frame
 * (we asked for none). Returns whether another extra follows. */
static int span_extra(const netif_rx_response_t *r, struct nf_rx_span *s)
{
    netif_extra_info_t x; /* overlays the response (8 bytes of it) */
    memcpy(&x, r, sizeof x < sizeof *r ? sizeof x : sizeof *r);
    if (x.type == XEN_NETIF_EXTRA_TYPE_GSO &&
        x.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4 && x.u.gso.size)
        s->gso_size = x.u.gso.size;
    else
        s->drop = 1;
    return (x.flags & XEN_NETIF_EXTRA_FLAG_MORE) != 0;
}

/* One data slot at ring position pos: 0, or NF_BAD with *why. */
static int span_data(const netif_rx_response_t *r, uint32_t pos,
                     struct nf_rx_span *s, const char **why)
{
    if (r->id != pos % NF_SLOTS) {
        *why = "a response out of its request's slot";
        return NF_BAD;
    }
    if (r->status < 0) {
        s->drop = 1; /* NETIF_RSP_ERROR or _DROPPED: the slot is ours */
        return 0;
    }
    if ((uint32_t)r->offset + (uint32_t)r->status > NF_PAGE) {
        *why = "a frame past the end of its page";
        return NF_BAD;
    }
    s->len += (size_t)r->status;
    return 0;
}

int nf_rx_span(const netif_rx_response_t *rsp, unsigned n, uint32_t cons,
               struct nf_rx_span *s, const char **why)
{
    *s = (struct nf_rx_span){0};
    int extra = 0, more = 1;
    unsigned i = 0;
    for (; more || extra; i++) {
        if (i == n) {
            *why = "a frame in more slots than we post";
            return n < NF_SLOTS ? 0 : NF_BAD;
        }
        if (extra) {
            s->extras |= 1ull << i;
            extra = span_extra(&rsp[i], s);
            continue;
        }
        if (span_data(&rsp[i], cons + i, s, why) < 0)
            return NF_BAD;
        more = (rsp[i].flags & NETRXF_more_data) != 0;
        if (i == 0) {
            s->flags = rsp[0].flags;
            extra = (rsp[0].flags & NETRXF_extra_info) != 0;
        }
    }
    s->slots = i;
    if (s->len < ETH_HDR || s->len > HC_NET_GSO_FRAME_MAX ||
        (s->len > NF_FRAME_MAX && !s->gso_size))
        s->drop = 1;
    return 1;
}
