/*
 * vfs_path.c: the calls of vfs.h that name files by path and change
 * directories: mkdir, unlink, rmdir, rename, symlink, link, plus the
 * path forms of stat, readlink, truncate and access. Each resolves the
 * parent directory, checks what fs.h promises filesystems, calls the
 * filesystem and, when a name went away, lets the VFS release the inode
 * once nothing holds it. Mount points cannot be removed or renamed
 * (EBUSY) and renames stay within one mount (EXDEV).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h> /* RENAME_NOREPLACE */
#include <stdio.h>
#include <string.h>
#include "vfs_int.h"

static char name1[FS_NAME_MAX + 1], name2[FS_NAME_MAX + 1];

static int writable(const struct fs_mount *m, const void *op)
{
    return !(m->flags & FS_MOUNT_RDONLY) && op;
}

int vfs_lookup(struct vnode *base, const char *path, int follow,
               struct vnode **out)
{
    struct loc at;
    vfs_lock();
    int r = walk_path(base, path, follow, &at);
    if (r == 0 && !(*out = vnode_new(at)))
        r = -ENFILE;
    vfs_unlock();
    return r;
}

/* The parent directory of path and its last name (into name), which
 * must not exist yet (for making a new name). */
static int new_name(struct vnode *base, const char *path, struct loc *dir,
                    char *name, int *slash)
{
    int r = walk_parent(base, path, dir, name, slash);
    if (r == -EBUSY || r == -EINVAL) /* "/", "." or "..": all exist */
        return -EEXIST;
    if (r < 0)
        return r;
    struct loc at;
    r = walk_name(*dir, name, &at);
    return r == 0 ? -EEXIST : r == -ENOENT ? 0 : r;
}

int vfs_mkdir(struct vnode *base, const char *path, mode_t mode)
{
    struct loc dir;
    uint64_t ino;
    int slash;
    vfs_lock();
    int r = new_name(base, path, &dir, name1, &slash);
    if (r == 0 && !writable(dir.m, dir.m->ops->mkdir))
        r = -EROFS;
    if (r == 0)
        r = dir.m->ops->mkdir(dir.m, dir.ino, name1, mode & 07777, &ino);
    vfs_unlock();
    return r;
}

int vfs_symlink(const char *target, struct vnode *base, const char *path)
{
    struct loc dir;
    uint64_t ino;
    int slash;
    size_t n = strnlen(target, FS_PATH_MAX);
    if (n == 0 || n == FS_PATH_MAX)
        return n ? -ENAMETOOLONG : -ENOENT;
    vfs_lock();
    int r = new_name(base, path, &dir, name1, &slash);
    if (r == 0 && slash)
        r = -ENOENT;
    if (r == 0 && !writable(dir.m, dir.m->ops->symlink))
        r = -EROFS;
    if (r == 0)
        r = dir.m->ops->symlink(dir.m, dir.ino, name1, target, &ino);
    vfs_unlock();
    return r;
}

/* An existing last name of path: its directory, itself and its kind. */
static int old_name(struct vnode *base, const char *path, struct loc *dir,
                    char *name, struct loc *at, struct fs_attr *a)
{
    int slash;
    int r = walk_parent(base, path, dir, name, &slash);
    if (r == 0)
        r = walk_name(*dir, name, at);
    if (r == 0)
        r = loc_attr(*at, a);
    if (r == 0 && at->m != dir->m)
        r = -EBUSY; /* a mount point */
    if (r == 0 && slash && !S_ISDIR(a->mode))
        r = -ENOTDIR;
    return r;
}

int vfs_unlink(struct vnode *base, const char *path)
{
    struct loc dir, at;
    struct fs_attr a;
    vfs_lock();
    int r = old_name(base, path, &dir, name1, &at, &a);
    if (r == -EBUSY || (r == 0 && S_ISDIR(a.mode)))
        r = -EISDIR;
    if (r == 0 && !writable(dir.m, dir.m->ops->unlink))
        r = -EROFS;
    if (r == 0)
        r = dir.m->ops->unlink(dir.m, dir.ino, name1);
    if (r == 0)
        vfs_forget(at);
    vfs_unlock();
    return r;
}

int vfs_rmdir(struct vnode *base, const char *path)
{
    struct loc dir, at;
    struct fs_attr a;
    vfs_lock();
    int r = old_name(base, path, &dir, name1, &at, &a);
    if (r == -EINVAL) /* rmdir("x/.") is EINVAL, rmdir("x/..") not empty */
        r = strcmp(name1, "..") ? -EINVAL : -ENOTEMPTY;
    if (r == 0 && !S_ISDIR(a.mode))
        r = -ENOTDIR;
    if (r == 0 && !writable(dir.m, dir.m->ops->rmdir))
        r = -EROFS;
    if (r == 0)
        r = dir.m->ops->rmdir(dir.m, dir.ino, name1);
    if (r == 0)
        vfs_forget(at);
    vfs_unlock();
    return r;
}

