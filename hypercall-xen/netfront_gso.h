/*
 * netfront_gso.h: the pure half of netfront's multi-slot frames
 * (feature-sg, feature-gso-tcpv4; netif.h's "wire format" sections):
 * how a frame to send is laid over pages, and where a received frame
 * that spans several response slots, with a GSO extra, begins and ends.
 * Host unit tested in tests/unit/netfront-gso; every response field the
 * backend writes is checked here before netfront_io.c uses it.
 */
#ifndef KILN_NETFRONT_GSO_H
#define KILN_NETFRONT_GSO_H

#include "netfront_ring.h"

#define NF_PAGE 4096u
/* Pages of the largest frame (a 64 KiB TCP segment behind Ethernet):
 * netback takes at most XEN_NETBK_LEGACY_SLOTS_MAX (18) slots a frame. */
#define NF_FRAME_PAGES ((HC_NET_GSO_FRAME_MAX + NF_PAGE - 1) / NF_PAGE)

/* Pages a frame of len bytes takes, one slot each. */
static inline unsigned nf_tx_pages(size_t len)
{
    return (unsigned)((len + NF_PAGE - 1) / NF_PAGE);
}

/* 0 if netfront can send meta's frame of len bytes, segmentation only
 * when gso (the backend offered feature-gso-tcpv4); else -1. */
int nf_tx_meta_check(const struct hc_net_meta *m, size_t len, int gso);

/* Whether meta's partial checksum may go to the backend blank
 * (NETTXF_csum_blank): IPv4's always (netif.h: on unless the backend
 * says feature-no-csum-offload), IPv6's only if it offered
 * feature-ipv6-csum-offload (csum6); 0 without a partial checksum. */
int nf_tx_csum_blank(const struct hc_net_meta *m, const uint8_t *frame,
                     size_t len, int csum6);

/* The GSO extra that follows a segmented frame's first request. */
netif_extra_info_t nf_tx_gso_extra(const struct hc_net_meta *m);

/* The first received frame among n responses copied, each read once,
 * from ring positions cons, cons + 1, ...: the slots it spans (data and
 * extras), its length, its first slot's NETRXF_* flags, the GSO segment
 * size (0: none), and whether to drop it (an error status, a runt, an
 * extra we cannot use, a frame past the MTU without GSO, more than
 * HC_NET_GSO_FRAME_MAX bytes). Data slot i must answer the request
 * posted at its position, id (cons + i) % NF_SLOTS (netfront posts in
 * that order; netif.h binds the backend to answer in place). */
struct nf_rx_span {
    unsigned slots;
    size_t len;
    uint16_t flags, gso_size;
    int drop;
    uint64_t extras; /* bit i: slot i is an extra, no data (NF_SLOTS 64) */
};
/* 1 (*s filled), 0 (the frame's last slot is not answered yet), or
 * NF_BAD with *why. */
int nf_rx_span(const netif_rx_response_t *rsp, unsigned n, uint32_t cons,
               struct nf_rx_span *s, const char **why);

#endif
