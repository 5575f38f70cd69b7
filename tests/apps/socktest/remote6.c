/*
 * remote6.c: socktest's checks against a link-local IPv6 peer over a
 * NIC, "fe80::1%2 PORT" (the peer echoes TCP and UDP on PORT, PORT+1 is
 * closed): scope ids choose the NIC and come back on every name
 * (getpeername, getsockname, recvfrom, accept), a bad or missing one is
 * refused, and a connected UDP socket hears of the closed port
 * (ECONNREFUSED from ICMPv6 port unreachable). The guest has two NICs,
 * so a missing scope id is ambiguous there as it always is on Linux.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <netdb.h>
#include "socktest.h"

#define READY_TRIES 100 /* 100 ms apart: DAD of our link-local address */

static int parse6(const char *text, int port, struct sockaddr_in6 *out)
{
    struct addrinfo hints = {.ai_family = AF_INET6, .ai_flags = AI_NUMERICHOST},
                    *res;
    if (getaddrinfo(text, NULL, &hints, &res))
        return -1;
    memcpy(out, res->ai_addr, sizeof *out);
    freeaddrinfo(res);
    out->sin6_port = htons((uint16_t)port);
    return 0;
}

/* Until our link-local address is usable (bounded): a UDP connect
 * needs a source address. */
static void wait_ready(const struct sockaddr_in6 *peer)
{
    for (int i = 0; i < READY_TRIES; i++) {
        int u = socket(AF_INET6, SOCK_DGRAM, 0);
        int r = connect(u, (const struct sockaddr *)peer, sizeof *peer);
        close(u);
        if (r == 0)
            return;
        usleep(100000);
    }
}

static int connect6(const struct sockaddr_in6 *a, int type)
{
    int fd = socket(AF_INET6, type, 0);
    if (connect(fd, (const struct sockaddr *)a, sizeof *a) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void check_scope_errors(struct sockaddr_in6 a)
{
    a.sin6_scope_id = 0;
    check(connect6(&a, SOCK_STREAM) < 0 && errno == EINVAL,
          "remote6: no scope id with two NICs: EINVAL");
    a.sin6_scope_id = 99;
    int e = connect6(&a, SOCK_DGRAM) < 0 ? errno : 0;
    check(e == ENODEV || e == ENETUNREACH,
          "remote6: a scope id naming no NIC is refused");
}

/* Our link-local address (the source of a connection to a) on its NIC. */
static int check_tcp(const struct sockaddr_in6 *a, struct sockaddr_in6 *self)
{
    struct sockaddr_in6 closed = *a, peer;
    closed.sin6_port = htons((uint16_t)(ntohs(a->sin6_port) + 1));
    check(connect6(&closed, SOCK_STREAM) < 0 && errno == ECONNREFUSED,
          "remote6: a closed port refuses with ECONNREFUSED");
    int fd = connect6(a, SOCK_STREAM);
    check(fd >= 0, "remote6: connect to the link-local echo server");
    if (fd < 0)
        return -1;
    socklen_t n = sizeof peer;
    check(getpeername(fd, (struct sockaddr *)&peer, &n) == 0 &&
              !memcmp(&peer.sin6_addr, &a->sin6_addr, 16) &&
              peer.sin6_scope_id == a->sin6_scope_id,
          "remote6: getpeername gives the peer with its scope id");
    n = sizeof *self;
    check(getsockname(fd, (struct sockaddr *)self, &n) == 0 &&
              IN6_IS_ADDR_LINKLOCAL(&self->sin6_addr) &&
              self->sin6_scope_id == a->sin6_scope_id,
          "remote6: getsockname gives our link-local address and scope id");
    check(echo_through(fd) == 0, "remote6: 64 KiB echoed back intact");
    close(fd);
    return 0;
}

static void check_udp(const struct sockaddr_in6 *a)
{
    struct sockaddr_in6 from, closed = *a;
    socklen_t n = sizeof from;
    char b[8] = {0};
    int u = socket(AF_INET6, SOCK_DGRAM, 0);
    int ok =
        sendto(u, "scoped", 6, 0, (const struct sockaddr *)a, sizeof *a) == 6 &&
        (wait_for(u, POLLIN) & POLLIN) &&
        recvfrom(u, b, sizeof b, 0, (struct sockaddr *)&from, &n) == 6;
    check(ok && !memcmp(b, "scoped", 6) &&
              !memcmp(&from.sin6_addr, &a->sin6_addr, 16) &&
              from.sin6_scope_id == a->sin6_scope_id,
          "remote6: UDP echo; recvfrom gives the sender's scope id");
    close(u);
    closed.sin6_port = htons((uint16_t)(ntohs(a->sin6_port) + 1));
    u = connect6(&closed, SOCK_DGRAM);
    ok = u >= 0 && send(u, "x", 1, 0) == 1 && (wait_for(u, POLLERR) & POLLERR);
    check(ok && recv(u, b, sizeof b, 0) < 0 && errno == ECONNREFUSED,
          "remote6: connected UDP to a closed port: ECONNREFUSED");
    close(u);
}

/* A connection to our own link-local address: accept names the peer
 * with the scope id, and bind refuses a scope naming no NIC. */
static void check_accept(struct sockaddr_in6 self, int port)
{
    struct sockaddr_in6 any = {.sin6_family = AF_INET6,
                               .sin6_port = htons((uint16_t)port)},
                        peer;
    int l = socket(AF_INET6, SOCK_STREAM, 0), c = -1, s = -1;
    self.sin6_port = htons((uint16_t)port);
    if (bind(l, (struct sockaddr *)&any, sizeof any) == 0 && listen(l, 4) == 0)
        c = connect6(&self, SOCK_STREAM);
    socklen_t n = sizeof peer;
    if (c >= 0 && (wait_for(l, POLLIN) & POLLIN))
        s = accept(l, (struct sockaddr *)&peer, &n);
    check(s >= 0 && !memcmp(&peer.sin6_addr, &self.sin6_addr, 16) &&
              peer.sin6_scope_id == self.sin6_scope_id,
          "remote6: accept gives a link-local peer with its scope id");
    close(c), close(s), close(l);
    int b = socket(AF_INET6, SOCK_STREAM, 0);
    self.sin6_scope_id = 99;
    check(bind(b, (struct sockaddr *)&self, sizeof self) < 0 && errno == ENODEV,
          "remote6: bind with a scope id naming no NIC: ENODEV");
    close(b);
}

void test_remote6(const char *ip, int port)
{
    struct sockaddr_in6 a, self;
    if (parse6(ip, port, &a) < 0) {
        check(0, "remote6: the address parses");
        return;
    }
    wait_ready(&a);
    check_scope_errors(a);
    if (check_tcp(&a, &self) == 0)
        check_accept(self, port + 2);
    check_udp(&a);
}
