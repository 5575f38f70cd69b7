/*
 * sys_file.c: files and directories of the VFS (components/fs) as open
 * files, and the calls on them: open/openat/creat, getdents64,
 * ftruncate, fchdir, fchmod, fstatfs. read/write/lseek/fsync/fstat go
 * through file_ops in sys_io.c. /dev/vdX (dev_block.c) and /dev/null and
 * its kin (dev_special.c) are special cases of open, looked at before
 * the VFS.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "../fs/vfs.h"
#include "kiln/log.h"
#include "file.h"
#include "memfile.h"
#include "posix.h"

/* Weak: raw disks come with the calls that read or flush (syscall.c),
 * so a program that only prints links no disk driver; its open of
 * /dev/vdX says why instead. */
#pragma weak block_open

static int disk_open(const char *p, int flags, struct file *dev)
{
    if (block_open)
        return block_open(p, flags, dev);
    kiln_log("kiln: %s: no raw disks in this image (its program never "
             "reads or flushes a file)",
             p);
    return -ENODEV;
}

static long vf_read(struct file *f, void *buf, size_t len, uint64_t off)
{
    return vfs_read(f->priv, buf, len, off);
}

static long vf_write(struct file *f, const void *buf, size_t len, uint64_t off)
{
    return vfs_write(f->priv, buf, len, off);
}

static long vf_isdir(struct file *f, const void *buf, size_t len, uint64_t off)
{
    return -EISDIR;
}

static long vd_read(struct file *f, void *buf, size_t len, uint64_t off)
{
    return -EISDIR;
}

static int64_t vf_size(struct file *f)
{
    return vfs_size(f->priv);
}

static int vf_sync(struct file *f)
{
    return vfs_fsync(f->priv);
}

static long vf_ioctl(struct file *f, unsigned long req, long arg)
{
    return -ENOTTY;
}

static int vf_release(struct file *f)
{
    vfs_put(f->priv);
    return 0;
}

static int vf_stat(struct file *f, struct stat *st)
{
    return vfs_fstat(f->priv, st);
}

static const struct file_ops vfile_ops = {
    .read = vf_read,
    .write = vf_write,
    .size = vf_size,
    .sync = vf_sync,
    .ioctl = vf_ioctl,
    .mode = S_IFREG,
    .seekable = 1,
    .release = vf_release,
    .stat = vf_stat,
};

/* A directory: positions are readdir cookies, only getdents64 reads. */
static const struct file_ops vdir_ops = {
    .read = vd_read,
    .write = vf_isdir,
    .size = vf_size,
    .sync = vf_sync,
    .ioctl = vf_ioctl,
    .mode = S_IFDIR,
    .seekable = 1,
    .release = vf_release,
    .stat = vf_stat,
};

struct vnode *file_vnode(struct file *f)
{
    return f && (f->ops == &vfile_ops || f->ops == &vdir_ops) ? f->priv : NULL;
}

/* dirfd is an int, as Linux reads it: glibc may leave the register's
 * upper half unset for AT_FDCWD (-100). */
int file_base(long dirfd, const char *path, struct vnode **base)
{
    *base = NULL;
    if (!path)
        return -EFAULT;
    if (path[0] == '/' || (int)dirfd == AT_FDCWD)
        return 0;
    struct file *f = fd_file((int)dirfd);
    if (!f)
        return -EBADF;
    *base = file_vnode(f);
    return *base && f->ops == &vdir_ops ? 0 : -ENOTDIR;
}

long file_install(struct vnode *v, mode_t type, int flags)
{
    const struct file_ops *ops = S_ISDIR(type) ? &vdir_ops : &vfile_ops;
    long fd = fd_install(
        ops, v,
        flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW | O_DIRECTORY));
    if (fd < 0)
        vfs_put(v);
    return fd;
}

#define OPEN_FLAGS                                                             \
    (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |            \
     O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY |    \
     O_NOFOLLOW | O_NOATIME | O_CLOEXEC)

