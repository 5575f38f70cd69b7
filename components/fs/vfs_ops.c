/*
 * vfs_ops.c: the calls of vfs.h. Each takes the VFS lock, resolves its
 * path(s), makes the checks fs.h promises filesystems (kinds, read-only
 * mounts, names) and calls the filesystem. There are no users: every
 * call runs as root, so permission bits are kept and reported but only
 * a read-only mount or a missing execute bit denies anything. The umask
 * is 0: modes are kept exactly as given.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include "vfs_int.h"

static char name1[FS_NAME_MAX + 1];

static int read_only(const struct fs_mount *m)
{
    return m->flags & FS_MOUNT_RDONLY;
}

static void attr_to_stat(const struct fs_mount *m, const struct fs_attr *a,
                         struct stat *st)
{
    *st = (struct stat){
        .st_dev = m->id,
        .st_ino = a->ino,
        .st_mode = a->mode,
        .st_nlink = a->nlink,
        .st_uid = a->uid,
        .st_gid = a->gid,
        .st_size = (off_t)a->size,
        .st_blksize = a->blksize ? a->blksize : 4096,
        .st_blocks = (blkcnt_t)a->blocks,
        .st_atim = a->atime,
        .st_mtim = a->mtime,
        .st_ctim = a->ctime,
    };
}

/* ---- open ------------------------------------------------------------ */

/* O_CREAT: find or make the last component. */
static int open_create(struct vnode *base, const char *path, int flags,
                       mode_t mode, struct loc *at)
{
    struct loc dir;
    int slash;
    int r = walk_parent(base, path, &dir, name1, &slash);
    if (r == -EBUSY || r == -EINVAL) /* "/", "..": an existing directory */
        return -EISDIR;
    if (r < 0)
        return r;
    r = walk_name(dir, name1, at);
    if (r == 0 && (flags & O_EXCL))
        return -EEXIST;
    if (r == 0) { /* exists: a symlink is followed unless O_NOFOLLOW */
        struct fs_attr a;
        r = loc_attr(*at, &a);
        if (r == 0 && S_ISLNK(a.mode) && !(flags & O_NOFOLLOW))
            r = walk_path(base, path, 1, at);
        return r;
    }
    if (r != -ENOENT)
        return r;
    if (slash)
        return -EISDIR;
    if (read_only(dir.m) || !dir.m->ops->create)
        return -EROFS;
    at->m = dir.m;
    return dir.m->ops->create(dir.m, dir.ino, name1, mode & 07777, &at->ino);
}

/* Checks on what was found, by kind and access mode; O_TRUNC. */
static int open_check(struct loc at, int flags, mode_t *type)
{
    struct fs_attr a;
    int r = loc_attr(at, &a);
    if (r < 0)
        return r;
    int acc = flags & O_ACCMODE, dir = S_ISDIR(a.mode);
    *type = a.mode & S_IFMT;
    if (S_ISLNK(a.mode))
        return -ELOOP; /* only reached with O_NOFOLLOW */
    if ((flags & O_DIRECTORY) && !dir)
        return -ENOTDIR;
    if (dir && (acc != O_RDONLY || (flags & O_CREAT)))
        return -EISDIR;
    if (acc != O_RDONLY && read_only(at.m))
        return -EROFS;
    if (!(flags & O_TRUNC) || !S_ISREG(a.mode) || acc == O_RDONLY)
        return 0;
    if (read_only(at.m))
        return -EROFS;
    return a.size ? at.m->ops->truncate(at.m, at.ino, 0) : 0;
}

int vfs_open(struct vnode *base, const char *path, int flags, mode_t mode,
             struct vnode **out, mode_t *type)
{
    struct loc at;
    vfs_lock();
    int r = (flags & O_CREAT)
                ? open_create(base, path, flags, mode, &at)
                : walk_path(base, path, !(flags & O_NOFOLLOW), &at);
    if (r == 0)
        r = open_check(at, flags, type);
    if (r == 0 && !(*out = vnode_new(at)))
        r = -ENFILE;
    vfs_unlock();
    return r;
}

/* ---- calls on an open vnode ----------------------------------------- */

long vfs_read(struct vnode *v, void *buf, size_t len, uint64_t off)
{
    vfs_lock();
    long n = v->at.m->ops->read(v->at.m, v->at.ino, buf, len, off);
    vfs_unlock();
    return n;
}

