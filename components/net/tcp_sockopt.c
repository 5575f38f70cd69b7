/*
 * tcp_sockopt.c: setsockopt/getsockopt for TCP sockets, the options
 * Linux programs set (SOL_SOCKET: SO_REUSEADDR, SO_REUSEPORT,
 * SO_KEEPALIVE, SO_RCVBUF, SO_SNDBUF, SO_LINGER, SO_ERROR, SO_TYPE;
 * IPPROTO_TCP: TCP_NODELAY, TCP_MAXSEG, TCP_CORK, TCP_KEEPIDLE,
 * TCP_KEEPINTVL, TCP_KEEPCNT, TCP_QUICKACK), with Linux's ranges and
 * errno values; anything else is ENOPROTOOPT. Buffer sizes take effect
 * for rings not yet allocated (before connect/listen), and read back
 * doubled as Linux reports them.
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>
#include "tcp.h"

static struct tcp_pcb *P(struct net_sock *s)
{
    return (struct tcp_pcb *)s;
}

static uint32_t buf_size(int v)
{
    uint64_t b = v < 0 ? 0 : (uint64_t)v * 2; /* Linux doubles it */
    if (b < TCP_RING_MIN)
        b = TCP_RING_MIN;
    return b > TCP_RING_MAX ? TCP_RING_MAX : (uint32_t)b;
}

static int set_linger(struct tcp_pcb *p, const void *val, socklen_t len)
{
    struct linger l;
    if (len < sizeof l)
        return -EINVAL;
    memcpy(&l, val, sizeof l);
    p->linger_on = l.l_onoff != 0;
    p->linger_s = l.l_linger < 0 ? 0 : (uint32_t)l.l_linger;
    return 0;
}

static void keep_arm(struct tcp_pcb *p)
{
    if (p->keepalive &&
        (p->state == TCPS_ESTABLISHED || p->state == TCPS_CLOSE_WAIT))
        tcp_timer_set(p, &p->t_keep,
                      hc_clock_monotonic() + (uint64_t)p->keepidle * 1000 * MS);
    else
        p->t_keep = 0;
}

static int set_socket(struct tcp_pcb *p, int name, int v)
{
    switch (name) {
    case SO_REUSEADDR: p->reuseaddr = v != 0; return 0;
    case SO_REUSEPORT: p->reuseport = v != 0; return 0;
    case SO_KEEPALIVE:
        p->keepalive = v != 0;
        keep_arm(p);
        return 0;
    case SO_RCVBUF:
        p->rcvbuf = buf_size(v);
        p->rcvbuf_locked = 1;
        return 0;
    case SO_SNDBUF:
        p->sndbuf = buf_size(v);
        p->sndbuf_locked = 1;
        return 0;
    default: return -ENOPROTOOPT;
    }
}

static int set_tcp(struct tcp_pcb *p, int name, int v)
{
    switch (name) {
    case TCP_NODELAY:
        p->nodelay = v != 0;
        if (p->nodelay)
            tcp_output(p);
        return 0;
    case TCP_CORK:
        p->cork = v != 0;
        if (!p->cork)
            tcp_output(p);
        return 0;
    case TCP_MAXSEG:
        if (v && (v < TCP_MSS_MIN || v > 65535))
            return -EINVAL;
        p->user_mss = (uint16_t)v;
        return 0;
    case TCP_KEEPIDLE:
    case TCP_KEEPINTVL:
        if (v < 1 || v > 32767)
            return -EINVAL;
        if (name == TCP_KEEPIDLE)
            p->keepidle = (uint32_t)v;
        else
            p->keepintvl = (uint32_t)v;
        keep_arm(p);
        return 0;
    case TCP_KEEPCNT:
        if (v < 1 || v > 127)
            return -EINVAL;
        p->keepcnt = (uint32_t)v;
        return 0;
    case TCP_QUICKACK: return 0;
    default: return -ENOPROTOOPT;
    }
}

