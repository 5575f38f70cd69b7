/*
 * netfront_ring.c: checks of a netback's responses, pure functions (see
 * netfront_ring.h). Received frames, in one slot or several
 * (feature-sg, GSO), are checked by netfront_gso.c. Checksum offload is
 * negotiated: nf_rx_meta reads its flags.
 */
#include "netfront_ring.h"

#include <stddef.h>

#define PAGE 4096u
#define ETH_HDR 14

int nf_pending(uint32_t cons, uint32_t rsp_prod, uint32_t req_prod)
{
    uint32_t ready = rsp_prod - cons, posted = req_prod - cons;
    return ready > posted ? NF_BAD : (int)ready;
}

static int id_check(uint16_t id, const uint8_t busy[NF_SLOTS], const char **why)
{
    if (id >= NF_SLOTS) {
        *why = "a response id out of range";
        return NF_BAD;
    }
    if (!busy[id]) {
        *why = "a response for a slot not posted";
        return NF_BAD;
    }
    return 0;
}

int nf_tx_check(const netif_tx_response_t *r, const uint8_t inflight[NF_SLOTS],
                const char **why)
{
    if (r->status == NETIF_RSP_NULL)
        return NF_SKIP; /* its id is whatever the slot held before */
    if (id_check(r->id, inflight, why) < 0)
        return NF_BAD;
    switch (r->status) {
    case NETIF_RSP_OKAY: return 0;
    case NETIF_RSP_ERROR:
    case NETIF_RSP_DROPPED: return NF_DROP;
    default: *why = "a transmit status we cannot have caused"; return NF_BAD;
    }
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int nf_parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++, s += 3) {
        int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);
        if (lo < 0)
            return -1;
        if (s[2] != (i == 5 ? '\0' : ':'))
            return -1;
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* Where the transport checksum of frame f lies: 0, with *start at the
 * transport header and *at its checksum's offset in it, or -1. */
static int csum_place(const uint8_t *f, size_t len, uint16_t *start,
                      uint16_t *at)
{
    if (len < ETH_HDR + 40)
        return -1;
    unsigned type = (unsigned)f[12] << 8 | f[13], proto, hlen;
    if (type == 0x0800 && f[ETH_HDR] >> 4 == 4) {
        hlen = (f[ETH_HDR] & 15u) * 4;
        proto = f[ETH_HDR + 9];
    } else if (type == 0x86dd && f[ETH_HDR] >> 4 == 6) {
        hlen = 40;
        proto = f[ETH_HDR + 6];
    } else {
        return -1;
    }
    *start = (uint16_t)(ETH_HDR + hlen);
    *at = proto == 6 ? 16 : proto == 17 ? 6 : 0;
    return *at && hlen >= 20 && (size_t)*start + *at + 2 <= len ? 0 : -1;
}

void nf_rx_meta(uint16_t flags, const uint8_t *f, size_t len,
                struct hc_net_meta *m)
{
    *m = (struct hc_net_meta){0};
    if (flags & NETRXF_csum_blank) {
        if (csum_place(f, len, &m->csum_start, &m->csum_offset) == 0)
            m->flags = HC_NET_F_CSUM_PARTIAL;
        else
            m->csum_start = 0;
    } else if (flags & NETRXF_data_validated) {
        m->flags = HC_NET_F_CSUM_VALID;
    }
}
