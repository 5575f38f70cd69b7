/*
 * ext2_dir.c: directory entries. A directory is a file of blocks, each
 * a chain of entries whose rec_len covers the block exactly. Hashed
 * (dir_index) directories are read linearly too: their index hides in
 * the ".." entry's slack and in blocks that look like one empty entry.
 * Changing such a directory clears EXT2_INDEX_FL, which makes the index
 * plain slack (legal; e2fsck accepts it and may rebuild with -D).
 * Every block is checked in full before any of its entries is used.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "ext2.h"

#define DIRENT_HDR 8u

static unsigned rec_need(unsigned name_len)
{
    return (DIRENT_HDR + name_len + 3) & ~3u;
}

static struct ext2_dirent *dirent_at(struct bbuf *b, unsigned off)
{
    return (struct ext2_dirent *)(b->data + off);
}

/* Every entry of a directory block well formed and covering it. */
static int dir_block_check(struct ext2_fs *fs, struct bbuf *b)
{
    for (unsigned off = 0; off < fs->bsize;) {
        struct ext2_dirent *e = dirent_at(b, off);
        if (e->rec_len < DIRENT_HDR || e->rec_len % 4 ||
            e->rec_len > fs->bsize - off)
            return ext2_corrupt(fs, "directory entry length", e->rec_len);
        if (e->inode && (DIRENT_HDR + e->name_len > e->rec_len ||
                         !e->name_len || e->inode > fs->sb.inodes_count))
            return ext2_corrupt(fs, "directory entry in block", b->blkno);
        off += e->rec_len;
    }
    return 0;
}

/* Directory block lblk of dir (inode in), checked. */
static struct bbuf *dir_block(struct ext2_fs *fs, struct ext2_inode *in,
                              uint64_t lblk, int *err)
{
    uint32_t blk;
    *err = ext2_bmap(fs, in, lblk, 0, &blk);
    if (*err)
        return NULL;
    if (!blk) {
        *err = ext2_corrupt(fs, "hole in directory, block", lblk);
        return NULL;
    }
    struct bbuf *b = bcache_get(&fs->dev, blk, err);
    if (b && !b->valid && (*err = dir_block_check(fs, b)) != 0) {
        bcache_put(b);
        return NULL;
    }
    if (b)
        b->valid = 1; /* our own changes keep it well formed */
    return b;
}

static int dir_read(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *in)
{
    int err = ext2_iread(fs, dir, in);
    if (!err && !S_ISDIR(in->mode))
        err = -ENOTDIR;
    return err;
}

/* Find name in dir (inode in): the held block, the entry offset and the
 * previous entry's offset (or -1). Returns 0, -ENOENT or -errno. The
 * search starts at the block of the last hit in the same directory:
 * programs often look names up in the order they made them. */
static int dir_find(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *in,
                    const char *name, size_t len, struct bbuf **bp,
                    unsigned *offp, int *prevp)
{
    uint64_t nblocks = in->size / fs->bsize;
    uint64_t start =
        fs->hint_dir == dir && fs->hint_blk < nblocks ? fs->hint_blk : 0;
    for (uint64_t n = 0; n < nblocks; n++) {
        uint64_t l = (start + n) % nblocks;
        int err;
        struct bbuf *b = dir_block(fs, in, l, &err);
        if (!b)
            return err;
        int prev = -1;
        for (unsigned off = 0; off < fs->bsize;) {
            struct ext2_dirent *e = dirent_at(b, off);
            if (e->inode && e->name_len == len && !memcmp(e->name, name, len)) {
                *bp = b;
                *offp = off;
                *prevp = prev;
                fs->hint_dir = dir;
                fs->hint_blk = l;
                return 0;
            }
            prev = (int)off;
            off += e->rec_len;
        }
        bcache_put(b);
    }
    return -ENOENT;
}

int ext2_dir_lookup(struct ext2_fs *fs, uint32_t dir, const char *name,
                    size_t len, uint32_t *ino)
{
    struct ext2_inode in;
    struct bbuf *b;
    unsigned off;
    int prev, err = 0;
    const struct ext2_inode *v = ext2_iview(fs, dir, &in, &err);
    if (!v)
        return err;
    if (!S_ISDIR(v->mode))
        return -ENOTDIR;
    if (len > EXT2_NAME_MAX)
        return -ENAMETOOLONG;
    if (ext2_ncache_get(fs, dir, name, len, ino))
        return *ino ? 0 : -ENOENT;
    if (v != &in)
        in = *v; /* dir_find's reads may replace the cache's copy */
    err = dir_find(fs, dir, &in, name, len, &b, &off, &prev);
    if (err == -ENOENT)
        ext2_ncache_set(fs, dir, name, len, 0);
    if (err)
        return err;
    *ino = dirent_at(b, off)->inode;
    bcache_put(b);
    ext2_ncache_set(fs, dir, name, len, *ino);
    return 0;
}

/* After a change to dir's entry for name: cache what the blocks now
 * say (ino, 0: absent), or on an error, which may have left either,
 * nothing. */