/* IPV6_V6ONLY, the one IPPROTO_IPV6 option: before bind, as Linux. */
static int set_v6only(struct tcp_pcb *p, const void *val, socklen_t len)
{
    int v;
    if (!p->v6sock)
        return -ENOPROTOOPT;
    if (len < sizeof v)
        return -EINVAL;
    if (p->lport)
        return -EINVAL;
    memcpy(&v, val, sizeof v);
    p->v6only = v != 0;
    return 0;
}

int tcp_setsockopt(struct net_sock *s, int level, int name, const void *val,
                   socklen_t len)
{
    struct tcp_pcb *p = P(s);
    if (level == SOL_SOCKET && name == SO_LINGER)
        return set_linger(p, val, len);
    if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY)
        return set_v6only(p, val, len);
    if (level != SOL_SOCKET && level != IPPROTO_TCP)
        return -ENOPROTOOPT;
    if (len < sizeof(int))
        return -EINVAL;
    int v;
    memcpy(&v, val, sizeof v);
    return level == SOL_SOCKET ? set_socket(p, name, v) : set_tcp(p, name, v);
}

static int take_error(struct tcp_pcb *p)
{
    int e = p->err ? p->err : p->soft_err;
    if (p->err)
        p->err = 0;
    else
        p->soft_err = 0;
    return -e;
}

static int get_socket(struct tcp_pcb *p, int name, int *v)
{
    switch (name) {
    case SO_REUSEADDR: *v = p->reuseaddr; return 0;
    case SO_REUSEPORT: *v = p->reuseport; return 0;
    case SO_KEEPALIVE: *v = p->keepalive; return 0;
    case SO_RCVBUF: *v = (int)(p->rcv.size ? p->rcv.size : p->rcvbuf); return 0;
    case SO_SNDBUF: *v = (int)(p->snd.size ? p->snd.size : p->sndbuf); return 0;
    case SO_ERROR: *v = take_error(p); return 0;
    case SO_TYPE: *v = SOCK_STREAM; return 0;
    case SO_PROTOCOL: *v = IPPROTO_TCP; return 0;
    case SO_DOMAIN: *v = AF_INET; return 0;
    case SO_ACCEPTCONN: *v = p->state == TCPS_LISTEN; return 0;
    default: return -ENOPROTOOPT;
    }
}

static int get_tcp(struct tcp_pcb *p, int name, int *v)
{
    switch (name) {
    case TCP_NODELAY: *v = p->nodelay; return 0;
    case TCP_CORK: *v = p->cork; return 0;
    case TCP_MAXSEG:
        *v = p->state >= TCPS_ESTABLISHED ? p->mss - (p->ts_ok ? 12 : 0)
             : p->user_mss                ? p->user_mss
                                          : TCP_MSS_NOOPT;
        return 0;
    case TCP_KEEPIDLE: *v = (int)p->keepidle; return 0;
    case TCP_KEEPINTVL: *v = (int)p->keepintvl; return 0;
    case TCP_KEEPCNT: *v = (int)p->keepcnt; return 0;
    case TCP_QUICKACK: *v = 1; return 0;
    default: return -ENOPROTOOPT;
    }
}

int tcp_getsockopt(struct net_sock *s, int level, int name, void *val,
                   socklen_t *len)
{
    struct tcp_pcb *p = P(s);
    if ((int)*len < 0)
        return -EINVAL;
    if (level == SOL_SOCKET && name == SO_LINGER) {
        struct linger l = {p->linger_on, (int)p->linger_s};
        socklen_t n = *len < sizeof l ? *len : sizeof l;
        memcpy(val, &l, n);
        *len = n;
        return 0;
    }
    int v, rc = level == SOL_SOCKET    ? get_socket(P(s), name, &v)
                : level == IPPROTO_TCP ? get_tcp(P(s), name, &v)
                                       : -ENOPROTOOPT;
    if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && p->v6sock)
        v = p->v6only, rc = 0;
    if (rc < 0)
        return rc;
    socklen_t n = *len < sizeof v ? *len : sizeof v;
    memcpy(val, &v, n);
    *len = n;
    return 0;
}
