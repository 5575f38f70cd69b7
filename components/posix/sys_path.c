/*
 * sys_path.c: the file system calls that name files by path, each in
 * its Linux forms (stat/lstat/newfstatat/statx, mkdir/mkdirat, ...):
 * they turn a dirfd into a base directory (file_base) and call the VFS.
 * AT_EMPTY_PATH works where Linux has it; AT_SYMLINK_NOFOLLOW /
 * AT_SYMLINK_FOLLOW choose whether a final symlink is followed.
 */
#include <linux/stat.h> /* struct statx; before musl's sys/stat.h */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "../fs/vfs.h"
#include "file.h"
#include "memfile.h"
#include "posix.h"

/* stat of dirfd+path with AT_* flags, as newfstatat and statx take. */
static long stat_at(long dirfd, const char *path, long flags, struct stat *st)
{
    struct vnode *base;
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
        return -EINVAL;
    if (path && !path[0] && (flags & AT_EMPTY_PATH))
        return (int)dirfd == AT_FDCWD ? vfs_stat(NULL, ".", 1, st)
                                      : sys_fstat(dirfd, (long)st);
    int r = file_base(dirfd, path, &base);
    if (r < 0)
        return r;
    if (special_stat(path, st) == 0) /* /dev/null and kin, not in the VFS */
        return 0;
    return vfs_stat(base, path, !(flags & AT_SYMLINK_NOFOLLOW), st);
}

long sys_newfstatat(long dirfd, long path, long buf, long flags)
{
    return stat_at(dirfd, (const char *)path, flags, (struct stat *)buf);
}

long sys_stat(long path, long buf)
{
    return stat_at(AT_FDCWD, (const char *)path, 0, (struct stat *)buf);
}

long sys_lstat(long path, long buf)
{
    return stat_at(AT_FDCWD, (const char *)path, AT_SYMLINK_NOFOLLOW,
                   (struct stat *)buf);
}

static struct statx_timestamp stx_time(struct timespec t)
{
    return (struct statx_timestamp){.tv_sec = t.tv_sec,
                                    .tv_nsec = (uint32_t)t.tv_nsec};
}

long sys_statx(long dirfd, long path, long flags, long mask, long buf)
{
    struct stat st;
    long r = stat_at(dirfd, (const char *)path,
                     flags & ~(long)AT_STATX_SYNC_TYPE, &st);
    if (r < 0)
        return r;
    *(struct statx *)buf = (struct statx){
        .stx_mask = STATX_BASIC_STATS,
        .stx_blksize = (uint32_t)st.st_blksize,
        .stx_nlink = (uint32_t)st.st_nlink,
        .stx_uid = st.st_uid,
        .stx_gid = st.st_gid,
        .stx_mode = (uint16_t)st.st_mode,
        .stx_ino = st.st_ino,
        .stx_size = (uint64_t)st.st_size,
        .stx_blocks = (uint64_t)st.st_blocks,
        .stx_atime = stx_time(st.st_atim),
        .stx_ctime = stx_time(st.st_ctim),
        .stx_mtime = stx_time(st.st_mtim),
        .stx_dev_minor = (uint32_t)st.st_dev,
    };
    return 0;
}

long sys_mkdirat(long dirfd, long path, long mode)
{
    struct vnode *base;
    int r = file_base(dirfd, (const char *)path, &base);
    return r < 0 ? r
                 : vfs_mkdir(base, (const char *)path, proc_create_mode(mode));
}

long sys_mkdir(long path, long mode)
{
    return sys_mkdirat(AT_FDCWD, path, mode);
}

long sys_unlinkat(long dirfd, long path, long flags)
{
    struct vnode *base;
    if (flags & ~AT_REMOVEDIR)
        return -EINVAL;
    int r = file_base(dirfd, (const char *)path, &base);
    if (r < 0)
        return r;
    return flags ? vfs_rmdir(base, (const char *)path)
                 : vfs_unlink(base, (const char *)path);
}

long sys_unlink(long path)
{
    return sys_unlinkat(AT_FDCWD, path, 0);
}

long sys_rmdir(long path)
{
    return sys_unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
}

long sys_renameat2(long odirfd, long opath, long ndirfd, long npath, long flags)
{
    struct vnode *ob, *nb;
    int r = file_base(odirfd, (const char *)opath, &ob);
    if (r == 0)
        r = file_base(ndirfd, (const char *)npath, &nb);
    if (r < 0)
        return r;
    return vfs_rename(ob, (const char *)opath, nb, (const char *)npath,
                      (unsigned)flags);
}

long sys_rename(long opath, long npath)
{
    return sys_renameat2(AT_FDCWD, opath, AT_FDCWD, npath, 0);
}

long sys_renameat(long odirfd, long opath, long ndirfd, long npath)
{
    return sys_renameat2(odirfd, opath, ndirfd, npath, 0);
}

long sys_symlinkat(long target, long dirfd, long path)
{
    struct vnode *base;
    if (!target)
        return -EFAULT;
    int r = file_base(dirfd, (const char *)path, &base);
    return r < 0 ? r
                 : vfs_symlink((const char *)target, base, (const char *)path);
}

long sys_symlink(long target, long path)
{
    return sys_symlinkat(target, AT_FDCWD, path);
}

