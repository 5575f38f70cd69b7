/*
 * ext2_ops.c: the name-level operations a VFS calls: create, link,
 * unlink, rename, symlinks, attributes, and the open-inode table that
 * the release of inodes whose last name went once nothing holds them.
 *
 * Order of changes, for power cuts and full disks: a new inode and its
 * blocks are set up before a directory names it, and everything taken
 * is given back if a later step fails, so ENOSPC leaves no trace. The
 * cache's write classes (bcache.h) carry the same order to the disk.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "ext2.h"

#define EXT2_LINK_MAX 65000

int ext2_release(struct ext2_fs *fs, uint32_t ino)
{
    struct ext2_inode in;
    if (!fs->rw)
        return 0;
    int err = ext2_iread(fs, ino, &in);
    if (err || in.links_count || in.dtime || !in.mode)
        return err; /* named, or released already */
    return ext2_inode_release(fs, ino);
}

static uint32_t id_of(uint16_t lo, uint16_t hi)
{
    return lo | (uint32_t)hi << 16;
}

int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st)
{
    struct ext2_inode buf;
    int err = 0;
    const struct ext2_inode *in = ext2_iview(fs, ino, &buf, &err);
    if (!in)
        return err;
    memset(st, 0, sizeof *st);
    st->ino = ino;
    st->mode = in->mode;
    st->nlink = in->links_count;
    st->uid = id_of(in->uid, in->uid_high);
    st->gid = id_of(in->gid, in->gid_high);
    st->size = ext2_isize(in);
    st->blocks = in->blocks;
    st->atime = in->atime;
    st->mtime = in->mtime;
    st->ctime = in->ctime;
    if (S_ISCHR(in->mode) || S_ISBLK(in->mode)) {
        uint32_t d = in->block[0] ? in->block[0] : in->block[1];
        st->rdev = in->block[0] ? ((d >> 8) & 0xff) << 8 | (d & 0xff) : d;
    }
    return 0;
}

/* Add delta to an inode's link count (re-read: callers hold no copy). */
static int links_adjust(struct ext2_fs *fs, uint32_t ino, int delta)
{
    struct ext2_inode in;
    int err = ext2_iread(fs, ino, &in);
    if (err)
        return err;
    if ((delta < 0 && in.links_count < (unsigned)-delta) ||
        (delta > 0 && in.links_count + delta > EXT2_LINK_MAX))
        return delta > 0 ? -EMLINK : ext2_corrupt(fs, "link count", ino);
    in.links_count += delta;
    in.ctime = ext2_now();
    return ext2_iwrite(fs, ino, &in);
}

static int check_writable(struct ext2_fs *fs)
{
    return fs->rw ? 0 : -EROFS;
}

/* A new inode of this mode, set up but named by no directory yet. */
static int inode_new(struct ext2_fs *fs, uint32_t dir, uint32_t mode,
                     uint32_t uid, uint32_t gid, uint32_t *ino)
{
    int err = ext2_inode_alloc(fs, dir, S_ISDIR(mode), ino);
    if (err)
        return err;
    struct ext2_inode in;
    memset(&in, 0, sizeof in);
    in.mode = (uint16_t)mode;
    in.uid = (uint16_t)uid;
    in.uid_high = (uint16_t)(uid >> 16);
    in.gid = (uint16_t)gid;
    in.gid_high = (uint16_t)(gid >> 16);
    in.atime = in.ctime = in.mtime = ext2_now();
    in.links_count = S_ISDIR(mode) ? 2 : 1;
    err = ext2_iinit(fs, *ino, &in);
    if (err)
        ext2_inode_free(fs, *ino, S_ISDIR(mode));
    return err;
}

