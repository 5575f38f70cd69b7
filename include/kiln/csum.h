/*
 * kiln/csum.h: a NIC's part of hypercall.h's HC_NET_F_CSUM_PARTIAL, for
 * the drivers that must do it in software: the e1000, whose context
 * offsets are 8 bits, and netfront toward a backend that takes no IPv6
 * checksum offload. Plain byte pairs: these are rare frames, not the
 * stack's hot path (components/net/checksum.c has the fast sum).
 *
 * Header-only and pure (see README, "Layout").
 */
#ifndef KILN_CSUM_H
#define KILN_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Sum frame[start..len) over the pseudo-header seed already in the
 * field at start + offset and store the complement there. The caller
 * checked that the field lies inside the frame. */
static inline void kiln_csum_finish(uint8_t *frame, size_t len, size_t start,
                                    size_t offset)
{
    uint32_t sum = 0;
    for (size_t i = start; i + 1 < len; i += 2)
        sum += (uint32_t)frame[i] << 8 | frame[i + 1];
    if ((len - start) & 1)
        sum += (uint32_t)frame[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t c = (uint16_t)~sum;
    frame[start + offset] = (uint8_t)(c >> 8);
    frame[start + offset + 1] = (uint8_t)c;
}

#endif
