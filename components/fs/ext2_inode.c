/*
 * ext2_inode.c: inodes in the inode tables, the block map (12 direct
 * pointers, then single, double and triple indirect blocks), and reading
 * and writing file data through the block cache. A hole (pointer 0)
 * reads as zeros and is filled on write. Every pointer read from disk is
 * range-checked before it is followed.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "ext2.h"

#define DAY 86400u

/* Where inode ino lives: its cache buffer and byte offset. */
static struct bbuf *inode_locate(struct ext2_fs *fs, uint32_t ino,
                                 unsigned *off, int *err)
{
    if (ino < 1 || ino > fs->sb.inodes_count) {
        *err = ext2_corrupt(fs, "inode number", ino);
        return NULL;
    }
    struct bbuf *gb;
    struct ext2_gd *gd = ext2_gd_get(fs, (ino - 1) / fs->ipg, &gb, err);
    if (!gd)
        return NULL;
    uint64_t byte = (uint64_t)((ino - 1) % fs->ipg) * fs->inode_size;
    uint64_t blk = gd->inode_table + byte / fs->bsize;
    bcache_put(gb);
    *off = byte % fs->bsize;
    return bcache_get(&fs->dev, blk, err);
}

const struct ext2_inode *ext2_iview(struct ext2_fs *fs, uint32_t ino,
                                    struct ext2_inode *buf, int *err)
{
    unsigned off;
    const struct ext2_inode *c =
        ino <= fs->sb.inodes_count ? ext2_icache_peek(fs, ino) : NULL;
    if (c)
        return c;
    struct bbuf *b = inode_locate(fs, ino, &off, err);
    if (!b)
        return NULL;
    memcpy(buf, b->data + off, sizeof *buf);
    bcache_put(b);
    ext2_icache_set(fs, ino, buf);
    return buf;
}

int ext2_iread(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out)
{
    int err = 0;
    const struct ext2_inode *in = ext2_iview(fs, ino, out, &err);
    if (in && in != out)
        *out = *in;
    return in ? 0 : err;
}

int ext2_iwrite(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in)
{
    unsigned off;
    int err = 0;
    struct bbuf *b = inode_locate(fs, ino, &off, &err);
    if (!b)
        return err;
    memcpy(b->data + off, in, sizeof *in);
    bcache_dirty(b, BC_INODE);
    bcache_put(b);
    ext2_icache_set(fs, ino, in);
    return 0;
}

/* A new inode's whole record: the large-inode tail is zeroed and its
 * extra size set, as e2fsck expects of 256-byte inodes. */
int ext2_iinit(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in)
{
    unsigned off;
    int err = 0;
    struct bbuf *b = inode_locate(fs, ino, &off, &err);
    if (!b)
        return err;
    memset(b->data + off, 0, fs->inode_size);
    memcpy(b->data + off, in, sizeof *in);
    if (fs->inode_size >= EXT2_GOOD_OLD_INODE_SIZE + 32) {
        uint16_t extra = 32;
        memcpy(b->data + off + EXT2_GOOD_OLD_INODE_SIZE, &extra, 2);
    }
    bcache_dirty(b, BC_INODE);
    bcache_put(b);
    ext2_icache_set(fs, ino, in);
    return 0;
}

uint64_t ext2_isize(const struct ext2_inode *in)
{
    if (S_ISREG(in->mode))
        return in->size | (uint64_t)in->size_high << 32;
    return in->size;
}

uint64_t ext2_max_size(struct ext2_fs *fs)
{
    uint64_t p = fs->ptrs;
    uint64_t blocks = EXT2_NDIR + p + p * p + p * p * p;
    uint64_t max = blocks * fs->bsize;
    uint64_t cap = (1ull << 32) * 512 - 1; /* i_blocks is 32 bits */
    return max < cap ? max : cap;
}

int ext2_set_isize(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size)
{
    in->size = (uint32_t)size;
    if (!S_ISREG(in->mode))
        return 0;
    in->size_high = (uint32_t)(size >> 32);
    if (size > 0x7fffffffu &&
        !(fs->sb.feature_ro_compat & EXT2_RO_COMPAT_LARGE_FILE)) {
        fs->sb.feature_ro_compat |= EXT2_RO_COMPAT_LARGE_FILE;
        return ext2_super_dirty(fs);
    }
    return 0;
}

