/*
 * tcp_sock.c: TCP's struct net_sock_ops, the calls behind Linux's
 * socket system calls, with Linux's errno values and poll() bits. All
 * of them are non-blocking (net.h); only close() with SO_LINGER waits.
 *
 * An AF_INET6 socket (net_socket6) takes and gives struct sockaddr_in6
 * where net.h says sockaddr_in; IPv4 peers appear v4-mapped to it, and
 * unless IPV6_V6ONLY its wildcard listener takes them too.
 *
 * Link-local peers: the scope id picks the source address, hence the
 * NIC (scope6.c), and names are reported with the id of laddr's NIC.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include "tcp.h"

static struct tcp_pcb *P(struct net_sock *s)
{
    return (struct tcp_pcb *)s;
}

int tcp_sock_create(struct net_sock **out)
{
    struct tcp_pcb *p = tcp_pcb_alloc();
    if (!p)
        return -ENFILE;
    p->laddr = addr_from4(0); /* an AF_INET socket's wildcard */
    *out = &p->sock;
    return 0;
}

int tcp_sock_create6(struct net_sock **out)
{
    int r = tcp_sock_create(out);
    if (r == 0) {
        P(*out)->v6sock = 1;
        memset(&P(*out)->laddr, 0, sizeof(net_addr)); /* :: */
    }
    return r;
}

static int is_loopback(net_addr a)
{
    return addr_is4(a) && (ntohl(addr_to4(a)) >> 24) == 127;
}

/* The address and port in a (a sockaddr_in6 for an AF_INET6 socket). */
static int sock_addr(const struct tcp_pcb *p, const struct sockaddr_in *a,
                     net_addr *addr, uint16_t *port, uint32_t *scope)
{
    *scope = 0;
    if (!p->v6sock) {
        if (a->sin_family != AF_INET)
            return -EAFNOSUPPORT;
        *addr = addr_from4(a->sin_addr.s_addr);
        *port = a->sin_port;
        return 0;
    }
    const struct sockaddr_in6 *a6 = (const void *)a;
    if (a6->sin6_family != AF_INET6)
        return -EAFNOSUPPORT;
    if (p->v6only && addr_is4(a6->sin6_addr))
        return -EINVAL;
    *addr = a6->sin6_addr;
    *port = a6->sin6_port;
    *scope = a6->sin6_scope_id;
    return 0;
}

static int tcp_bind(struct net_sock *s, const struct sockaddr_in *a)
{
    struct tcp_pcb *p = P(s);
    net_addr addr;
    uint16_t port;
    uint32_t scope;
    int r = sock_addr(p, a, &addr, &port, &scope);
    if (r < 0)
        return r;
    if (p->lport || p->state != TCPS_CLOSED || p->conn_done)
        return -EINVAL;
    if ((r = net_l4_scope_bind(addr, scope)) < 0)
        return r;
    if (!addr_is_wild(addr) && !net_l4_is_local(addr) && !is_loopback(addr))
        return -EADDRNOTAVAIL;
    return tcp_port_bind(p, addr, port);
}

static int tcp_listen(struct net_sock *s, int backlog)
{
    struct tcp_pcb *p = P(s);
    if (backlog < 0)
        backlog = 0;
    if (backlog > TCP_BACKLOG_MAX)
        backlog = TCP_BACKLOG_MAX;
    if (p->state == TCPS_LISTEN) {
        p->backlog = (uint16_t)backlog;
        return 0;
    }
    if (p->state != TCPS_CLOSED || p->conn_done)
        return -EINVAL;
    if (!p->lport && tcp_port_ephemeral(p, addr_from4(0), 0) < 0)
        return -EADDRINUSE;
    p->backlog = (uint16_t)backlog;
    tcp_set_state(p, TCPS_LISTEN);
    return 0;
}

/* A sockaddr_in, or for an AF_INET6 socket a sockaddr_in6, at a. */
static void fill_addr(const struct tcp_pcb *p, struct sockaddr_in *a,
                      net_addr addr, uint16_t port)
{
    if (p->v6sock) {
        struct sockaddr_in6 *a6 = (void *)a;
        memset(a6, 0, sizeof *a6);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = port;
        a6->sin6_addr = addr;
        a6->sin6_scope_id = net_l4_scope_of(addr, p->laddr);
        return;
    }
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = port;
    a->sin_addr.s_addr = addr_to4(addr);
}