long vfs_write(struct vnode *v, const void *buf, size_t len, uint64_t off)
{
    vfs_lock();
    struct fs_mount *m = v->at.m;
    long n = read_only(m) || !m->ops->write
                 ? -EROFS
                 : m->ops->write(m, v->at.ino, buf, len, off);
    vfs_unlock();
    return n;
}

int64_t vfs_size(struct vnode *v)
{
    struct fs_attr a;
    vfs_lock();
    int r = loc_attr(v->at, &a);
    vfs_unlock();
    return r < 0 ? r : (int64_t)a.size;
}

static int truncate_at(struct loc at, uint64_t size)
{
    struct fs_attr a;
    int r = loc_attr(at, &a);
    if (r < 0)
        return r;
    if (S_ISDIR(a.mode))
        return -EISDIR;
    if (!S_ISREG(a.mode))
        return -EINVAL;
    if (read_only(at.m) || !at.m->ops->truncate)
        return -EROFS;
    return at.m->ops->truncate(at.m, at.ino, size);
}

int vfs_ftruncate(struct vnode *v, uint64_t size)
{
    vfs_lock();
    int r = truncate_at(v->at, size);
    vfs_unlock();
    return r;
}

int vfs_fsync(struct vnode *v)
{
    vfs_lock();
    struct fs_mount *m = v->at.m;
    int r = m->ops->sync && !read_only(m) ? m->ops->sync(m, v->at.ino) : 0;
    vfs_unlock();
    return r;
}

int vfs_fstat(struct vnode *v, struct stat *st)
{
    struct fs_attr a;
    vfs_lock();
    int r = loc_attr(v->at, &a);
    if (r == 0)
        attr_to_stat(v->at.m, &a, st);
    vfs_unlock();
    return r;
}

/* No vnode: nothing is held, so nothing is released after. */
int vfs_stat(struct vnode *base, const char *path, int follow, struct stat *st)
{
    struct loc at;
    struct fs_attr a;
    vfs_lock();
    int r = walk_path(base, path, follow, &at);
    if (r == 0)
        r = loc_attr(at, &a);
    if (r == 0)
        attr_to_stat(at.m, &a, st);
    vfs_unlock();
    return r;
}

int vfs_fstatfs(struct vnode *v, struct fs_statfs *out)
{
    vfs_lock();
    struct fs_mount *m = v->at.m;
    *out = (struct fs_statfs){.bsize = 4096, .namelen = FS_NAME_MAX};
    int r = m->ops->statfs ? m->ops->statfs(m, out) : 0;
    vfs_unlock();
    return r;
}

static int setattr_at(struct loc at, const struct fs_attr *a, unsigned mask)
{
    if (read_only(at.m) || !at.m->ops->setattr)
        return -EROFS;
    return at.m->ops->setattr(at.m, at.ino, a, mask);
}

/* utimensat's times: NULL is now for both; UTIME_NOW, UTIME_OMIT. */
static int times_at(struct loc at, const struct timespec t[2])
{
    struct fs_attr a = {0};
    unsigned mask = 0;
    struct timespec now;
    fs_now(&now);
    struct timespec *dst[2] = {&a.atime, &a.mtime};
    for (int i = 0; i < 2; i++) {
        long ns = t ? t[i].tv_nsec : UTIME_NOW;
        if (ns == UTIME_OMIT)
            continue;
        if (ns != UTIME_NOW && (ns < 0 || ns > 999999999))
            return -EINVAL;
        *dst[i] = ns == UTIME_NOW ? now : t[i];
        mask |= i ? FS_ATTR_MTIME : FS_ATTR_ATIME;
    }
    return mask ? setattr_at(at, &a, mask) : 0;
}

int vfs_futimens(struct vnode *v, const struct timespec t[2])
{
    vfs_lock();
    int r = times_at(v->at, t);
    vfs_unlock();
    return r;
}

int vfs_fchmod(struct vnode *v, mode_t mode)
{
    struct fs_attr a = {.mode = mode & 07777};
    vfs_lock();
    int r = setattr_at(v->at, &a, FS_ATTR_MODE);
    vfs_unlock();
    return r;
}

int vfs_writable(struct vnode *v)
{
    vfs_lock();
    int r = read_only(v->at.m) ? -EROFS : 0;
    vfs_unlock();
    return r;
}

int vfs_readdir(struct vnode *v, uint64_t *cookie, struct fs_dirent *out)
{
    vfs_lock();
    int r = v->at.m->ops->readdir(v->at.m, v->at.ino, cookie, out);
    vfs_unlock();
    return r;
}
