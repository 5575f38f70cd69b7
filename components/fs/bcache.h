/*
 * bcache.h: the block cache every disk filesystem reads and writes
 * through. A fixed pool of buffers (one page each, so blocks of 512 B to
 * 4 KiB), least recently used first out, write-back: a changed buffer
 * reaches the disk on bcache_sync (fsync, sync, unmount) or when it is
 * evicted. Misses that continue a sequential run read ahead several
 * blocks in one device request, and sync writes neighbouring dirty
 * blocks in one request.
 *
 * Write order. Each buffer carries a class; bcache_sync writes file data
 * first, then bitmaps, descriptors and superblock (BC_ALLOC), indirect
 * blocks (BC_MAP), inodes (BC_INODE) and last directories (BC_DIR),
 * with a device flush between classes. A power cut during sync then
 * leaves at worst space marked used that nothing references, or inodes
 * no directory names: the damage an unjournaled ext2 allows and e2fsck
 * repairs. (A block freed and reused between two syncs can still be
 * seen through a stale pointer, as on Linux's ext2.)
 *
 * Threads. Calls may block in device I/O, letting other threads run;
 * the VFS runs one filesystem operation at a time (fs.h), so the cache
 * is never entered twice.
 */
#ifndef KILN_FS_BCACHE_H
#define KILN_FS_BCACHE_H

#include <stddef.h>
#include <stdint.h>

#define BCACHE_BUFS 128  /* buffers in the pool (one page each) */
#define BCACHE_RA_MAX 32 /* most blocks read or written in one request */
#define BCACHE_CLASSES 5 /* write-order classes, see above */
#define BCACHE_DIRECT_MAX                                                      \
    64 /* most blocks in one bcache_read_direct request                        \
        */

enum { BC_DATA, BC_ALLOC, BC_MAP, BC_INODE, BC_DIR };

/* One disk seen as blocks of bsize bytes. */
struct bdev {
    unsigned disk;      /* hc_blk_* index */
    unsigned bsize;     /* block size in bytes */
    unsigned spb;       /* sectors per block */
    uint64_t nblocks;   /* whole blocks on the disk */
    int read_only;      /* the disk refuses writes */
    uint64_t last_miss; /* block of the last miss, for read-ahead */
    int io_error;       /* a write-back failed since the last sync */
};

struct bbuf {
    struct bdev *dev; /* NULL: free */
    uint64_t blkno;
    uint8_t *data; /* one page */
    unsigned refs; /* holders; a held buffer is never evicted */
    uint8_t dirty;
    uint8_t cls;   /* write-order class when dirty */
    uint8_t valid; /* a directory block already checked; cleared when
                      the block is reused or changed as anything else */
    uint64_t used; /* LRU stamp */
    int hnext;     /* next buffer in the same hash chain, -1: end */
};

/* Describe disk as blocks of bsize bytes (a power of two, 512..4096, at
 * least the sector size). Returns 0, -ENODEV or -EINVAL. */
int bcache_dev_open(struct bdev *d, unsigned disk, unsigned bsize);

/* The buffer of block blkno, read from disk if not cached, held until
 * bcache_put. Returns NULL and sets *err (-EIO, -EUCLEAN for a block
 * past the disk's end, -ENOMEM when every buffer is held). */
struct bbuf *bcache_get(struct bdev *d, uint64_t blkno, int *err);

/* As bcache_get, but a miss also reads the next ahead blocks (those
 * not cached, at most BCACHE_RA_MAX - 1) in the same request: the
 * caller knows a file is being read sequentially and how far to go. */
struct bbuf *bcache_get_ahead(struct bdev *d, uint64_t blkno, unsigned ahead,
                              int *err);

/* Copy n blocks from blkno on into dst (any memory, n * bsize bytes):
 * cached blocks from the cache, runs of uncached ones read from the
 * disk straight into dst, in requests of up to BCACHE_DIRECT_MAX
 * blocks, and not cached (a large sequential read then neither pays
 * a copy through the cache nor pushes the metadata out of it).
 * Returns 0, -EIO or -EUCLEAN (past the disk's end). */
int bcache_read_direct(struct bdev *d, uint64_t blkno, unsigned n, void *dst);

/* As bcache_get, but for a block about to be overwritten entirely: not
 * read, filled with zeros. */
struct bbuf *bcache_get_zero(struct bdev *d, uint64_t blkno, int *err);

/* Mark a held buffer changed, to be written in class cls. */
void bcache_dirty(struct bbuf *b, unsigned cls);

void bcache_put(struct bbuf *b);

/* Forget a cached block without writing it (a freed block whose old
 * contents must not be written back over its next use). */
void bcache_forget(struct bdev *d, uint64_t blkno);

/* Write every dirty buffer of d in class order and flush the device.
 * Returns 0 or the first error (also any write-back error since the
 * last sync). */
int bcache_sync(struct bdev *d);

/* Drop every buffer of d (after a sync at unmount). */
void bcache_drop(struct bdev *d);

#endif