long sys_openat(long dirfd, long path, long flags, long mode)
{
    const char *p = (const char *)path;
    struct vnode *base, *v;
    mode_t type;
    if ((flags & ~OPEN_FLAGS) || (flags & O_ACCMODE) == O_ACCMODE)
        return (flags & O_PATH) ? -EOPNOTSUPP : -EINVAL;
    int r = file_base(dirfd, p, &base);
    if (r < 0)
        return r;
    struct file dev;
    r = strncmp(p, "/dev/vd", 7) ? special_open(p, (int)flags, &dev)
                                 : disk_open(p, (int)flags, &dev);
    if (r < 0 && r != -ENOENT)
        return r;
    if (r == 0) {
        if ((flags & O_CREAT) && (flags & O_EXCL))
            return -EEXIST;
        long fd = fd_install(dev.ops, dev.priv, (int)flags);
        if (fd >= 0)
            fd_file(fd)->dev = dev.dev;
        return fd;
    }
    r = vfs_open(base, p, (int)flags, proc_create_mode(mode), &v, &type);
    if (r == -ENOENT && !base)
        return gen_open(p, flags); /* /etc/hosts, /proc/... (gen_files.c) */
    return r < 0 ? r : file_install(v, type, (int)flags);
}

long sys_open(long path, long flags, long mode)
{
    return sys_openat(AT_FDCWD, path, flags, mode);
}

long sys_creat(long path, long mode)
{
    return sys_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

/* Linux's struct linux_dirent64, which musl's readdir reads. */
struct dirent64_hdr {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[];
};

/* Fill buf with whole entries; an entry that does not fit is asked for
 * again next time (the cookie is put back). */
long sys_getdents64(long fd, long buf, long len)
{
    struct file *f = fd_file(fd);
    struct vnode *v = file_vnode(f);
    if (!f)
        return -EBADF;
    if (!v || f->ops != &vdir_ops)
        return -ENOTDIR;
    if (len < 0)
        return -EINVAL;
    struct fs_dirent d;
    size_t used = 0;
    for (;;) {
        uint64_t cookie = f->pos;
        int r = vfs_readdir(v, &cookie, &d);
        if (r <= 0)
            return used ? (long)used : r;
        size_t name = strlen(d.name) + 1;
        size_t rec = (offsetof(struct dirent64_hdr, d_name) + name + 7) & ~7ul;
        if (used + rec > (size_t)len)
            return used ? (long)used : -EINVAL;
        struct dirent64_hdr *e = (struct dirent64_hdr *)((char *)buf + used);
        e->d_ino = d.ino;
        e->d_off = (int64_t)cookie;
        e->d_reclen = (uint16_t)rec;
        e->d_type = d.type;
        memcpy(e->d_name, d.name, name);
        used += rec;
        f->pos = cookie;
    }
}

long sys_ftruncate(long fd, long len)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    if (len < 0)
        return -EINVAL;
    struct vnode *v = file_vnode(f);
    if (!v || (f->flags & O_ACCMODE) == O_RDONLY)
        return v && f->ops == &vdir_ops ? -EISDIR : -EINVAL;
    return vfs_ftruncate(v, (uint64_t)len);
}

long sys_fchdir(long fd)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    struct vnode *v = file_vnode(f);
    return v ? vfs_chdir(v) : -ENOTDIR;
}

long sys_fchmod(long fd, long mode)
{
    struct file *f = fd_file(fd);
    struct vnode *v = file_vnode(f);
    return !f ? -EBADF : v ? vfs_fchmod(v, (mode_t)mode) : -EINVAL;
}

/* Owners are not recorded (see sys_fchownat); the descriptor must be open. */
long sys_fchown(long fd, long uid, long gid)
{
    (void)uid;
    (void)gid;
    struct file *f = fd_file(fd);
    struct vnode *v = file_vnode(f);
    return !f ? -EBADF : v ? vfs_writable(v) : 0;
}

long file_statfs(struct vnode *v, struct statfs *st)
{
    struct fs_statfs s;
    int r = vfs_fstatfs(v, &s);
    if (r < 0)
        return r;
    *st = (struct statfs){
        .f_type = (unsigned long)s.magic,
        .f_bsize = (unsigned long)s.bsize,
        .f_blocks = s.blocks,
        .f_bfree = s.bfree,
        .f_bavail = s.bavail,
        .f_files = s.files,
        .f_ffree = s.ffree,
        .f_namelen = (unsigned long)s.namelen,
        .f_frsize = (unsigned long)s.bsize,
    };
    return 0;
}

long sys_fstatfs(long fd, long buf)
{
    struct file *f = fd_file(fd);
    struct vnode *v = file_vnode(f);
    return !f ? -EBADF : v ? file_statfs(v, (struct statfs *)buf) : -ENOSYS;
}

long sys_sync(void)
{
    vfs_sync_all();
    return 0;
}

long sys_syncfs(long fd)
{
    if (!fd_file(fd))
        return -EBADF;
    vfs_sync_all();
    return 0;
}
