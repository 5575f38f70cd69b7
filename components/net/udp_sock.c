/*
 * udp_sock.c: UDP's sockets (RFC 768, RFC 1122 section 4.1): binding,
 * connecting, sending, the receive queues and the ICMP errors that
 * reach a socket. udp.c hands each checked datagram to udp_sock_demux,
 * which queues it on the best matching socket (connected peer > bound
 * address > INADDR_ANY; every match for broadcasts). Linked only into
 * an image whose program can make a SOCK_DGRAM socket (see udp.c).
 *
 * Each socket's receive queue is a byte ring of records (sender, length,
 * data) taken with hc_pages_alloc when the socket first needs it and
 * sized by SO_RCVBUF; a datagram that does not fit is dropped, as on
 * Linux. Sending builds the datagram in one transmit buffer (no
 * allocation) and hands it to ip_send, which fragments long ones.
 *
 * IPv6: addresses are net_addr (v4-mapped for IPv4, netint.h); an
 * AF_INET6 socket (udp_sock_create6) takes and gives sockaddr_in6, sees
 * IPv4 peers v4-mapped unless IPV6_V6ONLY, and sends through
 * net_l4_send. Link-local peers carry a scope id (scope6.c): a record
 * keeps the one of the NIC the datagram came in on, a connected
 * socket its peer's.
 *
 * Limits: UDP_SOCKS sockets; no multicast membership, no IP options,
 * no cmsg; SO_SNDBUF is stored and reported but sends never queue;
 * broadcast is IPv4's only.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include "ip6.h"
#include "kiln/byteorder.h"

#define UDP_SOCKS 64
#define UDP_DATA_MAX (65535 - IP_HLEN - UDP_HLEN)
#define UDP_RCVBUF_DEFAULT (64 * 1024)
#define UDP_RCVBUF_MIN (8 * 1024)
#define UDP_RCVBUF_MAX (1024 * 1024)
#define UDP_SNDBUF_DEFAULT 212992
#define UDP_EPHEMERAL_LO 32768
#define UDP_EPHEMERAL_N 28232 /* Linux's 32768..60999 */
#define UDP_TX_PAGES 17       /* NET_HEADROOM + 8 + UDP_DATA_MAX */
#define REC_HDR 24            /* length, source address, port, scope */
#define BCAST4 0xffffffffu
#define REC_WRAP UINT32_MAX

struct udp_sock {
    struct net_sock sock; /* first: net_sock pointers are ours */
    uint8_t used, bound, connected, reuse, broadcast, shut_rd;
    uint8_t v6sock, v6only; /* AF_INET6; IPV6_V6ONLY */
    net_addr laddr, raddr;  /* laddr: a wildcard when unbound */
    uint16_t lport, rport;
    uint32_t scope; /* the connected peer's scope id */
    int err;        /* pending error from ICMP, for SO_ERROR */
    uint32_t rcvbuf, sndbuf;
    uint8_t *ring; /* receive records; ring_pages of them */
    size_t ring_pages, head, tail, used_bytes, count;
};

/* UDP_SOCKS of them (about 8 KiB), allocated by the first socket, not carried
 * in every image; until then nothing matches. */
static struct udp_sock *socks;

static struct udp_sock *socks_end(void)
{
    return socks ? socks + UDP_SOCKS : socks;
}
static uint8_t *tx_buf;

static size_t round8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* ---- receive ring -------------------------------------------------------- */

static size_t ring_bytes(const struct udp_sock *u)
{
    return u->ring_pages * HC_PAGE_SIZE;
}

