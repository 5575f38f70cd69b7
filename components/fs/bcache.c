/*
 * bcache.c: the block cache (see bcache.h for the contract). The pool is
 * BCACHE_BUFS pages taken from hc_pages_alloc on first use and never
 * given back; lookups scan it linearly, which at 128 entries costs less
 * than one device request. Limits: one staging area serves read-ahead
 * and coalesced writes, so requests are at most BCACHE_RA_MAX blocks.
 */
#include "bcache.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "hypercall.h"

static struct bbuf bufs[BCACHE_BUFS];
static uint8_t *staging; /* BCACHE_RA_MAX pages, contiguous */
static uint64_t clock_stamp;

void bcache_log(const char *fmt, ...)
{
    char line[200] = "fs: ";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + 4, sizeof line - 5, fmt, ap);
    va_end(ap);
    size_t n = strlen(line);
    line[n++] = '\n';
    hc_console_write(line, n);
}

/* Take the pool's pages the first time a disk is opened. */
static int pool_init(void)
{
    if (staging)
        return 0;
    uint8_t *pool = hc_pages_alloc(BCACHE_BUFS);
    uint8_t *st = hc_pages_alloc(BCACHE_RA_MAX);
    if (!pool || !st) {
        if (pool)
            hc_pages_free(pool, BCACHE_BUFS);
        if (st)
            hc_pages_free(st, BCACHE_RA_MAX);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < BCACHE_BUFS; i++)
        bufs[i].data = pool + (size_t)i * HC_PAGE_SIZE;
    staging = st;
    return 0;
}

int bcache_dev_open(struct bdev *d, unsigned disk, unsigned bsize)
{
    struct hc_blk_info bi;
    int r = hc_blk_info(disk, &bi);
    if (r < 0)
        return r;
    if (bsize < 512 || bsize > HC_PAGE_SIZE || (bsize & (bsize - 1)) ||
        bsize < bi.sector_size)
        return -EINVAL;
    r = pool_init();
    if (r < 0)
        return r;
    memset(d, 0, sizeof *d);
    d->disk = disk;
    d->bsize = bsize;
    d->spb = bsize / bi.sector_size;
    d->nblocks = bi.sectors / d->spb;
    d->read_only = bi.read_only;
    d->last_miss = UINT64_MAX - 1;
    return 0;
}

static struct bbuf *buf_find(struct bdev *d, uint64_t blkno)
{
    for (unsigned i = 0; i < BCACHE_BUFS; i++)
        if (bufs[i].dev == d && bufs[i].blkno == blkno)
            return &bufs[i];
    return NULL;
}

static int buf_write(struct bbuf *b)
{
    struct bdev *d = b->dev;
    int r = hc_blk_write(d->disk, b->blkno * d->spb, b->data, d->spb);
    if (r < 0) {
        bcache_log("write of block %llu failed (%d)",
                   (unsigned long long)b->blkno, r);
        d->io_error = r;
    }
    b->dirty = 0;
    return r;
}

/* A buffer to reuse: a free one, else the least recently used that
 * nobody holds, written back first if dirty. NULL if all are held. */
static struct bbuf *buf_evict(void)
{
    struct bbuf *best = NULL;
    for (unsigned i = 0; i < BCACHE_BUFS; i++) {
        struct bbuf *b = &bufs[i];
        if (!b->dev)
            return b;
        if (!b->refs && (!best || b->used < best->used))
            best = b;
    }
    if (best && best->dirty) {
        best->refs = 1; /* nobody takes it while the write blocks */
        buf_write(best);
        best->refs = 0;
    }
    if (best)
        best->dev = NULL;
    return best;
}

static struct bbuf *buf_claim(struct bdev *d, uint64_t blkno)
{
    struct bbuf *b = buf_evict();
    if (!b)
        return NULL;
    b->dev = d;
    b->blkno = blkno;
    b->refs = 0;
    b->dirty = 0;
    b->used = ++clock_stamp;
    return b;
}

/* Blocks from blkno on that are not cached, up to the read-ahead limit,
 * when the miss continues a sequential run; otherwise 1. */
static unsigned ra_count(struct bdev *d, uint64_t blkno)
{
    if (blkno != d->last_miss + 1)
        return 1;
    unsigned n = 1;
    while (n < BCACHE_RA_MAX && blkno + n < d->nblocks &&
           !buf_find(d, blkno + n))
        n++;
    return n;
}

