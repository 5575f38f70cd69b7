/*
 * ipv6.c: socktest's AF_INET6 checks over loopback: a listener on ::
 * with IPV6_V6ONLY off takes a client over ::1 and an IPv4 client over
 * 127.0.0.1 (seen as ::ffff:127.0.0.1); names come back as
 * sockaddr_in6; UDP over ::1 round-trips; IPV6_V6ONLY cannot change
 * once bound. On a Linux host without IPv6 the checks are skipped with
 * a note (Kiln always has ::1).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "socktest.h"

#define V6_PORT 5600

static struct sockaddr_in6 v6_addr(const struct in6_addr *a, int port)
{
    struct sockaddr_in6 s = {.sin6_family = AF_INET6,
                             .sin6_port = htons((uint16_t)port),
                             .sin6_addr = *a};
    return s;
}

/* Accept one connection on l, its peer's address in *peer. */
static int accept_from(int l, struct sockaddr_in6 *peer)
{
    socklen_t n = sizeof *peer;
    if (!(wait_for(l, POLLIN) & POLLIN))
        return -1;
    return accept(l, (struct sockaddr *)peer, &n);
}

static void check_tcp(int l)
{
    struct sockaddr_in6 one = v6_addr(&in6addr_loopback, V6_PORT), peer;
    struct sockaddr_in four = loop_addr(V6_PORT);
    int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    int r = connect(c6, (struct sockaddr *)&one, sizeof one);
    int s6 = accept_from(l, &peer);
    check(r == 0 && s6 >= 0 && peer.sin6_family == AF_INET6 &&
              IN6_IS_ADDR_LOOPBACK(&peer.sin6_addr),
          "AF_INET6: a client over ::1 is accepted from ::1");
    char b = 0;
    check(write(c6, "6", 1) == 1 && read(s6, &b, 1) == 1 && b == '6',
          "AF_INET6: a byte over ::1");
    int c4 = socket(AF_INET, SOCK_STREAM, 0);
    r = connect(c4, (struct sockaddr *)&four, sizeof four);
    int s4 = accept_from(l, &peer);
    check(r == 0 && s4 >= 0 && IN6_IS_ADDR_V4MAPPED(&peer.sin6_addr),
          "AF_INET6 without V6ONLY: an IPv4 client is ::ffff:127.0.0.1");
    close(c6), close(s6), close(c4), close(s4);
}

static void check_udp(void)
{
    struct sockaddr_in6 a = v6_addr(&in6addr_loopback, V6_PORT + 1), from;
    int u = socket(AF_INET6, SOCK_DGRAM, 0),
        v = socket(AF_INET6, SOCK_DGRAM, 0);
    socklen_t n = sizeof from;
    char b[8] = {0};
    int ok = bind(u, (struct sockaddr *)&a, sizeof a) == 0 &&
             sendto(v, "dgram6", 6, 0, (struct sockaddr *)&a, sizeof a) == 6 &&
             (wait_for(u, POLLIN) & POLLIN) &&
             recvfrom(u, b, sizeof b, 0, (struct sockaddr *)&from, &n) == 6;
    check(ok && !memcmp(b, "dgram6", 6) && n == sizeof from &&
              IN6_IS_ADDR_LOOPBACK(&from.sin6_addr),
          "AF_INET6 UDP: a datagram over ::1, its sender ::1");
    close(u), close(v);
}

void test_ipv6(void)
{
    int l = socket(AF_INET6, SOCK_STREAM, 0), zero = 0, one = 1, v = -1;
    struct utsname u;
    if (l < 0 && errno == EAFNOSUPPORT && uname(&u) == 0 &&
        strcmp(u.sysname, "Kiln")) {
        printf("socktest: no IPv6 on this host; AF_INET6 checks skipped\n");
        return;
    }
    struct sockaddr_in6 any = v6_addr(&in6addr_any, V6_PORT);
    socklen_t n = sizeof v;
    check(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) == 0 &&
              bind(l, (struct sockaddr *)&any, sizeof any) == 0 &&
              listen(l, 4) == 0,
          "AF_INET6: listen on [::]:5600 with IPV6_V6ONLY off");
    check(getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, &n) == 0 && v == 0,
          "AF_INET6: IPV6_V6ONLY reads back 0");
    check(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0 &&
              errno == EINVAL,
          "AF_INET6: IPV6_V6ONLY after bind gives EINVAL");
    check_tcp(l);
    check_udp();
    close(l);
}
