/*
 * sys_socket.c: Linux's socket system calls over components/net. A
 * socket is one more file kind (socket_ops), so read, write, close,
 * fcntl and poll work on it as on any descriptor. net.h sockets never
 * block; blocking is done here: try, and if the call would wait, sleep
 * in net_wait until something changed or SO_RCVTIMEO / SO_SNDTIMEO
 * passes, then try again. AF_INET and AF_INET6 (TCP only) go to
 * components/net, AF_UNIX to sys_unix.c (each call checks unix_fd
 * first; an image whose program never asks for AF_UNIX has no
 * sys_unix.c, see syscall.c's SYSCALL_ARG_NEEDS).
 * A call that sleeps holds its file (file_hold): another thread's close()
 * of the descriptor leaves the socket open until the call returns, as
 * on Linux, instead of freeing it under the sleeper.
 * send/recv with iovecs are in sys_sockmsg.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include "../net/net.h"
#include "file.h"
#include "kiln/table.h"
#include "memfile.h"
#include "posix.h"

#define NS_PER_US 1000ull
#define NS_PER_S 1000000000ull

/* Socket states are made a page at a time as sockets are, and freed
 * ones wait on a list for the next: a program pays for the most
 * sockets it has held at once. */
static struct psock *psock_free;
/* FIONREAD counts by peeking into this; taken from the page allocator at
 * the first FIONREAD, so programs that never ask do not carry 64 KiB. */
#define PEEK_MAX 65536
static char *peek_buf;

/* ---- blocking ---------------------------------------------------------- */

