/*
 * tcp_ring.c: a connection's send or receive bytes, in a power-of-two
 * ring of whole pages indexed by sequence number (seq & (size - 1)), so
 * a byte keeps its place from arrival to consumption and retransmission
 * or reordering needs no bookkeeping beyond sequence numbers.
 */
#include <string.h>
#include "tcp.h"

int tcp_ring_alloc(struct tcp_ring *r, uint32_t size)
{
    uint32_t s = TCP_RING_MIN;
    while (s < size && s < TCP_RING_MAX)
        s <<= 1;
    r->buf = hc_pages_alloc(s / HC_PAGE_SIZE);
    if (!r->buf)
        return -1;
    r->size = s;
    return 0;
}

void tcp_ring_free(struct tcp_ring *r)
{
    if (r->buf)
        hc_pages_free(r->buf, r->size / HC_PAGE_SIZE);
    r->buf = NULL;
    r->size = 0;
}

void tcp_ring_put(struct tcp_ring *r, uint32_t seq, const void *p, uint32_t n)
{
    uint32_t at = seq & (r->size - 1), first = r->size - at;
    if (first > n)
        first = n;
    memcpy(r->buf + at, p, first);
    memcpy(r->buf, (const uint8_t *)p + first, n - first);
}

void tcp_ring_get(const struct tcp_ring *r, uint32_t seq, void *p, uint32_t n)
{
    uint32_t at = seq & (r->size - 1), first = r->size - at;
    if (first > n)
        first = n;
    memcpy(p, r->buf + at, first);
    memcpy((uint8_t *)p + first, r->buf, n - first);
}
