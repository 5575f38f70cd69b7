/*
 * netfront_ring.h: the pure half of netfront (no hypercalls, host unit
 * tested in tests/unit/netfront-ring): checks of what a backend puts in
 * our shared rings, and the MAC address from xenstore. The backend is
 * trusted less than fully, so every index, id, status, offset and length
 * it writes passes through here before use.
 */
#ifndef KILN_NETFRONT_RING_H
#define KILN_NETFRONT_RING_H

#include <stddef.h>
#include <stdint.h>
#include <xen/io/netif.h>
#include "hypercall.h"

/* The barriers <xen/io/ring.h>'s macros expect from their user. */
#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif

/* Buffers (request ids 0..NF_SLOTS-1) per ring. Fewer than the ring's 256
 * entries: each is a granted page, and four vifs plus the disks share one
 * grant table of about 2000 entries. */
#define NF_SLOTS 64
#define NF_FRAME_MAX 1514 /* MTU 1500 plus the Ethernet header */

#define NF_BAD (-1)  /* the backend broke the protocol: stop using it */
#define NF_DROP (-2) /* a frame the backend dropped: nothing to deliver */
#define NF_SKIP (-3) /* the answer to an extra slot: no id, nothing to free */

/* Responses waiting between our consumer index cons and the backend's
 * rsp_prod, or NF_BAD if it claims more than the requests we posted
 * (req_prod). Indexes are free-running 32-bit counters. */
int nf_pending(uint32_t cons, uint32_t rsp_prod, uint32_t req_prod);

/* A transmit response against the ids in flight: 0 (sent), NF_DROP (the
 * backend refused the frame; the slot is free again), NF_SKIP
 * (NETIF_RSP_NULL, which answers a GSO extra slot) or NF_BAD. */
int nf_tx_check(const netif_tx_response_t *r, const uint8_t inflight[NF_SLOTS],
                const char **why);

/* What a received frame's NETRXF_* flags say about its checksum, as
 * hypercall.h's meta. csum_blank (a sender on this host left the
 * transport checksum to hardware) comes with no position, so the
 * IPv4 or IPv6 header (without extension headers) and TCP or UDP are
 * found in the frame itself; a blank one elsewhere reads as plain. */
void nf_rx_meta(uint16_t flags, const uint8_t *f, size_t len,
                struct hc_net_meta *m);

/* "00:16:3e:0a:0b:0c" into mac: 0, or -1 for anything else. */
int nf_parse_mac(const char *s, uint8_t mac[6]);

#endif
