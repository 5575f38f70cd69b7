/*
 * ext2_alloc.c: allocating and freeing blocks and inodes in the group
 * bitmaps, keeping the free counts of the group descriptors and the
 * superblock equal to the bitmaps. Allocation is first fit from a goal
 * (the block after a file's last one, the parent directory's group), so
 * files grow contiguously, which read-ahead and e2fsck like. A bitmap
 * that disagrees with its counts, or would hand out a group's own
 * metadata, is reported as corruption instead of being trusted.
 */
#include <errno.h>
#include "ext2.h"

/* First clear bit in bm[0..nbits) at or after start, wrapping; -1 if
 * none. */
static long bitmap_find(const uint8_t *bm, uint32_t nbits, uint32_t start)
{
    for (uint32_t n = 0; n < nbits;) {
        uint32_t i = (start + n) % nbits;
        if ((i & 7) == 0 && bm[i >> 3] == 0xff && nbits - i >= 8) {
            n += 8;
            continue;
        }
        if (!(bm[i >> 3] & (1u << (i & 7))))
            return i;
        n++;
    }
    return -1;
}

static uint32_t group_nblocks(struct ext2_fs *fs, uint32_t g)
{
    uint32_t left = fs->sb.blocks_count - fs->sb.first_data_block - g * fs->bpg;
    return left < fs->bpg ? left : fs->bpg;
}

int ext2_block_valid(struct ext2_fs *fs, uint32_t blk)
{
    return blk > fs->sb.first_data_block && blk < fs->sb.blocks_count;
}

/* A block the bitmap calls free must not be the group's own metadata. */
static int block_is_meta(struct ext2_fs *fs, const struct ext2_gd *gd,
                         uint32_t blk)
{
    return blk == gd->block_bitmap || blk == gd->inode_bitmap ||
           (blk >= gd->inode_table &&
            blk < gd->inode_table + fs->itable_blocks) ||
           blk <= fs->gdt_block;
}

/* Take one block in group g (its descriptor gd), searching from bit
 * start. Returns 0 with *out set, 1 if the group is full, or -errno. */
static int group_take_block(struct ext2_fs *fs, uint32_t g, struct ext2_gd *gd,
                            uint32_t start, uint32_t *out)
{
    int err = 0;
    struct bbuf *bm = bcache_get(&fs->dev, gd->block_bitmap, &err);
    if (!bm)
        return err;
    long bit = bitmap_find(bm->data, group_nblocks(fs, g), start);
    if (bit < 0) {
        bcache_put(bm);
        return ext2_corrupt(fs, "free block count of group", g);
    }
    uint32_t blk = fs->sb.first_data_block + g * fs->bpg + (uint32_t)bit;
    if (block_is_meta(fs, gd, blk)) {
        bcache_put(bm);
        return ext2_corrupt(fs, "block bitmap of group", g);
    }
    bm->data[bit >> 3] |= 1u << (bit & 7);
    bcache_dirty(bm, BC_ALLOC);
    bcache_put(bm);
    *out = blk;
    return 0;
}

static int block_alloc_once(struct ext2_fs *fs, uint32_t goal, uint32_t *out)
{
    if (!fs->sb.free_blocks_count)
        return -ENOSPC;
    if (!ext2_block_valid(fs, goal))
        goal = fs->sb.first_data_block;
    uint32_t g0 = (goal - fs->sb.first_data_block) / fs->bpg;
    for (uint32_t n = 0; n < fs->ngroups; n++) {
        uint32_t g = (g0 + n) % fs->ngroups;
        struct bbuf *b;
        int err = 0;
        struct ext2_gd *gd = ext2_gd_get(fs, g, &b, &err);
        if (!gd)
            return err;
        if (!gd->free_blocks_count) {
            bcache_put(b);
            continue;
        }
        uint32_t start = n ? 0 : (goal - fs->sb.first_data_block) % fs->bpg;
        err = group_take_block(fs, g, gd, start, out);
        if (!err) {
            gd->free_blocks_count--;
            fs->sb.free_blocks_count--;
            bcache_dirty(b, BC_ALLOC);
        }
        bcache_put(b);
        return err ? err : ext2_super_dirty(fs);
    }
    return -ENOSPC;
}

/* Flip one bit from set to clear in the bitmap at block bmblk. */
static int bitmap_clear(struct ext2_fs *fs, uint32_t bmblk, uint32_t bit,
                        const char *what, uint32_t value)
{
    int err = 0;
    struct bbuf *bm = bcache_get(&fs->dev, bmblk, &err);
    if (!bm)
        return err;
    uint8_t mask = 1u << (bit & 7);
    if (!(bm->data[bit >> 3] & mask)) {
        bcache_put(bm);
        return ext2_corrupt(fs, what, value); /* freed twice */
    }
    bm->data[bit >> 3] &= ~mask;
    bcache_dirty(bm, BC_ALLOC);
    bcache_put(bm);
    return 0;
}

/* A full disk may have blocks held back: a sync gives them back. */
int ext2_block_alloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out)
{
    int err = block_alloc_once(fs, goal, out);
    if (err == -ENOSPC && fs->npending) {
        err = ext2_sync(fs);
        if (!err)
            err = block_alloc_once(fs, goal, out);
    }
    return err;
}

