/*
 * kiln/byteorder.h: big-endian (network order) loads and stores on byte
 * pointers. Wire formats (IPv4, TCP, UDP, DHCP, ICMP) are read and
 * written through these so no caller casts a packet pointer to a wider
 * type: packets need not be aligned, and the compiler still emits one
 * load and a bswap.
 *
 * Header-only and pure: any component may include it (see README,
 * "Layout": include/kiln/ holds the helpers every component shares).
 */
#ifndef KILN_BYTEORDER_H
#define KILN_BYTEORDER_H

#include <stdint.h>

static inline uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
