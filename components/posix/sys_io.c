/*
 * sys_io.c: file descriptors 0, 1 and 2, which are the console. There is
 * no other file yet (components/fs adds them). Reading blocks, polling
 * the console every millisecond, since the console raises no interrupt.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include "posix.h"

#define IOV_MAX_COUNT 1024
#define READ_POLL_NS 1000000

static int is_console(long fd)
{
    return fd >= 0 && fd <= 2;
}

long sys_write(long fd, long buf, long len)
{
    if (!is_console(fd))
        return -EBADF;
    if (len < 0)
        return -EINVAL;
    hc_console_write((const char *)buf, (size_t)len);
    return len;
}

long sys_read(long fd, long buf, long len)
{
    if (!is_console(fd))
        return -EBADF;
    if (len <= 0)
        return len < 0 ? -EINVAL : 0;
    for (;;) {
        size_t n = hc_console_read((char *)buf, (size_t)len);
        if (n)
            return (long)n;
        hc_thread_block(hc_clock_monotonic() + READ_POLL_NS);
    }
}

long sys_writev(long fd, long iov, long cnt)
{
    const struct iovec *v = (const struct iovec *)iov;
    if (cnt < 0 || cnt > IOV_MAX_COUNT)
        return -EINVAL;
    long total = 0;
    for (long i = 0; i < cnt; i++) {
        long n = sys_write(fd, (long)v[i].iov_base, (long)v[i].iov_len);
        if (n < 0)
            return n;
        total += n;
    }
    return total;
}

/* Like Linux on a terminal: return what the first non-empty read gives. */
long sys_readv(long fd, long iov, long cnt)
{
    const struct iovec *v = (const struct iovec *)iov;
    if (cnt < 0 || cnt > IOV_MAX_COUNT)
        return -EINVAL;
    for (long i = 0; i < cnt; i++)
        if (v[i].iov_len)
            return sys_read(fd, (long)v[i].iov_base, (long)v[i].iov_len);
    return is_console(fd) ? 0 : -EBADF;
}

/* The console is a serial line, not a terminal with a window size, so
 * every request gets ENOTTY; musl then buffers stdout fully. */
long sys_ioctl(long fd, long req, long arg)
{
    (void)req, (void)arg;
    return is_console(fd) ? -ENOTTY : -EBADF;
}

long sys_close(long fd)
{
    return is_console(fd) ? 0 : -EBADF;
}