int sock_nonblock(const struct file *f, int flags)
{
    return (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
}

uint64_t sock_deadline(uint64_t timeo)
{
    return timeo ? add_ns(hc_clock_monotonic(), timeo) : 0;
}

/* Sleep until some socket changed; -ETIMEDOUT once deadline passed. */
int sock_wait(uint64_t deadline)
{
    if (deadline && hc_clock_monotonic() >= deadline)
        return -ETIMEDOUT;
    if (!signal_pending_here())
        net_wait(deadline);
    return signal_pending_here() ? -ERESTARTSYS : 0;
}

/* Callers hold f (file_hold): sys_io.c's transfer, sys_sockmsg.c. */
long sock_recv(struct file *f, void *buf, size_t len, int flags,
               struct sockaddr_in *from)
{
    struct psock *p = f->priv;
    int nb = sock_nonblock(f, flags);
    int all =
        (flags & MSG_WAITALL) && p->type == SOCK_STREAM && !(flags & MSG_PEEK);
    uint64_t deadline = sock_deadline(p->rcvtimeo);
    size_t done = 0;
    for (;;) {
        long n = net_recv(p->ns, (char *)buf + done, len - done,
                          flags & (MSG_PEEK | MSG_TRUNC), from);
        if (n >= 0 && !all)
            return n;
        if (n > 0) {
            done += (size_t)n;
            if (done < len)
                continue;
        }
        if (n >= 0)
            return (long)done; /* filled, or the end of the stream */
        if (n != -EAGAIN)
            return done ? (long)done : n;
        int w = nb ? -EAGAIN : sock_wait(deadline);
        if (w < 0)
            return done ? (long)done : w == -ERESTARTSYS ? w : -EAGAIN;
    }
}

long sock_send(struct file *f, const void *buf, size_t len, int flags,
               const struct sockaddr_in *to)
{
    struct psock *p = f->priv;
    int nb = sock_nonblock(f, flags);
    uint64_t deadline = sock_deadline(p->sndtimeo);
    size_t done = 0;
    for (;;) {
        long n = net_send(p->ns, (const char *)buf + done, len - done,
                          flags & (MSG_NOSIGNAL | MSG_MORE), to);
        if (n >= 0 && p->type != SOCK_STREAM)
            return n; /* a datagram goes whole or not at all */
        if (n > 0)
            done += (size_t)n;
        if (done == len || (n > 0 && nb))
            return (long)done;
        if (n < 0 && n != -EAGAIN)
            return done ? (long)done : n;
        if (n > 0)
            continue;
        int w = nb ? -EAGAIN : sock_wait(deadline);
        if (w < 0)
            return done ? (long)done : w == -ERESTARTSYS ? w : -EAGAIN;
    }
}

/* ---- the file kind ------------------------------------------------------ */

static long sock_read(struct file *f, void *buf, size_t len, uint64_t off)
{
    (void)off;
    return sock_recv(f, buf, len, 0, NULL);
}

static long sock_write(struct file *f, const void *buf, size_t len,
                       uint64_t off)
{
    (void)off; /* no SIGPIPE in a unikernel: EPIPE is the answer */
    return sock_send(f, buf, len, MSG_NOSIGNAL, NULL);
}

static int64_t sock_size(struct file *f)
{
    (void)f;
    return -ESPIPE;
}

static int sock_sync(struct file *f)
{
    (void)f;
    return -EINVAL;
}

/* Bytes waiting to be read: the next datagram's size for UDP, what a
 * peek finds for TCP (at most PEEK_MAX). */
static long sock_inq(struct psock *p)
{
    if (p->listening)
        return -EINVAL;
    char one;
    if (p->type == SOCK_DGRAM) {
        long n = net_recv(p->ns, &one, 0, MSG_PEEK | MSG_TRUNC, NULL);
        return n < 0 ? 0 : n;
    }
    if (!peek_buf && !(peek_buf = hc_pages_alloc(PEEK_MAX / HC_PAGE_SIZE)))
        return -ENOMEM;
    long n = net_recv(p->ns, peek_buf, PEEK_MAX, MSG_PEEK, NULL);
    return n < 0 ? 0 : n;
}

static long sock_ioctl(struct file *f, unsigned long req, long arg)
{
    int *v = (int *)arg;
    switch (req) {
    case FIONBIO:
        f->flags = *v ? f->flags | O_NONBLOCK : f->flags & ~O_NONBLOCK;
        return 0;
    case FIONREAD: {
        long n = sock_inq(f->priv);
        if (n < 0)
            return n;
        *v = (int)n;
        return 0;
    }
    default: return -ENOTTY;
    }
}

static unsigned sock_poll(struct file *f)
{
    return net_poll(((struct psock *)f->priv)->ns);
}

static int sock_watch(struct file *f, void (*fn)(void *arg), void *arg)
{
    net_watch(((struct psock *)f->priv)->ns, fn, arg);
    return 0;
}

static void psock_put(struct psock *p)
{
    *p = (struct psock){.next_free = psock_free};
    psock_free = p;
}

static struct psock *psock_take(void)
{
    if (!psock_free) {
        struct psock *page = hc_pages_alloc(1);
        for (unsigned i = 0; page && i < HC_PAGE_SIZE / sizeof *page; i++)
            psock_put(&page[i]);
    }
    struct psock *p = psock_free;
    if (p)
        psock_free = p->next_free;
    return p;
}

static int sock_release(struct file *f)
{
    struct psock *p = f->priv;
    int r = net_close(p->ns);
    psock_put(p);
    return r;
}

const struct file_ops socket_ops = {
    .read = sock_read,
    .write = sock_write,
    .size = sock_size,
    .sync = sock_sync,
    .ioctl = sock_ioctl,
    .mode = S_IFSOCK | 0777,
    .poll = sock_poll,
    .release = sock_release,
    .watch = sock_watch,
};

/* A descriptor for ns; on failure ns is closed. flags: SOCK_NONBLOCK,
 * SOCK_CLOEXEC. */
static long sock_install(struct net_sock *ns, int type, int flags)
{
    struct psock *p = psock_take();
    long fd = p ? fd_install(&socket_ops, p,
                             O_RDWR | (flags & SOCK_NONBLOCK ? O_NONBLOCK : 0) |
                                 (flags & SOCK_CLOEXEC ? O_CLOEXEC : 0))
                : -ENFILE;
    if (fd < 0) {
        if (p)
            psock_put(p);
        net_close(ns);
        return fd;
    }
    *p = (struct psock){.ns = ns, .type = type, .family = AF_INET};
    return fd;
}

/* The socket behind fd: -EBADF, -ENOTSOCK, or 0 with *fp set. */
long sock_get(long fd, struct file **fp)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    if (f->ops != &socket_ops)
        return -ENOTSOCK;
    *fp = f;
    return 0;
}

#define SOCK_GET(fd, f, p)                                                     \
    struct file *f;                                                            \
    long err_ = sock_get(fd, &f);                                              \
    if (err_)                                                                  \
        return err_;                                                           \
    struct psock *p = f->priv

/* ---- addresses ------------------------------------------------------------
 */

/* A user's sockaddr of the socket's family; AF_UNSPEC passes when
 * allowed (a datagram socket's connect dissolves its peer with it). */
long addr_from_user(long uaddr, long len, union sa46 *out, int family,
                    int unspec_ok)
{
    size_t need = family == AF_INET6 ? sizeof out->in6 : sizeof out->in;
    if (len < 0)
        return -EINVAL;
    if (!uaddr)
        return -EFAULT;
    *out = (union sa46){0};
    memcpy(out, (void *)uaddr, (size_t)len < need ? (size_t)len : need);
    if (unspec_ok && len >= (long)sizeof(sa_family_t) &&
        out->in.sin_family == AF_UNSPEC)
        return 0;
    if ((size_t)len < need)
        return -EINVAL;
    return out->in.sin_family == family ? 0 : -EAFNOSUPPORT;
}

