/*
 * ext2_readahead.c: how far past a read to read a file ahead. A read
 * that starts where the last read of the same file ended is sequential:
 * its window doubles, from RA_FIRST up to BCACHE_RA_MAX - 1 blocks;
 * any other read has none. A block cache miss then fetches the window's
 * blocks in the same device request (bcache_get_ahead), so a program
 * reading a file in small pieces makes one request per window, not per
 * block. (Reads of whole blocks skip the cache: bcache_read_direct.)
 *
 * Limits: ext2 keeps no state per open file (fs.h), so the state is
 * per inode, for the EXT2_RA_FILES files read last; two readers of one
 * file that interleave look random and get no read-ahead.
 */
#include "ext2.h"

#define RA_FIRST 4 /* blocks, on the second read in a row */

/* The slot of ino, or the least recently used one, made ino's. */
static struct ext2_ra *ra_slot(struct ext2_fs *fs, uint32_t ino)
{
    struct ext2_ra *old = &fs->ra[0];
    for (unsigned i = 0; i < EXT2_RA_FILES; i++) {
        if (fs->ra[i].ino == ino)
            return &fs->ra[i];
        if (fs->ra[i].used < old->used)
            old = &fs->ra[i];
    }
    *old = (struct ext2_ra){.ino = ino, .next = UINT64_MAX};
    return old;
}

unsigned ext2_ra_window(struct ext2_fs *fs, uint32_t ino, uint64_t off)
{
    struct ext2_ra *r = ra_slot(fs, ino);
    r->used = ++fs->ra_clock;
    if (off != r->next)
        r->window = 0;
    else if (r->window < RA_FIRST)
        r->window = RA_FIRST;
    else if (r->window * 2 < BCACHE_RA_MAX)
        r->window *= 2;
    else
        r->window = BCACHE_RA_MAX - 1;
    return r->window;
}

void ext2_ra_done(struct ext2_fs *fs, uint32_t ino, uint64_t end)
{
    ra_slot(fs, ino)->next = end;
}