static int tcp_accept(struct net_sock *s, struct net_sock **child,
                      struct sockaddr_in *peer)
{
    struct tcp_pcb *l = P(s);
    if (l->state != TCPS_LISTEN)
        return -EINVAL;
    if (!l->acc_head)
        return -EAGAIN;
    struct tcp_pcb *c = tcp_pcb_at(l->acc_head);
    tcp_child_unlink(c);
    if (peer)
        fill_addr(c, peer, c->raddr, c->rport);
    *child = &c->sock;
    return 0;
}

/* What a connect() call says about a connection already under way. */
static int connect_status(struct tcp_pcb *p)
{
    if (p->state == TCPS_SYN_SENT || p->state == TCPS_SYN_RECEIVED)
        return -EALREADY;
    if (p->state == TCPS_CLOSED && p->connecting) {
        int e = p->err ? p->err : -ECONNABORTED;
        p->err = 0;
        p->connecting = 0;
        p->conn_done = 0; /* Linux lets a failed socket connect again */
        p->shut_rd = p->shut_wr = 0;
        return e;
    }
    if (p->connecting) {
        p->connecting = 0;
        return 0;
    }
    return -EISCONN;
}

static int connect_start(struct tcp_pcb *p, net_addr raddr, uint16_t rport,
                         uint32_t scope)
{
    static const net_addr one = {.s6_addr = {[15] = 1}};
    uint64_t now = hc_clock_monotonic();
    p->raddr = raddr;
    if (addr_is_wild(raddr)) /* Linux: to the wildcard is to ourselves */
        p->raddr = addr_is4(raddr) ? addr_from4(htonl(0x7f000001)) : one;
    p->rport = rport;
    int r = net_l4_scoped(p->raddr, scope, &p->laddr);
    if (r < 0)
        return r;
    if (addr_is_wild(p->laddr))
        return -ENETUNREACH;
    if (!p->lport && tcp_port_ephemeral(p, p->raddr, p->rport) < 0)
        return -EADDRNOTAVAIL;
    if (tcp_pcb_lookup(p->laddr, p->lport, p->raddr, p->rport))
        return -EADDRNOTAVAIL;
    tcp_pcb_init_conn(p, now);
    if (tcp_alloc_rings(p) < 0)
        return -ENOBUFS;
    p->iss = tcp_isn(p->laddr, p->raddr, p->lport, p->rport, now);
    p->snd_una = p->iss;
    p->snd_nxt = p->snd_max = p->snd_buf_seq = p->iss + 1;
    p->snd_len = 0;
    p->mss = p->adv_mss;
    tcp_set_state(p, TCPS_SYN_SENT);
    p->connecting = 1;
    p->rtt_start = now;
    tcp_send_syn(p);
    tcp_rexmit_arm(p);
    return -EINPROGRESS;
}

static int tcp_connect(struct net_sock *s, const struct sockaddr_in *a)
{
    struct tcp_pcb *p = P(s);
    net_addr raddr;
    uint16_t rport;
    uint32_t scope;
    int r = sock_addr(p, a, &raddr, &rport, &scope);
    if (r < 0)
        return r;
    if (p->state == TCPS_LISTEN)
        return -EISCONN;
    if (p->state != TCPS_CLOSED || p->connecting || p->conn_done)
        return connect_status(p);
    return connect_start(p, raddr, rport, scope);
}

/* A bulk sender fills its ring while the network could carry more: the
 * ring, not the window, limits it. Double it (SO_SNDBUF set by the
 * application is left alone), memory permitting. */
static int send_autogrow(struct tcp_pcb *p)
{
    uint32_t room = p->snd_wnd < p->cwnd ? p->snd_wnd : p->cwnd;
    if (p->sndbuf_locked || room < p->snd.size / 2)
        return 0;
    return tcp_ring_grow(&p->snd) == 0;
}

