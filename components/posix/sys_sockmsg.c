/*
 * sys_sockmsg.c: the send and receive calls with addresses, flags and
 * iovecs (sendto, recvfrom, sendmsg, recvmsg, and readv/writev on a
 * socket), over sock_send/sock_recv in sys_socket.c. A stream's iovecs
 * are sent or filled one after the other; a datagram, or a peek over
 * several iovecs, goes through one bounce buffer, since a datagram is
 * one net_send/net_recv. That buffer is never held across a wait, so
 * threads can share it (nothing preempts). No ancillary data:
 * msg_controllen comes back 0.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "../net/net.h"
#include "file.h"
#include "memfile.h"
#include "posix.h"

#define IOV_MAX_COUNT 1024
#define DGRAM_MAX 65535

/* Taken from the page allocator at first use, so programs that never
 * gather or scatter a datagram do not carry 64 KiB in their image. */
static char *bounce;

static char *bounce_get(void)
{
    if (!bounce)
        bounce = hc_pages_alloc(DGRAM_MAX / HC_PAGE_SIZE + 1);
    return bounce;
}

static long iov_total(const struct iovec *v, long cnt, size_t *total)
{
    if (cnt < 0 || cnt > IOV_MAX_COUNT)
        return -EINVAL;
    *total = 0;
    for (long i = 0; i < cnt; i++) {
        if (v[i].iov_len > (size_t)INT32_MAX - *total)
            return -EINVAL;
        *total += v[i].iov_len;
    }
    return 0;
}

/* Copy between the bounce buffer and the iovecs (n bytes). */
static void iov_copy(const struct iovec *v, long cnt, size_t n, int to_iov)
{
    size_t off = 0;
    for (long i = 0; i < cnt && off < n; i++) {
        size_t k = v[i].iov_len < n - off ? v[i].iov_len : n - off;
        if (to_iov)
            memcpy(v[i].iov_base, bounce + off, k);
        else
            memcpy(bounce + off, v[i].iov_base, k);
        off += k;
    }
}

static long send_parts(struct file *f, const struct iovec *v, long cnt,
                       int flags, const struct sockaddr_in *to)
{
    struct psock *p = f->priv;
    size_t total;
    long r = iov_total(v, cnt, &total);
    if (r < 0)
        return r;
    if (p->type != SOCK_STREAM || cnt == 1) {
        if (cnt == 1)
            return sock_send(f, v[0].iov_base, v[0].iov_len, flags, to);
        if (total > DGRAM_MAX)
            return -EMSGSIZE;
        if (!bounce_get())
            return -ENOMEM;
        iov_copy(v, cnt, total, 0);
        return sock_send(f, bounce, total, flags, to);
    }
    long done = 0;
    for (long i = 0; i < cnt; i++) {
        int more = i + 1 < cnt ? MSG_MORE : 0; /* one segment, not many */
        long n = sock_send(f, v[i].iov_base, v[i].iov_len, flags | more, to);
        if (n < 0)
            return done ? done : n;
        done += n;
        if ((size_t)n < v[i].iov_len)
            break;
    }
    return done;
}

/* *trunc is set when a datagram was longer than the iovecs. */
static long recv_parts(struct file *f, const struct iovec *v, long cnt,
                       int flags, struct sockaddr_in *from, int *trunc)
{
    struct psock *p = f->priv;
    size_t total;
    long r = iov_total(v, cnt, &total);
    *trunc = 0;
    if (r < 0)
        return r;
    if (p->type != SOCK_STREAM || (flags & MSG_PEEK) || cnt == 1) {
        int one = cnt == 1;
        if (!one && !bounce_get())
            return -ENOMEM;
        void *buf = one ? v[0].iov_base : bounce;
        size_t len = one ? v[0].iov_len : total < DGRAM_MAX ? total : DGRAM_MAX;
        int tflag = p->type == SOCK_DGRAM ? MSG_TRUNC : 0;
        long n = sock_recv(f, buf, len, flags | tflag, from);
        if (n < 0)
            return n;
        *trunc = (size_t)n > len;
        if (!one)
            iov_copy(v, cnt, (size_t)n < len ? (size_t)n : len, 1);
        return (flags & MSG_TRUNC) || (size_t)n < len ? n : (long)len;
    }
    long done = 0;
    for (long i = 0; i < cnt; i++) {
        /* only the first part waits, unless MSG_WAITALL asks for all */
        int nb = done && !(flags & MSG_WAITALL) ? MSG_DONTWAIT : 0;
        long n = sock_recv(f, v[i].iov_base, v[i].iov_len, flags | nb, from);
        if (n < 0)
            return done ? done : n;
        done += n;
        if ((size_t)n < v[i].iov_len)
            break;
    }
    return done;
}

