/*
 * ext2_trunc.c: giving blocks back. Truncation walks the block map from
 * the first logical block past the new size, freeing data blocks and
 * every indirect block left empty, and zeroes the tail of the last kept
 * block so a later extension reads zeros. Releasing an inode (last link
 * and last open file gone) frees its blocks, its extended-attribute
 * block when nobody else shares it, then the inode itself.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "ext2.h"

#define EA_MAGIC 0xea020000u

static int free_one(struct ext2_fs *fs, struct ext2_inode *in, uint32_t *slot)
{
    int err = ext2_block_free(fs, *slot);
    if (err)
        return err;
    *slot = 0;
    in->blocks -= in->blocks >= fs->bsize / 512 ? fs->bsize / 512 : in->blocks;
    return 0;
}

/* Free, in the subtree of depth level under *slot (0: a data block),
 * every logical block from first on (relative to the subtree). */
static int trunc_tree(struct ext2_fs *fs, struct ext2_inode *in, uint32_t *slot,
                      int level, uint64_t first)
{
    if (!*slot)
        return 0;
    if (!ext2_block_valid(fs, *slot))
        return ext2_corrupt(fs, "block pointer", *slot);
    if (level > 0) {
        uint64_t span = 1;
        for (int l = 1; l < level; l++)
            span *= fs->ptrs;
        int err = 0;
        struct bbuf *b = bcache_get(&fs->dev, *slot, &err);
        if (!b)
            return err;
        uint32_t *ent = (uint32_t *)b->data;
        for (uint32_t i = 0; i < fs->ptrs && !err; i++) {
            uint64_t lo = i * span;
            if (lo + span <= first || !ent[i])
                continue;
            err = trunc_tree(fs, in, &ent[i], level - 1,
                             first > lo ? first - lo : 0);
            bcache_dirty(b, BC_MAP);
        }
        bcache_put(b);
        if (err)
            return err;
    }
    return first ? 0 : free_one(fs, in, slot);
}

int ext2_trunc_blocks(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size)
{
    uint64_t keep = (size + fs->bsize - 1) / fs->bsize, base = EXT2_NDIR;
    for (uint64_t i = keep; i < EXT2_NDIR; i++) {
        int err = trunc_tree(fs, in, &in->block[i], 0, 0);
        if (err)
            return err;
    }
    uint64_t span = 1;
    for (int level = 1; level <= 3; level++) {
        span *= fs->ptrs;
        uint64_t first = keep > base ? keep - base : 0;
        if (first < span) {
            int err = trunc_tree(fs, in, &in->block[EXT2_NDIR + level - 1],
                                 level, first);
            if (err)
                return err;
        }
        base += span;
    }
    return 0;
}

/* Zero the bytes of the last kept block past size. */
static int trunc_tail(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size)
{
    uint32_t boff = size % fs->bsize, blk;
    if (!boff)
        return 0;
    int err = ext2_bmap(fs, in, size / fs->bsize, 0, &blk);
    if (err || !blk)
        return err;
    struct bbuf *b = bcache_get(&fs->dev, blk, &err);
    if (!b)
        return err;
    memset(b->data + boff, 0, fs->bsize - boff);
    bcache_dirty(b, BC_DATA);
    bcache_put(b);
    return 0;
}

int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size)
{
    struct ext2_inode in;
    int err = ext2_iread(fs, ino, &in);
    if (err)
        return err;
    if (S_ISDIR(in.mode))
        return -EISDIR;
    if (!S_ISREG(in.mode))
        return -EINVAL;
    if (size > ext2_max_size(fs))
        return -EFBIG;
    if (size < ext2_isize(&in)) {
        err = trunc_tail(fs, &in, size);
        if (!err)
            err = ext2_trunc_blocks(fs, &in, size);
    }
    if (!err)
        err = ext2_set_isize(fs, &in, size);
    in.mtime = in.ctime = ext2_now();
    int werr = ext2_iwrite(fs, ino, &in);
    return err ? err : werr;
}

/* Drop this inode's share of its extended-attribute block. */
static int release_xattr(struct ext2_fs *fs, struct ext2_inode *in)
{
    uint32_t blk = in->file_acl;
    if (!blk)
        return 0;
    if (!ext2_block_valid(fs, blk))
        return ext2_corrupt(fs, "xattr block", blk);
    int err = 0;
    struct bbuf *b = bcache_get(&fs->dev, blk, &err);
    if (!b)
        return err;
    uint32_t *hdr = (uint32_t *)b->data; /* magic, refcount */
    int last = hdr[0] != EA_MAGIC || hdr[1] <= 1;
    if (!last) {
        hdr[1]--;
        bcache_dirty(b, BC_MAP);
    }
    bcache_put(b);
    if (last)
        err = free_one(fs, in, &in->file_acl);
    in->file_acl = 0;
    return err;
}

/* Whether i_block holds block pointers (not a fast symlink's text or a
 * device number). */
static int has_block_map(struct ext2_fs *fs, const struct ext2_inode *in)
{
    if (S_ISREG(in->mode) || S_ISDIR(in->mode))
        return 1;
    uint32_t acl = in->file_acl ? fs->bsize / 512 : 0;
    return S_ISLNK(in->mode) && in->blocks > acl;
}

int ext2_inode_release(struct ext2_fs *fs, uint32_t ino)
{
    struct ext2_inode in;
    int err = ext2_iread(fs, ino, &in);
    if (err)
        return err;
    if (has_block_map(fs, &in))
        err = ext2_trunc_blocks(fs, &in, 0);
    if (!err)
        err = release_xattr(fs, &in);
    in.links_count = 0;
    in.size = in.size_high = 0;
    in.dtime = ext2_now();
    int werr = ext2_iwrite(fs, ino, &in);
    if (err || werr)
        return err ? err : werr;
    if (S_ISDIR(in.mode))
        ext2_ncache_forget_dir(fs, ino);
    return ext2_inode_free(fs, ino, S_ISDIR(in.mode));
}
