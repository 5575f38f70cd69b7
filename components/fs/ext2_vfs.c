/*
 * ext2_vfs.c: ext2 as a filesystem type of the VFS (fs.h). Thin: each
 * operation turns the VFS's 64-bit inode numbers and NUL-ended names into
 * ext2's and calls ext2_ops.c, ext2_dir.c or ext2_inode.c. The VFS runs
 * one operation at a time and has already checked names and kinds (see
 * fs.h); ext2 checks again what comes from the disk.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "ext2.h"
#include "fs.h"

static struct ext2_fs *fs_of(struct fs_mount *m)
{
    return m->priv;
}

/* ext2 inode numbers are 32 bits; anything larger names nothing. */
static int ino_of(uint64_t ino, uint32_t *out)
{
    if (!ino || ino > UINT32_MAX)
        return -ENOENT;
    *out = (uint32_t)ino;
    return 0;
}

static int x_lookup(struct fs_mount *m, uint64_t dir, const char *name,
                    uint64_t *ino)
{
    uint32_t d, i;
    int err = ino_of(dir, &d);
    if (!err)
        err = ext2_dir_lookup(fs_of(m), d, name, strlen(name), &i);
    if (!err)
        *ino = i;
    return err;
}

static void ts_of(struct timespec *t, uint32_t s)
{
    t->tv_sec = s;
    t->tv_nsec = 0;
}

static int x_getattr(struct fs_mount *m, uint64_t ino, struct fs_attr *a)
{
    struct ext2_stat st;
    uint32_t i;
    int err = ino_of(ino, &i);
    if (!err)
        err = ext2_stat(fs_of(m), i, &st);
    if (err)
        return err;
    memset(a, 0, sizeof *a);
    a->ino = ino;
    a->mode = st.mode;
    a->nlink = st.nlink;
    a->uid = st.uid;
    a->gid = st.gid;
    a->size = st.size;
    a->blocks = st.blocks;
    a->blksize = fs_of(m)->bsize;
    ts_of(&a->atime, st.atime);
    ts_of(&a->mtime, st.mtime);
    ts_of(&a->ctime, st.ctime);
    return 0;
}

static int x_setattr(struct fs_mount *m, uint64_t ino, const struct fs_attr *a,
                     unsigned mask)
{
    uint32_t i, at = (uint32_t)a->atime.tv_sec, mt = (uint32_t)a->mtime.tv_sec;
    int err = ino_of(ino, &i);
    if (err)
        return err;
    return ext2_setattr(fs_of(m), i, mask & FS_ATTR_MODE ? &a->mode : NULL,
                        mask & FS_ATTR_UID ? &a->uid : NULL,
                        mask & FS_ATTR_GID ? &a->gid : NULL,
                        mask & FS_ATTR_ATIME ? &at : NULL,
                        mask & FS_ATTR_MTIME ? &mt : NULL);
}

static long x_read(struct fs_mount *m, uint64_t ino, void *buf, size_t len,
                   uint64_t off)
{
    uint32_t i;
    int err = ino_of(ino, &i);
    return err ? err : ext2_file_read(fs_of(m), i, buf, len, off);
}

static long x_write(struct fs_mount *m, uint64_t ino, const void *buf,
                    size_t len, uint64_t off)
{
    uint32_t i;
    int err = ino_of(ino, &i);
    return err ? err : ext2_file_write(fs_of(m), i, buf, len, off);
}

static int x_truncate(struct fs_mount *m, uint64_t ino, uint64_t size)
{
    uint32_t i;
    int err = ino_of(ino, &i);
    return err ? err : ext2_truncate(fs_of(m), i, size);
}

static int make(struct fs_mount *m, uint64_t dir, const char *name,
                uint32_t mode, uint64_t *ino)
{
    uint32_t d, i;
    int err = ino_of(dir, &d);
    if (!err)
        err = ext2_create(fs_of(m), d, name, strlen(name), mode, 0, 0, 0, &i);
    if (!err)
        *ino = i;
    return err;
}

static int x_create(struct fs_mount *m, uint64_t dir, const char *name,
                    uint32_t mode, uint64_t *ino)
{
    return make(m, dir, name, S_IFREG | (mode & 07777), ino);
}

static int x_mkdir(struct fs_mount *m, uint64_t dir, const char *name,
                   uint32_t mode, uint64_t *ino)
{
    return make(m, dir, name, S_IFDIR | (mode & 07777), ino);
}

