/*
 * bufs.c: spare buffers. A request's input buffer (IN_MAX bytes) and a
 * response's first output buffer (OUT_FIRST) are taken when bytes come
 * and given back when the connection goes idle, which on a kept-alive
 * connection is once per request. Up to BUF_SPARES of each size wait
 * here for the next request instead of going back to malloc: musl's
 * free returns the pages of a freed 8 KiB block to the kernel
 * (madvise), a system call per request, and the next malloc may map
 * them again. Idle connections still hold nothing, and there are no
 * more spares of a size than open connections (at most BUF_SPARES):
 * when the clients go, the memory goes back (tests/net/hostile).
 */
#include <stdlib.h>
#include "httpd.h"

#define BUF_SPARES 32

struct spares {
    char *buf[BUF_SPARES];
    unsigned n;
};

static struct spares in_spares, out_spares;

static struct spares *spares_of(size_t size)
{
    return size == IN_MAX ? &in_spares : size == OUT_FIRST ? &out_spares : 0;
}

char *buf_take(size_t size)
{
    struct spares *s = spares_of(size);
    return s && s->n ? s->buf[--s->n] : malloc(size);
}

void buf_give(char *p, size_t size)
{
    struct spares *s = spares_of(size);
    if (p && s && s->n < BUF_SPARES && s->n < stats.open)
        s->buf[s->n++] = p;
    else
        free(p);
}

static void spares_trim(struct spares *s, uint64_t keep)
{
    while (s->n > keep)
        free(s->buf[--s->n]);
}

void bufs_trim(void)
{
    spares_trim(&in_spares, stats.open);
    spares_trim(&out_spares, stats.open);
}
