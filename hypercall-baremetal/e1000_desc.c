/*
 * e1000_desc.c: filling transmit descriptors and reading receive ones
 * for the 82540EM (e1000_desc.h). Pure code, no device access: the
 * descriptors are plain memory here, e1000.c owns the rings.
 *
 * Checksum offload follows hypercall.h's HC_NET_F_CSUM_PARTIAL exactly
 * as the hardware's TCP/UDP checksum does without segmentation (manual
 * 3.3.6): the NIC sums from TUCSS to the frame's end, over whatever the
 * field at TUCSO holds (our pseudo-header seed), and stores the result.
 * The IP header checksum is the stack's (it computes it anyway), so
 * IXSM is never asked. Limits: no segmentation (TSE), so HC_NET_TX_TSO4
 * is not offered; the 8-bit TUCSS and TUCSO reach 255 bytes, past which
 * (never for TCP over IPv4 or IPv6 without options beyond 200 bytes)
 * the checksum is finished in software.
 */
#include <string.h>
#include "e1000_desc.h"

#define TUCMD_DEXT 0x20u /* extended descriptor (context or data) */
#define TUCMD_RS 0x08u   /* report status: write back DD */
#define DCMD_DEXT 0x20u
#define DCMD_RS 0x08u
#define DCMD_IFCS 0x02u /* append the Ethernet FCS */
#define DCMD_EOP 0x01u
#define DTYP_DATA 0x1u
#define POPTS_TXSM 0x02u      /* insert the TCP/UDP checksum */
#define RX_FRAME_ERRORS 0x97u /* CE, SE, SEQ, CXE, RXE */

int e1000_tx_plan(const struct hc_net_meta *m, size_t len,
                  struct e1000_tx_ctx *ctx)
{
    if (len < 14 || len > E1000_FRAME_MAX)
        return -1;
    if (!m || (!m->flags && m->gso_type == HC_NET_GSO_NONE))
        return E1000_TX_PLAIN;
    if (m->flags != HC_NET_F_CSUM_PARTIAL || m->gso_type != HC_NET_GSO_NONE ||
        (size_t)m->csum_start + m->csum_offset + 2 > len)
        return -1;
    size_t field = (size_t)m->csum_start + m->csum_offset;
    if (field > 255)
        return E1000_TX_SOFT;
    *ctx = (struct e1000_tx_ctx){
        .tucss = (uint8_t)m->csum_start,
        .tucso = (uint8_t)field,
        .cmd_len = (TUCMD_DEXT | TUCMD_RS) << 24,
    };
    return E1000_TX_OFFLOAD;
}

struct e1000_tx_data e1000_tx_data_for(uint64_t addr, size_t len)
{
    uint32_t dcmd = DCMD_DEXT | DCMD_RS | DCMD_IFCS | DCMD_EOP;
    return (struct e1000_tx_data){
        .addr = addr,
        .cmd_len = dcmd << 24 | DTYP_DATA << 20 | (uint32_t)len,
        .popts = POPTS_TXSM,
    };
}

int e1000_rx_check(const struct e1000_rx_desc *d, uint8_t *flags)
{
    unsigned n = d->length;
    *flags = 0;
    if (!(d->status & E1000_RX_EOP) || (d->errors & RX_FRAME_ERRORS) ||
        n < 14 || n > E1000_BUF_SIZE)
        return -1;
    if (d->status & E1000_RX_IXSM)
        return (int)n; /* the NIC says nothing of checksums */
    if (((d->status & E1000_RX_IPCS) && (d->errors & E1000_RX_IPE)) ||
        ((d->status & E1000_RX_TCPCS) && (d->errors & E1000_RX_TCPE)))
        return -1;
    if (d->status & E1000_RX_TCPCS)
        *flags = HC_NET_F_CSUM_VALID;
    return (int)n;
}