static int ring_ensure(struct udp_sock *u)
{
    size_t pages = (u->rcvbuf + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE;
    if (u->ring && (u->ring_pages == pages || u->count))
        return 0; /* resized only while empty */
    if (u->ring)
        hc_pages_free(u->ring, u->ring_pages);
    u->ring_pages = 0;
    if (!(u->ring = hc_pages_alloc(pages)))
        return -ENOMEM;
    u->ring_pages = pages;
    u->head = u->tail = u->used_bytes = 0;
    return 0;
}

/* Where a record of need bytes goes (see loopback.c: same layout). */
static long ring_place(struct udp_sock *u, size_t need)
{
    size_t size = ring_bytes(u), to_end = size - u->tail;
    if (u->used_bytes + need > size)
        return -1;
    if (u->tail >= u->head || !u->used_bytes) {
        if (need <= to_end)
            return (long)u->tail;
        if (need > u->head || u->used_bytes + to_end + need > size)
            return -1;
        memcpy(u->ring + u->tail, &(uint32_t){REC_WRAP}, 4);
        u->used_bytes += to_end;
        return 0;
    }
    return need <= u->head - u->tail ? (long)u->tail : -1;
}

static int ring_put(struct udp_sock *u, net_addr src, uint16_t sport,
                    uint16_t scope, const uint8_t *data, size_t len)
{
    if (ring_ensure(u) < 0)
        return -1;
    if (!u->count)
        u->head = u->tail = u->used_bytes = 0;
    size_t need = REC_HDR + round8(len);
    long at = ring_place(u, need);
    if (at < 0)
        return -1;
    uint8_t *r = u->ring + at;
    uint32_t n = (uint32_t)len;
    memcpy(r, &n, 4);
    memcpy(r + 4, &src, 16);
    memcpy(r + 20, &sport, 2);
    memcpy(r + 22, &scope, 2);
    memcpy(r + REC_HDR, data, len);
    u->tail = ((size_t)at + need) % ring_bytes(u);
    u->used_bytes += need;
    u->count++;
    return 0;
}

/* The oldest record, skipping a wrap marker; NULL when empty. */
static uint8_t *ring_first(struct udp_sock *u)
{
    if (!u->count)
        return NULL;
    uint32_t n;
    memcpy(&n, u->ring + u->head, 4);
    if (n == REC_WRAP) {
        u->used_bytes -= ring_bytes(u) - u->head;
        u->head = 0;
    }
    return u->ring + u->head;
}

static void ring_pop(struct udp_sock *u, size_t len)
{
    size_t need = REC_HDR + round8(len);
    u->head = (u->head + need) % ring_bytes(u);
    u->used_bytes -= need;
    u->count--;
}

/* ---- input ----------------------------------------------------------------
 */

/* Whether u's wildcard (or address) is of a family dst can be. */
static int udp_family_ok(const struct udp_sock *u, net_addr dst)
{
    if (!u->v6sock)
        return addr_is4(dst);
    return !addr_is4(dst) || !u->v6only;
}

/* A specific address (not a wildcard, not IPv4 broadcast). */
static int udp_specific(net_addr a)
{
    return !addr_is_wild(a) && !addr_eq(a, addr_from4(BCAST4));
}

static int udp_has_laddr(const struct udp_sock *u)
{
    return udp_specific(u->laddr);
}

/* How well u takes a datagram to dst:dport from src:sport; 0 not at all. */
static int udp_match(const struct udp_sock *u, net_addr dst, uint16_t dport,
                     net_addr src, uint16_t sport)
{
    if (!u->used || !u->bound || u->lport != dport || u->shut_rd)
        return 0;
    if (!udp_family_ok(u, dst))
        return 0;
    if (udp_has_laddr(u) && !addr_eq(u->laddr, dst))
        return 0;
    if (u->connected && (!addr_eq(u->raddr, src) || u->rport != sport))
        return 0;
    return 1 + udp_has_laddr(u) + 2 * u->connected;
}

static int udp_deliver(struct udp_sock *u, const struct ip_info *ip,
                       uint16_t sport, const uint8_t *data, size_t len)
{
    net_addr src = ip_src_addr(ip);
    uint16_t scope = (uint16_t)net_l4_scope_in(src, ip->nif);
    if (ring_put(u, src, sport, scope, data, len) < 0)
        return 0; /* receive buffer full: dropped */
    net_sock_notify(&u->sock);
    return 1;
}

int udp_sock_demux(const struct ip_info *ip, uint16_t sport, uint16_t dport,
                   const uint8_t *data, size_t len)
{
    struct udp_sock *best = NULL;
    int best_score = 0, found = 0;
    for (struct udp_sock *u = socks; u < socks_end(); u++) {
        int m = udp_match(u, ip_dst_addr(ip), dport, ip_src_addr(ip), sport);
        if (m && ip->broadcast) {
            found = 1;
            udp_deliver(u, ip, sport, data, len);
        } else if (m > best_score) {
            best = u;
            best_score = m;
        }
    }
    if (best)
        udp_deliver(best, ip, sport, data, len);
    return found || best;
}

/* u's wildcard: ::ffff:0.0.0.0 for AF_INET, :: for AF_INET6. */
static net_addr udp_wild(const struct udp_sock *u)
{
    static const net_addr any;
    return u->v6sock ? any : addr_from4(0);
}

/* A datagram of either family from src (a wildcard: chosen) to dst. */
static int udp_output_any(uint8_t *buf, size_t len, net_addr src, net_addr dst,
                          uint32_t scope, uint16_t sport, uint16_t dport)
{
    if (addr_is4(dst))
        return udp_output(NULL, buf, len, addr_to4(src), addr_to4(dst), sport,
                          dport);
    int r = net_l4_scoped(dst, scope, &src);
    if (r < 0)
        return r;
    if (addr_is_wild(src))
        return -ENETUNREACH;
    uint8_t *d = buf + NET_HEADROOM;
    size_t ulen = UDP_HLEN + len;
    memcpy(d, &sport, 2);
    memcpy(d + 2, &dport, 2);
    put16(d + 4, (uint16_t)ulen);
    put16(d + 6, 0);
    uint16_t c =
        inet_fold(inet_sum(d, ulen, net_l4_pseudo(src, dst, 17, ulen)));
    put16(d + 6, c ? c : 0xffff);
    return net_l4_send(buf, ulen, src, dst, IPPROTO_UDP, 0);
}

/* ---- socket operations ------------------------------------------------------
 */

/* The families a socket bound to a takes: 1 IPv4, 2 IPv6, 3 both. */
static int udp_families(const struct udp_sock *u, net_addr a)
{
    if (udp_specific(a))
        return addr_is4(a) ? 1 : 2;
    return !u->v6sock ? 1 : u->v6only ? 2 : 3;
}

/* Whether me bound to a and u could take the same datagram. */
static int addrs_meet(const struct udp_sock *me, net_addr a,
                      const struct udp_sock *u)
{
    if (!(udp_families(me, a) & udp_families(u, u->laddr)))
        return 0;
    return !udp_specific(a) || !udp_has_laddr(u) || addr_eq(a, u->laddr);
}

static int port_taken(const struct udp_sock *me, net_addr addr, uint16_t port)
{
    for (const struct udp_sock *u = socks; u < socks_end(); u++)
        if (u != me && u->used && u->bound && u->lport == port &&
            addrs_meet(me, addr, u) && !(u->reuse && me->reuse))
            return 1;
    return 0;
}

static int udp_autobind(struct udp_sock *u, net_addr addr)
{
    uint16_t start = (uint16_t)(net_random32() % UDP_EPHEMERAL_N);
    for (unsigned i = 0; i < UDP_EPHEMERAL_N; i++) {
        uint16_t port =
            htons((uint16_t)(UDP_EPHEMERAL_LO + (start + i) % UDP_EPHEMERAL_N));
        if (!port_taken(u, addr, port)) {
            u->laddr = addr;
            u->lport = port;
            u->bound = 1;
            return 0;
        }
    }
    return -EADDRINUSE;
}

/* The address and port in a: a sockaddr_in6 for an AF_INET6 socket. */
static int udp_sockaddr(const struct udp_sock *u, const struct sockaddr_in *a,
                        net_addr *addr, uint16_t *port, uint32_t *scope)
{
    *scope = 0;
    if (!u->v6sock) {
        if (a->sin_family != AF_INET)
            return -EAFNOSUPPORT;
        *addr = addr_from4(a->sin_addr.s_addr);
        *port = a->sin_port;
        return 0;
    }
    const struct sockaddr_in6 *a6 = (const void *)a;
    if (a6->sin6_family != AF_INET6)
        return -EAFNOSUPPORT;
    if (u->v6only && addr_is4(a6->sin6_addr))
        return -EINVAL;
    *addr = a6->sin6_addr;
    *port = a6->sin6_port;
    *scope = a6->sin6_scope_id;
    return 0;
}

/* Fill a (a sockaddr_in6 for an AF_INET6 socket) with addr:port. */
static void udp_fill(const struct udp_sock *u, struct sockaddr_in *a,
                     net_addr addr, uint16_t port, uint32_t scope)
{
    if (u->v6sock) {
        struct sockaddr_in6 *a6 = (void *)a;
        memset(a6, 0, sizeof *a6);
        a6->sin6_family = AF_INET6;
        a6->sin6_addr = addr;
        a6->sin6_port = port;
        a6->sin6_scope_id = scope;
        return;
    }
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = addr_to4(addr);
    a->sin_port = port;
}

static int udp_bind(struct net_sock *s, const struct sockaddr_in *a)
{
    struct udp_sock *u = (struct udp_sock *)s;
    net_addr addr;
    uint16_t port;
    uint32_t scope;
    int r = udp_sockaddr(u, a, &addr, &port, &scope);
    if (r < 0)
        return r;
    if (u->bound)
        return -EINVAL;
    if ((r = net_l4_scope_bind(addr, scope)) < 0)
        return r;
    if (udp_specific(addr) && !net_l4_is_local(addr))
        return -EADDRNOTAVAIL;
    if (!port)
        return udp_autobind(u, addr);
    if (port_taken(u, addr, port))
        return -EADDRINUSE;
    u->laddr = addr;
    u->lport = port;
    u->bound = 1;
    return 0;
}

/* The destination a datagram goes to for addr (Linux: "any" is us). */
static net_addr udp_dest(net_addr addr)
{
    static const net_addr one = {.s6_addr = {[15] = 1}};
    if (!addr_is_wild(addr))
        return addr;
    return addr_is4(addr) ? addr_from4(htonl(INADDR_LOOPBACK)) : one;
}

static int udp_connect(struct net_sock *s, const struct sockaddr_in *a)
{
    struct udp_sock *u = (struct udp_sock *)s;
    if (a->sin_family == AF_UNSPEC) {
        u->connected = 0;
        memset(&u->raddr, 0, sizeof u->raddr);
        u->rport = u->scope = 0;
        return 0;
    }
    net_addr dst, src = udp_has_laddr(u) ? u->laddr : udp_wild(u);
    uint16_t port;
    uint32_t scope;
    int r = udp_sockaddr(u, a, &dst, &port, &scope);
    if (r < 0)
        return r;
    if (!port)
        return -EINVAL;
    dst = udp_dest(dst);
    if (!addr_is4(dst) && (r = net_l4_scoped(dst, scope, &src)) < 0)
        return r;
    if (addr_is_wild(addr_is4(dst) ? net_l4_source(dst) : src))
        return -ENETUNREACH;
    if (addr_eq(dst, addr_from4(BCAST4)) && !u->broadcast)
        return -EACCES;
    if (!u->bound && udp_autobind(u, udp_wild(u)) < 0)
        return -EAGAIN;
    u->raddr = dst;
    u->rport = port;
    u->scope = net_l4_scope_of(dst, src);
    u->connected = 1;
    return 0;
}

static int udp_is_bcast_dst(net_addr d)
{
    if (!addr_is4(d))
        return 0;
    uint32_t dst = addr_to4(d);
    if (dst == BCAST4)
        return 1;
    struct netif *nif;
    for (unsigned i = 0; (nif = netif_get(i)); i++)
        if (nif->addr && nif->mask != 0xffffffffu &&
            dst == (nif->addr | ~nif->mask))
            return 1;
    return 0;
}

static long udp_send(struct net_sock *s, const void *buf, size_t len, int flags,
                     const struct sockaddr_in *to)
{
    struct udp_sock *u = (struct udp_sock *)s;
    (void)flags;
    net_addr dst = u->raddr;
    uint16_t dport = u->rport;
    uint32_t scope = u->scope;
    if (to) {
        int r = udp_sockaddr(u, to, &dst, &dport, &scope);
        if (r < 0)
            return r;
        if (!dport)
            return -EINVAL;
        dst = udp_dest(dst);
    } else if (!u->connected) {
        return -EDESTADDRREQ;
    }
    if (len > UDP_DATA_MAX)
        return -EMSGSIZE;
    if (udp_is_bcast_dst(dst) && !u->broadcast)
        return -EACCES;
    if (!u->bound && udp_autobind(u, udp_wild(u)) < 0)
        return -EAGAIN;
    if (!addr_is4(dst) && len > UDP_DATA_MAX - 20)
        return -EMSGSIZE; /* IPv6's header is 20 bytes longer */
    if (!tx_buf && !(tx_buf = hc_pages_alloc(UDP_TX_PAGES)))
        return -ENOBUFS;
    memcpy(tx_buf + NET_HEADROOM + UDP_HLEN, buf, len);
    net_addr src = udp_has_laddr(u) ? u->laddr : addr_from4(0);
    if (!addr_is4(dst) && !udp_has_laddr(u))
        memset(&src, 0, sizeof src);
    int r = udp_output_any(tx_buf, len, src, dst, scope, u->lport, dport);
    if (r == -ENOBUFS)
        return (long)len; /* lost in a full device queue, as UDP may be */
    return r < 0 ? r : (long)len;
}

static long udp_recv(struct net_sock *s, void *buf, size_t len, int flags,
                     struct sockaddr_in *from)
{
    struct udp_sock *u = (struct udp_sock *)s;
    if (u->err && !u->count) {
        int e = u->err;
        u->err = 0;
        return e;
    }
    uint8_t *r = ring_first(u);
    if (!r)
        return u->shut_rd ? 0 : -EAGAIN;
    uint32_t n;
    memcpy(&n, r, 4);
    if (from) {
        net_addr a;
        uint16_t port, scope;
        memcpy(&a, r + 4, 16);
        memcpy(&port, r + 20, 2);
        memcpy(&scope, r + 22, 2);
        udp_fill(u, from, a, port, scope);
    }
    memcpy(buf, r + REC_HDR, n < len ? n : len);
    if (!(flags & MSG_PEEK))
        ring_pop(u, n);
    return (flags & MSG_TRUNC) || n < len ? (long)n : (long)len;
}

static unsigned udp_poll(struct net_sock *s)
{
    struct udp_sock *u = (struct udp_sock *)s;
    unsigned m = POLLOUT;
    if (u->count || u->shut_rd)
        m |= POLLIN;
    if (u->err)
        m |= POLLERR;
    if (u->shut_rd)
        m |= POLLRDHUP;
    return m;
}

static int udp_shutdown(struct net_sock *s, int how)
{
    struct udp_sock *u = (struct udp_sock *)s;
    if (!u->connected)
        return -ENOTCONN;
    if (how != SHUT_WR)
        u->shut_rd = 1;
    net_sock_notify(&u->sock);
    return 0;
}

static int udp_close(struct net_sock *s)
{
    struct udp_sock *u = (struct udp_sock *)s;
    if (u->ring)
        hc_pages_free(u->ring, u->ring_pages);
    memset(u, 0, sizeof *u);
    return 0;
}

static int udp_getname(struct net_sock *s, int peer, struct sockaddr_in *out)
{
    struct udp_sock *u = (struct udp_sock *)s;
    if (peer && !u->connected)
        return -ENOTCONN;
    net_addr a = peer ? u->raddr : u->laddr;
    if (!peer && u->connected && !udp_has_laddr(u))
        a = net_l4_source(u->raddr);
    udp_fill(u, out, a, peer ? u->rport : u->lport,
             peer ? u->scope : net_l4_scope_of(a, a));
    return 0;
}

static int opt_int(const void *val, socklen_t len, int *out)
{
    if (len < sizeof(int))
        return -EINVAL;
    memcpy(out, val, sizeof(int));
    return 0;
}

static int udp_setsockopt(struct net_sock *s, int level, int name,
                          const void *val, socklen_t len)
{
    struct udp_sock *u = (struct udp_sock *)s;
    int v;
    if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && u->v6sock) {
        if (opt_int(val, len, &v) < 0 || u->bound)
            return -EINVAL;
        u->v6only = v != 0;
        return 0;
    }
    if (level != SOL_SOCKET)
        return -ENOPROTOOPT;
    if (opt_int(val, len, &v) < 0)
        return -EINVAL;
    switch (name) {
    case SO_REUSEADDR:
    case SO_REUSEPORT: u->reuse = v != 0; return 0;
    case SO_BROADCAST: u->broadcast = v != 0; return 0;
    case SO_RCVBUF: /* Linux doubles the value for its bookkeeping */
    case SO_RCVBUFFORCE:
        v = v < UDP_RCVBUF_MIN / 2   ? UDP_RCVBUF_MIN / 2
            : v > UDP_RCVBUF_MAX / 2 ? UDP_RCVBUF_MAX / 2
                                     : v;
        u->rcvbuf = (uint32_t)v * 2;
        return 0;
    case SO_SNDBUF:
    case SO_SNDBUFFORCE:
        u->sndbuf = v < 2304         ? 4608
                    : v > 0x3fffffff ? 0x7fffffff
                                     : (uint32_t)v * 2;
        return 0;
    default: return -ENOPROTOOPT;
    }
}