/* The chain of indexes from the inode to logical block lblk: idx[0] in
 * i_block, then one per indirect level. Returns the depth (1..4) or 0
 * past the largest file. */
static int bmap_path(struct ext2_fs *fs, uint64_t lblk, uint32_t idx[4])
{
    uint64_t p = fs->ptrs;
    if (lblk < EXT2_NDIR) {
        idx[0] = (uint32_t)lblk;
        return 1;
    }
    lblk -= EXT2_NDIR;
    uint64_t span = 1;
    for (int depth = 2; depth <= 4; depth++) {
        span *= p;
        if (lblk < span) {
            idx[0] = EXT2_NDIR + depth - 2;
            for (int d = depth - 1; d >= 1; d--) {
                idx[d] = (uint32_t)(lblk % p);
                lblk /= p;
            }
            return depth;
        }
        lblk -= span;
    }
    return 0;
}

/* Allocate a block for a map slot; indirect blocks start zeroed. */
static int bmap_new(struct ext2_fs *fs, struct ext2_inode *in, uint32_t goal,
                    int indirect, uint32_t *out)
{
    int err = ext2_block_alloc(fs, goal, out);
    if (err)
        return err;
    in->blocks += fs->bsize / 512;
    if (indirect) {
        struct bbuf *b = bcache_get_zero(&fs->dev, *out, &err);
        if (!b)
            return err;
        bcache_dirty(b, BC_MAP);
        bcache_put(b);
    }
    return 0;
}

/* One step down: slot idx of indirect block blk. */
static int bmap_step(struct ext2_fs *fs, struct ext2_inode *in, uint32_t blk,
                     uint32_t idx, int alloc, int indirect, uint32_t *out)
{
    int err = 0;
    struct bbuf *b = bcache_get(&fs->dev, blk, &err);
    if (!b)
        return err;
    uint32_t *slot = (uint32_t *)b->data + idx;
    if (*slot && !ext2_block_valid(fs, *slot))
        err = ext2_corrupt(fs, "block pointer", *slot);
    else if (!*slot && alloc) {
        uint32_t goal = idx ? slot[-1] + 1 : blk + 1;
        err = bmap_new(fs, in, goal, indirect, slot);
        if (!err)
            bcache_dirty(b, BC_MAP);
    }
    *out = *slot;
    bcache_put(b);
    return err;
}

int ext2_bmap(struct ext2_fs *fs, struct ext2_inode *in, uint64_t lblk,
              int alloc, uint32_t *out)
{
    uint32_t idx[4];
    if (in->flags & EXT2_UNSUPPORTED_FL)
        return ext2_corrupt(fs, "inode flags (ext4 extents?)", in->flags);
    int depth = bmap_path(fs, lblk, idx);
    if (!depth)
        return -EFBIG;
    uint32_t *slot = &in->block[idx[0]];
    if (*slot && !ext2_block_valid(fs, *slot))
        return ext2_corrupt(fs, "block pointer", *slot);
    if (!*slot && alloc) {
        uint32_t goal = idx[0] ? in->block[idx[0] - 1] + 1 : fs->goal;
        int err = bmap_new(fs, in, goal, depth > 1, slot);
        if (err)
            return err;
    }
    uint32_t blk = *slot;
    for (int d = 1; d < depth && blk; d++) {
        int err = bmap_step(fs, in, blk, idx[d], alloc, d < depth - 1, &blk);
        if (err)
            return err;
    }
    *out = blk;
    return 0;
}

/* Relatime: atime moves when older than mtime/ctime or a day old. */
static int atime_touch(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    uint32_t now = ext2_now();
    if (!fs->rw || (in->atime > in->mtime && in->atime > in->ctime &&
                    now - in->atime < DAY))
        return 0;
    in->atime = now;
    return ext2_iwrite(fs, ino, in);
}

/* Whole blocks from lblk on (at most max, at least 2) that lie one
 * after another on the disk, read with bcache_read_direct into dst.
 * Returns the count read, 0 when there is no such run (a hole, a
 * single block: the caller goes block by block) or -errno. */
static long read_run(struct ext2_fs *fs, struct ext2_inode *in, uint64_t lblk,
                     uint64_t max, uint8_t *dst)
{
    uint32_t first, next;
    if (max < 2 || ext2_bmap(fs, in, lblk, 0, &first) || !first)
        return 0;
    unsigned n = 1;
    while (n < max && n < BCACHE_DIRECT_MAX &&
           !ext2_bmap(fs, in, lblk + n, 0, &next) && next == first + n)
        n++;
    if (n < 2)
        return 0;
    int err = bcache_read_direct(&fs->dev, first, n, dst);
    return err ? err : (long)n;
}

