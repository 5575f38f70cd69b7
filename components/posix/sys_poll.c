/*
 * sys_poll.c: poll, ppoll, select and pselect6 over the file kinds'
 * poll hooks. Readiness is not pushed per file: a waiting call scans
 * its descriptors, sleeps in net_wait (which wakes when any socket may
 * have changed) and in fdwait (pipes, eventfds, AF_UNIX) and scans
 * again. The console raises no interrupt, so
 * while one is watched for input the sleep is cut to CONSOLE_POLL_NS.
 * Signal masks are accepted and ignored: no signals are delivered.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>
#include "../net/net.h"
#include "file.h"
#include "memfile.h"
#include "posix.h"

#define CONSOLE_POLL_NS 1000000ull
#define NFDS_MAX 4096

unsigned file_readiness(struct file *f)
{
    unsigned r = f->ops->poll ? f->ops->poll(f) : POLLIN | POLLOUT;
    if (r & POLLIN)
        r |= POLLRDNORM;
    if (r & POLLOUT)
        r |= POLLWRNORM;
    return r;
}

/* Weak: without sockets in the image (kiln-bake) the stack is absent
 * and a plain block, woken by fdwait, is the whole wait. */
#pragma weak net_wait

int poll_sleep(uint64_t deadline, int console)
{
    uint64_t now = hc_clock_monotonic();
    if (deadline && now >= deadline)
        return -ETIMEDOUT;
    if (signal_pending_here())
        return -EINTR;
    uint64_t until = deadline;
    if (console) {
        uint64_t soon = add_ns(now, CONSOLE_POLL_NS);
        if (!until || soon < until)
            until = soon;
    }
    fdwait_enrol(); /* pipes and their kin wake us too (fdwait.c) */
    if (net_wait)
        net_wait(until);
    else
        hc_thread_block(until);
    fdwait_leave();
    return signal_pending_here() ? -EINTR : 0;
}

/* Fill revents; returns how many are non-zero. */
static int poll_scan(struct pollfd *p, unsigned long n, int *console)
{
    int ready = 0;
    for (unsigned long i = 0; i < n; i++) {
        struct file *f = p[i].fd >= 0 ? fd_file(p[i].fd) : NULL;
        if (p[i].fd < 0)
            p[i].revents = 0;
        else if (!f)
            p[i].revents = POLLNVAL;
        else
            p[i].revents =
                (short)(file_readiness(f) &
                        ((unsigned short)p[i].events | POLLERR | POLLHUP));
        if (f && f->ops == &console_ops && (p[i].events & POLLIN))
            *console = 1;
        ready += p[i].revents != 0;
    }
    return ready;
}

/* deadline: 0 forever, else absolute; nowait: return after one scan. */
static long poll_until(struct pollfd *p, unsigned long n, uint64_t deadline,
                       int nowait)
{
    if (n > NFDS_MAX)
        return -EINVAL;
    for (;;) {
        int console = 0, slept = 0;
        int ready = poll_scan(p, n, &console);
        if (ready || nowait || (slept = poll_sleep(deadline, console)) < 0)
            return slept == -EINTR ? -EINTR : ready;
    }
}

long sys_poll(long fds, long n, long timeout_ms)
{
    uint64_t deadline = 0;
    if (timeout_ms > 0)
        deadline = add_ns(hc_clock_monotonic(), (uint64_t)timeout_ms * 1000000);
    return poll_until((struct pollfd *)fds, (unsigned long)n, deadline,
                      timeout_ms == 0);
}

/* A relative timespec as an absolute deadline; *nowait for zero. */
static long ts_deadline(const struct timespec *t, uint64_t *deadline,
                        int *nowait)
{
    *deadline = 0, *nowait = 0;
    if (!t)
        return 0;
    if (t->tv_sec < 0 || t->tv_nsec < 0 || t->tv_nsec >= 1000000000)
        return -EINVAL;
    uint64_t ns = timespec_ns(t);
    *nowait = ns == 0;
    *deadline = add_ns(hc_clock_monotonic(), ns);
    return 0;
}

/* What is left of the time, written back as Linux does. */
static void ts_remaining(struct timespec *t, uint64_t deadline)
{
    uint64_t now = hc_clock_monotonic();
    uint64_t left = deadline > now ? deadline - now : 0;
    if (t && deadline != UINT64_MAX)
        *t = (struct timespec){(time_t)(left / 1000000000),
                               (long)(left % 1000000000)};
}