static int block_free_now(struct ext2_fs *fs, uint32_t blk)
{
    uint32_t g = (blk - fs->sb.first_data_block) / fs->bpg;
    struct bbuf *b;
    int err = 0;
    struct ext2_gd *gd = ext2_gd_get(fs, g, &b, &err);
    if (!gd)
        return err;
    err = bitmap_clear(fs, gd->block_bitmap,
                       (blk - fs->sb.first_data_block) % fs->bpg,
                       "free block (already free)", blk);
    if (!err) {
        gd->free_blocks_count++;
        fs->sb.free_blocks_count++;
        bcache_dirty(b, BC_ALLOC);
        bcache_forget(&fs->dev, blk);
    }
    bcache_put(b);
    return err ? err : ext2_super_dirty(fs);
}

int ext2_block_free(struct ext2_fs *fs, uint32_t blk)
{
    if (!ext2_block_valid(fs, blk))
        return ext2_corrupt(fs, "block number to free", blk);
    if (fs->npending == EXT2_PENDING_MAX)
        return block_free_now(fs, blk); /* as Linux's ext2 always does */
    fs->pending[fs->npending++] = blk;
    bcache_forget(&fs->dev, blk);
    return 0;
}

static int inode_free_now(struct ext2_fs *fs, uint32_t ino, int dir);

int ext2_frees_settle(struct ext2_fs *fs)
{
    int err = 0;
    for (unsigned i = 0; i < fs->npending; i++) {
        int r = block_free_now(fs, fs->pending[i]);
        if (r && !err)
            err = r;
    }
    for (unsigned i = 0; i < fs->npending_ino; i++) {
        int r = inode_free_now(fs, fs->pending_ino[i], fs->pending_dir[i]);
        if (r && !err)
            err = r;
    }
    fs->npending = fs->npending_ino = 0;
    return err;
}

/* Take one inode in group g; 0 with *out set, or -errno. */
static int group_take_inode(struct ext2_fs *fs, uint32_t g, struct ext2_gd *gd,
                            uint32_t *out)
{
    int err = 0;
    struct bbuf *bm = bcache_get(&fs->dev, gd->inode_bitmap, &err);
    if (!bm)
        return err;
    uint32_t start = g ? 0 : fs->first_ino - 1; /* reserved inodes */
    long bit = bitmap_find(bm->data, fs->ipg, start);
    if (bit < 0 || (!g && (uint32_t)bit < start)) {
        bcache_put(bm);
        return ext2_corrupt(fs, "free inode count of group", g);
    }
    bm->data[bit >> 3] |= 1u << (bit & 7);
    bcache_dirty(bm, BC_ALLOC);
    bcache_put(bm);
    *out = g * fs->ipg + (uint32_t)bit + 1;
    return 0;
}

static int inode_alloc_once(struct ext2_fs *fs, uint32_t near, int dir,
                            uint32_t *out)
{
    if (!fs->sb.free_inodes_count)
        return -ENOSPC;
    uint32_t g0 = near ? (near - 1) / fs->ipg % fs->ngroups : 0;
    for (uint32_t n = 0; n < fs->ngroups; n++) {
        uint32_t g = (g0 + n) % fs->ngroups;
        struct bbuf *b;
        int err = 0;
        struct ext2_gd *gd = ext2_gd_get(fs, g, &b, &err);
        if (!gd)
            return err;
        if (!gd->free_inodes_count) {
            bcache_put(b);
            continue;
        }
        err = group_take_inode(fs, g, gd, out);
        if (!err) {
            gd->free_inodes_count--;
            gd->used_dirs_count += dir ? 1 : 0;
            fs->sb.free_inodes_count--;
            bcache_dirty(b, BC_ALLOC);
        }
        bcache_put(b);
        return err ? err : ext2_super_dirty(fs);
    }
    return -ENOSPC;
}

/* As for blocks: a sync may give back inodes held back. */
int ext2_inode_alloc(struct ext2_fs *fs, uint32_t near, int dir, uint32_t *out)
{
    int err = inode_alloc_once(fs, near, dir, out);
    if (err == -ENOSPC && fs->npending_ino) {
        err = ext2_sync(fs);
        if (!err)
            err = inode_alloc_once(fs, near, dir, out);
    }
    return err;
}

int ext2_inode_free(struct ext2_fs *fs, uint32_t ino, int dir)
{
    if (ino < fs->first_ino || ino > fs->sb.inodes_count)
        return ext2_corrupt(fs, "inode number to free", ino);
    if (fs->npending_ino == EXT2_PENDING_INO_MAX)
        return inode_free_now(fs, ino, dir);
    fs->pending_dir[fs->npending_ino] = (uint8_t) !!dir;
    fs->pending_ino[fs->npending_ino++] = ino;
    return 0;
}

static int inode_free_now(struct ext2_fs *fs, uint32_t ino, int dir)
{
    uint32_t g = (ino - 1) / fs->ipg;
    struct bbuf *b;
    int err = 0;
    struct ext2_gd *gd = ext2_gd_get(fs, g, &b, &err);
    if (!gd)
        return err;
    err = bitmap_clear(fs, gd->inode_bitmap, (ino - 1) % fs->ipg,
                       "inode to free (already free)", ino);
    if (!err) {
        gd->free_inodes_count++;
        if (dir && gd->used_dirs_count)
            gd->used_dirs_count--;
        fs->sb.free_inodes_count++;
        bcache_dirty(b, BC_ALLOC);
    }
    bcache_put(b);
    return err ? err : ext2_super_dirty(fs);
}