/* Copy a to the user as Linux does: truncated to the room given, with
 * the full length reported. NULL uaddr: the caller wants none. */
long addr_to_user(const union sa46 *a, long uaddr, long ulen)
{
    if (!uaddr)
        return 0;
    socklen_t *lp = (socklen_t *)ulen;
    if (!lp)
        return -EFAULT;
    if ((int)*lp < 0)
        return -EINVAL;
    if (!a) { /* a stream socket's recvfrom names no sender */
        *lp = 0;
        return 0;
    }
    socklen_t n = a->in.sin_family == AF_INET6 ? sizeof a->in6 : sizeof a->in;
    memcpy((void *)uaddr, a, *lp < n ? *lp : n);
    *lp = n;
    return 0;
}

/* ---- the calls -------------------------------------------------------------
 */

long sys_socket(long domain, long type, long proto)
{
    int kind = (int)type & 0xf, flags = (int)type & ~0xf;
    if (domain == AF_UNIX)
        return unix_socket ? unix_socket(type, proto) : -EAFNOSUPPORT;
    if (domain != AF_INET && domain != AF_INET6)
        return -EAFNOSUPPORT;
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    struct net_sock *ns;
    int r = domain == AF_INET6 ? net_socket6(kind, (int)proto, &ns)
                               : net_socket(kind, (int)proto, &ns);
    long fd = r < 0 ? r : sock_install(ns, kind, flags);
    if (fd >= 0)
        ((struct psock *)fd_file(fd)->priv)->family = (int)domain;
    return fd;
}

long sys_socketpair(long domain, long type, long proto, long sv)
{
    if (domain == AF_UNIX)
        return unix_socketpair ? unix_socketpair(type, proto, sv)
                               : -EAFNOSUPPORT;
    return domain == AF_INET || domain == AF_INET6 ? -EOPNOTSUPP
                                                   : -EAFNOSUPPORT;
}

long sys_bind(long fd, long addr, long len)
{
    if (unix_fd(fd))
        return unix_bind(fd, addr, len);
    SOCK_GET(fd, f, p);
    union sa46 a;
    long r = addr_from_user(addr, len, &a, p->family, 0);
    return r < 0 ? r : net_bind(p->ns, &a.in);
}

long sys_listen(long fd, long backlog)
{
    if (unix_fd(fd))
        return unix_listen(fd, backlog);
    SOCK_GET(fd, f, p);
    int r = net_listen(p->ns, (int)backlog);
    if (r == 0)
        p->listening = 1;
    return r;
}

static int accept_wait(struct file *f, struct psock *p, struct net_sock **child,
                       union sa46 *peer)
{
    uint64_t deadline = sock_deadline(p->rcvtimeo);
    int r;
    while ((r = net_accept(p->ns, child, &peer->in)) == -EAGAIN) {
        int w = sock_nonblock(f, 0) ? -EAGAIN : sock_wait(deadline);
        if (w < 0)
            return w == -ERESTARTSYS ? w : -EAGAIN;
    }
    return r;
}

long sys_accept4(long fd, long addr, long len, long flags)
{
    if (unix_fd(fd))
        return unix_accept4(fd, addr, len, flags);
    SOCK_GET(fd, f, p);
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    struct net_sock *child;
    union sa46 peer;
    file_hold(f);
    int r = accept_wait(f, p, &child, &peer);
    int family = p->family;
    file_unhold(f);
    if (r < 0)
        return r;
    long nfd = sock_install(child, SOCK_STREAM, (int)flags);
    if (nfd >= 0) {
        ((struct psock *)fd_file(nfd)->priv)->family = family;
        addr_to_user(&peer, addr, len);
    }
    return nfd;
}

long sys_accept(long fd, long addr, long len)
{
    return sys_accept4(fd, addr, len, 0);
}

static long connect_wait(struct psock *p, union sa46 *a)
{
    uint64_t deadline = sock_deadline(p->sndtimeo);
    for (;;) {
        long r = net_connect(p->ns, &a->in);
        if (r != -EALREADY && r != -EINPROGRESS)
            return r == -EISCONN ? 0 : r;
        if (sock_wait(deadline) < 0)
            return -EINPROGRESS; /* as Linux when SO_SNDTIMEO passes */
    }
}

