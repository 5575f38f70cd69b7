/*
 * unix_msg.c: moving data through AF_UNIX sockets (sys_unix.c). A
 * stream's bytes go straight into the peer's receive ring; a datagram
 * or seqpacket record goes in whole, behind a header that carries its
 * length and the sender's name. Senders wait while the ring lacks room,
 * receivers while it is empty, unless non-blocking. Both hold the file
 * meanwhile (sys_unix.c says why).
 *
 * Limits: no ancillary data: SCM_RIGHTS (descriptor passing) gives
 * EOPNOTSUPP, any other control message EINVAL; recvmsg returns none.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "posix.h"
#include "unix.h"

#define IOV_MAX_COUNT 1024

struct rec {
    uint32_t len;     /* data bytes after the name */
    uint32_t namelen; /* the sender's name (struct uaddr's len) */
};

static long iov_sum(const struct iovec *v, long cnt, size_t *total)
{
    if (cnt < 0 || cnt > IOV_MAX_COUNT)
        return -EMSGSIZE;
    *total = 0;
    for (long i = 0; i < cnt; i++) {
        if (v[i].iov_len > (size_t)INT32_MAX - *total)
            return -EINVAL;
        *total += v[i].iov_len;
    }
    return 0;
}

/* Put n bytes of the iovecs, from byte skip on, into r. */
static void iov_to_ring(struct ring *r, const struct iovec *v, long cnt,
                        size_t skip, size_t n)
{
    for (long i = 0; i < cnt && n; i++) {
        if (skip >= v[i].iov_len) {
            skip -= v[i].iov_len;
            continue;
        }
        size_t k = v[i].iov_len - skip < n ? v[i].iov_len - skip : n;
        ring_put(r, (char *)v[i].iov_base + skip, k);
        n -= k, skip = 0;
    }
}

/* Copy n bytes from r at offset off into the iovecs, from byte skip on. */
static void ring_to_iov(const struct ring *r, size_t off, const struct iovec *v,
                        long cnt, size_t skip, size_t n)
{
    for (long i = 0; i < cnt && n; i++) {
        if (skip >= v[i].iov_len) {
            skip -= v[i].iov_len;
            continue;
        }
        size_t k = v[i].iov_len - skip < n ? v[i].iov_len - skip : n;
        ring_peek(r, (char *)v[i].iov_base + skip, k, off);
        off += k, n -= k, skip = 0;
    }
}

/* ---- sending -------------------------------------------------------- */

/* Where a datagram goes, or -errno. */
static long dgram_target(struct usock *s, const struct uaddr *to,
                         struct usock **t)
{
    if (!to) {
        if (s->peer_died) {
            s->peer_died = 0;
            return -ECONNREFUSED;
        }
        *t = s->peer;
        return *t ? 0 : -ENOTCONN;
    }
    *t = unix_lookup(to, SOCK_DGRAM);
    if (!*t)
        return to->path[0] ? -ENOENT : -ECONNREFUSED;
    if ((*t)->type != SOCK_DGRAM)
        return -EPROTOTYPE;
    if ((*t)->peer && (*t)->peer != s)
        return -EPERM; /* it takes datagrams only from its own peer */
    return 0;
}

/* One record (datagram or seqpacket) into t's ring, or -EAGAIN. */
static long record_put(struct usock *s, struct usock *t, const struct iovec *v,
                       long cnt, size_t total)
{
    struct rec h = {(uint32_t)total, s->name.len};
    if (ring_room(&t->rx) < sizeof h + h.namelen + total)
        return -EAGAIN;
    ring_put(&t->rx, &h, sizeof h);
    ring_put(&t->rx, s->name.path, h.namelen);
    iov_to_ring(&t->rx, v, cnt, 0, total);
    fdwait_notify();
    return (long)total;
}

/* Why a connected socket cannot send, or 0. */
static long conn_check(struct usock *s)
{
    if (s->err) {
        long e = -s->err;
        s->err = 0;
        return e;
    }
    if (!s->connected)
        return -ENOTCONN;
    if ((s->shut & UNIX_SHUT_WR) || !s->peer)
        return -EPIPE;
    return 0;
}

static long stream_send(struct file *f, const struct iovec *v, long cnt,
                        int flags, size_t total)
{
    struct usock *s = f->priv;
    size_t done = 0;
    for (;;) {
        long r = conn_check(s);
        if (r < 0)
            return done ? (long)done : r;
        size_t n = ring_room(&s->peer->rx);
        n = n < total - done ? n : total - done;
        iov_to_ring(&s->peer->rx, v, cnt, done, n);
        done += n;
        if (n)
            fdwait_notify();
        if (done == total)
            return (long)done;
        if (unix_nonblock(f, flags))
            return done ? (long)done : -EAGAIN;
        if (fdwait_block(0) == -ERESTARTSYS)
            return done ? (long)done : -ERESTARTSYS;
    }
}