/* Name a fully set-up new inode in dir; on failure give it all back. */
static int inode_publish(struct ext2_fs *fs, uint32_t dir, const char *name,
                         size_t len, uint32_t ino, uint32_t mode)
{
    int err = ext2_dir_add(fs, dir, name, len, ino, ext2_ftype(mode));
    if (!err && S_ISDIR(mode))
        err = links_adjust(fs, dir, 1);
    if (err == -EMLINK)
        ext2_dir_remove(fs, dir, name, len);
    if (err)
        ext2_inode_release(fs, ino);
    return err;
}

/* Whether name may be created in dir: 0, -EEXIST or -errno. */
static int name_free(struct ext2_fs *fs, uint32_t dir, const char *name,
                     size_t len)
{
    uint32_t ino;
    if (!len || len > EXT2_NAME_MAX)
        return len ? -ENAMETOOLONG : -ENOENT;
    int err = ext2_dir_lookup(fs, dir, name, len, &ino);
    return err == -ENOENT ? 0 : err ? err : -EEXIST;
}

static void rdev_encode(struct ext2_inode *in, uint32_t rdev)
{
    uint32_t major = rdev >> 8 & 0xfff,
             minor = (rdev & 0xff) | (rdev >> 12 & ~0xffu);
    if (major < 256 && minor < 256)
        in->block[0] = major << 8 | minor;
    else
        in->block[1] = (minor & 0xff) | major << 8 | (minor & ~0xffu) << 12;
}

/* A new inode for a name not yet in dir, on a writable filesystem. */
static int inode_begin(struct ext2_fs *fs, uint32_t dir, const char *name,
                       size_t len, uint32_t mode, uint32_t uid, uint32_t gid,
                       uint32_t *ino)
{
    int err = check_writable(fs);
    if (!err)
        err = name_free(fs, dir, name, len);
    return err ? err : inode_new(fs, dir, mode, uid, gid, ino);
}

int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
                uint32_t mode, uint32_t uid, uint32_t gid, uint32_t rdev,
                uint32_t *ino)
{
    int err = inode_begin(fs, dir, name, len, mode, uid, gid, ino);
    if (err)
        return err;
    if (S_ISDIR(mode))
        err = ext2_dir_init(fs, *ino, dir);
    if (!err && (S_ISCHR(mode) || S_ISBLK(mode))) {
        struct ext2_inode in;
        err = ext2_iread(fs, *ino, &in);
        rdev_encode(&in, rdev);
        if (!err)
            err = ext2_iwrite(fs, *ino, &in);
    }
    if (err) {
        ext2_inode_release(fs, *ino);
        return err;
    }
    return inode_publish(fs, dir, name, len, *ino, mode);
}

int ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
                 const char *target, uint32_t uid, uint32_t gid, uint32_t *ino)
{
    size_t tlen = strlen(target);
    uint32_t mode = S_IFLNK | 0777;
    if (!tlen)
        return -ENOENT;
    if (tlen >= fs->bsize)
        return -ENAMETOOLONG;
    int err = inode_begin(fs, dir, name, len, mode, uid, gid, ino);
    if (err)
        return err;
    if (tlen < EXT2_FAST_LINK_MAX) {
        struct ext2_inode in;
        err = ext2_iread(fs, *ino, &in);
        memcpy(in.block, target, tlen);
        in.size = (uint32_t)tlen;
        if (!err)
            err = ext2_iwrite(fs, *ino, &in);
    } else {
        long n = ext2_file_write(fs, *ino, target, tlen, 0);
        err = n < 0 ? (int)n : 0;
    }
    if (err) {
        ext2_inode_release(fs, *ino);
        return err;
    }
    return inode_publish(fs, dir, name, len, *ino, mode);
}

long ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, size_t len)
{
    struct ext2_inode in;
    int err = ext2_iread(fs, ino, &in);
    if (err)
        return err;
    if (!S_ISLNK(in.mode))
        return -EINVAL;
    uint32_t acl = in.file_acl ? fs->bsize / 512 : 0;
    int fast = in.blocks <= acl;
    if (in.size >= (fast ? EXT2_FAST_LINK_MAX : fs->bsize))
        return ext2_corrupt(fs, "symlink length", in.size);
    size_t n = in.size < len ? in.size : len;
    if (fast) {
        memcpy(buf, in.block, n);
        return (long)n;
    }
    return ext2_file_read(fs, ino, buf, n, 0);
}

