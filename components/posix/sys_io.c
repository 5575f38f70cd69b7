/*
 * sys_io.c: the calls that move bytes through descriptors (fdtable.c
 * keeps the descriptors); sys_file.c opens files.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "file.h"
#include "memfile.h"
#include "posix.h"

#define IOV_MAX_COUNT 1024

static struct file *file_of(long fd)
{
    return fd_file(fd);
}

static long transfer(long fd, int write, void *buf, size_t len, int64_t at)
{
    struct file *f = file_of(fd);
    if (!f)
        return -EBADF;
    int mode = f->flags & O_ACCMODE;
    if ((write && mode == O_RDONLY) || (!write && mode == O_WRONLY))
        return -EBADF;
    if (at >= 0 && !f->ops->seekable)
        return -ESPIPE;
    uint64_t off = at >= 0 ? (uint64_t)at : f->pos;
    if (write && at < 0 && (f->flags & O_APPEND) && f->ops->size) {
        int64_t end = f->ops->size(f); /* O_APPEND: every write at the end */
        if (end >= 0)
            off = f->pos = (uint64_t)end;
    }
    file_hold(f); /* the call may sleep while another thread closes fd */
    long n = write ? f->ops->write(f, buf, len, off)
                   : f->ops->read(f, buf, len, off);
    if (n > 0 && at < 0)
        f->pos += (uint64_t)n;
    file_unhold(f);
    return n;
}

long sys_read(long fd, long buf, long len)
{
    return len < 0 ? -EINVAL : transfer(fd, 0, (void *)buf, (size_t)len, -1);
}

long sys_write(long fd, long buf, long len)
{
    return len < 0 ? -EINVAL : transfer(fd, 1, (void *)buf, (size_t)len, -1);
}

long sys_pread(long fd, long buf, long len, long off)
{
    if (len < 0 || off < 0)
        return -EINVAL;
    return transfer(fd, 0, (void *)buf, (size_t)len, off);
}

long sys_pwrite(long fd, long buf, long len, long off)
{
    if (len < 0 || off < 0)
        return -EINVAL;
    return transfer(fd, 1, (void *)buf, (size_t)len, off);
}

/* Like Linux: stop at the first short or failed part, counting the rest
 * as not done; an error only when nothing was transferred. */
static long vector(long fd, int write, long iov, long cnt)
{
    const struct iovec *v = (const struct iovec *)iov;
    if (cnt < 0 || cnt > IOV_MAX_COUNT)
        return -EINVAL;
    long total = 0;
    for (long i = 0; i < cnt; i++) {
        if (!v[i].iov_len)
            continue;
        long n = transfer(fd, write, v[i].iov_base, v[i].iov_len, -1);
        if (n < 0)
            return total ? total : n;
        total += n;
        if ((size_t)n < v[i].iov_len)
            break;
    }
    return total ? total : (file_of(fd) ? 0 : -EBADF);
}

/* Sockets are weak references: an image whose program creates none
 * links neither kind (kiln-bake), and then no descriptor is one. */
#pragma weak unix_is
#pragma weak unix_rw_iov
#pragma weak sock_get
#pragma weak sock_rw_iov

/* On a socket, readv/writev are one transfer, not one per part. */
static long rw_iov(long fd, long iov, long cnt, int write)
{
    struct file *f;
    if (unix_is && unix_is(fd))
        return unix_rw_iov(fd, iov, cnt, write);
    if (sock_get && sock_get(fd, &f) == 0)
        return sock_rw_iov(fd, iov, cnt, write);
    return vector(fd, write, iov, cnt);
}

long sys_readv(long fd, long iov, long cnt)
{
    return rw_iov(fd, iov, cnt, 0);
}

long sys_writev(long fd, long iov, long cnt)
{
    return rw_iov(fd, iov, cnt, 1);
}

long sys_lseek(long fd, long off, long whence)
{
    struct file *f = file_of(fd);
    if (!f)
        return -EBADF;
    if (!f->ops->seekable)
        return -ESPIPE;
    int64_t base = whence == SEEK_SET   ? 0
                   : whence == SEEK_CUR ? (int64_t)f->pos
                   : whence == SEEK_END ? f->ops->size(f)
                                        : -EINVAL;
    if (base < 0)
        return base;
    int64_t pos;
    if (__builtin_add_overflow(base, off, &pos) || pos < 0)
        return -EINVAL;
    /* like Linux, a block device cannot be positioned past its end */
    if (S_ISBLK(f->ops->mode) && pos > f->ops->size(f))
        return -EINVAL;
    f->pos = (uint64_t)pos;
    return (long)f->pos;
}

long sys_fsync(long fd)
{
    struct file *f = file_of(fd);
    return f ? f->ops->sync(f) : -EBADF;
}

long sys_ioctl(long fd, long req, long arg)
{
    struct file *f = file_of(fd);
    /* Linux's request is an unsigned int; musl passes an int, which
     * arrives sign-extended for requests with the top bit set. */
    uint32_t r = (uint32_t)req;
    if (!f)
        return -EBADF;
    /* Linux answers these for every kind of file, before the kind */
    if (r == FIOCLEX || r == FIONCLEX)
        return sys_fcntl(fd, F_SETFD, r == FIOCLEX ? FD_CLOEXEC : 0);
    if (r == FIONBIO) {
        int on = *(const int *)arg;
        f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~O_NONBLOCK;
        return 0;
    }
    return f->ops->ioctl(f, r, arg);
}

long sys_fstat(long fd, long buf)
{
    struct file *f = file_of(fd);
    if (!f)
        return -EBADF;
    struct stat *st = (struct stat *)buf;
    if (f->ops->stat)
        return f->ops->stat(f, st);
    *st = (struct stat){.st_mode = f->ops->mode,
                        .st_nlink = 1,
                        .st_blksize = HC_PAGE_SIZE,
                        .st_rdev = f->ops == &console_ops ? 0 : f->dev + 1};
    return 0;
}
