/*
 * netfront_io.c: frames through a connected vif's rings, each in as many
 * slots as it takes (netfront_gso.c lays them out and checks what the
 * backend answers). Transmit copies a frame into one granted page per
 * slot (completing a partial checksum the backend will not take blank:
 * nf_tx_csum_blank); receive takes a frame only once all its slots are
 * answered, copies them out in order and posts every slot's page again
 * at once, at the ring position whose id it is (id = position %
 * NF_SLOTS, which lets an extra slot, which carries no id, be matched to
 * its page).
 */
#include "xen.h"

#include <errno.h>
#include <string.h>
#include "kiln/csum.h"
#include "netfront.h"

void nf_tx_frame(struct vif *v, const uint8_t *frame, size_t len,
                 const struct hc_net_meta *m)
{
    unsigned pages = nf_tx_pages(len);
    int blank = nf_tx_csum_blank(m, frame, len, v->tx_csum6);
    int finish = !blank && m && (m->flags & HC_NET_F_CSUM_PARTIAL);
    int gso = m && m->gso_type == HC_NET_GSO_TCPV4;
    for (unsigned k = 0; k < pages; k++) {
        uint16_t id = v->tx_free[--v->ntx_free];
        size_t at = (size_t)k * NF_PAGE;
        size_t n = len - at < NF_PAGE ? len - at : NF_PAGE;
        memcpy(v->tx_page[id], frame + at, n);
        if (finish && pages == 1) /* IPv6's: never segmented, one page */
            kiln_csum_finish(v->tx_page[id], n, m->csum_start, m->csum_offset);
        uint16_t flags = k + 1 < pages ? NETTXF_more_data : 0;
        if (k == 0) {
            flags |= blank ? NETTXF_csum_blank | NETTXF_data_validated : 0;
            flags |= gso ? NETTXF_extra_info : 0;
            n = len; /* the first request's size is the frame's */
        }
        *RING_GET_REQUEST(&v->tx, v->tx.req_prod_pvt++) =
            (netif_tx_request_t){.gref = v->tx_gref[id],
                                 .flags = flags,
                                 .id = id,
                                 .size = (uint16_t)n};
        v->tx_inflight[id] = 1;
        if (k == 0 && gso) { /* an extra overlays a request slot */
            netif_extra_info_t x = nf_tx_gso_extra(m);
            memcpy(RING_GET_REQUEST(&v->tx, v->tx.req_prod_pvt++), &x,
                   sizeof x);
        }
    }
}

/* Responses waiting beyond the first `seen`, reading the ring's producer
 * again after asking for an event past them (a response may land in
 * between); NF_BAD if the index is broken. */
static int rx_pending(struct vif *v, int seen)
{
    for (int armed = 0;; armed = 1) {
        uint32_t prod =
            __atomic_load_n(&v->rx.sring->rsp_prod, __ATOMIC_ACQUIRE);
        int n = nf_pending(v->rx.rsp_cons, prod, v->rx.req_prod_pvt);
        if (n != seen || armed)
            return n;
        v->rx.sring->rsp_event = v->rx.rsp_cons + (uint32_t)seen + 1;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
}

/* Copy the span's data slots to buf while they fit; hand every slot back. */
static void rx_take(struct vif *v, const netif_rx_response_t *rsp,
                    const struct nf_rx_span *s, uint8_t *buf, size_t len)
{
    size_t at = 0;
    for (unsigned i = 0; i < s->slots; i++) {
        unsigned id = (v->rx.rsp_cons + i) % NF_SLOTS;
        size_t n = rsp[i].status > 0 ? (size_t)rsp[i].status : 0;
        int data = !(s->extras >> i & 1);
        if (data && !s->drop && s->len <= len)
            memcpy(buf + at, v->rx_page[id] + rsp[i].offset, n);
        at += data ? n : 0;
    }
    for (unsigned i = 0; i < s->slots; i++) {
        unsigned id = (v->rx.rsp_cons + i) % NF_SLOTS;
        netif_rx_request_t *req = RING_GET_REQUEST(&v->rx, v->rx.req_prod_pvt);
        *req = (netif_rx_request_t){.id = (uint16_t)id, .gref = v->rx_gref[id]};
        v->rx.req_prod_pvt++;
    }
    v->rx.rsp_cons += s->slots;
    nf_rx_push(v);
}

int nf_rx_frame(struct vif *v, uint8_t *buf, size_t len,
                struct hc_net_meta *meta)
{
    netif_rx_response_t rsp[NF_SLOTS];
    struct nf_rx_span s;
    const char *why = "a response index past our requests";
    int n = rx_pending(v, 0), r = 0;
    for (int tries = 0; n > 0 && tries < 2; tries++) {
        for (int i = 0; i < n; i++)
            rsp[i] = *(volatile netif_rx_response_t *)RING_GET_RESPONSE(
                &v->rx, v->rx.rsp_cons + (unsigned)i);
        if ((r = nf_rx_span(rsp, (unsigned)n, v->rx.rsp_cons, &s, &why)))
            break;
        n = rx_pending(v, n); /* a frame not yet whole */
    }
    if (n < 0 || r == NF_BAD) {
        nf_vif_disable(v, why);
        return -EIO;
    }
    if (r == 0)
        return -EAGAIN;
    rx_take(v, rsp, &s, buf, len);
    if (s.drop)
        return 0;
    if (s.len > len)
        return -EMSGSIZE;
    if (meta) {
        nf_rx_meta(s.flags, buf, s.len, meta);
        if (s.gso_size) {
            meta->gso_type = HC_NET_GSO_TCPV4;
            meta->gso_size = s.gso_size;
        }
    }
    return (int)s.len;
}