long sys_ppoll(long fds, long n, long ts, long sigmask, long sigsetsize)
{
    uint64_t deadline;
    int nowait;
    long r = ts_deadline((const struct timespec *)ts, &deadline, &nowait);
    if (r == 0)
        r = signal_wait_mask(sigmask, sigsetsize);
    if (r < 0)
        return r;
    r = poll_until((struct pollfd *)fds, (unsigned long)n, deadline, nowait);
    if (ts)
        ts_remaining((struct timespec *)ts, deadline);
    return r;
}

/* ---- select ---------------------------------------------------------- */

struct fdsets {
    fd_set *in, *out, *ex;
};

static int fdset_has(fd_set *s, int fd)
{
    return s && FD_ISSET(fd, s);
}

/* One pass: the ready count with the result sets in res, or -EBADF. */
static long select_scan(int n, const struct fdsets *want, fd_set res[3],
                        int *console)
{
    long ready = 0;
    memset(res, 0, 3 * sizeof *res);
    for (int fd = 0; fd < n; fd++) {
        int r = fdset_has(want->in, fd), w = fdset_has(want->out, fd);
        int x = fdset_has(want->ex, fd);
        if (!r && !w && !x)
            continue;
        struct file *f = fd_file(fd);
        if (!f)
            return -EBADF;
        *console |= f->ops == &console_ops && r;
        unsigned ev = file_readiness(f);
        if (r && (ev & (POLLIN | POLLHUP | POLLERR)))
            FD_SET(fd, &res[0]), ready++;
        if (w && (ev & (POLLOUT | POLLERR)))
            FD_SET(fd, &res[1]), ready++;
        if (x && (ev & POLLPRI))
            FD_SET(fd, &res[2]), ready++;
    }
    return ready;
}

static long select_until(long n, struct fdsets *s, uint64_t deadline,
                         int nowait)
{
    fd_set res[3];
    if (n < 0 || n > FD_SETSIZE)
        return -EINVAL;
    long ready;
    int slept = 0;
    for (;;) {
        int console = 0;
        ready = select_scan((int)n, s, res, &console);
        if (ready || nowait || (slept = poll_sleep(deadline, console)) < 0)
            break;
    }
    if (slept == -EINTR)
        return -EINTR;
    if (ready < 0)
        return ready;
    size_t bytes = ((size_t)n + 7) / 8; /* only the first n bits change */
    if (s->in)
        memcpy(s->in, &res[0], bytes);
    if (s->out)
        memcpy(s->out, &res[1], bytes);
    if (s->ex)
        memcpy(s->ex, &res[2], bytes);
    return ready;
}

long sys_select(long n, long in, long out, long ex, long tv)
{
    struct fdsets s = {(fd_set *)in, (fd_set *)out, (fd_set *)ex};
    struct timeval *t = (struct timeval *)tv;
    struct timespec ts;
    uint64_t deadline;
    int nowait;
    if (t && (t->tv_sec < 0 || t->tv_usec < 0 || t->tv_usec >= 1000000))
        return -EINVAL;
    if (t)
        ts = (struct timespec){t->tv_sec, t->tv_usec * 1000};
    ts_deadline(t ? &ts : NULL, &deadline, &nowait);
    long r = select_until(n, &s, deadline, nowait);
    if (t) {
        ts_remaining(&ts, deadline);
        *t = (struct timeval){ts.tv_sec, ts.tv_nsec / 1000};
    }
    return r;
}

long sys_pselect6(long n, long in, long out, long ex, long ts, long sig)
{
    struct fdsets s = {(fd_set *)in, (fd_set *)out, (fd_set *)ex};
    const long *mask = (const long *)sig; /* {sigset pointer, its size} */
    uint64_t deadline;
    int nowait;
    long r = ts_deadline((const struct timespec *)ts, &deadline, &nowait);
    if (r == 0 && mask)
        r = signal_wait_mask(mask[0], mask[1]);
    if (r < 0)
        return r;
    r = select_until(n, &s, deadline, nowait);
    if (ts)
        ts_remaining((struct timespec *)ts, deadline);
    return r;
}