long sys_linkat(long odirfd, long opath, long ndirfd, long npath, long flags)
{
    struct vnode *ob, *nb;
    if (flags & ~AT_SYMLINK_FOLLOW)
        return -EINVAL;
    int r = file_base(odirfd, (const char *)opath, &ob);
    if (r == 0)
        r = file_base(ndirfd, (const char *)npath, &nb);
    return r < 0 ? r
                 : vfs_link(ob, (const char *)opath, nb, (const char *)npath);
}

long sys_link(long opath, long npath)
{
    return sys_linkat(AT_FDCWD, opath, AT_FDCWD, npath, 0);
}

long sys_readlinkat(long dirfd, long path, long buf, long len)
{
    struct vnode *base;
    if (len <= 0)
        return -EINVAL;
    int r = file_base(dirfd, (const char *)path, &base);
    long n = r < 0 ? r
                   : vfs_readlink(base, (const char *)path, (char *)buf,
                                  (size_t)len);
    return n == -ENOENT && !base
               ? gen_readlink((const char *)path, (char *)buf, (size_t)len)
               : n;
}

long sys_readlink(long path, long buf, long len)
{
    return sys_readlinkat(AT_FDCWD, path, buf, len);
}

long sys_truncate(long path, long len)
{
    struct vnode *base;
    if (len < 0)
        return -EINVAL;
    int r = file_base(AT_FDCWD, (const char *)path, &base);
    return r < 0 ? r : vfs_truncate(base, (const char *)path, (uint64_t)len);
}

long sys_faccessat2(long dirfd, long path, long mode, long flags)
{
    struct vnode *base;
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    int r = file_base(dirfd, (const char *)path, &base);
    struct stat st;
    if (r == 0 && special_stat((const char *)path, &st) == 0) /* rw-rw-rw- */
        return mode & ~(R_OK | W_OK | X_OK) ? -EINVAL
               : mode & X_OK                ? -EACCES
                                            : 0;
    return r < 0 ? r
                 : vfs_access(base, (const char *)path, (int)mode,
                              !(flags & AT_SYMLINK_NOFOLLOW));
}

long sys_faccessat(long dirfd, long path, long mode)
{
    return sys_faccessat2(dirfd, path, mode, 0);
}

long sys_access(long path, long mode)
{
    return sys_faccessat2(AT_FDCWD, path, mode, 0);
}

/* utimensat: path NULL is Linux's futimens form (times of dirfd). */
long sys_utimensat(long dirfd, long path, long times, long flags)
{
    const struct timespec *t = (const struct timespec *)times;
    struct vnode *base, *v;
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if (!path || (!*(const char *)path && (flags & AT_EMPTY_PATH))) {
        v = file_vnode(fd_file(dirfd));
        return v ? vfs_futimens(v, t) : fd_file(dirfd) ? -EINVAL : -EBADF;
    }
    int r = file_base(dirfd, (const char *)path, &base);
    if (r == 0)
        r = vfs_lookup(base, (const char *)path, !(flags & AT_SYMLINK_NOFOLLOW),
                       &v);
    if (r < 0)
        return r;
    r = vfs_futimens(v, t);
    vfs_put(v);
    return r;
}

long sys_fchmodat(long dirfd, long path, long mode)
{
    struct vnode *base, *v;
    int r = file_base(dirfd, (const char *)path, &base);
    if (r == 0)
        r = vfs_lookup(base, (const char *)path, 1, &v);
    if (r < 0)
        return r;
    r = vfs_fchmod(v, (mode_t)mode);
    vfs_put(v);
    return r;
}

long sys_chmod(long path, long mode)
{
    return sys_fchmodat(AT_FDCWD, path, mode);
}

long sys_chdir(long path)
{
    struct vnode *v;
    int r = path ? vfs_lookup(NULL, (const char *)path, 1, &v) : -EFAULT;
    if (r < 0)
        return r;
    r = vfs_chdir(v);
    vfs_put(v);
    return r;
}

long sys_getcwd(long buf, long len)
{
    return len < 0 ? -EINVAL : vfs_getcwd((char *)buf, (size_t)len);
}

long sys_statfs(long path, long buf)
{
    struct vnode *v;
    int r = path ? vfs_lookup(NULL, (const char *)path, 1, &v) : -EFAULT;
    if (r < 0)
        return r;
    r = (int)file_statfs(v, (struct statfs *)buf);
    vfs_put(v);
    return r;
}

/*
 * There are no users here: every call runs as root and every file belongs
 * to root, so a change of owner has nothing to record. It still answers
 * as Linux would for a missing file or a bad flag, so a program that
 * chowns its own files (nginx, its temp directories) goes on.
 */
long sys_fchownat(long dirfd, long path, long uid, long gid, long flags)
{
    struct stat st;
    (void)uid;
    (void)gid;
    long r = stat_at(dirfd, (const char *)path, flags, &st);
    if (r < 0 || special_stat((const char *)path, &st) == 0)
        return r;
    if (path && !*(const char *)path) /* AT_EMPTY_PATH: the fd itself */
        return sys_fchown(dirfd, uid, gid);
    struct vnode *base;
    r = file_base(dirfd, (const char *)path, &base);
    /* W_OK as root fails only on a read-only mount, as chown does. */
    return r < 0 ? r
                 : vfs_access(base, (const char *)path, W_OK,
                              !(flags & AT_SYMLINK_NOFOLLOW));
}

long sys_chown(long path, long uid, long gid)
{
    return sys_fchownat(AT_FDCWD, path, uid, gid, 0);
}

long sys_lchown(long path, long uid, long gid)
{
    return sys_fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}