static long record_send(struct file *f, const struct iovec *v, long cnt,
                        int flags, size_t total, const struct uaddr *to)
{
    struct usock *s = f->priv;
    if (total + sizeof(struct rec) + UNIX_PATH > UNIX_BUF)
        return -EMSGSIZE;
    for (;;) {
        struct usock *t = NULL;
        long r =
            s->type == SOCK_DGRAM ? dgram_target(s, to, &t) : conn_check(s);
        if (r < 0)
            return r;
        if (s->type == SOCK_DGRAM && (s->shut & UNIX_SHUT_WR))
            return -EPIPE;
        r = record_put(s, s->type == SOCK_DGRAM ? t : s->peer, v, cnt, total);
        /* poll says writable again only when such a record fits */
        s->want = r == -EAGAIN ? total + sizeof(struct rec) + s->name.len : 0;
        if (r != -EAGAIN || unix_nonblock(f, flags))
            return r;
        if (fdwait_block(0) == -ERESTARTSYS)
            return -ERESTARTSYS;
    }
}

static long send_held(struct file *f, const struct iovec *v, long cnt,
                      int flags, const struct uaddr *to)
{
    struct usock *s = f->priv;
    size_t total;
    long r = iov_sum(v, cnt, &total);
    if (r < 0)
        return r;
    if (s->type == SOCK_DGRAM)
        return record_send(f, v, cnt, flags, total, to);
    if (to)
        return s->connected ? -EISCONN : -EOPNOTSUPP;
    if (s->type == SOCK_SEQPACKET)
        return record_send(f, v, cnt, flags, total, NULL);
    return stream_send(f, v, cnt, flags, total);
}

long unix_send(struct file *f, const struct iovec *v, long cnt, int flags,
               const struct uaddr *to)
{
    file_hold(f);
    long r = send_held(f, v, cnt, flags, to);
    file_unhold(f);
    return r;
}

/* ---- receiving ------------------------------------------------------ */

/* Whether a read finds the end: nothing will arrive any more. */
static int at_end(const struct usock *s)
{
    if (s->shut & UNIX_SHUT_RD)
        return 1;
    return s->type != SOCK_DGRAM && s->connected && !s->peer;
}

/* Wait for something to read: 0 when there is, 1 at the end, -errno. */
static long recv_wait(struct file *f, int flags)
{
    struct usock *s = f->priv;
    for (;;) {
        if (s->err && !s->rx.len) {
            long e = -s->err;
            s->err = 0;
            return e;
        }
        if (s->rx.len)
            return 0;
        if (s->type != SOCK_DGRAM && !s->connected)
            return -EINVAL; /* Linux: not connected (yet) */
        if (at_end(s))
            return 1;
        if (unix_nonblock(f, flags))
            return -EAGAIN;
        if (fdwait_block(0) == -ERESTARTSYS)
            return -ERESTARTSYS;
    }
}

static long stream_recv(struct file *f, const struct iovec *v, long cnt,
                        int flags, size_t total)
{
    struct usock *s = f->priv;
    size_t done = 0;
    int all = (flags & MSG_WAITALL) && !(flags & MSG_PEEK);
    do {
        long r = recv_wait(f, done ? flags | (all ? 0 : MSG_DONTWAIT) : flags);
        if (r < 0)
            return done ? (long)done : r;
        if (r == 1)
            break;
        size_t n = s->rx.len < total - done ? s->rx.len : total - done;
        ring_to_iov(&s->rx, 0, v, cnt, done, n);
        if (!(flags & MSG_PEEK))
            ring_drop(&s->rx, n);
        done += n;
        fdwait_notify();
    } while (all && done < total);
    return (long)done;
}

static long record_recv(struct file *f, const struct iovec *v, long cnt,
                        int flags, size_t total, struct uaddr *from, int *trunc)
{
    struct usock *s = f->priv;
    long r = recv_wait(f, flags);
    if (r)
        return r < 0 ? r : 0;
    struct rec h;
    ring_peek(&s->rx, &h, sizeof h, 0);
    if (from) {
        from->len = h.namelen;
        ring_peek(&s->rx, from->path, h.namelen, sizeof h);
    }
    size_t n = h.len < total ? h.len : total;
    ring_to_iov(&s->rx, sizeof h + h.namelen, v, cnt, 0, n);
    *trunc = h.len > total;
    if (!(flags & MSG_PEEK)) {
        ring_drop(&s->rx, sizeof h + h.namelen + h.len);
        fdwait_notify();
    }
    return (flags & MSG_TRUNC) ? (long)h.len : (long)n;
}

static long recv_held(struct file *f, const struct iovec *v, long cnt,
                      int flags, struct uaddr *from, int *trunc)
{
    struct usock *s = f->priv;
    size_t total;
    long r = iov_sum(v, cnt, &total);
    *trunc = 0;
    if (from)
        *from = (struct uaddr){0};
    if (r < 0)
        return r;
    if (s->listening)
        return -EINVAL;
    if (s->type == SOCK_STREAM)
        return stream_recv(f, v, cnt, flags, total);
    return record_recv(f, v, cnt, flags, total, from, trunc);
}

