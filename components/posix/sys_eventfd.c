/*
 * sys_eventfd.c: eventfd and eventfd2, Linux's 64-bit counter behind a
 * descriptor. A write adds to it (waiting while the sum would pass
 * 2^64-2), a read takes all of it, or one with EFD_SEMAPHORE (waiting
 * while it is 0). Transfers are exactly 8 bytes; readable while the
 * counter is not 0, writable while 1 more fits.
 *
 * Limits: EVENTFDS_MAX counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include "memfile.h"
#include "posix.h"

#define EVENTFDS_MAX 64
#define EVENTFD_MAX 0xfffffffffffffffeull

struct eventfd {
    int used, semaphore;
    uint64_t count;
};

static struct eventfd eventfds[EVENTFDS_MAX];

static long efd_read(struct file *f, void *buf, size_t len, uint64_t off)
{
    (void)off;
    struct eventfd *e = f->priv;
    if (len < sizeof e->count)
        return -EINVAL;
    while (!e->count) {
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        if (fdwait_block(0) == -ERESTARTSYS)
            return -ERESTARTSYS;
    }
    uint64_t v = e->semaphore ? 1 : e->count;
    e->count -= v;
    memcpy(buf, &v, sizeof v);
    fdwait_notify();
    return sizeof v;
}

static long efd_write(struct file *f, const void *buf, size_t len, uint64_t off)
{
    (void)off;
    struct eventfd *e = f->priv;
    uint64_t v;
    if (len < sizeof v)
        return -EINVAL;
    memcpy(&v, buf, sizeof v);
    if (v > EVENTFD_MAX)
        return -EINVAL;
    while (v > EVENTFD_MAX - e->count) {
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        if (fdwait_block(0) == -ERESTARTSYS)
            return -ERESTARTSYS;
    }
    e->count += v;
    fdwait_notify();
    return sizeof v;
}

static int64_t efd_size(struct file *f)
{
    (void)f;
    return -ESPIPE;
}

static int efd_sync(struct file *f)
{
    (void)f;
    return -EINVAL;
}

static long efd_ioctl(struct file *f, unsigned long req, long arg)
{
    (void)f, (void)req, (void)arg;
    return -ENOTTY;
}

static unsigned efd_poll(struct file *f)
{
    struct eventfd *e = f->priv;
    return (e->count ? POLLIN : 0) | (e->count < EVENTFD_MAX ? POLLOUT : 0);
}

static int efd_release(struct file *f)
{
    *(struct eventfd *)f->priv = (struct eventfd){0};
    return 0;
}

static const struct file_ops eventfd_ops = {
    .read = efd_read,
    .write = efd_write,
    .size = efd_size,
    .sync = efd_sync,
    .ioctl = efd_ioctl,
    .mode = 0600, /* an anonymous inode, as on Linux */
    .poll = efd_poll,
    .release = efd_release,
};

long sys_eventfd2(long initval, long flags)
{
    if (flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK))
        return -EINVAL;
    for (unsigned i = 0; i < EVENTFDS_MAX; i++) {
        struct eventfd *e = &eventfds[i];
        if (e->used)
            continue;
        long fd = fd_install(&eventfd_ops, e,
                             O_RDWR | ((int)flags & (O_CLOEXEC | O_NONBLOCK)));
        if (fd >= 0)
            *e = (struct eventfd){1, !!(flags & EFD_SEMAPHORE),
                                  (uint32_t)initval}; /* an unsigned int */
        return fd;
    }
    return -ENFILE;
}

long sys_eventfd(long initval)
{
    return sys_eventfd2(initval, 0);
}
