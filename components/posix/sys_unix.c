/*
 * sys_unix.c: AF_UNIX sockets within the image (SOCK_STREAM, SOCK_DGRAM,
 * SOCK_SEQPACKET): socket, socketpair, bind, listen, accept, connect,
 * shutdown, the names and the options. sys_socket.c hands a call here
 * when its descriptor is an AF_UNIX socket; nothing here uses
 * components/net. Data moves in unix_msg.c.
 *
 * As on Linux: connect completes as soon as the listener's backlog
 * takes the new connection (accept picks it up later); closing a socket
 * with unread data, or one never accepted, resets its peer
 * (ECONNRESET), otherwise the peer reads the end of the stream. A call
 * that may sleep holds its file (file_hold, as Linux's fget): another
 * thread's close() of the descriptor leaves a blocked accept, connect,
 * send or receive waiting on the socket, which stays open (name, peer
 * and all) until the call returns. shutdown(SHUT_RD or SHUT_RDWR) is
 * what ends a blocked receive (the end of the stream) or accept
 * (EINVAL); as on Linux it succeeds on any socket and does not end a
 * blocked connect, and a listener shut for reading refuses connections.
 *
 * Limits: names, path or abstract, live in one in-memory table and not
 * in the file system: a path name goes when its socket closes (no
 * unlink needed, stat does not see it) and two spellings of one path
 * are two names. No descriptor passing (SCM_RIGHTS gives EOPNOTSUPP).
 * UNIX_MAX sockets, each receiving into a UNIX_BUF ring, so a datagram
 * is at most about 32 KiB (EMSGSIZE past that; Linux takes ~200 KiB).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "posix.h"
#include "unix.h"

#define SOCK_FLAGS (SOCK_NONBLOCK | SOCK_CLOEXEC)

/* About 20 KiB: taken from the page allocator by the first AF_UNIX
 * socket, so programs that never make one do not carry it. Every other
 * use of it starts from a socket, so it exists by then. */
static struct usock *usocks;

static struct usock *usock_new(int type)
{
    if (!usocks)
        usocks = hc_pages_alloc((sizeof *usocks * UNIX_MAX + HC_PAGE_SIZE - 1) /
                                HC_PAGE_SIZE);
    for (unsigned i = 0; usocks && i < UNIX_MAX; i++) {
        struct usock *s = &usocks[i];
        if (s->used)
            continue;
        *s = (struct usock){.used = 1, .type = type};
        if (ring_init(&s->rx, UNIX_BUF) < 0) {
            s->used = 0;
            return NULL;
        }
        return s;
    }
    return NULL;
}

/* Tell every socket connected to s that s is gone. */
static void usock_orphan(struct usock *s, int embryo)
{
    for (unsigned i = 0; i < UNIX_MAX; i++) {
        struct usock *o = &usocks[i];
        if (!o->used || o->peer != s)
            continue;
        o->peer = NULL;
        if (o->type == SOCK_DGRAM) {
            o->peer_died = 1;
            continue;
        }
        o->shut = UNIX_SHUT_RD | UNIX_SHUT_WR;
        if (s->rx.len || embryo)
            o->err = ECONNRESET;
    }
}

static void usock_close(struct usock *s, int embryo)
{
    for (unsigned i = 0; i < s->nbacklog; i++)
        usock_close(s->backlog[i], 1);
    usock_orphan(s, embryo);
    ring_free(&s->rx);
    *s = (struct usock){0};
    fdwait_notify();
}

/* As on Linux, an abstract name is per socket type (a stream and a
 * datagram socket may both hold it); a path is one for all types. */
struct usock *unix_lookup(const struct uaddr *a, int type)
{
    for (unsigned i = 0; a->len && i < UNIX_MAX; i++) {
        struct usock *s = &usocks[i];
        if (s->used && s->name.len == a->len &&
            !memcmp(s->name.path, a->path, a->len) &&
            (a->path[0] || s->type == type))
            return s;
    }
    return NULL;
}

