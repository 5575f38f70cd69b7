/*
 * bcache.c: the block cache (see bcache.h for the contract). The pool is
 * BCACHE_BUFS pages taken from hc_pages_alloc on first use and never
 * given back; a hash on (disk, block) finds cached blocks, eviction
 * scans the pool for the least recently used. Limits: one staging area serves
 * read-ahead and coalesced writes, so requests are at most BCACHE_RA_MAX
 * blocks.
 */
#include "kiln/log.h"
#include "bcache.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "hypercall.h"

#define HASH_SIZE 256 /* chains of (disk, block) -> buffer */
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* The buffers' table and the lists of writes, 9 KiB, are allocated
 * with the pool, not carried in every image. */
struct cache_tables {
    struct bbuf bufs[BCACHE_BUFS];
    int hash_head[HASH_SIZE];
    struct bbuf *evict_list[BCACHE_BUFS], *sync_list[BCACHE_BUFS];
};
#define TABLE_PAGES                                                            \
    ((sizeof(struct cache_tables) + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE)
static struct cache_tables *tables;
static struct bbuf *bufs; /* NULL until the first disk is opened */
static int *hash_head;
static uint8_t *staging; /* BCACHE_RA_MAX pages, contiguous */
static uint64_t clock_stamp;

/* Take the pool's pages the first time a disk is opened. */
static int pool_init(void)
{
    if (staging)
        return 0;
    uint8_t *pool = hc_pages_alloc(BCACHE_BUFS);
    uint8_t *st = hc_pages_alloc(BCACHE_RA_MAX);
    struct cache_tables *t = hc_pages_alloc(TABLE_PAGES);
    if (!pool || !st || !t) {
        if (pool)
            hc_pages_free(pool, BCACHE_BUFS);
        if (st)
            hc_pages_free(st, BCACHE_RA_MAX);
        if (t)
            hc_pages_free(t, TABLE_PAGES);
        return -ENOMEM;
    }
    tables = t;
    bufs = t->bufs;
    hash_head = t->hash_head;
    for (unsigned i = 0; i < BCACHE_BUFS; i++) {
        bufs[i].data = pool + (size_t)i * HC_PAGE_SIZE;
        bufs[i].hnext = -1;
    }
    for (unsigned i = 0; i < HASH_SIZE; i++)
        hash_head[i] = -1;
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

static unsigned hash_of(const struct bdev *d, uint64_t blkno)
{
    return (unsigned)((blkno * 0x9e3779b1u) ^ d->disk) % HASH_SIZE;
}

static struct bbuf *buf_find(struct bdev *d, uint64_t blkno)
{
    for (int i = hash_head[hash_of(d, blkno)]; i >= 0; i = bufs[i].hnext)
        if (bufs[i].dev == d && bufs[i].blkno == blkno)
            return &bufs[i];
    return NULL;
}

/* Give b an identity (d, blkno), or none (d NULL), keeping the hash. */
static void buf_rename(struct bbuf *b, struct bdev *d, uint64_t blkno)
{
    int self = (int)(b - bufs);
    if (b->dev) {
        int *p = &hash_head[hash_of(b->dev, b->blkno)];
        while (*p != self)
            p = &bufs[*p].hnext;
        *p = b->hnext;
    }
    b->dev = d;
    b->blkno = blkno;
    b->valid = 0;
    b->hnext = -1;
    if (d) {
        unsigned h = hash_of(d, blkno);
        b->hnext = hash_head[h];
        hash_head[h] = self;
    }
}

static unsigned sync_collect(struct bdev *d, unsigned cls, struct bbuf **out);
static int sync_write_runs(struct bdev *d, struct bbuf **list, unsigned n);

/* Write back every dirty buffer of b's disk and class, in runs: when
 * one must go, its neighbours (a file being written) likely follow, so
 * one request of many blocks beats many of one. */
static void evict_write(struct bbuf *b)
{
    struct bbuf **list = tables->evict_list;
    struct bdev *d = b->dev;
    b->refs = 1; /* nobody takes it while the writes block */
    int r = sync_write_runs(d, list, sync_collect(d, b->cls, list));
    if (r < 0)
        d->io_error = r;
    b->refs = 0;
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
    if (best && best->dirty)
        evict_write(best);
    if (best)
        buf_rename(best, NULL, 0);
    return best;
}

static struct bbuf *buf_claim(struct bdev *d, uint64_t blkno)
{
    struct bbuf *b = buf_evict();
    if (!b)
        return NULL;
    buf_rename(b, d, blkno);
    b->refs = 0;
    b->dirty = 0;
    b->used = ++clock_stamp;
    return b;
}

/* Uncached blocks from blkno on, up to max. */
static unsigned uncached_run(struct bdev *d, uint64_t blkno, unsigned max)
{
    unsigned k = 0;
    while (k < max && !buf_find(d, blkno + k))
        k++;
    return k;
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

/* Read n blocks at blkno into the cache; the first one is returned,
 * held. Buffers are claimed before the read: claiming may write back
 * through the staging area the read then uses. */
static struct bbuf *buf_fill(struct bdev *d, uint64_t blkno, unsigned n,
                             int *err)
{
    struct bbuf *got[BCACHE_RA_MAX];
    unsigned k = 0;
    while (k < n && (got[k] = buf_claim(d, blkno + k)) != NULL)
        got[k++]->refs = 1;
    if (!k) {
        *err = -ENOMEM;
        return NULL;
    }
    int r = hc_blk_read(d->disk, blkno * d->spb, staging, (size_t)k * d->spb);
    for (unsigned i = 0; i < k; i++) {
        memcpy(got[i]->data, staging + (size_t)i * d->bsize, d->bsize);
        got[i]->refs = i ? 0 : 1;
        if (r < 0)
            buf_rename(got[i], NULL, 0);
    }
    if (r < 0) {
        kiln_log("fs: read of block %llu failed (%d)",
                 (unsigned long long)blkno, r);
        *err = -EIO;
        return NULL;
    }
    d->last_miss = blkno + k - 1;
    return got[0];
}

/* The buffer of blkno; a miss reads n blocks (0: as ra_count says). */
static struct bbuf *get_filling(struct bdev *d, uint64_t blkno, unsigned n,
                                int *err)
{
    if (blkno >= d->nblocks) {
        kiln_log("fs: block %llu is past the disk's end",
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
    if (n > BCACHE_RA_MAX)
        n = BCACHE_RA_MAX;
    if (n > 1)
        n = 1 + uncached_run(d, blkno + 1,
                             (unsigned)MIN(n - 1, d->nblocks - blkno - 1));
    return buf_fill(d, blkno, n ? n : ra_count(d, blkno), err);
}

struct bbuf *bcache_get(struct bdev *d, uint64_t blkno, int *err)
{
    return get_filling(d, blkno, 0, err);
}

struct bbuf *bcache_get_ahead(struct bdev *d, uint64_t blkno, unsigned ahead,
                              int *err)
{
    return get_filling(d, blkno, ahead + 1, err);
}

int bcache_read_direct(struct bdev *d, uint64_t blkno, unsigned n, void *dst)
{
    uint8_t *p = dst;
    if (blkno >= d->nblocks || n > d->nblocks - blkno)
        return -EUCLEAN;
    for (unsigned i = 0; i < n;) {
        struct bbuf *b = buf_find(d, blkno + i);
        if (b) { /* may be newer than the disk */
            memcpy(p + (size_t)i * d->bsize, b->data, d->bsize);
            b->used = ++clock_stamp;
            i++;
            continue;
        }
        unsigned max = n - i < BCACHE_DIRECT_MAX ? n - i : BCACHE_DIRECT_MAX;
        unsigned k = uncached_run(d, blkno + i, max);
        int r = hc_blk_read(d->disk, (blkno + i) * d->spb,
                            p + (size_t)i * d->bsize, (size_t)k * d->spb);
        if (r < 0) {
            kiln_log("fs: read of block %llu failed (%d)",
                     (unsigned long long)(blkno + i), r);
            return -EIO;
        }
        i += k;
    }
    return 0;
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
    b->valid = 0;
    return b;
}

void bcache_dirty(struct bbuf *b, unsigned cls)
{
    b->dirty = 1;
    b->cls = cls < BCACHE_CLASSES ? cls : BCACHE_CLASSES - 1;
    if (cls != BC_DIR) /* a corrupt disk may share a block among kinds */
        b->valid = 0;
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
        buf_rename(b, NULL, 0);
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
            kiln_log("fs: write of block %llu failed (%d)",
                     (unsigned long long)list[i]->blkno, r);
            err = -EIO;
        }
        i += run;
    }
    return err;
}

int bcache_sync(struct bdev *d)
{
    int err = d->io_error;
    d->io_error = 0;
    if (!tables)
        return err; /* no disk was ever opened: nothing is cached */
    struct bbuf **list = tables->sync_list;
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
    if (!bufs)
        return;
    for (unsigned i = 0; i < BCACHE_BUFS; i++)
        if (bufs[i].dev == d) {
            buf_rename(&bufs[i], NULL, 0);
            bufs[i].refs = 0;
            bufs[i].dirty = 0;
        }
}
