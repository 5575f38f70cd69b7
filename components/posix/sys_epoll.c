/*
 * sys_epoll.c: epoll as Linux offers it, over the file kinds' poll
 * hooks. An epoll instance is a file kind of its own; its interest list
 * is an array that doubles as it fills (up to FILES_MAX items), with a
 * hash by file so that adding, changing and forgetting an item cost the
 * same with ten thousand items as with ten.
 *
 * A wait looks only at the items on the instance's ready list, as on
 * Linux: a file kind that can tell when its readiness may rise (sockets:
 * file_ops.watch, net_watch) calls ep_wake, which queues its items; the
 * wait checks each queued item, reports it if ready and drops it if
 * not. A level-triggered item that was reported stays queued, so the
 * next wait checks it again; an edge-triggered (EPOLLET) or EPOLLONESHOT
 * one waits for the next wake (more data on an already readable socket
 * is a new edge, as on Linux). A wait thus costs a check per item that
 * had news, not per item held. Kinds that cannot tell (pipes, eventfds,
 * AF_UNIX, the console, epoll itself) stay queued for good and are
 * checked at every wait; for them EPOLLET is emulated from levels: the
 * item reports when a watched condition appears that was absent at its
 * last check. EPOLLEXCLUSIVE is accepted: with one process there is no
 * one to wake instead. A registration goes when the last descriptor of
 * its file closes (epoll_forget), as on Linux.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include "file.h"
#include "posix.h"

#define EPOLL_MAX 16 /* struct file's epolls has a bit for each */
#define EPOLL_ITEMS FILES_MAX
#define EPOLL_ITEMS_MIN 64 /* the first array: one page with its hash */
#define EPOLL_NEST_MAX 4   /* epoll inside epoll, as Linux's limit */
#define EPOLL_ALWAYS (EPOLLERR | EPOLLHUP)
#define EPOLL_FLAGS (EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP)

struct epitem {
    struct file *file;
    int fd;
    uint32_t events;       /* 0 once EPOLLONESHOT fired */
    uint16_t last;         /* conditions seen at the last check (EPOLLET) */
    uint8_t queued;        /* on the ready list */
    uint8_t watched;       /* its file wakes it (file_ops.watch) */
    unsigned hnext;        /* next item (index + 1) of the same hash bucket */
    unsigned rnext, rprev; /* ready list neighbours (index + 1), if queued */
    epoll_data_t data;
};

struct epoll {
    int used;
    unsigned n;            /* items in use */
    unsigned cap;          /* items room, a power of two; 0: none yet */
    unsigned rhead, rtail; /* the ready list (index + 1; 0: empty) */
    struct epitem *items;
    unsigned *bucket; /* cap heads (item index + 1), after the items */
};

_Static_assert(EPOLL_MAX <= 16, "struct file's epolls is 16 bits");

/* 1 KiB of headers: taken from the page allocator by the first
 * epoll_create, so programs that never use epoll do not carry it in
 * their image. */
static struct epoll *epolls;
static int nesting;

static unsigned ep_poll(struct file *f);

static long ep_fail(struct file *f, void *b, size_t n, uint64_t o)
{
    (void)f, (void)b, (void)n, (void)o;
    return -EINVAL;
}

static long ep_write(struct file *f, const void *b, size_t n, uint64_t o)
{
    (void)f, (void)b, (void)n, (void)o;
    return -EINVAL;
}

static int64_t ep_size(struct file *f)
{
    (void)f;
    return -ESPIPE;
}

static int ep_sync(struct file *f)
{
    (void)f;
    return -EINVAL;
}

static long ep_ioctl(struct file *f, unsigned long req, long arg)
{
    (void)f, (void)req, (void)arg;
    return -ENOTTY;
}

