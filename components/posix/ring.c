/*
 * ring.c: a byte ring over whole pages, the buffer behind pipes and
 * AF_UNIX sockets. Pure bookkeeping: callers check room and length
 * before they put or take (ring_room, r->len), so nothing here fails
 * except the allocation.
 */
#include <string.h>
#include "memfile.h"

int ring_init(struct ring *r, size_t bytes)
{
    r->buf = hc_pages_alloc(bytes / HC_PAGE_SIZE);
    r->cap = bytes;
    r->head = r->len = 0;
    return r->buf ? 0 : -1;
}

void ring_free(struct ring *r)
{
    if (r->buf)
        hc_pages_free(r->buf, r->cap / HC_PAGE_SIZE);
    *r = (struct ring){0};
}

size_t ring_room(const struct ring *r)
{
    return r->cap - r->len;
}

/* Append n bytes (n <= ring_room). */
void ring_put(struct ring *r, const void *src, size_t n)
{
    size_t tail = (r->head + r->len) % r->cap;
    size_t first = n < r->cap - tail ? n : r->cap - tail;
    memcpy(r->buf + tail, src, first);
    memcpy(r->buf, (const char *)src + first, n - first);
    r->len += n;
}

/* Copy n bytes starting off bytes in (off + n <= len), leaving them. */
void ring_peek(const struct ring *r, void *dst, size_t n, size_t off)
{
    size_t at = (r->head + off) % r->cap;
    size_t first = n < r->cap - at ? n : r->cap - at;
    memcpy(dst, r->buf + at, first);
    memcpy((char *)dst + first, r->buf, n - first);
}

/* Forget the first n bytes (n <= len). */
void ring_drop(struct ring *r, size_t n)
{
    r->head = (r->head + n) % r->cap;
    r->len -= n;
    if (!r->len)
        r->head = 0;
}

/* Take n bytes (n <= len). */
void ring_get(struct ring *r, void *dst, size_t n)
{
    ring_peek(r, dst, n, 0);
    ring_drop(r, n);
}