int unix_nonblock(const struct file *f, int flags)
{
    return (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
}

/* ---- the file kind ------------------------------------------------------ */

static long unix_read(struct file *f, void *buf, size_t len, uint64_t off)
{
    (void)off;
    struct iovec v = {buf, len};
    int trunc;
    return unix_recv(f, &v, 1, 0, NULL, &trunc);
}

static long unix_write(struct file *f, const void *buf, size_t len,
                       uint64_t off)
{
    (void)off;
    struct iovec v = {(void *)buf, len};
    return unix_send(f, &v, 1, 0, NULL);
}

static int64_t unix_size(struct file *f)
{
    (void)f;
    return -ESPIPE;
}

static int unix_sync(struct file *f)
{
    (void)f;
    return -EINVAL;
}

static long unix_ioctl(struct file *f, unsigned long req, long arg)
{
    int *v = (int *)arg; /* FIONBIO is sys_ioctl's, for every kind */
    if (req != FIONREAD)
        return -ENOTTY;
    long n = unix_inq(f->priv);
    if (n >= 0)
        *v = (int)n;
    return n < 0 ? n : 0;
}

static int unix_release(struct file *f)
{
    usock_close(f->priv, 0);
    return 0;
}

const struct file_ops unix_ops = {
    .read = unix_read,
    .write = unix_write,
    .size = unix_size,
    .sync = unix_sync,
    .ioctl = unix_ioctl,
    .mode = S_IFSOCK | 0777,
    .poll = unix_poll,
    .release = unix_release,
};

int unix_is(long fd)
{
    struct file *f = fd_file(fd);
    return f && f->ops == &unix_ops;
}

/* A descriptor for s; on failure s is closed (as an embryo if it is). */
static long usock_install(struct usock *s, int flags, int embryo)
{
    long fd = fd_install(&unix_ops, s,
                         O_RDWR | (flags & SOCK_NONBLOCK ? O_NONBLOCK : 0) |
                             (flags & SOCK_CLOEXEC ? O_CLOEXEC : 0));
    if (fd < 0)
        usock_close(s, embryo);
    return fd;
}

static struct usock *usock_of(long fd)
{
    return fd_file(fd)->priv; /* callers checked unix_is(fd) */
}

/* ---- addresses ------------------------------------------------------ */

/* A user's sockaddr_un; *a->len 0 when it names nothing (len 2). */
long unix_addr_from_user(long uaddr, long len, struct uaddr *a)
{
    const struct sockaddr_un *u = (const struct sockaddr_un *)uaddr;
    size_t off = offsetof(struct sockaddr_un, sun_path);
    if (len < (long)sizeof(sa_family_t) || len > (long)sizeof *u)
        return -EINVAL;
    if (!u)
        return -EFAULT;
    if (u->sun_family != AF_UNIX)
        return -EINVAL;
    size_t n = (size_t)len - off;
    if (n && u->sun_path[0]) /* a path: up to its NUL */
        n = strnlen(u->sun_path, n);
    a->len = (unsigned)n;
    memcpy(a->path, u->sun_path, n);
    return 0;
}

/* As Linux reports it: family, the name, and a path's NUL. */
long unix_addr_to_user(const struct uaddr *a, long uaddr, long ulen)
{
    struct sockaddr_un u = {.sun_family = AF_UNIX};
    socklen_t *lp = (socklen_t *)ulen;
    if (!uaddr)
        return 0;
    if (!lp)
        return -EFAULT;
    if ((int)*lp < 0)
        return -EINVAL;
    size_t full = offsetof(struct sockaddr_un, sun_path) + a->len;
    memcpy(u.sun_path, a->path, a->len);
    if (a->len && a->path[0] && a->len < UNIX_PATH)
        full++; /* the NUL after a path */
    memcpy((void *)uaddr, &u, *lp < full ? *lp : full);
    *lp = (socklen_t)full;
    return 0;
}

/* An abstract name no one holds, as Linux's autobind picks: "\0" and
 * five hex digits. */
static void uaddr_auto(struct uaddr *a, int type)
{
    static unsigned next;
    do {
        char hex[8];
        snprintf(hex, sizeof hex, "%05x", next++ & 0xfffff);
        a->len = 6;
        a->path[0] = 0;
        memcpy(a->path + 1, hex, 5);
    } while (unix_lookup(a, type));
}

/* ---- the calls ------------------------------------------------------ */

long unix_socket(long type, long proto)
{
    int kind = (int)type & 0xf, flags = (int)type & ~0xf;
    if (flags & ~SOCK_FLAGS)
        return -EINVAL;
    if (kind != SOCK_STREAM && kind != SOCK_DGRAM && kind != SOCK_SEQPACKET)
        return -ESOCKTNOSUPPORT;
    if (proto != 0)
        return -EPROTONOSUPPORT;
    struct usock *s = usock_new(kind);
    return s ? usock_install(s, flags, 0) : -ENFILE;
}

long unix_socketpair(long type, long proto, long sv)
{
    int *out = (int *)sv;
    if (!out)
        return -EFAULT;
    long a = unix_socket(type, proto);
    if (a < 0)
        return a;
    long b = unix_socket(type, proto);
    if (b < 0) {
        sys_close(a);
        return b;
    }
    struct usock *x = usock_of(a), *y = usock_of(b);
    x->peer = y, y->peer = x;
    x->connected = y->connected = 1;
    out[0] = (int)a, out[1] = (int)b;
    return 0;
}

long unix_bind(long fd, long addr, long len)
{
    struct usock *s = usock_of(fd);
    struct uaddr a;
    long r = unix_addr_from_user(addr, len, &a);
    if (r < 0)
        return r;
    if (s->name.len)
        return -EINVAL;
    if (!a.len)
        uaddr_auto(&a, s->type);
    else if (unix_lookup(&a, s->type))
        return -EADDRINUSE;
    s->name = a;
    return 0;
}

long unix_listen(long fd, long backlog)
{
    struct usock *s = usock_of(fd);
    if (s->type == SOCK_DGRAM)
        return -EOPNOTSUPP;
    if (!s->name.len || s->connected)
        return -EINVAL;
    /* Linux lets backlog+1 wait; a negative backlog means the most */
    unsigned max = backlog < 0 || backlog >= UNIX_BACKLOG_MAX
                       ? UNIX_BACKLOG_MAX
                       : (unsigned)backlog + 1;
    s->maxbacklog = max;
    s->listening = 1;
    fdwait_notify();
    return 0;
}

/* Wait for a connection in s's backlog: 0, or -errno. Linux's order:
 * what is queued first, then EAGAIN, then EINVAL once shut for reading. */
static long accept_wait(struct file *f, struct usock *s)
{
    while (!s->nbacklog) {
        if (unix_nonblock(f, 0))
            return -EAGAIN;
        if (s->shut & UNIX_SHUT_RD)
            return -EINVAL;
        if (fdwait_block(0) == -ERESTARTSYS)
            return -ERESTARTSYS;
    }
    return 0;
}

long unix_accept4(long fd, long addr, long len, long flags)
{
    struct file *f = fd_file(fd);
    struct usock *s = f->priv;
    if (flags & ~SOCK_FLAGS)
        return -EINVAL;
    if (!s->listening)
        return -EINVAL;
    file_hold(f); /* a close() meanwhile leaves s listening */
    long r = accept_wait(f, s);
    if (r < 0) {
        file_unhold(f);
        return r;
    }
    struct usock *c = s->backlog[0];
    memmove(s->backlog, s->backlog + 1, --s->nbacklog * sizeof *s->backlog);
    fdwait_notify(); /* a connect waiting for room in the backlog */
    long nfd = usock_install(c, (int)flags, 1);
    if (nfd >= 0 && addr) {
        struct uaddr none = {0};
        unix_addr_to_user(c->peer ? &c->peer->name : &none, addr, len);
    }
    file_unhold(f);
    return nfd;
}

/* A new connection waiting in listener l's backlog, peer of s. */
static long unix_join(struct usock *s, struct usock *l)
{
    struct usock *e = usock_new(l->type);
    if (!e)
        return -ENOBUFS;
    e->name = l->name; /* the accepted socket is named as its listener */
    e->peer = s, s->peer = e;
    e->connected = s->connected = 1;
    l->backlog[l->nbacklog++] = e;
    fdwait_notify();
    return 0;
}

static long unix_connect_stream(struct file *f, struct usock *s,
                                const struct uaddr *a)
{
    if (s->listening)
        return -EINVAL;
    if (s->connected)
        return -EISCONN;
    for (;;) {
        struct usock *l = unix_lookup(a, s->type);
        if (!l)
            return a->path[0] ? -ENOENT : -ECONNREFUSED;
        if (l->type != s->type)
            return -EPROTOTYPE;
        if (!l->listening || (l->shut & UNIX_SHUT_RD))
            return -ECONNREFUSED;
        if (l->nbacklog < l->maxbacklog)
            return unix_join(s, l);
        if (unix_nonblock(f, 0))
            return -EAGAIN;
        if (fdwait_block(0) == -ERESTARTSYS)
            return -ERESTARTSYS;
    }
}

long unix_connect(long fd, long addr, long len)
{
    struct file *f = fd_file(fd);
    struct usock *s = f->priv;
    struct uaddr a;
    if (s->type == SOCK_DGRAM && len >= (long)sizeof(sa_family_t) && addr &&
        ((const struct sockaddr *)addr)->sa_family == AF_UNSPEC) {
        s->peer = NULL; /* a datagram socket's connect dissolves */
        s->peer_died = 0;
        return 0;
    }
    long r = unix_addr_from_user(addr, len, &a);
    if (r < 0)
        return r;
    if (!a.len)
        return -EINVAL;
    if (s->type != SOCK_DGRAM) {
        file_hold(f); /* a close() meanwhile leaves s to connect */
        r = unix_connect_stream(f, s, &a);
        file_unhold(f);
        return r;
    }
    struct usock *t = unix_lookup(&a, SOCK_DGRAM);
    if (!t)
        return a.path[0] ? -ENOENT : -ECONNREFUSED;
    if (t->type != SOCK_DGRAM)
        return -EPROTOTYPE;
    s->peer = t;
    s->peer_died = 0;
    return 0;
}

long unix_shutdown(long fd, long how)
{
    struct usock *s = usock_of(fd);
    if (how < SHUT_RD || how > SHUT_RDWR)
        return -EINVAL;
    int mine = (int)how + 1; /* SHUT_RD 0 -> 1, SHUT_WR 1 -> 2, both 3 */
    s->shut |= mine;
    if (s->peer && s->type != SOCK_DGRAM) /* my reading end is its writing */
        s->peer->shut |= ((mine & UNIX_SHUT_RD) ? UNIX_SHUT_WR : 0) |
                         ((mine & UNIX_SHUT_WR) ? UNIX_SHUT_RD : 0);
    fdwait_notify();
    return 0;
}

long unix_getsockname(long fd, long addr, long len)
{
    if (!addr)
        return -EFAULT;
    return unix_addr_to_user(&usock_of(fd)->name, addr, len);
}

long unix_getpeername(long fd, long addr, long len)
{
    struct usock *s = usock_of(fd);
    if (!s->peer)
        return -ENOTCONN;
    if (!addr)
        return -EFAULT;
    return unix_addr_to_user(&s->peer->name, addr, len);
}

/* ---- options: SOL_SOCKET only ------------------------------------------- */

long unix_setsockopt(long fd, long level, long name, long val, long len)
{
    (void)fd, (void)name, (void)val;
    if (len < 0)
        return -EINVAL;
    /* buffer sizes, SO_PASSCRED, timeouts...: accepted, sizes are fixed */
    return level == SOL_SOCKET ? 0 : -ENOPROTOOPT;
}

/* The int-valued SOL_SOCKET options; -ENOPROTOOPT for the others. */
static int unix_opt_int(struct usock *s, int name, int *v)
{
    switch (name) {
    case SO_TYPE: *v = s->type; return 0;
    case SO_DOMAIN: *v = AF_UNIX; return 0;
    case SO_PROTOCOL: *v = 0; return 0;
    case SO_ACCEPTCONN: *v = s->listening; return 0;
    case SO_SNDBUF:
    case SO_RCVBUF: *v = UNIX_BUF; return 0;
    case SO_ERROR:
        *v = s->err;
        s->err = 0;
        return 0;
    default: return -ENOPROTOOPT;
    }
}

long unix_getsockopt(long fd, long level, long name, long val, long lenp)
{
    struct usock *s = usock_of(fd);
    socklen_t *lp = (socklen_t *)lenp;
    if (!lp || !val)
        return -EFAULT;
    if ((int)*lp < 0)
        return -EINVAL;
    if (level != SOL_SOCKET)
        return -ENOPROTOOPT;
    union {
        struct ucred cred;
        int i;
    } v;
    socklen_t n = sizeof v.i;
    if (name == SO_PEERCRED) { /* one process: its own, as root */
        if (!s->peer)
            return -ENOTCONN;
        v.cred = (struct ucred){.pid = 1, .uid = 0, .gid = 0};
        n = sizeof v.cred;
    } else {
        int r = unix_opt_int(s, (int)name, &v.i);
        if (r < 0)
            return r;
    }
    if (*lp > n)
        *lp = n;
    memcpy((void *)val, &v, *lp);
    return 0;
}