static size_t ep_pages(unsigned cap)
{
    size_t bytes = cap * (sizeof(struct epitem) + sizeof(unsigned));
    return (bytes + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE;
}

static int ep_release(struct file *f)
{
    struct epoll *ep = f->priv;
    if (ep->cap)
        hc_pages_free(ep->items, ep_pages(ep->cap));
    *ep = (struct epoll){0};
    return 0;
}

static const struct file_ops epoll_ops = {
    .read = ep_fail,
    .write = ep_write,
    .size = ep_size,
    .sync = ep_sync,
    .ioctl = ep_ioctl,
    .mode = 0600, /* an anonymous inode, as on Linux */
    .poll = ep_poll,
    .release = ep_release,
};

long sys_epoll_create1(long flags)
{
    if (flags & ~EPOLL_CLOEXEC)
        return -EINVAL;
    if (!epolls)
        epolls = hc_pages_alloc(
            (sizeof *epolls * EPOLL_MAX + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE);
    if (!epolls)
        return -ENOMEM;
    for (unsigned i = 0; i < EPOLL_MAX; i++) {
        if (epolls[i].used)
            continue;
        long fd = fd_install(&epoll_ops, &epolls[i],
                             O_RDWR | (flags & EPOLL_CLOEXEC ? O_CLOEXEC : 0));
        if (fd >= 0)
            epolls[i] = (struct epoll){.used = 1};
        return fd;
    }
    return -ENFILE;
}

long sys_epoll_create(long size)
{
    return size <= 0 ? -EINVAL : sys_epoll_create1(0);
}

static unsigned *ep_head(struct epoll *ep, const struct file *f)
{
    uintptr_t h = (uintptr_t)f / sizeof(void *) * 0x9e3779b97f4a7c15ull;
    return &ep->bucket[(h >> 32) & (ep->cap - 1)];
}

static void ep_link(struct epoll *ep, unsigned i)
{
    unsigned *head = ep_head(ep, ep->items[i].file);
    ep->items[i].hnext = *head;
    *head = i + 1;
}

static void ep_unlink(struct epoll *ep, unsigned i)
{
    unsigned *at = ep_head(ep, ep->items[i].file);
    while (*at != i + 1)
        at = &ep->items[*at - 1].hnext;
    *at = ep->items[i].hnext;
}

static struct epitem *ep_find(struct epoll *ep, struct file *f, long fd)
{
    if (!ep->cap)
        return NULL;
    for (unsigned i = *ep_head(ep, f); i; i = ep->items[i - 1].hnext)
        if (ep->items[i - 1].file == f && ep->items[i - 1].fd == fd)
            return &ep->items[i - 1];
    return NULL;
}

/* ---- the ready list: items that may be ready, oldest first ---------- */

static void rq_push(struct epoll *ep, unsigned i)
{
    struct epitem *it = &ep->items[i];
    if (it->queued)
        return;
    it->queued = 1;
    it->rnext = 0;
    it->rprev = ep->rtail;
    if (ep->rtail)
        ep->items[ep->rtail - 1].rnext = i + 1;
    else
        ep->rhead = i + 1;
    ep->rtail = i + 1;
}

static void rq_del(struct epoll *ep, unsigned i)
{
    struct epitem *it = &ep->items[i];
    if (!it->queued)
        return;
    it->queued = 0;
    if (it->rprev)
        ep->items[it->rprev - 1].rnext = it->rnext;
    else
        ep->rhead = it->rnext;
    if (it->rnext)
        ep->items[it->rnext - 1].rprev = it->rprev;
    else
        ep->rtail = it->rprev;
}

/* Item from moved to slot to (ep_remove): its neighbours follow. */
static void rq_moved(struct epoll *ep, unsigned from, unsigned to)
{
    struct epitem *it = &ep->items[to];
    if (!it->queued)
        return;
    if (it->rprev)
        ep->items[it->rprev - 1].rnext = to + 1;
    else
        ep->rhead = to + 1;
    if (it->rnext)
        ep->items[it->rnext - 1].rprev = to + 1;
    else
        ep->rtail = to + 1;
    (void)from;
}

/* A watched file's readiness may have risen (file_ops.watch): queue its
 * armed items in every set that holds it. Runs inside the network
 * stack, so it only takes note. A set found not to hold f any more
 * loses its bit. */
static void ep_wake(void *arg)
{
    struct file *f = arg;
    for (unsigned e = 0; f->epolls; e++) {
        if (!(f->epolls >> e))
            return;
        if (!(f->epolls & (1u << e)))
            continue;
        struct epoll *ep = &epolls[e];
        int held = 0;
        for (unsigned i = ep->used && ep->cap ? *ep_head(ep, f) : 0; i;
             i = ep->items[i - 1].hnext) {
            struct epitem *it = &ep->items[i - 1];
            if (it->file != f)
                continue;
            held = 1;
            if (it->events & ~EPOLL_FLAGS)
                rq_push(ep, i - 1);
        }
        if (!held)
            f->epolls &= (uint16_t) ~(1u << e);
    }
}

static int ep_resize(struct epoll *ep, unsigned cap);

/* The last item takes the removed one's place; a list down to a
 * quarter of its room gives half of it back. */
static void ep_remove(struct epoll *ep, struct epitem *it)
{
    unsigned i = (unsigned)(it - ep->items), last = ep->n - 1;
    ep_unlink(ep, i);
    rq_del(ep, i);
    if (i != last) {
        ep_unlink(ep, last);
        *it = ep->items[last];
        ep_link(ep, i);
        rq_moved(ep, last, i);
    }
    ep->n--;
    if (ep->cap > EPOLL_ITEMS_MIN && ep->n < ep->cap / 4)
        ep_resize(ep, ep->cap / 2); /* no memory: it stays as it is */
}

void epoll_forget(struct file *f)
{
    if (!epolls || !f->epolls)
        return;
    for (unsigned e = 0; e < EPOLL_MAX; e++) {
        struct epoll *ep = &epolls[e];
        unsigned i = ep->used && ep->cap ? *ep_head(ep, f) : 0;
        while (i) {
            struct epitem *it = &ep->items[i - 1];
            if (it->file != f) {
                i = it->hnext;
                continue;
            }
            ep_remove(ep, it);
            i = *ep_head(ep, f); /* the chain changed: from its start */
        }
    }
}

/* Room for cap items (at least n), with the hash rebuilt; -1 without
 * memory. */
static int ep_resize(struct epoll *ep, unsigned cap)
{
    struct epitem *items = hc_pages_alloc(ep_pages(cap));
    if (!items)
        return -1;
    for (unsigned i = 0; i < ep->n; i++)
        items[i] = ep->items[i];
    if (ep->cap)
        hc_pages_free(ep->items, ep_pages(ep->cap));
    ep->items = items;
    ep->bucket = (unsigned *)(items + cap);
    ep->cap = cap;
    for (unsigned i = 0; i < ep->n; i++)
        ep_link(ep, i);
    return 0;
}

static long ep_add(struct epoll *ep, struct file *f, long fd,
                   const struct epoll_event *ev)
{
    if (ep_find(ep, f, fd))
        return -EEXIST;
    if (ep->n == EPOLL_ITEMS)
        return -ENOSPC;
    if (ep->n == ep->cap &&
        ep_resize(ep, ep->cap ? ep->cap * 2 : EPOLL_ITEMS_MIN) < 0)
        return -ENOMEM;
    ep->items[ep->n] = (struct epitem){
        .file = f, .fd = (int)fd, .events = ev->events, .data = ev->data};
    ep->items[ep->n].watched =
        f->ops->watch && f->ops->watch(f, ep_wake, f) == 0;
    f->epolls |= (uint16_t)(1u << (ep - epolls));
    ep_link(ep, ep->n);
    rq_push(ep, ep->n++); /* checked at the next wait, as on Linux */
    return 0;
}

long sys_epoll_ctl(long epfd, long op, long fd, long evp)
{
    struct file *ef = fd_file(epfd), *f = fd_file(fd);
    const struct epoll_event *ev = (const struct epoll_event *)evp;
    if (!ef || !f)
        return -EBADF;
    if (!f->ops->poll)
        return -EPERM; /* regular files are always ready: Linux refuses */
    if (ef->ops != &epoll_ops || ef == f)
        return -EINVAL;
    struct epoll *ep = ef->priv;
    struct epitem *it = ep_find(ep, f, fd);
    if (op != EPOLL_CTL_DEL && !ev)
        return -EFAULT;
    switch (op) {
    case EPOLL_CTL_ADD: return ep_add(ep, f, fd, ev);
    case EPOLL_CTL_MOD:
        if (!it)
            return -ENOENT;
        if ((ev->events | it->events) & EPOLLEXCLUSIVE)
            return -EINVAL;
        it->events = ev->events;
        it->data = ev->data;
        it->last = 0;
        rq_push(ep, (unsigned)(it - ep->items)); /* re-armed: check it */
        return 0;
    case EPOLL_CTL_DEL:
        if (!it)
            return -ENOENT;
        ep_remove(ep, it);
        return 0;
    default: return -EINVAL;
    }
}

/* Whether item it reports now, and with which events. */
static uint32_t ep_check(struct epitem *it, int *console)
{
    if (!(it->events & ~EPOLL_FLAGS))
        return 0; /* disarmed by EPOLLONESHOT, or nothing asked */
    if (it->file->ops == &console_ops && (it->events & EPOLLIN))
        *console = 1;
    uint32_t now =
        file_readiness(it->file) & ((it->events & ~EPOLL_FLAGS) | EPOLL_ALWAYS);
    /* a watched item is here because of a wake: that is its edge */
    uint32_t fresh =
        it->events & EPOLLET && !it->watched ? now & ~it->last : now;
    it->last = (uint16_t)now;
    if (fresh && (it->events & EPOLLONESHOT))
        it->events &= EPOLL_FLAGS;
    return fresh ? now : 0;
}

/* Whether a checked item stays queued: one its file cannot wake, while
 * armed; a watched one only if it reported at level (checked again at
 * the next wait, where it leaves once drained). */
static int ep_keep(const struct epitem *it, uint32_t reported)
{
    if (!(it->events & ~EPOLL_FLAGS))
        return 0;
    if (!it->watched)
        return 1;
    return reported && !(it->events & EPOLLET);
}

/* One pass over the ready list as it stands: every queued item is
 * checked at most once, and one that stays goes to the back, so a short
 * events array starves no one. */
static int ep_scan(struct epoll *ep, struct epoll_event *out, int max,
                   int *console)
{
    int got = 0;
    unsigned end = ep->rtail;
    while (ep->rhead && got < max) {
        unsigned i = ep->rhead - 1;
        struct epitem *it = &ep->items[i];
        rq_del(ep, i);
        uint32_t ev = ep_check(it, console);
        if (ev)
            out[got++] = (struct epoll_event){.events = ev, .data = it->data};
        if (ep_keep(it, ev))
            rq_push(ep, i);
        if (i + 1 == end)
            break;
    }
    return got;
}

/* An epoll inside another one is readable when an item of it is ready
 * (levels only: looking must not consume edges or one-shots). Only
 * queued items can be. */
static unsigned ep_poll(struct file *f)
{
    struct epoll *ep = f->priv;
    unsigned r = 0;
    if (nesting >= EPOLL_NEST_MAX)
        return 0;
    nesting++;
    for (unsigned i = ep->rhead; i && !r; i = ep->items[i - 1].rnext) {
        struct epitem *it = &ep->items[i - 1];
        if (file_readiness(it->file) &
            ((it->events & ~EPOLL_FLAGS) | EPOLL_ALWAYS))
            r = POLLIN;
    }
    nesting--;
    return r;
}

long sys_epoll_pwait(long epfd, long events, long max, long timeout_ms,
                     long sigmask, long sigsetsize)
{
    struct file *ef = fd_file(epfd);
    if (!ef)
        return -EBADF;
    if (ef->ops != &epoll_ops || max <= 0 || max > INT32_MAX / 12)
        return -EINVAL;
    long m = signal_wait_mask(sigmask, sigsetsize);
    if (m < 0)
        return m;
    uint64_t deadline = 0;
    if (timeout_ms > 0)
        deadline = add_ns(hc_clock_monotonic(), (uint64_t)timeout_ms * 1000000);
    for (;;) {
        int console = 0, slept = 0;
        int got =
            ep_scan(ef->priv, (struct epoll_event *)events, (int)max, &console);
        if (got || timeout_ms == 0 ||
            (slept = poll_sleep(deadline, console)) < 0)
            return slept == -EINTR ? -EINTR : got;
        if (!ef->ops) /* closed by another thread while we slept */
            return -EBADF;
    }
}

long sys_epoll_wait(long epfd, long events, long max, long timeout_ms)
{
    return sys_epoll_pwait(epfd, events, max, timeout_ms, 0, 0);
}