static int name_changed(struct ext2_fs *fs, uint32_t dir, const char *name,
                        size_t len, uint32_t ino, int err)
{
    if (err)
        ext2_ncache_drop(fs, dir, name, len);
    else
        ext2_ncache_set(fs, dir, name, len, ino);
    return err;
}

static void dirent_fill(struct ext2_fs *fs, struct ext2_dirent *e,
                        const char *name, size_t len, uint32_t ino,
                        unsigned ftype)
{
    e->inode = ino;
    e->name_len = (uint8_t)len;
    e->file_type = fs->filetype ? (uint8_t)ftype : 0;
    memcpy(e->name, name, len);
}

/* Put the entry into slack space of block b if there is room. */
static int block_insert(struct ext2_fs *fs, struct bbuf *b, const char *name,
                        size_t len, uint32_t ino, unsigned ftype)
{
    unsigned need = rec_need(len);
    for (unsigned off = 0; off < fs->bsize;) {
        struct ext2_dirent *e = dirent_at(b, off);
        unsigned used = e->inode ? rec_need(e->name_len) : 0;
        if (e->rec_len - used >= need) {
            if (used) {
                struct ext2_dirent *n = dirent_at(b, off + used);
                n->rec_len = e->rec_len - used;
                e->rec_len = used;
                e = n;
            }
            dirent_fill(fs, e, name, len, ino, ftype);
            bcache_dirty(b, BC_DIR);
            return 1;
        }
        off += e->rec_len;
    }
    return 0;
}

/* Note that dir changes: a hashed index no longer matches it. */
static void dir_unindex(struct ext2_inode *in)
{
    in->flags &= ~EXT2_INDEX_FL;
    in->mtime = in->ctime = ext2_now();
}

/* A new last block for dir holding just this entry. */
static int dir_grow(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *in,
                    const char *name, size_t len, uint32_t ino, unsigned ftype)
{
    uint32_t blk;
    fs->goal = fs->sb.first_data_block + (dir - 1) / fs->ipg * fs->bpg;
    int err = ext2_bmap(fs, in, in->size / fs->bsize, 1, &blk);
    struct bbuf *b = err ? NULL : bcache_get_zero(&fs->dev, blk, &err);
    if (b) {
        struct ext2_dirent *e = dirent_at(b, 0);
        e->rec_len = (uint16_t)fs->bsize;
        dirent_fill(fs, e, name, len, ino, ftype);
        bcache_dirty(b, BC_DIR);
        bcache_put(b);
        in->size += fs->bsize;
    }
    int werr = ext2_iwrite(fs, dir, in); /* blocks counted even on error */
    return err ? err : werr;
}

static int dir_add(struct ext2_fs *fs, uint32_t dir, const char *name,
                   size_t len, uint32_t ino, unsigned ftype)
{
    struct ext2_inode in;
    int err = dir_read(fs, dir, &in);
    if (err)
        return err;
    if (!len || len > EXT2_NAME_MAX)
        return -ENAMETOOLONG;
    dir_unindex(&in);
    uint64_t nblocks = in.size / fs->bsize;
    for (uint64_t n = 0; n < nblocks; n++) {
        /* the last block first: where a growing directory has room */
        struct bbuf *b = dir_block(fs, &in, (nblocks - 1 + n) % nblocks, &err);
        if (!b)
            return err;
        int done = block_insert(fs, b, name, len, ino, ftype);
        bcache_put(b);
        if (done)
            return ext2_iwrite(fs, dir, &in);
    }
    return dir_grow(fs, dir, &in, name, len, ino, ftype);
}

int ext2_dir_add(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
                 uint32_t ino, unsigned ftype)
{
    int err = dir_add(fs, dir, name, len, ino, ftype);
    return name_changed(fs, dir, name, len, ino, err);
}

/* The directory's inode and its entry for name: the buffer holding it
 * (held: bcache_put it), the offset and the previous entry's, or -1. */
static int dir_entry(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *in,
                     const char *name, size_t len, struct bbuf **b,
                     unsigned *off, int *prev)
{
    int err = dir_read(fs, dir, in);
    return err ? err : dir_find(fs, dir, in, name, len, b, off, prev);
}

static int dir_remove(struct ext2_fs *fs, uint32_t dir, const char *name,
                      size_t len)
{
    struct ext2_inode in;
    struct bbuf *b;
    unsigned off;
    int prev, err = dir_entry(fs, dir, &in, name, len, &b, &off, &prev);
    if (err)
        return err;
    struct ext2_dirent *e = dirent_at(b, off);
    if (prev >= 0)
        dirent_at(b, (unsigned)prev)->rec_len += e->rec_len;
    else
        e->inode = 0;
    bcache_dirty(b, BC_DIR);
    bcache_put(b);
    dir_unindex(&in);
    return ext2_iwrite(fs, dir, &in);
}

int ext2_dir_remove(struct ext2_fs *fs, uint32_t dir, const char *name,
                    size_t len)
{
    int err = dir_remove(fs, dir, name, len);
    return name_changed(fs, dir, name, len, 0, err);
}

