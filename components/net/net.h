/*
 * net.h: what components/net offers the rest of the image (in practice
 * components/posix, which turns it into Linux's socket system calls).
 *
 * Sockets here are non-blocking: a call that would wait returns -EAGAIN
 * (or -EINPROGRESS for connect), and the caller decides whether to wait
 * with net_wait(). Addresses and ports in struct sockaddr_in are in
 * network byte order, as in Linux; option levels and names are Linux's
 * (<sys/socket.h>, <netinet/tcp.h>). Errors are negative errno values,
 * the ones Linux would give for the same call.
 *
 * Threads: the stack runs on one thread of its own (started by
 * net_start) that takes frames from every NIC and runs the timers; the
 * calls below run on the caller's thread. No locks: nothing preempts.
 */
#ifndef KILN_NET_H
#define KILN_NET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* ---- configuration ---------------------------------------------------- */

/* Take one value of Linux's ip= boot option ("dhcp", "off",
 * "10.0.0.2::10.0.0.1:255.255.255.0", "ADDR:SERVER:GW:MASK:HOST:DEV:AUTO",
 * DEV being eth0, eth1, ... for NIC 0, 1, ...). The n-th option without a
 * DEV applies to NIC n. Returns 0 or -EINVAL (the reason is logged with
 * a hint). Call before net_start. */
int net_configure(const char *ip_option);

/* Bring up every NIC (hc_net_info) and start the stack's thread. NICs
 * with no ip= option use DHCP. Waits, up to a bounded time, for DHCP
 * leases and links so the application starts with an address, as
 * Linux's ip=dhcp does; logs one line per interface with its address.
 * Returns the number of NICs (0: nothing started). */
int net_start(void);

/* Take one value of the ip6= boot option ("off", "auto",
 * "ADDR/PREFIXLEN[,GATEWAY]"); the n-th applies to NIC n. Without one a
 * NIC uses SLAAC. Returns 0 or -EINVAL (logged). Call before net_start. */
int net_configure6(const char *ip6_option);

/* The DNS servers DHCP leases named (option 6), network byte order,
 * NIC 0's first; up to max of them. Returns how many. */
#define NET_DNS_MAX 3 /* per lease, as resolv.conf's MAXNS */
int net_dns_servers(uint32_t *out, int max);
/* The DNS servers router advertisements named (RDNSS, RFC 8106), up to
 * max of them, while their lifetimes last. Returns how many. */
int net_dns6_servers(struct in6_addr *out, int max);

/* ---- sockets ---------------------------------------------------------- */

struct net_sock;

/* type is SOCK_STREAM (TCP) or SOCK_DGRAM (UDP); protocol 0 or the
 * matching IPPROTO_*. -EPROTONOSUPPORT, -ESOCKTNOSUPPORT, -ENFILE. */
int net_socket(int type, int protocol, struct net_sock **out);
/* The same for AF_INET6. On
 * such a socket every struct sockaddr_in * below points at a struct
 * sockaddr_in6 instead (the caller's buffers must be that large); IPv4
 * peers appear as v4-mapped addresses (::ffff:a.b.c.d). */
int net_socket6(int type, int protocol, struct net_sock **out);

int net_bind(struct net_sock *s, const struct sockaddr_in *addr);
int net_listen(struct net_sock *s, int backlog);
/* A connection from the accept queue, or -EAGAIN. peer may be NULL. */
int net_accept(struct net_sock *s, struct net_sock **child,
               struct sockaddr_in *peer);
/* TCP: starts the handshake and returns -EINPROGRESS; later calls give
 * -EALREADY while it runs, 0 or -EISCONN once connected, or the error
 * (-ECONNREFUSED, -ETIMEDOUT, ...). UDP: sets the default peer. */
int net_connect(struct net_sock *s, const struct sockaddr_in *addr);
/* flags: MSG_DONTWAIT is implied; MSG_NOSIGNAL, MSG_MORE honoured. to is
 * NULL or (UDP) the destination. Bytes queued, -EAGAIN, -EPIPE, ... */
long net_send(struct net_sock *s, const void *buf, size_t len, int flags,
              const struct sockaddr_in *to);
/* flags: MSG_PEEK, MSG_TRUNC (UDP), MSG_WAITALL is the caller's. Bytes
 * copied, 0 at end of stream, -EAGAIN, -ENOTCONN, -ECONNRESET, ...
 * from may be NULL. */
long net_recv(struct net_sock *s, void *buf, size_t len, int flags,
              struct sockaddr_in *from);
int net_shutdown(struct net_sock *s, int how);
/* The application lets go of s. TCP goes on closing in the background
 * (FIN, TIME_WAIT); with SO_LINGER on, this blocks until the data is
 * acknowledged or the linger time passes. s must not be used again. */
int net_close(struct net_sock *s);
/* Readiness as poll() reports it: POLLIN, POLLOUT, POLLERR, POLLHUP,
 * POLLRDHUP. */
unsigned net_poll(struct net_sock *s);
/* peer 0: local name (getsockname), 1: remote (getpeername). */
int net_getname(struct net_sock *s, int peer, struct sockaddr_in *out);
int net_setsockopt(struct net_sock *s, int level, int name, const void *val,
                   socklen_t len);
int net_getsockopt(struct net_sock *s, int level, int name, void *val,
                   socklen_t *len);

/* From now on call fn(arg) whenever s's readiness may have risen: bytes
 * or room came, a connection waits to be accepted, the stream ended, an
 * error. (Falls are not told: a reader drains the socket itself.) fn
 * runs inside the stack, maybe in another thread's system call: it may
 * only take note, and re-check later with net_poll. One watcher per
 * socket; fn NULL stops; net_close stops it too. This is what lets
 * epoll keep a ready list instead of polling every socket it holds. */
void net_watch(struct net_sock *s, void (*fn)(void *arg), void *arg);

/* Block the calling thread until some socket's readiness may have
 * changed, or until deadline (hc_clock_monotonic time; 0: none).
 * Returns 0, or -ETIMEDOUT. Callers re-check with net_poll: wake-ups are
 * not per socket. */
int net_wait(uint64_t deadline);

#endif