long unix_recv(struct file *f, const struct iovec *v, long cnt, int flags,
               struct uaddr *from, int *trunc)
{
    file_hold(f);
    long r = recv_held(f, v, cnt, flags, from, trunc);
    file_unhold(f);
    return r;
}

/* ---- readiness ------------------------------------------------------ */

static unsigned poll_out(const struct usock *s)
{
    const struct usock *t = s->peer;
    if (s->shut & UNIX_SHUT_WR)
        return 0;
    if (!t)
        return s->type == SOCK_DGRAM ? POLLOUT : 0;
    /* a byte of a stream; a record of some size, or as big as the last
     * one that did not fit */
    size_t need = s->type == SOCK_STREAM ? 1 : sizeof(struct rec) + UNIX_PATH;
    if (s->want > need)
        need = s->want;
    return ring_room(&t->rx) >= need ? POLLOUT : 0;
}

unsigned unix_poll(struct file *f)
{
    struct usock *s = f->priv;
    if (s->listening)
        return s->nbacklog ? POLLIN : 0;
    unsigned r = poll_out(s) | (s->err ? POLLERR : 0);
    if (s->rx.len || at_end(s))
        r |= POLLIN;
    if (s->shut & UNIX_SHUT_RD)
        r |= POLLRDHUP;
    if (s->type != SOCK_DGRAM &&
        (!s->connected || !s->peer || s->shut == (UNIX_SHUT_RD | UNIX_SHUT_WR)))
        r |= POLLHUP;
    return r;
}

long unix_inq(struct usock *s)
{
    if (s->listening)
        return -EINVAL;
    if (s->type == SOCK_STREAM || !s->rx.len)
        return (long)s->rx.len;
    struct rec h;
    ring_peek(&s->rx, &h, sizeof h, 0);
    return h.len;
}

/* ---- the calls with addresses and messages ------------------------------- */

/* Refuse what cannot be honoured: descriptor passing above all. */
static long control_check(struct msghdr *m)
{
    if (!m->msg_controllen)
        return 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            return -EOPNOTSUPP;
    return -EINVAL;
}

/* A received message's sender, as Linux gives it: no address at all
 * (length 0) when the sender is unnamed. */
static void sender_to_user(const struct uaddr *from, long uaddr, long ulen)
{
    if (from->len)
        unix_addr_to_user(from, uaddr, ulen);
    else if (ulen)
        *(socklen_t *)ulen = 0;
}

long unix_sendmsg(long fd, long msgp, long flags)
{
    struct msghdr *m = (struct msghdr *)msgp;
    struct uaddr to;
    if (!m)
        return -EFAULT;
    long r = control_check(m);
    if (r < 0)
        return r;
    if (m->msg_name &&
        (r = unix_addr_from_user((long)m->msg_name, m->msg_namelen, &to)) < 0)
        return r;
    return unix_send(fd_file(fd), m->msg_iov, (long)m->msg_iovlen, (int)flags,
                     m->msg_name ? &to : NULL);
}

long unix_recvmsg(long fd, long msgp, long flags)
{
    struct msghdr *m = (struct msghdr *)msgp;
    struct uaddr from;
    int trunc;
    if (!m)
        return -EFAULT;
    long n = unix_recv(fd_file(fd), m->msg_iov, (long)m->msg_iovlen, (int)flags,
                       &from, &trunc);
    if (n < 0)
        return n;
    if (m->msg_name)
        sender_to_user(&from, (long)m->msg_name, (long)&m->msg_namelen);
    m->msg_controllen = 0;
    m->msg_flags = trunc ? MSG_TRUNC : 0;
    return n;
}

long unix_sendto(long fd, long buf, long len, long flags, long addr, long alen)
{
    struct iovec v = {(void *)buf, (size_t)len};
    struct msghdr m = {.msg_name = (void *)addr,
                       .msg_namelen = (socklen_t)alen,
                       .msg_iov = &v,
                       .msg_iovlen = 1};
    return unix_sendmsg(fd, (long)&m, flags);
}

long unix_recvfrom(long fd, long buf, long len, long flags, long addr,
                   long alen)
{
    struct iovec v = {(void *)buf, (size_t)len};
    struct uaddr from;
    int trunc;
    long n = unix_recv(fd_file(fd), &v, 1, (int)flags, &from, &trunc);
    if (n >= 0 && addr)
        sender_to_user(&from, addr, alen);
    return n;
}

long unix_rw_iov(long fd, long iov, long cnt, int write)
{
    const struct iovec *v = (const struct iovec *)iov;
    int trunc;
    return write ? unix_send(fd_file(fd), v, cnt, 0, NULL)
                 : unix_recv(fd_file(fd), v, cnt, 0, NULL, &trunc);
}
