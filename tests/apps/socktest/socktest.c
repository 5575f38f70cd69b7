/*
 * socktest: the socket system calls' errno values and semantics, on the
 * loopback interface (127.0.0.1). Every check prints "ok: ..." or
 * "FAIL: ..."; the last line is "socktest: all N checks passed" or
 * "socktest: N of M checks failed" (exit status 1). With arguments
 * IP PORT it also checks against an echo server at IP:PORT (IP may be
 * a link-local IPv6 address with its %scope: remote6.c). Plain POSIX with
 * Linux's epoll, so it also runs on Linux, which is how its
 * expectations are checked: `gcc -O2 -o /tmp/socktest
 * tests/apps/socktest/[a-z]*.c -lpthread && /tmp/socktest`.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4, MSG_MORE: Linux has them too */
#endif
#include "socktest.h"

static int checks, failed;

void check(int ok, const char *what)
{
    checks++;
    if (!ok)
        failed++;
    printf("%s: %s", ok ? "ok" : "FAIL", what);
    if (!ok)
        printf(" (errno %d: %s)", errno, strerror(errno));
    printf("\n");
}

struct sockaddr_in loop_addr(int port)
{
    return (struct sockaddr_in){.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
}

int tcp_listener(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = loop_addr(port);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 8) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A connected pair through listener port: *c the client, *s the server. */
int tcp_pair(int port, int *c, int *s)
{
    int l = tcp_listener(port);
    struct sockaddr_in a = loop_addr(port);
    *c = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0 || connect(*c, (struct sockaddr *)&a, sizeof a) < 0)
        return -1;
    *s = accept(l, NULL, NULL);
    close(l);
    return *s < 0 ? -1 : 0;
}

/* Wait (bounded) until fd reports one of events; the revents. */
int wait_for(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    return poll(&p, 1, WAIT_MS) == 1 ? p.revents : 0;
}

uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    test_errors();
    test_connect();
    test_data();
    test_shutdown();
    test_epoll();
    test_epoll_ready();
    test_poll_select();
    test_udp();
    test_ipv6();
    test_bulk();
    if (argc == 3 && strchr(argv[1], ':'))
        test_remote6(argv[1], atoi(argv[2]));
    else if (argc == 3)
        test_remote(argv[1], atoi(argv[2]));
    if (failed) {
        printf("socktest: %d of %d checks failed\n", failed, checks);
        return 1;
    }
    printf("socktest: all %d checks passed\n", checks);
    return 0;
}
