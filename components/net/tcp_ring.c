/*
 * tcp_ring.c: a connection's send or receive bytes, in a power-of-two
 * ring of whole pages indexed by sequence number (seq & (cap - 1)), so
 * a byte keeps its place from arrival to consumption and retransmission
 * or reordering needs no bookkeeping beyond sequence numbers.
 *
 * A ring has two sizes. Its size, settled with the connection
 * (tcp_ring_plan) and doubled by autotuning, is what it may hold: the
 * window it announces, the room send() sees. Its pages (cap bytes) are
 * taken only when bytes come: one page at first, doubled as more must
 * be held at once, and all given back when it empties (tcp_ring_park).
 * An idle connection holds no ring pages and a request of a few hundred
 * bytes takes one, so ten thousand kept-alive connections fit in a small
 * guest even when all of them are sent a request at once. Should pages
 * be short when data comes, the segment is dropped and sent again.
 *
 * A request and its response each take a one-page ring and give it back
 * within a round trip, so parked single pages wait in a small spare
 * stack (RING_SPARES, 64 KiB) instead of going back to hc_pages_alloc,
 * which zeroes every page with a `rep stosq` that TCG runs one
 * iteration per pass (bench/http/profile: a fifth of httpd's time).
 * Ring bytes are always written before they are read, so a page needs
 * no zeroing. Spares nobody took for a second go back to the allocator
 * (tcp_ring_spares_expire), so an idle guest holds none. Copies in and
 * out are kiln_copy's, for the same reason as the spares.
 */
#include <string.h>
#include "kiln/copy.h"
#include "tcp.h"

#define RING_SPARES 16
#define SPARES_IDLE_NS 1000000000ull

static void *spares[RING_SPARES];
static unsigned nspares;
static uint64_t spares_taken, spares_seen; /* takes: all, at last expiry */
static uint64_t spares_check;              /* the next expiry check */

/* A page for a one-page ring: a spare one, or a fresh one. */
static void *page_take(void)
{
    if (!nspares)
        return hc_pages_alloc(1);
    spares_taken++;
    return spares[--nspares];
}

void tcp_ring_spares_expire(uint64_t now)
{
    if (now < spares_check)
        return;
    spares_check = now + SPARES_IDLE_NS;
    if (spares_taken == spares_seen)
        while (nspares)
            hc_pages_free(spares[--nspares], 1);
    spares_seen = spares_taken;
}

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
    tcp_ring_park(r);
    r->size = s;
    return 0;
}

/* Pages enough to hold span bytes from base (span <= size), moving the
 * bytes already there to their places in the bigger ring; -1 without
 * memory (the ring is unchanged). */
static int ring_room(struct tcp_ring *r, uint32_t base, uint32_t span)
{
    uint32_t cap = r->cap ? r->cap : HC_PAGE_SIZE;
    while (cap < span)
        cap <<= 1;
    if (cap == r->cap)
        return 0;
    uint8_t *buf =
        cap == HC_PAGE_SIZE ? page_take() : hc_pages_alloc(cap / HC_PAGE_SIZE);
    if (!buf)
        return -1;
    for (uint32_t done = 0; done < r->cap;) {
        uint32_t from = (base + done) & (r->cap - 1);
        uint32_t to = (base + done) & (cap - 1);
        uint32_t chunk = r->cap - from; /* up to either ring's end */
        if (chunk > cap - to)
            chunk = cap - to;
        if (chunk > r->cap - done)
            chunk = r->cap - done;
        kiln_copy(buf + to, r->buf + from, chunk);
        done += chunk;
    }
    tcp_ring_park(r);
    r->buf = buf;
    r->cap = cap;
    return 0;
}

void tcp_ring_park(struct tcp_ring *r)
{
    if (r->buf && r->cap == HC_PAGE_SIZE && nspares < RING_SPARES)
        spares[nspares++] = r->buf;
    else if (r->buf)
        hc_pages_free(r->buf, r->cap / HC_PAGE_SIZE);
    r->buf = NULL;
    r->cap = 0;
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

/* The pages follow when bytes need them (ring_room). */
int tcp_ring_grow(struct tcp_ring *r)
{
    if (!grow_allowed(r->size * 2))
        return -1;
    r->size *= 2;
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
    if (!n)
        return 0;
    if (ring_room(r, base, seq - base + n) < 0)
        return -1;
    uint32_t at = seq & (r->cap - 1), first = r->cap - at;
    if (first > n)
        first = n;
    kiln_copy(r->buf + at, p, first);
    kiln_copy(r->buf, (const uint8_t *)p + first, n - first);
    return 0;
}

void tcp_ring_get(const struct tcp_ring *r, uint32_t seq, void *p, uint32_t n)
{
    if (!n)
        return;
    uint32_t at = seq & (r->cap - 1), first = r->cap - at;
    if (first > n)
        first = n;
    kiln_copy(p, r->buf + at, first);
    kiln_copy((uint8_t *)p + first, r->buf, n - first);
}