/* f held across all the parts: a close() by another thread meanwhile
 * leaves the socket open until the call ends (file_hold). */
static long send_iov(struct file *f, const struct iovec *v, long cnt, int flags,
                     const struct sockaddr_in *to)
{
    file_hold(f);
    long n = send_parts(f, v, cnt, flags, to);
    file_unhold(f);
    return n;
}

static long recv_iov(struct file *f, const struct iovec *v, long cnt, int flags,
                     struct sockaddr_in *from, int *trunc)
{
    file_hold(f);
    long n = recv_parts(f, v, cnt, flags, from, trunc);
    file_unhold(f);
    return n;
}

long sys_sendto(long fd, long buf, long len, long flags, long addr, long alen)
{
    if (unix_fd(fd))
        return unix_sendto(fd, buf, len, flags, addr, alen);
    struct file *f;
    long r = sock_get(fd, &f);
    union sa46 to;
    if (r < 0)
        return r;
    int family = ((struct psock *)f->priv)->family;
    if (addr && (r = addr_from_user(addr, alen, &to, family, 0)) < 0)
        return r;
    struct iovec v = {(void *)buf, (size_t)len};
    return send_iov(f, &v, 1, (int)flags, addr ? &to.in : NULL);
}

long sys_recvfrom(long fd, long buf, long len, long flags, long addr, long alen)
{
    if (unix_fd(fd))
        return unix_recvfrom(fd, buf, len, flags, addr, alen);
    struct file *f;
    long r = sock_get(fd, &f);
    if (r < 0)
        return r;
    int stream = ((struct psock *)f->priv)->type == SOCK_STREAM;
    union sa46 from = {0};
    struct iovec v = {(void *)buf, (size_t)len};
    int trunc;
    long n = recv_iov(f, &v, 1, (int)flags, &from.in, &trunc);
    if (n >= 0 && addr) /* f may be closed by now: read no more of it */
        addr_to_user(stream ? NULL : &from, addr, alen);
    return n;
}

long sys_sendmsg(long fd, long msgp, long flags)
{
    if (unix_fd(fd))
        return unix_sendmsg(fd, msgp, flags);
    struct file *f;
    long r = sock_get(fd, &f);
    const struct msghdr *m = (const struct msghdr *)msgp;
    union sa46 to;
    if (r < 0)
        return r;
    int family = ((struct psock *)f->priv)->family;
    if (m->msg_name && (r = addr_from_user((long)m->msg_name, m->msg_namelen,
                                           &to, family, 0)) < 0)
        return r;
    return send_iov(f, m->msg_iov, (long)m->msg_iovlen, (int)flags,
                    m->msg_name ? &to.in : NULL);
}

long sys_recvmsg(long fd, long msgp, long flags)
{
    if (unix_fd(fd))
        return unix_recvmsg(fd, msgp, flags);
    struct file *f;
    long r = sock_get(fd, &f);
    struct msghdr *m = (struct msghdr *)msgp;
    if (r < 0)
        return r;
    int stream = ((struct psock *)f->priv)->type == SOCK_STREAM;
    union sa46 from = {0};
    int trunc;
    long n = recv_iov(f, m->msg_iov, (long)m->msg_iovlen, (int)flags, &from.in,
                      &trunc);
    if (n < 0)
        return n;
    if (m->msg_name) /* f may be closed by now: read no more of it */
        addr_to_user(stream ? NULL : &from, (long)m->msg_name,
                     (long)&m->msg_namelen);
    m->msg_controllen = 0;
    m->msg_flags = trunc ? MSG_TRUNC : 0;
    return n;
}

long sock_rw_iov(long fd, long iov, long cnt, int write)
{
    struct file *f;
    long r = sock_get(fd, &f);
    int trunc;
    if (r < 0)
        return r;
    const struct iovec *v = (const struct iovec *)iov;
    return write ? send_iov(f, v, cnt, MSG_NOSIGNAL, NULL)
                 : recv_iov(f, v, cnt, 0, NULL, &trunc);
}