static long tcp_send(struct net_sock *s, const void *buf, size_t len, int flags,
                     const struct sockaddr_in *to)
{
    struct tcp_pcb *p = P(s);
    if (p->err) {
        int e = p->err;
        p->err = 0;
        return e;
    }
    if (p->state == TCPS_SYN_SENT || p->state == TCPS_SYN_RECEIVED)
        return -EAGAIN;
    if (p->shut_wr ||
        (p->state != TCPS_ESTABLISHED && p->state != TCPS_CLOSE_WAIT))
        return -EPIPE;
    if (!len)
        return 0;
    uint32_t space = p->snd.size - p->snd_len;
    if (!space && send_autogrow(p))
        space = p->snd.size - p->snd_len;
    if (!space)
        return -EAGAIN;
    uint32_t n = len < space ? (uint32_t)len : space;
    if (tcp_ring_put(&p->snd, p->snd_buf_seq, p->snd_buf_seq + p->snd_len, buf,
                     n) < 0)
        return -ENOBUFS; /* no pages for the ring: memory is short */
    p->snd_len += n;
    p->more = (flags & MSG_MORE) != 0;
    tcp_output(p);
    return n;
}

/* After the application read: tell the peer when the window it knows
 * has become small against what we could now take. */
static void window_after_read(struct tcp_pcb *p)
{
    if (p->fin_rcvd || p->state == TCPS_CLOSED)
        return;
    uint32_t known = p->rcv_adv - p->rcv_nxt, now = tcp_rcv_window(p);
    if (now >= 2 * known && now - known >= p->mss)
        tcp_send_ack(p);
}

/* The peer filled our ring (its window) before this read: the window,
 * not the network or the reader, limits it, as when one 64 KiB segment
 * a NIC coalesced fills a 64 KiB ring at once. Double the ring (memory
 * permitting; SO_RCVBUF set by the application is left alone), as
 * Linux's receive buffer autotuning would. Out-of-order data in the
 * ring waits: only [rcv_read, rcv_nxt) moves. */
static void recv_autogrow(struct tcp_pcb *p, uint32_t unread_before)
{
    if (p->rcvbuf_locked || p->ooo.n ||
        unread_before < p->rcv.size - p->rcv.size / 4)
        return;
    tcp_ring_grow(&p->rcv);
}

static long tcp_recv(struct net_sock *s, void *buf, size_t len, int flags,
                     struct sockaddr_in *from)
{
    struct tcp_pcb *p = P(s);
    if (p->state == TCPS_LISTEN ||
        (p->state == TCPS_CLOSED && !p->conn_done && !p->connecting))
        return -ENOTCONN;
    if (p->rcv_unread && len) {
        uint32_t n = len < p->rcv_unread ? (uint32_t)len : p->rcv_unread;
        tcp_ring_get(&p->rcv, p->rcv_read, buf, n);
        if (!(flags & MSG_PEEK)) {
            uint32_t before = p->rcv_unread;
            p->rcv_read += n;
            p->rcv_unread -= n;
            recv_autogrow(p, before);
            if (!p->rcv_unread && !p->ooo.n)
                tcp_ring_park(&p->rcv); /* idle: hold no pages */
            window_after_read(p);
        }
        if (from)
            fill_addr(p, from, p->raddr, p->rport);
        return n;
    }
    if (p->err) {
        int e = p->err;
        p->err = 0;
        return e;
    }
    if (p->fin_rcvd || p->shut_rd || p->conn_done || !len)
        return 0;
    return -EAGAIN;
}

void tcp_queue_fin(struct tcp_pcb *p)
{
    if (p->shut_wr)
        return;
    p->shut_wr = 1;
    switch (p->state) {
    case TCPS_SYN_RECEIVED:
    case TCPS_ESTABLISHED: tcp_set_state(p, TCPS_FIN_WAIT_1); break;
    case TCPS_CLOSE_WAIT: tcp_set_state(p, TCPS_LAST_ACK); break;
    default: return;
    }
    p->fin_queued = 1;
    tcp_output(p);
}

static int tcp_shutdown(struct net_sock *s, int how)
{
    struct tcp_pcb *p = P(s);
    switch (p->state) {
    case TCPS_CLOSED:
    case TCPS_TIME_WAIT: return -ENOTCONN;
    case TCPS_LISTEN:
        if (how != SHUT_WR) {
            tcp_listen_close(p);
            tcp_set_state(p, TCPS_CLOSED);
            net_notify();
        }
        return 0;
    case TCPS_SYN_SENT: tcp_drop(p, 0); return 0;
    default: break;
    }
    if (how != SHUT_WR)
        p->shut_rd = 1;
    if (how != SHUT_RD)
        tcp_queue_fin(p);
    net_notify();
    return 0;
}