static int opt_out(int v, void *val, socklen_t *len)
{
    if (*len < sizeof(int))
        return -EINVAL;
    memcpy(val, &v, sizeof(int));
    *len = sizeof(int);
    return 0;
}

static int udp_getsockopt(struct net_sock *s, int level, int name, void *val,
                          socklen_t *len)
{
    struct udp_sock *u = (struct udp_sock *)s;
    int v;
    if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && u->v6sock)
        return opt_out(u->v6only, val, len);
    if (level != SOL_SOCKET)
        return -ENOPROTOOPT;
    switch (name) {
    case SO_REUSEADDR:
    case SO_REUSEPORT: v = u->reuse; break;
    case SO_BROADCAST: v = u->broadcast; break;
    case SO_RCVBUF: v = (int)u->rcvbuf; break;
    case SO_SNDBUF: v = (int)u->sndbuf; break;
    case SO_TYPE: v = SOCK_DGRAM; break;
    case SO_PROTOCOL: v = IPPROTO_UDP; break;
    case SO_DOMAIN: v = u->v6sock ? AF_INET6 : AF_INET; break;
    case SO_ACCEPTCONN: v = 0; break;
    case SO_ERROR:
        v = -u->err;
        u->err = 0;
        break;
    default: return -ENOPROTOOPT;
    }
    return opt_out(v, val, len);
}