static int x_symlink(struct fs_mount *m, uint64_t dir, const char *name,
                     const char *target, uint64_t *ino)
{
    uint32_t d, i;
    int err = ino_of(dir, &d);
    if (!err)
        err = ext2_symlink(fs_of(m), d, name, strlen(name), target, 0, 0, &i);
    if (!err)
        *ino = i;
    return err;
}

static long x_readlink(struct fs_mount *m, uint64_t ino, char *buf, size_t len)
{
    uint32_t i;
    int err = ino_of(ino, &i);
    return err ? err : ext2_readlink(fs_of(m), i, buf, len);
}

static int x_unlink(struct fs_mount *m, uint64_t dir, const char *name)
{
    uint32_t d;
    int err = ino_of(dir, &d);
    return err ? err : ext2_unlink(fs_of(m), d, name, strlen(name), 0);
}

static int x_rmdir(struct fs_mount *m, uint64_t dir, const char *name)
{
    uint32_t d;
    int err = ino_of(dir, &d);
    return err ? err : ext2_unlink(fs_of(m), d, name, strlen(name), 1);
}

static int x_rename(struct fs_mount *m, uint64_t odir, const char *oname,
                    uint64_t ndir, const char *nname)
{
    uint32_t o, n;
    int err = ino_of(odir, &o);
    if (!err)
        err = ino_of(ndir, &n);
    return err ? err
               : ext2_rename(fs_of(m), o, oname, strlen(oname), n, nname,
                             strlen(nname));
}

static int x_link(struct fs_mount *m, uint64_t ino, uint64_t dir,
                  const char *nname)
{
    uint32_t i, d;
    int err = ino_of(ino, &i);
    if (!err)
        err = ino_of(dir, &d);
    return err ? err : ext2_link(fs_of(m), i, d, nname, strlen(nname));
}

static int x_readdir(struct fs_mount *m, uint64_t dir, uint64_t *cookie,
                     struct fs_dirent *out)
{
    static struct ext2_dent d; /* one operation at a time (fs.h) */
    uint32_t di;
    int r = ino_of(dir, &di);
    if (!r)
        r = ext2_dir_next(fs_of(m), di, cookie, &d);
    if (r == 1) {
        out->ino = d.ino;
        out->type = d.type;
        memcpy(out->name, d.name, (size_t)d.name_len + 1);
    }
    return r;
}

static int x_release(struct fs_mount *m, uint64_t ino)
{
    uint32_t i;
    int err = ino_of(ino, &i);
    return err ? err : ext2_release(fs_of(m), i);
}

static int x_sync(struct fs_mount *m, uint64_t ino)
{
    return ext2_sync(fs_of(m)); /* one cache for the disk: sync it all */
}

static int x_statfs(struct fs_mount *m, struct fs_statfs *out)
{
    const struct ext2_super *s = &fs_of(m)->sb;
    memset(out, 0, sizeof *out);
    out->magic = EXT2_MAGIC;
    out->bsize = fs_of(m)->bsize;
    out->blocks = s->blocks_count;
    uint64_t bfree = s->free_blocks_count + fs_of(m)->npending;
    out->bfree = bfree;
    out->bavail = bfree > s->r_blocks_count ? bfree - s->r_blocks_count : 0;
    out->files = s->inodes_count;
    out->ffree = s->free_inodes_count + fs_of(m)->npending_ino;
    out->namelen = EXT2_NAME_MAX;
    return 0;
}

static int x_unmount(struct fs_mount *m)
{
    return ext2_unmount(fs_of(m));
}

static const struct fs_ops ext2_fs_ops = {
    .lookup = x_lookup,
    .getattr = x_getattr,
    .setattr = x_setattr,
    .read = x_read,
    .write = x_write,
    .truncate = x_truncate,
    .create = x_create,
    .mkdir = x_mkdir,
    .symlink = x_symlink,
    .readlink = x_readlink,
    .unlink = x_unlink,
    .rmdir = x_rmdir,
    .rename = x_rename,
    .link = x_link,
    .readdir = x_readdir,
    .release = x_release,
    .sync = x_sync,
    .statfs = x_statfs,
    .unmount = x_unmount,
};

static int x_mount(struct fs_mount *m, const struct fs_source *src)
{
    struct ext2_fs *fs;
    if (src->disk < 0)
        return -EINVAL; /* ext2 lives on disks only */
    int err =
        ext2_mount((unsigned)src->disk, !(m->flags & FS_MOUNT_RDONLY), &fs);
    if (err)
        return err;
    m->ops = &ext2_fs_ops;
    m->root = EXT2_ROOT_INO;
    m->priv = fs;
    return 0;
}

const struct fs_type ext2_type = {.name = "ext2", .mount = x_mount};
