/*
 * ext2_super.c: mounting and unmounting ext2, the superblock and the
 * group descriptor table. Mount checks every geometry field and every
 * group descriptor before anything else runs, so later code can trust
 * them; it refuses unknown incompatible features and a journal that
 * needs recovery, mounts read-only what has unknown read-only-compatible
 * features only when asked read-only, and warns (like Linux) about a
 * filesystem that was not cleanly unmounted. While mounted read-write
 * the state flag says "not clean"; a clean unmount restores it.
 */
#include <errno.h>
#include <string.h>
#include "kiln/log.h"
#include "ext2.h"
#include "hypercall.h"

/* EXT2_MOUNTS_MAX of them, 30 KiB: allocated by the first mount, not
 * carried in every image that links ext2. */
static struct ext2_fs *mounts;
static uint16_t mount_state[EXT2_MOUNTS_MAX]; /* state as found at mount */

uint32_t ext2_now(void)
{
    int64_t ns = (int64_t)hc_clock_monotonic() + hc_clock_wall_offset();
    return ns > 0 ? (uint32_t)(ns / 1000000000) : 0;
}

int ext2_corrupt(struct ext2_fs *fs, const char *what, uint64_t value)
{
    kiln_log("fs: ext2 on disk %u: bad %s (%llu); run e2fsck", fs->dev.disk,
             what, (unsigned long long)value);
    return -EUCLEAN;
}

/* The superblock lives at byte 1024 whatever the block size. */
static struct bbuf *super_block(struct ext2_fs *fs, unsigned *off, int *err)
{
    uint64_t blk = 1024 / fs->bsize;
    *off = 1024 % fs->bsize;
    return bcache_get(&fs->dev, blk, err);
}

int ext2_super_dirty(struct ext2_fs *fs)
{
    unsigned off;
    int err = 0;
    struct bbuf *b = super_block(fs, &off, &err);
    if (!b)
        return err;
    memcpy(b->data + off, &fs->sb, sizeof fs->sb);
    bcache_dirty(b, BC_ALLOC);
    bcache_put(b);
    return 0;
}

struct ext2_gd *ext2_gd_get(struct ext2_fs *fs, uint32_t group, struct bbuf **b,
                            int *err)
{
    if (group >= fs->ngroups) {
        *err = ext2_corrupt(fs, "group number", group);
        return NULL;
    }
    *b = bcache_get(&fs->dev, fs->gdt_block + group / fs->gd_per_block, err);
    if (!*b)
        return NULL;
    return (struct ext2_gd *)(*b)->data + group % fs->gd_per_block;
}

/* Geometry fields of the superblock, all checked against each other and
 * against the disk. */
static int super_check(struct ext2_fs *fs)
{
    struct ext2_super *s = &fs->sb;
    if (s->magic != EXT2_MAGIC)
        return kiln_log("fs: disk %u: no ext2 filesystem (magic %#x)",
                        fs->dev.disk, s->magic),
               -EINVAL;
    if (s->rev_level > 1)
        return ext2_corrupt(fs, "revision", s->rev_level);
    if (s->log_block_size > 2)
        return ext2_corrupt(fs, "block size log", s->log_block_size);
    fs->bsize = 1024u << s->log_block_size;
    fs->ptrs = fs->bsize / 4;
    fs->bpg = s->blocks_per_group;
    fs->ipg = s->inodes_per_group;
    fs->inode_size = s->rev_level ? s->inode_size : 128;
    fs->first_ino = s->rev_level ? s->first_ino : 11;
    if (s->first_data_block != (fs->bsize == 1024))
        return ext2_corrupt(fs, "first data block", s->first_data_block);
    if (fs->bpg < 8 || fs->bpg > fs->bsize * 8 || fs->bpg % 8)
        return ext2_corrupt(fs, "blocks per group", fs->bpg);
    if (fs->ipg < 8 || fs->ipg > fs->bsize * 8 || fs->ipg % 8)
        return ext2_corrupt(fs, "inodes per group", fs->ipg);
    if (fs->inode_size < 128 || fs->inode_size > fs->bsize ||
        (fs->inode_size & (fs->inode_size - 1)))
        return ext2_corrupt(fs, "inode size", fs->inode_size);
    if (s->blocks_count <= s->first_data_block)
        return ext2_corrupt(fs, "block count", s->blocks_count);
    fs->ngroups =
        (s->blocks_count - s->first_data_block + fs->bpg - 1) / fs->bpg;
    if ((uint64_t)fs->ngroups * fs->ipg != s->inodes_count)
        return ext2_corrupt(fs, "inode count", s->inodes_count);
    if (fs->first_ino <= EXT2_ROOT_INO || fs->first_ino >= s->inodes_count)
        return ext2_corrupt(fs, "first inode", fs->first_ino);
    fs->gd_per_block = fs->bsize / sizeof(struct ext2_gd);
    fs->gdt_block = s->first_data_block + 1;
    fs->itable_blocks = fs->ipg / (fs->bsize / fs->inode_size);
    uint64_t gdt_blocks =
        (fs->ngroups + fs->gd_per_block - 1) / fs->gd_per_block;
    if (fs->gdt_block + gdt_blocks >= s->blocks_count)
        return ext2_corrupt(fs, "group count", fs->ngroups);
    return 0;
}

