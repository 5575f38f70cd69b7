/*
 * netfront.h: what netfront's files share: one vif's state (netfront.c
 * sets it up and answers the hypercall NIC calls; netfront_io.c moves
 * frames through its rings in as many slots as they take).
 */
#ifndef KILN_NETFRONT_H
#define KILN_NETFRONT_H

#include "xen.h"

#include "netfront_gso.h"

#define NF_PATH 96

struct vif {
    unsigned devid, port;
    domid_t backend_id;
    char path[NF_PATH], backend[NF_PATH];
    uint8_t mac[6];
    int connected, dead;
    netif_tx_front_ring_t tx;
    netif_rx_front_ring_t rx;
    uint8_t *rx_page[NF_SLOTS], *tx_page[NF_SLOTS];
    grant_ref_t rx_gref[NF_SLOTS], tx_gref[NF_SLOTS];
    uint8_t tx_inflight[NF_SLOTS];
    uint16_t tx_free[NF_SLOTS];
    unsigned ntx_free;
    int tx_gso;   /* the backend takes segmentation (feature-gso-tcpv4) */
    int tx_csum6; /* ... IPv6 checksums blank (feature-ipv6-csum-offload) */
};

/* netfront.c */
void nf_rx_push(struct vif *v);
void nf_vif_disable(struct vif *v, const char *why);

/* netfront_io.c */
/* Queue one checked frame (nf_tx_meta_check) in nf_tx_pages(len) free
 * slots (the caller made sure there are), a GSO extra after its first
 * request if meta asks to segment. The caller pushes and notifies. */
void nf_tx_frame(struct vif *v, const uint8_t *frame, size_t len,
                 const struct hc_net_meta *m);
/* Take one whole received frame into buf, and hand its slots back:
 * its length, 0 for a frame dropped (the next call takes the next one),
 * -EMSGSIZE (too long for buf; lost), -EAGAIN (none complete yet; an
 * event is asked for), or -EIO after disabling the vif. */
int nf_rx_frame(struct vif *v, uint8_t *buf, size_t len,
                struct hc_net_meta *meta);

#endif