/* n bytes (within one block) at pos into dst through the cache; a
 * miss reads ahead blocks more. A hole reads as zeros. */
static int read_piece(struct ext2_fs *fs, struct ext2_inode *in, uint64_t pos,
                      uint8_t *dst, uint32_t n, unsigned ahead)
{
    uint32_t blk;
    int err = ext2_bmap(fs, in, pos / fs->bsize, 0, &blk);
    if (err)
        return err;
    if (!blk) {
        memset(dst, 0, n);
        return 0;
    }
    struct bbuf *b = bcache_get_ahead(&fs->dev, blk, ahead, &err);
    if (!b)
        return err;
    memcpy(dst, b->data + pos % fs->bsize, n);
    bcache_put(b);
    return 0;
}

long ext2_file_read(struct ext2_fs *fs, uint32_t ino, void *buf, size_t len,
                    uint64_t off)
{
    struct ext2_inode in;
    int err = ext2_iread(fs, ino, &in);
    if (err)
        return err;
    uint64_t size = ext2_isize(&in);
    if (off >= size)
        return 0;
    if (len > size - off)
        len = size - off;
    uint64_t last = (size - 1) / fs->bsize;
    unsigned window = ext2_ra_window(fs, ino, off);
    size_t done = 0;
    while (done < len) {
        uint64_t pos = off + done, lblk = pos / fs->bsize;
        uint32_t boff = pos % fs->bsize, n = fs->bsize - boff;
        long run = boff ? 0
                        : read_run(fs, &in, lblk, (len - done) / fs->bsize,
                                   (uint8_t *)buf + done);
        if (run > 0) {
            done += (size_t)run * fs->bsize;
            continue;
        }
        if (n > len - done)
            n = len - done;
        unsigned ahead =
            last - lblk < window ? (unsigned)(last - lblk) : window;
        err = run ? (int)run
                  : read_piece(fs, &in, pos, (uint8_t *)buf + done, n, ahead);
        if (err)
            break;
        done += n;
    }
    ext2_ra_done(fs, ino, off + done);
    if (done)
        atime_touch(fs, ino, &in);
    return done ? (long)done : err;
}

/* Write one block's share of a write; *fresh blocks start zeroed. */
static int write_block(struct ext2_fs *fs, struct ext2_inode *in, uint64_t pos,
                       const uint8_t *src, uint32_t n)
{
    uint32_t blk, boff = pos % fs->bsize;
    uint32_t before = in->blocks;
    int err = ext2_bmap(fs, in, pos / fs->bsize, 1, &blk);
    if (err)
        return err;
    int fresh = in->blocks != before || n == fs->bsize;
    struct bbuf *b = fresh ? bcache_get_zero(&fs->dev, blk, &err)
                           : bcache_get(&fs->dev, blk, &err);
    if (!b)
        return err;
    memcpy(b->data + boff, src, n);
    bcache_dirty(b, BC_DATA);
    bcache_put(b);
    return 0;
}

long ext2_file_write(struct ext2_fs *fs, uint32_t ino, const void *buf,
                     size_t len, uint64_t off)
{
    struct ext2_inode in;
    int err = ext2_iread(fs, ino, &in);
    if (err)
        return err;
    uint64_t max = ext2_max_size(fs);
    if (off >= max)
        return len ? -EFBIG : 0;
    if (len > max - off)
        len = max - off;
    fs->goal = fs->sb.first_data_block + (ino - 1) / fs->ipg * fs->bpg;
    size_t done = 0;
    while (done < len) {
        uint64_t pos = off + done;
        uint32_t n = fs->bsize - pos % fs->bsize;
        if (n > len - done)
            n = len - done;
        err = write_block(fs, &in, pos, (const uint8_t *)buf + done, n);
        if (err)
            break;
        done += n;
    }
    if (off + done > ext2_isize(&in))
        ext2_set_isize(fs, &in, off + done);
    if (done)
        in.mtime = in.ctime = ext2_now();
    int werr = ext2_iwrite(fs, ino, &in); /* block counts changed anyway */
    if (done)
        return werr ? werr : (long)done;
    return err ? err : werr;
}
