/*
 * socket.c: the generic socket calls of net.h, routed to the protocol
 * (udp.c, tcp*.c) through the operations each socket carries, and the
 * one watcher a socket may have (net_watch).
 */
#include <errno.h>
#include "netint.h"

int net_socket(int type, int protocol, struct net_sock **out)
{
    switch (type) {
    case SOCK_STREAM:
        if (protocol && protocol != IPPROTO_TCP)
            return -EPROTONOSUPPORT;
        return tcp_sock_create ? tcp_sock_create(out) : -ESOCKTNOSUPPORT;
    case SOCK_DGRAM:
        if (protocol && protocol != IPPROTO_UDP)
            return -EPROTONOSUPPORT;
        return udp_sock_create ? udp_sock_create(out) : -ESOCKTNOSUPPORT;
    default: return -ESOCKTNOSUPPORT;
    }
}

int net_socket6(int type, int protocol, struct net_sock **out)
{
    switch (type) {
    case SOCK_STREAM:
        if (protocol && protocol != IPPROTO_TCP)
            return -EPROTONOSUPPORT;
        return tcp_sock_create6 ? tcp_sock_create6(out) : -ESOCKTNOSUPPORT;
    case SOCK_DGRAM:
        if (protocol && protocol != IPPROTO_UDP)
            return -EPROTONOSUPPORT;
        return udp_sock_create6 ? udp_sock_create6(out) : -ESOCKTNOSUPPORT;
    default: return -ESOCKTNOSUPPORT;
    }
}

int net_bind(struct net_sock *s, const struct sockaddr_in *a)
{
    return s->ops->bind(s, a);
}

int net_listen(struct net_sock *s, int backlog)
{
    return s->ops->listen(s, backlog);
}

int net_accept(struct net_sock *s, struct net_sock **child,
               struct sockaddr_in *peer)
{
    return s->ops->accept(s, child, peer);
}

int net_connect(struct net_sock *s, const struct sockaddr_in *a)
{
    return s->ops->connect(s, a);
}

long net_send(struct net_sock *s, const void *buf, size_t len, int flags,
              const struct sockaddr_in *to)
{
    return s->ops->send(s, buf, len, flags, to);
}

long net_recv(struct net_sock *s, void *buf, size_t len, int flags,
              struct sockaddr_in *from)
{
    return s->ops->recv(s, buf, len, flags, from);
}

int net_shutdown(struct net_sock *s, int how)
{
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
        return -EINVAL;
    return s->ops->shutdown(s, how);
}

int net_close(struct net_sock *s)
{
    s->watch = NULL;
    return s->ops->close(s);
}

void net_watch(struct net_sock *s, void (*fn)(void *arg), void *arg)
{
    s->watch = fn;
    s->watch_arg = arg;
}

void net_sock_notify(struct net_sock *s)
{
    if (s->watch)
        s->watch(s->watch_arg);
    net_notify();
}

unsigned net_poll(struct net_sock *s)
{
    return s->ops->poll(s);
}

int net_getname(struct net_sock *s, int peer, struct sockaddr_in *out)
{
    return s->ops->getname(s, peer, out);
}

int net_setsockopt(struct net_sock *s, int level, int name, const void *val,
                   socklen_t len)
{
    return s->ops->setsockopt(s, level, name, val, len);
}

int net_getsockopt(struct net_sock *s, int level, int name, void *val,
                   socklen_t *len)
{
    return s->ops->getsockopt(s, level, name, val, len);
}