/* Which features we can honour; may demand read-only. */
static int super_features(struct ext2_fs *fs, int rw)
{
    struct ext2_super *s = &fs->sb;
    if (!s->rev_level)
        return 0;
    if (s->feature_incompat & EXT2_INCOMPAT_RECOVER) {
        kiln_log("fs: disk %u: the journal needs recovery; run e2fsck first",
                 fs->dev.disk);
        return -EOPNOTSUPP;
    }
    uint32_t bad = s->feature_incompat & ~EXT2_INCOMPAT_SUPPORTED;
    if (bad) {
        kiln_log("fs: disk %u: unsupported incompatible features %#x "
                 "(ext4?); not mounted",
                 fs->dev.disk, bad);
        return -EOPNOTSUPP;
    }
    bad = s->feature_ro_compat & ~EXT2_RO_COMPAT_SUPPORTED;
    if (bad && rw) {
        kiln_log("fs: disk %u: features %#x are supported read-only; "
                 "mount it ro",
                 fs->dev.disk, bad);
        return -EROFS;
    }
    fs->filetype = !!(s->feature_incompat & EXT2_INCOMPAT_FILETYPE);
    return 0;
}

static int in_fs(struct ext2_fs *fs, uint64_t first, uint64_t n)
{
    return first > fs->sb.first_data_block && first + n <= fs->sb.blocks_count;
}

/* Every group's bitmaps and inode table inside the filesystem. */
static int groups_check(struct ext2_fs *fs)
{
    for (uint32_t g = 0; g < fs->ngroups; g++) {
        struct bbuf *b;
        int err = 0;
        struct ext2_gd *gd = ext2_gd_get(fs, g, &b, &err);
        if (!gd)
            return err;
        int ok = in_fs(fs, gd->block_bitmap, 1) &&
                 in_fs(fs, gd->inode_bitmap, 1) &&
                 in_fs(fs, gd->inode_table, fs->itable_blocks);
        bcache_put(b);
        if (!ok)
            return ext2_corrupt(fs, "group descriptor", g);
    }
    return 0;
}

/* Read and check the superblock, then reopen the disk at its block size. */
static int mount_read(struct ext2_fs *fs, unsigned disk, int rw)
{
    int err = bcache_dev_open(&fs->dev, disk, 1024);
    if (err < 0)
        return err;
    struct bbuf *b = bcache_get(&fs->dev, 1, &err);
    if (!b)
        return err;
    memcpy(&fs->sb, b->data, sizeof fs->sb);
    bcache_put(b);
    bcache_drop(&fs->dev);
    err = super_check(fs);
    if (!err)
        err = super_features(fs, rw);
    if (!err)
        err = bcache_dev_open(&fs->dev, disk, fs->bsize);
    if (!err && fs->sb.blocks_count > fs->dev.nblocks) {
        kiln_log("fs: disk %u: filesystem of %u blocks on a disk of %llu", disk,
                 fs->sb.blocks_count, (unsigned long long)fs->dev.nblocks);
        err = -EINVAL;
    }
    if (!err && rw && fs->dev.read_only)
        err = -EROFS;
    if (!err)
        err = groups_check(fs);
    return err;
}

/* Mark the filesystem in use (not clean) on disk before any change. */
static int mount_mark(struct ext2_fs *fs)
{
    fs->sb.state &= ~EXT2_STATE_VALID;
    fs->sb.mnt_count++;
    fs->sb.mtime = ext2_now();
    int err = ext2_super_dirty(fs);
    return err ? err : bcache_sync(&fs->dev);
}

int ext2_mount(unsigned disk, int rw, struct ext2_fs **out)
{
    struct ext2_fs *fs = NULL;
    size_t pages =
        (EXT2_MOUNTS_MAX * sizeof *mounts + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE;
    if (!mounts && !(mounts = hc_pages_alloc(pages)))
        return -ENOMEM;
    for (unsigned i = 0; i < EXT2_MOUNTS_MAX; i++) {
        if (mounts[i].in_use && mounts[i].dev.disk == disk) {
            kiln_log("fs: disk %u: already mounted", disk);
            return -EBUSY; /* two caches of one disk would corrupt it */
        }
        if (!mounts[i].in_use && !fs)
            fs = &mounts[i];
    }
    if (!fs)
        return -EBUSY;
    memset(fs, 0, sizeof *fs);
    int err = mount_read(fs, disk, rw);
    if (err) {
        bcache_drop(&fs->dev);
        return err;
    }
    mount_state[fs - mounts] = fs->sb.state;
    if (!(fs->sb.state & EXT2_STATE_VALID) ||
        (fs->sb.state & EXT2_STATE_ERRORS))
        kiln_log("fs: disk %u: ext2 was not cleanly unmounted; run e2fsck",
                 disk);
    fs->rw = rw;
    fs->in_use = 1;
    if (rw && (err = mount_mark(fs)) < 0) {
        bcache_drop(&fs->dev);
        fs->in_use = 0;
        return err;
    }
    ext2_cache_init(fs);
    *out = fs;
    return 0;
}

int ext2_sync(struct ext2_fs *fs)
{
    if (!fs->rw)
        return 0;
    int err = 0;
    if (fs->npending || fs->npending_ino) {
        /* first nothing on disk may point at what is given back */
        err = bcache_sync(&fs->dev);
        if (!err)
            err = ext2_frees_settle(fs);
    }
    fs->sb.wtime = ext2_now();
    if (!err)
        err = ext2_super_dirty(fs);
    return err ? err : bcache_sync(&fs->dev);
}

int ext2_unmount(struct ext2_fs *fs)
{
    int err = 0;
    if (fs->rw) {
        err = bcache_sync(&fs->dev); /* everything else first */
        if (!err) {
            fs->sb.state = mount_state[fs - mounts];
            err = ext2_sync(fs);
        }
    }
    bcache_drop(&fs->dev);
    ext2_cache_free(fs);
    fs->in_use = 0;
    return err;
}
