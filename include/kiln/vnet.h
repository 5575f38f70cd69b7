/*
 * kiln/vnet.h: between hypercall.h's struct hc_net_meta and virtio's
 * struct virtio_net_hdr (Debian's <linux/virtio_net.h>), for the hosts
 * whose NICs speak it: virtio-net on bare metal and the TAP (with
 * IFF_VNET_HDR) of hypercall-posix. Components never include it.
 *
 * Limits: little-endian hosts (virtio 1.0 and a TAP's default); only
 * TCPv4 segmentation is carried (other gso types read as
 * HC_NET_GSO_NONE with the frame refused by vnet_to_meta).
 */
#ifndef KILN_VNET_H
#define KILN_VNET_H

#include <linux/virtio_net.h>
#include "hypercall.h"

/* A received header as meta; -1 for a gso type we never asked for. */
static inline int vnet_to_meta(const struct virtio_net_hdr *h,
                               struct hc_net_meta *m)
{
    uint8_t gso = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
    if (gso != VIRTIO_NET_HDR_GSO_NONE && gso != VIRTIO_NET_HDR_GSO_TCPV4)
        return -1;
    m->flags =
        (uint8_t)((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM
                       ? HC_NET_F_CSUM_PARTIAL
                       : 0) |
                  (h->flags & VIRTIO_NET_HDR_F_DATA_VALID ? HC_NET_F_CSUM_VALID
                                                          : 0));
    m->gso_type = gso == VIRTIO_NET_HDR_GSO_TCPV4 ? HC_NET_GSO_TCPV4 : 0;
    m->hdr_len = h->hdr_len;
    m->gso_size = h->gso_size;
    m->csum_start = h->csum_start;
    m->csum_offset = h->csum_offset;
    return 0;
}

/* meta (NULL: a plain frame) as the header to send. */
static inline void vnet_from_meta(const struct hc_net_meta *m,
                                  struct virtio_net_hdr *h)
{
    *h = (struct virtio_net_hdr){0};
    if (!m)
        return;
    if (m->flags & HC_NET_F_CSUM_PARTIAL) {
        h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        h->csum_start = m->csum_start;
        h->csum_offset = m->csum_offset;
    }
    if (m->gso_type == HC_NET_GSO_TCPV4) {
        h->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
        h->hdr_len = m->hdr_len;
        h->gso_size = m->gso_size;
    }
}

/* 0 if a NIC offering offloads can send meta's frame of len bytes. */
static inline int vnet_meta_check(const struct hc_net_meta *m, size_t len,
                                  unsigned mtu, uint32_t offloads)
{
    if (!m || (!m->flags && m->gso_type == HC_NET_GSO_NONE))
        return len >= 14 && len <= mtu + 14u ? 0 : -1;
    if (m->flags & ~HC_NET_F_CSUM_PARTIAL || !(offloads & HC_NET_TX_CSUM) ||
        !(m->flags & HC_NET_F_CSUM_PARTIAL) ||
        (size_t)m->csum_start + m->csum_offset + 2 > len)
        return -1;
    if (m->gso_type == HC_NET_GSO_NONE)
        return len >= 14 && len <= mtu + 14u ? 0 : -1;
    return m->gso_type == HC_NET_GSO_TCPV4 && (offloads & HC_NET_TX_TSO4) &&
                   m->gso_size && len <= HC_NET_GSO_FRAME_MAX
               ? 0
               : -1;
}

#endif