static int dir_retarget(struct ext2_fs *fs, uint32_t dir, const char *name,
                        size_t len, uint32_t ino, unsigned ftype)
{
    struct ext2_inode in;
    struct bbuf *b;
    unsigned off;
    int prev, err = dir_entry(fs, dir, &in, name, len, &b, &off, &prev);
    if (err)
        return err;
    struct ext2_dirent *e = dirent_at(b, off);
    e->inode = ino;
    e->file_type = fs->filetype ? (uint8_t)ftype : 0;
    bcache_dirty(b, BC_DIR);
    bcache_put(b);
    dir_unindex(&in);
    return ext2_iwrite(fs, dir, &in);
}

int ext2_dir_retarget(struct ext2_fs *fs, uint32_t dir, const char *name,
                      size_t len, uint32_t ino, unsigned ftype)
{
    int err = dir_retarget(fs, dir, name, len, ino, ftype);
    return name_changed(fs, dir, name, len, ino, err);
}

static int is_dot(const struct ext2_dirent *e)
{
    return (e->name_len == 1 && e->name[0] == '.') ||
           (e->name_len == 2 && e->name[0] == '.' && e->name[1] == '.');
}

/* 1 if dir has no entries but "." and "..", 0 if it has, or -errno. */
int ext2_dir_empty(struct ext2_fs *fs, uint32_t dir)
{
    struct ext2_inode in;
    int err = dir_read(fs, dir, &in);
    if (err)
        return err;
    for (uint64_t l = 0; l < in.size / fs->bsize; l++) {
        struct bbuf *b = dir_block(fs, &in, l, &err);
        if (!b)
            return err;
        int empty = 1;
        for (unsigned off = 0; off < fs->bsize && empty;) {
            struct ext2_dirent *e = dirent_at(b, off);
            empty = !e->inode || is_dot(e);
            off += e->rec_len;
        }
        bcache_put(b);
        if (!empty)
            return 0;
    }
    return 1;
}

int ext2_dir_init(struct ext2_fs *fs, uint32_t dir, uint32_t parent)
{
    struct ext2_inode in;
    ext2_ncache_forget_dir(fs, dir); /* names of an earlier life */
    int err = ext2_iread(fs, dir, &in);
    if (err)
        return err;
    uint32_t blk;
    fs->goal = fs->sb.first_data_block + (dir - 1) / fs->ipg * fs->bpg;
    err = ext2_bmap(fs, &in, 0, 1, &blk);
    struct bbuf *b = err ? NULL : bcache_get_zero(&fs->dev, blk, &err);
    if (b) {
        struct ext2_dirent *e = dirent_at(b, 0);
        e->rec_len = 12;
        dirent_fill(fs, e, ".", 1, dir, EXT2_FT_DIR);
        e = dirent_at(b, 12);
        e->rec_len = (uint16_t)(fs->bsize - 12);
        dirent_fill(fs, e, "..", 2, parent, EXT2_FT_DIR);
        bcache_dirty(b, BC_DIR);
        bcache_put(b);
        in.size = fs->bsize;
    }
    int werr = ext2_iwrite(fs, dir, &in);
    return err ? err : werr;
}

unsigned ext2_ftype(uint32_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return EXT2_FT_REG;
    case S_IFDIR: return EXT2_FT_DIR;
    case S_IFCHR: return EXT2_FT_CHR;
    case S_IFBLK: return EXT2_FT_BLK;
    case S_IFIFO: return EXT2_FT_FIFO;
    case S_IFSOCK: return EXT2_FT_SOCK;
    case S_IFLNK: return EXT2_FT_SYMLINK;
    }
    return EXT2_FT_UNKNOWN;
}

/* d_type numbers by ext2 file type. */
static const uint8_t ft_dtype[8] = {0, 8, 4, 2, 6, 1, 12, 10};

/* The first used entry at or after byte *pos: 1 with *out filled and
 * *pos moved past it, 0 at the end, or -errno. */
int ext2_dir_next(struct ext2_fs *fs, uint32_t dir, uint64_t *pos,
                  struct ext2_dent *out)
{
    struct ext2_inode in;
    int err = dir_read(fs, dir, &in);
    if (err)
        return err;
    for (uint64_t l = *pos / fs->bsize; l < in.size / fs->bsize; l++) {
        struct bbuf *b = dir_block(fs, &in, l, &err);
        if (!b)
            return err;
        for (unsigned off = 0; off < fs->bsize;) {
            struct ext2_dirent *e = dirent_at(b, off);
            uint64_t at = l * fs->bsize + off;
            off += e->rec_len;
            if (at < *pos || !e->inode)
                continue;
            out->ino = e->inode;
            out->type = fs->filetype ? ft_dtype[e->file_type & 7] : 0;
            out->name_len = e->name_len;
            memcpy(out->name, e->name, e->name_len);
            out->name[e->name_len] = '\0';
            *pos = l * fs->bsize + off;
            bcache_put(b);
            return 1;
        }
        bcache_put(b);
    }
    *pos = in.size;
    return 0;
}
