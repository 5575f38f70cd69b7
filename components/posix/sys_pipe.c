/*
 * sys_pipe.c: pipe and pipe2. A pipe is a 64 KiB ring (Linux's default
 * capacity) with a read end and a write end, each one open file
 * description, so dup'd descriptors share it and the end closes with
 * its last descriptor. Reads wait for data and return 0 once every
 * writer is gone; writes wait for room and get EPIPE once every reader
 * is gone (the dispatcher raises SIGPIPE, not this file). A write of
 * up to PIPE_BUF bytes goes in whole or waits, never interleaved.
 *
 * Limits: PIPES_MAX pipes; the capacity is fixed (no F_SETPIPE_SZ); no
 * packet mode (pipe2's O_DIRECT gives EINVAL).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include "memfile.h"
#include "posix.h"

#define PIPES_MAX 128
#define PIPE_CAP 65536

struct pipe {
    struct ring ring;     /* buf NULL: slot free */
    int readers, writers; /* open ends: 1 or 0 each */
};

static struct pipe pipes[PIPES_MAX];

static int pipe_nonblock(const struct file *f)
{
    return !!(f->flags & O_NONBLOCK);
}

static long pipe_read(struct file *f, void *buf, size_t len, uint64_t off)
{
    (void)off;
    struct pipe *p = f->priv;
    if (!len)
        return 0;
    while (!p->ring.len) {
        if (!p->writers)
            return 0;
        if (pipe_nonblock(f))
            return -EAGAIN;
        if (fdwait_block(0) == -ERESTARTSYS)
            return -ERESTARTSYS;
    }
    size_t n = len < p->ring.len ? len : p->ring.len;
    ring_get(&p->ring, buf, n);
    fdwait_notify();
    return (long)n;
}

/* How much may go in now: all of a small write or nothing (PIPE_BUF
 * atomicity), as much as fits of a large one. */
static size_t pipe_fits(const struct pipe *p, size_t want)
{
    size_t room = ring_room(&p->ring);
    if (want <= PIPE_BUF)
        return room >= want ? want : 0;
    return want < room ? want : room;
}

static long pipe_write(struct file *f, const void *buf, size_t len,
                       uint64_t off)
{
    (void)off;
    struct pipe *p = f->priv;
    size_t done = 0;
    if (!len)
        return 0; /* as Linux: even with no reader */
    while (done < len) {
        if (!p->readers)
            return done ? (long)done : -EPIPE;
        size_t n = pipe_fits(p, len - done);
        if (n) {
            ring_put(&p->ring, (const char *)buf + done, n);
            done += n;
            fdwait_notify();
            continue;
        }
        if (pipe_nonblock(f))
            return done ? (long)done : -EAGAIN;
        if (fdwait_block(0) == -ERESTARTSYS)
            return done ? (long)done : -ERESTARTSYS;
    }
    return (long)done;
}

static int64_t pipe_size(struct file *f)
{
    (void)f;
    return -ESPIPE;
}

static int pipe_sync(struct file *f)
{
    (void)f;
    return -EINVAL;
}

static long pipe_ioctl(struct file *f, unsigned long req, long arg)
{
    struct pipe *p = f->priv;
    if (req != FIONREAD)
        return -ENOTTY;
    *(int *)arg = (int)p->ring.len;
    return 0;
}

static unsigned pipe_poll(struct file *f)
{
    struct pipe *p = f->priv;
    if ((f->flags & O_ACCMODE) == O_RDONLY)
        return (p->ring.len ? POLLIN : 0) | (p->writers ? 0 : POLLHUP);
    if (!p->readers)
        return POLLERR;
    return ring_room(&p->ring) >= PIPE_BUF ? POLLOUT : 0;
}

/* One end closed with its last descriptor; the second frees the ring. */
static int pipe_release(struct file *f)
{
    struct pipe *p = f->priv;
    if ((f->flags & O_ACCMODE) == O_RDONLY)
        p->readers = 0;
    else
        p->writers = 0;
    if (!p->readers && !p->writers)
        ring_free(&p->ring);
    fdwait_notify();
    return 0;
}

static int pipe_stat(struct file *f, struct stat *st)
{
    (void)f;
    *st = (struct stat){
        .st_mode = S_IFIFO | 0600, .st_nlink = 1, .st_blksize = HC_PAGE_SIZE};
    return 0;
}

static const struct file_ops pipe_ops = {
    .read = pipe_read,
    .write = pipe_write,
    .size = pipe_size,
    .sync = pipe_sync,
    .ioctl = pipe_ioctl,
    .mode = S_IFIFO | 0600,
    .poll = pipe_poll,
    .release = pipe_release,
    .stat = pipe_stat,
};

static struct pipe *pipe_new(void)
{
    for (unsigned i = 0; i < PIPES_MAX; i++) {
        struct pipe *p = &pipes[i];
        if (p->ring.buf)
            continue;
        if (ring_init(&p->ring, PIPE_CAP) < 0)
            return NULL;
        p->readers = p->writers = 1;
        return p;
    }
    return NULL;
}

long sys_pipe2(long fds, long flags)
{
    if (flags & ~(O_CLOEXEC | O_NONBLOCK))
        return -EINVAL; /* O_DIRECT's packet mode is not offered */
    int *out = (int *)fds;
    if (!out)
        return -EFAULT;
    struct pipe *p = pipe_new();
    if (!p)
        return -ENFILE;
    int fl = (int)flags & (O_CLOEXEC | O_NONBLOCK);
    long rd = fd_install(&pipe_ops, p, O_RDONLY | fl);
    long wr = rd < 0 ? rd : fd_install(&pipe_ops, p, O_WRONLY | fl);
    if (wr < 0) {
        if (rd >= 0)
            sys_close(rd); /* frees only the read end: free the rest */
        ring_free(&p->ring);
        return wr;
    }
    out[0] = (int)rd, out[1] = (int)wr;
    return 0;
}

long sys_pipe(long fds)
{
    return sys_pipe2(fds, 0);
}