static int udp_listen(struct net_sock *s, int backlog)
{
    (void)s, (void)backlog;
    return -EOPNOTSUPP;
}

static int udp_accept(struct net_sock *s, struct net_sock **child,
                      struct sockaddr_in *peer)
{
    (void)s, (void)child, (void)peer;
    return -EOPNOTSUPP;
}

static const struct net_sock_ops udp_ops = {
    .bind = udp_bind,
    .listen = udp_listen,
    .accept = udp_accept,
    .connect = udp_connect,
    .send = udp_send,
    .recv = udp_recv,
    .shutdown = udp_shutdown,
    .close = udp_close,
    .poll = udp_poll,
    .getname = udp_getname,
    .setsockopt = udp_setsockopt,
    .getsockopt = udp_getsockopt,
};

int udp_sock_create(struct net_sock **out)
{
    size_t pages =
        (UDP_SOCKS * sizeof *socks + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE;
    if (!socks && !(socks = hc_pages_alloc(pages)))
        return -ENOMEM;
    for (struct udp_sock *u = socks; u < socks + UDP_SOCKS; u++)
        if (!u->used) {
            memset(u, 0, sizeof *u);
            u->sock.ops = &udp_ops;
            u->used = 1;
            u->rcvbuf = UDP_RCVBUF_DEFAULT;
            u->sndbuf = UDP_SNDBUF_DEFAULT;
            u->laddr = addr_from4(0);
            *out = &u->sock;
            return 0;
        }
    return -ENFILE;
}

int udp_sock_create6(struct net_sock **out)
{
    int r = udp_sock_create(out);
    if (r == 0) {
        struct udp_sock *u = (struct udp_sock *)*out;
        u->v6sock = 1;
        u->laddr = udp_wild(u);
    }
    return r;
}

/* Linux reports ICMP errors on connected sockets only (RFC 1122 4.1.3.3
 * leaves it to the application); the next call returns the error. */
void udp_icmp_error(const uint8_t *q, size_t len, int err)
{
    size_t ihl = (size_t)(q[0] & 15) * 4;
    uint32_t src, dst;
    uint16_t sport, dport;
    memcpy(&src, q + 12, 4);
    memcpy(&dst, q + 16, 4);
    memcpy(&sport, q + ihl, 2);
    memcpy(&dport, q + ihl + 2, 2);
    (void)len; /* icmp.c checked that ihl + 8 bytes are there */
    for (struct udp_sock *u = socks; u < socks_end(); u++)
        if (u->used && u->connected && u->lport == sport &&
            addr_eq(u->raddr, addr_from4(dst)) && u->rport == dport &&
            (!udp_has_laddr(u) || addr_eq(u->laddr, addr_from4(src)))) {
            u->err = err;
            net_sock_notify(&u->sock);
        }
}

/* The same for ICMPv6 (quoted: our IPv6 header and at least 8 bytes of
 * UDP straight after it). */
void udp_icmp6_error(const uint8_t *q, size_t len, int err)
{
    if (len < 40 + UDP_HLEN || q[6] != IPPROTO_UDP)
        return; /* extension headers in the quote: not followed */
    net_addr src, dst;
    uint16_t sport, dport;
    memcpy(&src, q + 8, 16);
    memcpy(&dst, q + 24, 16);
    memcpy(&sport, q + 40, 2);
    memcpy(&dport, q + 42, 2);
    for (struct udp_sock *u = socks; u < socks_end(); u++)
        if (u->used && u->connected && u->lport == sport &&
            addr_eq(u->raddr, dst) && u->rport == dport &&
            (!udp_has_laddr(u) || addr_eq(u->laddr, src))) {
            u->err = err;
            net_sock_notify(&u->sock);
        }
}
