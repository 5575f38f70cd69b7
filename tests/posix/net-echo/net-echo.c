/*
 * net-echo.c: an echo server on port 7 (TCP and UDP) over net.h,
 * components/net running in a Linux process on a TAP device. It proves
 * the stack the images use works, unchanged, as an ordinary program.
 *
 *   net-echo --tap IF --boot ip=ADDR::GW:MASK -- TCP-CONNS UDP-DATAGRAMS
 *
 * Ends with 0 once it has echoed TCP-CONNS connections to their end and
 * UDP-DATAGRAMS datagrams, 1 after a minute without that. Without TCP
 * sockets in the stack yet it says so and serves UDP alone.
 *
 * components: net
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host.h"
#include "hypercall.h"
#include "net.h"

#define CONNS_MAX 8
#define BUF 4096
#define RUN_NS (60 * 1000000000ull)

struct conn {
    struct net_sock *s;
    char buf[BUF];
    size_t len, off; /* bytes received, of which echoed */
};

static struct conn conns[CONNS_MAX];
static int tcp_done, udp_done;

static int configure(void)
{
    char line[4096], *save = NULL;
    snprintf(line, sizeof line, "%s", hc_cmdline());
    for (char *t = strtok_r(line, " ", &save); t;
         t = strtok_r(NULL, " ", &save))
        if (strncmp(t, "ip=", 3) == 0 && net_configure(t + 3) < 0)
            return -1;
    return net_start() > 0 ? 0 : -1;
}

static struct net_sock *open_port7(int type)
{
    struct net_sock *s;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(7)};
    /* The process ends right after the last close: lingering makes that
     * close wait until the peer has acknowledged every echoed byte. */
    struct linger wait_acked = {.l_onoff = 1, .l_linger = 10};
    if (net_socket(type, 0, &s) < 0)
        return NULL;
    if (type == SOCK_STREAM &&
        net_setsockopt(s, SOL_SOCKET, SO_LINGER, &wait_acked,
                       sizeof wait_acked) < 0)
        return NULL;
    if (net_bind(s, &a) < 0 || (type == SOCK_STREAM && net_listen(s, 8) < 0))
        return NULL;
    return s;
}

static void serve_udp(struct net_sock *u)
{
    char buf[2048];
    struct sockaddr_in from;
    long n;
    while ((n = net_recv(u, buf, sizeof buf, 0, &from)) >= 0)
        if (net_send(u, buf, (size_t)n, 0, &from) == n)
            udp_done++;
}

/* Echo what c holds, then read more; close at the peer's end. */
static void serve_conn(struct conn *c)
{
    for (;;) {
        if (c->off < c->len) {
            long n = net_send(c->s, c->buf + c->off, c->len - c->off, 0, 0);
            if (n <= 0)
                return; /* -EAGAIN: the next wake-up; errors: recv sees */
            c->off += (size_t)n;
            continue;
        }
        long n = net_recv(c->s, c->buf, sizeof c->buf, 0, NULL);
        if (n == -EAGAIN)
            return;
        if (n <= 0) {
            tcp_done += n == 0;
            net_close(c->s);
            c->s = NULL;
            return;
        }
        c->len = (size_t)n;
        c->off = 0;
    }
}

static void serve_tcp(struct net_sock *l)
{
    for (int i = 0; i < CONNS_MAX; i++) {
        struct conn *c = &conns[i];
        if (!c->s && net_accept(l, &c->s, NULL) == 0)
            c->len = c->off = 0;
        if (c->s)
            serve_conn(c);
    }
}

static int fail(const char *why)
{
    printf("net-echo: %s (tcp %d, udp %d)\n", why, tcp_done, udp_done);
    return 1;
}

int host_main(int argc, char **argv)
{
    int want_tcp = argc > 1 ? atoi(argv[1]) : 1;
    int want_udp = argc > 2 ? atoi(argv[2]) : 1;
    if (configure() < 0)
        return fail("no interface configured");
    struct net_sock *tcp = open_port7(SOCK_STREAM);
    struct net_sock *udp = open_port7(SOCK_DGRAM);
    if (!udp)
        return fail("no UDP socket on port 7");
    if (!tcp) {
        printf("net-echo: no TCP in the stack yet: UDP only\n");
        want_tcp = 0;
    }
    printf("net-echo: ready\n");
    fflush(stdout);
    uint64_t deadline = hc_clock_monotonic() + RUN_NS;
    for (;;) {
        if (tcp)
            serve_tcp(tcp);
        serve_udp(udp);
        if (tcp_done >= want_tcp && udp_done >= want_udp)
            break;
        if (net_wait(deadline) == -ETIMEDOUT)
            return fail("timed out");
    }
    printf("net-echo: echoed %d connections, %d datagrams\n", tcp_done,
           udp_done);
    return 0;
}
