/*
 * checksum.c: the Internet checksum (RFC 1071) for IPv4, ICMP, UDP and
 * TCP. Sums are kept unfolded in 32 bits so callers can add pieces
 * (pseudo-header, header, payload) and fold once at the end.
 *
 * Values are numbers in host order: inet_sum returns the folded sum of
 * the big-endian 16-bit words, inet_fold its complement, which is stored
 * into a header with htons().
 *
 * inet_csum_finish completes a checksum left partial for a NIC (the
 * hc_net_meta convention) where no NIC will.
 *
 * Limits: a piece of odd length must be the last one (its final byte is
 * summed as the high byte of a 16-bit word). The 64-bit accumulator
 * cannot overflow for any buffer that fits in memory.
 */
#include <string.h>
#include "netint.h"

static uint32_t fold16(uint64_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint32_t)s;
}

static uint32_t swap16(uint32_t s)
{
    return ((s << 8) | (s >> 8)) & 0xffff;
}

/* Eight bytes at a time into a 64-bit accumulator whose carries are
 * folded back at the end: every TCP segment's payload passes here. */
uint32_t inet_sum(const void *p, size_t len, uint32_t sum)
{
    const uint8_t *b = p;
    /* Words are added as the little-endian host loads them; a one's
     * complement sum commutes with byte swapping, so the caller's sum is
     * swapped in and the result swapped back out. */
    uint64_t acc = swap16(fold16(sum));
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        acc += (w & 0xffffffffu) + (w >> 32);
        b += 8;
        len -= 8;
    }
    while (len >= 2) {
        uint16_t w;
        memcpy(&w, b, 2);
        acc += w;
        b += 2;
        len -= 2;
    }
    if (len)
        acc += *b; /* the high byte of a big-endian word, loaded LE */
    return swap16(fold16(acc));
}

uint16_t inet_fold(uint32_t sum)
{
    return (uint16_t)~fold16(sum);
}

uint32_t inet_pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
    uint8_t ph[12];
    memcpy(ph, &src, 4);
    memcpy(ph + 4, &dst, 4);
    ph[8] = 0;
    ph[9] = proto;
    ph[10] = (uint8_t)(len >> 8);
    ph[11] = (uint8_t)len;
    return inet_sum(ph, sizeof ph, 0);
}

/* The NIC's part of HC_NET_F_CSUM_PARTIAL: the field already holds the
 * pseudo-header sum, so summing from csum_start over it gives the rest. */
void inet_csum_finish(uint8_t *f, size_t len, const struct hc_net_meta *m)
{
    size_t at = (size_t)m->csum_start + m->csum_offset;
    if (!(m->flags & HC_NET_F_CSUM_PARTIAL) || at + 2 > len)
        return;
    uint16_t c = inet_fold(inet_sum(f + m->csum_start, len - m->csum_start, 0));
    f[at] = (uint8_t)(c >> 8);
    f[at + 1] = (uint8_t)c;
}