/* Read n blocks at blkno into the cache; the first one is returned. */
static struct bbuf *buf_fill(struct bdev *d, uint64_t blkno, unsigned n,
                             int *err)
{
    int r = hc_blk_read(d->disk, blkno * d->spb, staging, (size_t)n * d->spb);
    if (r < 0) {
        bcache_log("read of block %llu failed (%d)", (unsigned long long)blkno,
                   r);
        *err = -EIO;
        return NULL;
    }
    d->last_miss = blkno + n - 1;
    struct bbuf *first = NULL;
    for (unsigned i = 0; i < n; i++) {
        if (i && buf_find(d, blkno + i))
            continue; /* cached while the read blocked */
        struct bbuf *b = buf_claim(d, blkno + i);
        if (!b)
            break;
        memcpy(b->data, staging + (size_t)i * d->bsize, d->bsize);
        if (!i) {
            b->refs = 1;
            first = b;
        }
    }
    if (!first)
        *err = -ENOMEM;
    return first;
}

struct bbuf *bcache_get(struct bdev *d, uint64_t blkno, int *err)
{
    if (blkno >= d->nblocks) {
        bcache_log("block %llu is past the disk's end",
                   (unsigned long long)blkno);
        *err = -EUCLEAN;
        return NULL;
    }
    struct bbuf *b = buf_find(d, blkno);
    if (b) {
        b->refs++;
        b->used = ++clock_stamp;
        return b;
    }
    return buf_fill(d, blkno, ra_count(d, blkno), err);
}

struct bbuf *bcache_get_zero(struct bdev *d, uint64_t blkno, int *err)
{
    if (blkno >= d->nblocks) {
        *err = -EUCLEAN;
        return NULL;
    }
    struct bbuf *b = buf_find(d, blkno);
    if (!b)
        b = buf_claim(d, blkno);
    if (!b) {
        *err = -ENOMEM;
        return NULL;
    }
    b->refs++;
    b->used = ++clock_stamp;
    memset(b->data, 0, d->bsize);
    return b;
}

void bcache_dirty(struct bbuf *b, unsigned cls)
{
    b->dirty = 1;
    b->cls = cls < BCACHE_CLASSES ? cls : BCACHE_CLASSES - 1;
}

void bcache_put(struct bbuf *b)
{
    if (b && b->refs)
        b->refs--;
}

void bcache_forget(struct bdev *d, uint64_t blkno)
{
    struct bbuf *b = buf_find(d, blkno);
    if (!b)
        return;
    b->dirty = 0;
    if (!b->refs)
        b->dev = NULL;
}

/* Dirty buffers of d in class cls, sorted by block number. */
static unsigned sync_collect(struct bdev *d, unsigned cls, struct bbuf **out)
{
    unsigned n = 0;
    for (unsigned i = 0; i < BCACHE_BUFS; i++) {
        struct bbuf *b = &bufs[i];
        if (b->dev != d || !b->dirty || b->cls != cls)
            continue;
        unsigned j = n++;
        while (j && out[j - 1]->blkno > b->blkno) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = b;
    }
    return n;
}

/* Write list[0..n) (sorted), joining consecutive blocks into one request. */
static int sync_write_runs(struct bdev *d, struct bbuf **list, unsigned n)
{
    int err = 0;
    for (unsigned i = 0; i < n;) {
        unsigned run = 1;
        while (i + run < n && run < BCACHE_RA_MAX &&
               list[i + run]->blkno == list[i]->blkno + run)
            run++;
        for (unsigned k = 0; k < run; k++) {
            memcpy(staging + (size_t)k * d->bsize, list[i + k]->data, d->bsize);
            list[i + k]->dirty = 0;
        }
        int r = hc_blk_write(d->disk, list[i]->blkno * d->spb, staging,
                             (size_t)run * d->spb);
        if (r < 0 && !err) {
            bcache_log("write of block %llu failed (%d)",
                       (unsigned long long)list[i]->blkno, r);
            err = -EIO;
        }
        i += run;
    }
    return err;
}

int bcache_sync(struct bdev *d)
{
    static struct bbuf *list[BCACHE_BUFS];
    int err = d->io_error;
    d->io_error = 0;
    for (unsigned cls = 0; cls < BCACHE_CLASSES; cls++) {
        unsigned n = sync_collect(d, cls, list);
        if (!n)
            continue;
        int r = sync_write_runs(d, list, n);
        if (!r)
            r = hc_blk_flush(d->disk);
        if (r < 0 && !err)
            err = r;
    }
    return err;
}

void bcache_drop(struct bdev *d)
{
    for (unsigned i = 0; i < BCACHE_BUFS; i++)
        if (bufs[i].dev == d) {
            bufs[i].dev = NULL;
            bufs[i].refs = 0;
            bufs[i].dirty = 0;
        }
}
