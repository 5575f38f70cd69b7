/*
 * tcp_ring.c: a connection's send or receive bytes, in a power-of-two
 * ring of whole pages indexed by sequence number (seq & (size - 1)), so
 * a byte keeps its place from arrival to consumption and retransmission
 * or reordering needs no bookkeeping beyond sequence numbers.
 *
 * A ring's size is settled with the connection (tcp_ring_plan) but its
 * pages are taken only when a byte must be stored and given back when
 * the ring empties (tcp_ring_park): an idle connection holds no ring
 * pages, so ten thousand kept-alive ones fit in a small guest. The
 * window it announces is still the planned size; should the pages not
 * be there when data comes, the segment is dropped and sent again.
 */
#include <string.h>
#include "tcp.h"

/* Under memory pressure a connection gets a smaller ring rather than
 * none: below a quarter of RAM free, rings shrink toward TCP_RING_MIN,
 * and the last 1/16 is left to everyone else. */
static uint32_t ring_budget(uint32_t want)
{
    struct hc_mem_stats m;
    hc_pages_stats(&m);
    size_t free_bytes = m.free_pages * HC_PAGE_SIZE;
    size_t total = m.total_pages * HC_PAGE_SIZE;
    if (free_bytes < total / 16)
        return 0;
    while (want > TCP_RING_MIN && free_bytes < want + total / 4)
        want >>= 1;
    return want;
}

int tcp_ring_plan(struct tcp_ring *r, uint32_t size)
{
    uint32_t s = TCP_RING_MIN;
    while (s < size && s < TCP_RING_MAX)
        s <<= 1;
    s = ring_budget(s);
    if (s < TCP_RING_MIN)
        return -1;
    r->buf = NULL;
    r->size = s;
    return 0;
}

int tcp_ring_fill(struct tcp_ring *r)
{
    if (!r->buf)
        r->buf = hc_pages_alloc(r->size / HC_PAGE_SIZE);
    return r->buf ? 0 : -1;
}

void tcp_ring_park(struct tcp_ring *r)
{
    if (r->buf)
        hc_pages_free(r->buf, r->size / HC_PAGE_SIZE);
    r->buf = NULL;
}

/* Growing is a luxury: only while half of RAM stays free after it, so
 * peers that make many senders' rings grow toward TCP_RING_MAX cannot
 * take the memory the application and new connections need. */
static int grow_allowed(uint32_t want)
{
    struct hc_mem_stats m;
    hc_pages_stats(&m);
    return want <= TCP_RING_MAX && m.free_pages * HC_PAGE_SIZE >=
                                       want + m.total_pages / 2 * HC_PAGE_SIZE;
}

int tcp_ring_grow(struct tcp_ring *r, uint32_t seq, uint32_t len)
{
    struct tcp_ring n;
    uint32_t want = r->size * 2;
    if (!grow_allowed(want))
        return -1;
    if (!r->buf) { /* parked: nothing to move */
        r->size = want;
        return 0;
    }
    n.buf = hc_pages_alloc(want / HC_PAGE_SIZE);
    if (!n.buf)
        return -1;
    n.size = want;
    /* the live bytes move to their places in the bigger ring */
    uint32_t done = 0;
    while (done < len) {
        uint32_t at = (seq + done) & (r->size - 1);
        uint32_t chunk = r->size - at;
        if (chunk > len - done)
            chunk = len - done;
        tcp_ring_put(&n, seq, seq + done, r->buf + at, chunk);
        done += chunk;
    }
    tcp_ring_free(r);
    *r = n;
    return 0;
}

void tcp_ring_free(struct tcp_ring *r)
{
    tcp_ring_park(r);
    r->size = 0;
}

/* The ring holds [base, base + size): bytes beyond it would land on
 * live ones or, written as one span, past the buffer. */
int tcp_ring_put(struct tcp_ring *r, uint32_t base, uint32_t seq, const void *p,
                 uint32_t n)
{
    if (seq_lt(seq, base) || seq - base > r->size || n > r->size - (seq - base))
        return -1;
    if (n && tcp_ring_fill(r) < 0)
        return -1;
    uint32_t at = seq & (r->size - 1), first = r->size - at;
    if (first > n)
        first = n;
    memcpy(r->buf + at, p, first);
    memcpy(r->buf, (const uint8_t *)p + first, n - first);
    return 0;
}

void tcp_ring_get(const struct tcp_ring *r, uint32_t seq, void *p, uint32_t n)
{
    uint32_t at = seq & (r->size - 1), first = r->size - at;
    if (first > n)
        first = n;
    memcpy(p, r->buf + at, first);
    memcpy((uint8_t *)p + first, r->buf, n - first);
}