/* SO_LINGER with a time: wait until the peer acknowledged everything.
 * p is an orphan: a RST or a timer may free it while we sleep, and the
 * stack may then give its chunk back, so p is looked up after each
 * sleep, never kept. */
static void linger_wait(struct tcp_pcb *p)
{
    uint16_t idx = p->idx;
    uint32_t gen = p->gen;
    uint64_t deadline =
        hc_clock_monotonic() + (uint64_t)p->linger_s * 1000 * MS;
    while (p->snd_una != p->snd_max && p->state != TCPS_CLOSED &&
           p->state != TCPS_TIME_WAIT)
        if (net_wait(deadline) == -ETIMEDOUT || !(p = tcp_pcb_find(idx, gen)))
            return;
}

/* Whether close() resets rather than closes (as Linux): data the
 * application never read, SO_LINGER 0, or too many orphans already (p,
 * an orphan from now on, counts itself). */
static int close_aborts(struct tcp_pcb *p)
{
    if (p->rcv_unread || (p->linger_on && !p->linger_s))
        return 1;
    if (tcp_orphan_count() <= TCP_ORPHAN_MAX)
        return 0;
    tcp_stats.orphan_aborts++;
    return 1;
}

static int tcp_close(struct net_sock *s)
{
    struct tcp_pcb *p = P(s);
    tcp_pcb_orphan(p);
    switch (p->state) {
    case TCPS_LISTEN: tcp_listen_close(p); /* fall through */
    case TCPS_CLOSED:
    case TCPS_SYN_SENT:
    case TCPS_TIME_WAIT: tcp_pcb_free(p); return 0;
    default: break;
    }
    if (close_aborts(p)) {
        tcp_send_rst(p);
        tcp_drop(p, 0);
        return 0;
    }
    tcp_queue_fin(p);
    if (p->state == TCPS_FIN_WAIT_2)
        tcp_timer_set(p, &p->t_close, hc_clock_monotonic() + TCP_FIN_TIMEOUT);
    if (p->linger_on)
        linger_wait(p);
    return 0;
}

static unsigned tcp_poll(struct net_sock *s)
{
    struct tcp_pcb *p = P(s);
    if (p->state == TCPS_LISTEN)
        return p->acc_head ? POLLIN : 0;
    unsigned m = 0;
    int rd_shut = p->fin_rcvd || p->shut_rd;
    if (p->err)
        m |= POLLERR;
    if ((rd_shut && p->shut_wr) || p->state == TCPS_CLOSED ||
        p->state == TCPS_TIME_WAIT)
        m |= POLLHUP;
    if (rd_shut)
        m |= POLLIN | POLLRDHUP;
    if (p->state == TCPS_SYN_SENT || p->state == TCPS_SYN_RECEIVED)
        return m;
    if (p->rcv_unread)
        m |= POLLIN;
    if (p->shut_wr || !p->snd.size ||
        p->snd.size - p->snd_len >= p->snd.size / 3)
        m |= POLLOUT;
    return m;
}

static int tcp_getname(struct net_sock *s, int peer, struct sockaddr_in *out)
{
    struct tcp_pcb *p = P(s);
    if (!peer) {
        fill_addr(p, out, p->laddr, p->lport);
        return 0;
    }
    if (p->state == TCPS_CLOSED || p->state == TCPS_LISTEN ||
        p->state == TCPS_SYN_SENT)
        return -ENOTCONN;
    fill_addr(p, out, p->raddr, p->rport);
    return 0;
}

const struct net_sock_ops tcp_ops = {
    .bind = tcp_bind,
    .listen = tcp_listen,
    .accept = tcp_accept,
    .connect = tcp_connect,
    .send = tcp_send,
    .recv = tcp_recv,
    .shutdown = tcp_shutdown,
    .close = tcp_close,
    .poll = tcp_poll,
    .getname = tcp_getname,
    .setsockopt = tcp_setsockopt,
    .getsockopt = tcp_getsockopt,
};