int ext2_link(struct ext2_fs *fs, uint32_t ino, uint32_t dir, const char *name,
              size_t len)
{
    struct ext2_inode in;
    int err = check_writable(fs);
    if (!err)
        err = ext2_iread(fs, ino, &in);
    if (!err && S_ISDIR(in.mode))
        err = -EPERM;
    if (!err)
        err = name_free(fs, dir, name, len);
    if (!err)
        err = links_adjust(fs, ino, 1);
    if (err)
        return err;
    err = ext2_dir_add(fs, dir, name, len, ino, ext2_ftype(in.mode));
    if (err)
        links_adjust(fs, ino, -1);
    return err;
}

/* Drop the links a removed name held on ino (a directory's own two,
 * and its parent's ".." link). The inode stays until ext2_release: it
 * may still be open. */
static int unlink_inode(struct ext2_fs *fs, uint32_t dir, uint32_t ino,
                        int is_dir)
{
    struct ext2_inode in;
    int err = ext2_iread(fs, ino, &in);
    if (err)
        return err;
    if (is_dir) {
        in.links_count = 0;
        err = links_adjust(fs, dir, -1);
    } else if (in.links_count) {
        in.links_count--;
    }
    in.ctime = ext2_now();
    int werr = ext2_iwrite(fs, ino, &in);
    return err ? err : werr;
}

/* May the entry for ino (mode) go: rmdir wants an empty directory,
 * unlink anything but a directory. */
static int unlink_allowed(struct ext2_fs *fs, uint32_t ino, uint32_t mode,
                          int is_rmdir)
{
    if (!is_rmdir)
        return S_ISDIR(mode) ? -EISDIR : 0;
    if (!S_ISDIR(mode))
        return -ENOTDIR;
    if (ino == EXT2_ROOT_INO)
        return -EBUSY;
    int empty = ext2_dir_empty(fs, ino);
    return empty < 0 ? empty : empty ? 0 : -ENOTEMPTY;
}

int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
                int is_rmdir)
{
    uint32_t ino;
    struct ext2_inode in;
    int err = check_writable(fs);
    if (!err && ((len == 1 && name[0] == '.') ||
                 (len == 2 && name[0] == '.' && name[1] == '.')))
        err = is_rmdir ? (len == 1 ? -EINVAL : -ENOTEMPTY) : -EISDIR;
    if (!err)
        err = ext2_dir_lookup(fs, dir, name, len, &ino);
    if (!err)
        err = ext2_iread(fs, ino, &in);
    if (!err)
        err = unlink_allowed(fs, ino, in.mode, is_rmdir);
    if (!err)
        err = ext2_dir_remove(fs, dir, name, len);
    if (err)
        return err;
    return unlink_inode(fs, dir, ino, S_ISDIR(in.mode));
}

int ext2_setattr(struct ext2_fs *fs, uint32_t ino, const uint32_t *mode,
                 const uint32_t *uid, const uint32_t *gid,
                 const uint32_t *atime, const uint32_t *mtime)
{
    struct ext2_inode in;
    int err = check_writable(fs);
    if (!err)
        err = ext2_iread(fs, ino, &in);
    if (err)
        return err;
    if (mode)
        in.mode = (uint16_t)((in.mode & S_IFMT) | (*mode & 07777));
    if (uid) {
        in.uid = (uint16_t)*uid;
        in.uid_high = (uint16_t)(*uid >> 16);
    }
    if (gid) {
        in.gid = (uint16_t)*gid;
        in.gid_high = (uint16_t)(*gid >> 16);
    }
    if (atime)
        in.atime = *atime;
    if (mtime)
        in.mtime = *mtime;
    in.ctime = ext2_now();
    return ext2_iwrite(fs, ino, &in);
}