/* Is dir the directory from or inside it? Climbs ".." to the root. */
static int inside(struct loc dir, struct loc from)
{
    for (unsigned depth = 0; depth < 4096; depth++) {
        if (dir.m == from.m && dir.ino == from.ino)
            return 1;
        if (dir.ino == dir.m->root || walk_up(dir, &dir) < 0)
            return 0;
    }
    return 1; /* deeper than any sane tree: refuse */
}

/* Checks between the source (at, a) and an existing target (to, b). */
static int rename_over(struct loc at, const struct fs_attr *a, struct loc to,
                       const struct fs_attr *b, unsigned flags)
{
    if (flags & RENAME_NOREPLACE)
        return -EEXIST;
    if (to.m != at.m)
        return -EBUSY;
    if (S_ISDIR(a->mode) && !S_ISDIR(b->mode))
        return -ENOTDIR;
    if (!S_ISDIR(a->mode) && S_ISDIR(b->mode))
        return -EISDIR;
    return 0;
}

static int rename_locked(struct vnode *ob, const char *op, struct vnode *nb,
                         const char *np, unsigned flags)
{
    struct loc odir, ndir, at, to;
    struct fs_attr a, b;
    int slash;
    int r = old_name(ob, op, &odir, name1, &at, &a);
    if (r == 0)
        r = walk_parent(nb, np, &ndir, name2, &slash);
    if (r == -EINVAL)
        return -EBUSY; /* "." or ".." at either end */
    if (r < 0)
        return r;
    if (odir.m != ndir.m)
        return -EXDEV;
    if (slash && !S_ISDIR(a.mode))
        return -ENOTDIR;
    int exists = (r = walk_name(ndir, name2, &to)) == 0;
    if (r < 0 && r != -ENOENT)
        return r;
    if (exists && (r = loc_attr(to, &b)) == 0)
        r = rename_over(at, &a, to, &b, flags);
    if (r < 0 && r != -ENOENT)
        return r;
    if (exists && to.ino == at.ino)
        return 0; /* two names of one inode: nothing to do */
    if (S_ISDIR(a.mode) && inside(ndir, at))
        return -EINVAL;
    if (!writable(odir.m, odir.m->ops->rename))
        return -EROFS;
    r = odir.m->ops->rename(odir.m, odir.ino, name1, ndir.ino, name2);
    if (r == 0 && exists)
        vfs_forget(to);
    return r;
}

int vfs_rename(struct vnode *obase, const char *opath, struct vnode *nbase,
               const char *npath, unsigned flags)
{
    if (flags & ~RENAME_NOREPLACE)
        return -EINVAL;
    vfs_lock();
    int r = rename_locked(obase, opath, nbase, npath, flags);
    vfs_unlock();
    return r;
}

int vfs_link(struct vnode *obase, const char *opath, struct vnode *nbase,
             const char *npath)
{
    struct loc dir, at;
    struct fs_attr a;
    int slash;
    vfs_lock();
    int r = walk_path(obase, opath, 0, &at);
    if (r == 0)
        r = loc_attr(at, &a);
    if (r == 0 && S_ISDIR(a.mode))
        r = -EPERM;
    if (r == 0)
        r = new_name(nbase, npath, &dir, name2, &slash);
    if (r == 0 && dir.m != at.m)
        r = -EXDEV;
    if (r == 0 && (dir.m->flags & FS_MOUNT_RDONLY))
        r = -EROFS;
    if (r == 0)
        r = dir.m->ops->link ? dir.m->ops->link(dir.m, at.ino, dir.ino, name2)
                             : -EPERM;
    vfs_unlock();
    return r;
}

long vfs_readlink(struct vnode *base, const char *path, char *buf, size_t len)
{
    struct loc at;
    struct fs_attr a;
    vfs_lock();
    long r = walk_path(base, path, 0, &at);
    if (r == 0)
        r = loc_attr(at, &a);
    if (r == 0 && !S_ISLNK(a.mode))
        r = -EINVAL;
    if (r == 0)
        r = at.m->ops->readlink(at.m, at.ino, buf, len);
    vfs_unlock();
    return r;
}

int vfs_truncate(struct vnode *base, const char *path, uint64_t size)
{
    struct vnode *v;
    int r = vfs_lookup(base, path, 1, &v);
    if (r == 0) {
        r = vfs_ftruncate(v, size);
        vfs_put(v);
    }
    return r;
}

int vfs_access(struct vnode *base, const char *path, int mode, int follow)
{
    struct loc at;
    struct fs_attr a;
    if (mode & ~(R_OK | W_OK | X_OK))
        return -EINVAL;
    vfs_lock();
    int r = walk_path(base, path, follow, &at);
    if (r == 0)
        r = loc_attr(at, &a);
    if (r == 0 && (mode & W_OK) && (at.m->flags & FS_MOUNT_RDONLY))
        r = -EROFS;
    if (r == 0 && (mode & X_OK) && !S_ISDIR(a.mode) && !(a.mode & 0111))
        r = -EACCES;
    vfs_unlock();
    return r;
}