/* Blocking: wait for the handshake, then report as SO_ERROR would. */
long sys_connect(long fd, long addr, long len)
{
    if (unix_fd(fd))
        return unix_connect(fd, addr, len);
    SOCK_GET(fd, f, p);
    union sa46 a;
    long r = addr_from_user(addr, len, &a, p->family, 1);
    if (r < 0)
        return r;
    r = net_connect(p->ns, &a.in);
    if (r != -EINPROGRESS || sock_nonblock(f, 0))
        return r;
    file_hold(f);
    r = connect_wait(p, &a);
    file_unhold(f);
    return r;
}

long sys_shutdown(long fd, long how)
{
    if (unix_fd(fd))
        return unix_shutdown(fd, how);
    SOCK_GET(fd, f, p);
    return net_shutdown(p->ns, (int)how);
}

static long get_name(long fd, int peer, long addr, long len)
{
    SOCK_GET(fd, f, p);
    union sa46 a;
    int r = net_getname(p->ns, peer, &a.in);
    if (r < 0)
        return r;
    return addr ? addr_to_user(&a, addr, len) : -EFAULT;
}

long sys_getsockname(long fd, long addr, long len)
{
    if (unix_fd(fd))
        return unix_getsockname(fd, addr, len);
    return get_name(fd, 0, addr, len);
}

long sys_getpeername(long fd, long addr, long len)
{
    if (unix_fd(fd))
        return unix_getpeername(fd, addr, len);
    return get_name(fd, 1, addr, len);
}

/* ---- options ----------------------------------------------------------- */

static long timeo_set(uint64_t *timeo, const void *val, long len)
{
    struct timeval tv;
    if (len < (long)sizeof tv)
        return -EINVAL;
    memcpy(&tv, val, sizeof tv);
    if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
        return -EDOM;
    if (tv.tv_sec < 0) /* Linux takes a negative time as "no wait" */
        tv = (struct timeval){0, 0};
    *timeo = add_ns((uint64_t)tv.tv_sec * NS_PER_S,
                    (uint64_t)tv.tv_usec * NS_PER_US);
    if (tv.tv_sec >= (long)(UINT64_MAX / NS_PER_S))
        *timeo = 0; /* too long to tell from forever */
    return 0;
}

long sys_setsockopt(long fd, long level, long name, long val, long len)
{
    if (unix_fd(fd))
        return unix_setsockopt(fd, level, name, val, len);
    SOCK_GET(fd, f, p);
    if (len < 0)
        return -EINVAL;
    if (level == SOL_SOCKET && name == SO_RCVTIMEO)
        return timeo_set(&p->rcvtimeo, (void *)val, len);
    if (level == SOL_SOCKET && name == SO_SNDTIMEO)
        return timeo_set(&p->sndtimeo, (void *)val, len);
    return net_setsockopt(p->ns, (int)level, (int)name, (void *)val,
                          (socklen_t)len);
}

/* The SOL_SOCKET options answered here; -ENOPROTOOPT for the rest. */
static int opt_local(struct psock *p, int name, void *out, socklen_t *len)
{
    union {
        struct timeval tv;
        int i;
    } v;
    socklen_t n = sizeof v.i;
    uint64_t t = name == SO_RCVTIMEO ? p->rcvtimeo : p->sndtimeo;
    switch (name) {
    case SO_RCVTIMEO:
    case SO_SNDTIMEO:
        v.tv = (struct timeval){(time_t)(t / NS_PER_S),
                                (suseconds_t)(t % NS_PER_S / NS_PER_US)};
        n = sizeof v.tv;
        break;
    case SO_TYPE: v.i = p->type; break;
    case SO_DOMAIN: v.i = p->family; break;
    case SO_PROTOCOL:
        v.i = p->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
        break;
    case SO_ACCEPTCONN: v.i = p->listening; break;
    default: return -ENOPROTOOPT;
    }
    if (*len > n)
        *len = n;
    memcpy(out, &v, *len);
    return 0;
}

long sys_getsockopt(long fd, long level, long name, long val, long lenp)
{
    if (unix_fd(fd))
        return unix_getsockopt(fd, level, name, val, lenp);
    SOCK_GET(fd, f, p);
    socklen_t *lp = (socklen_t *)lenp;
    if (!lp || !val)
        return -EFAULT;
    if ((int)*lp < 0)
        return -EINVAL;
    if (level == SOL_SOCKET) {
        int r = opt_local(p, (int)name, (void *)val, lp);
        if (r != -ENOPROTOOPT)
            return r;
    }
    return net_getsockopt(p->ns, (int)level, (int)name, (void *)val, lp);
}
