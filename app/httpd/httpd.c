/*
 * httpd: a small, fast HTTP/1.1 server. Usage: httpd [-p PORT] [ROOT]
 * It serves a built-in page at /, counters at /stats and, given ROOT,
 * the files under it. One thread, non-blocking sockets, level-triggered
 * epoll; per request it costs one read and one send when the socket
 * keeps up (pipelined requests share them).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem, accept4: Linux has them too */
#endif
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "httpd.h"

#define EVENTS_MAX 256
#define LINGER_MAX (256 * 1024) /* bytes dropped after an error */

struct stats stats;
const char *doc_root;
char date_header[64];

static int epfd;

/* The Date header changes once a second; read the wall clock and
 * format it only then (mono: the monotonic clock in ms). */
static void date_update(uint64_t mono)
{
    static uint64_t next; /* mono ms when the wall clock's second ends */
    if (mono < next)
        return;
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    next = mono + 1000 - (uint64_t)t.tv_nsec / 1000000;
    time_t now = t.tv_sec;
    /* RFC 9110's IMF-fixdate, English names whatever the locale; not
     * strftime, whose time-zone and locale code (6 KiB) the image would
     * load only for this line. */
    static const char days[] = "SunMonTueWedThuFriSat";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    struct tm tm;
    gmtime_r(&now, &tm);
    snprintf(date_header, sizeof date_header,
             "Date: %.3s, %02d %.3s %d %02d:%02d:%02d GMT\r\n",
             days + 3 * tm.tm_wday, tm.tm_mday, months + 3 * tm.tm_mon,
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int conn_watch(struct conn *c, uint32_t want)
{
    if (c->want == want)
        return 0;
    struct epoll_event ev = {.events = want, .data.ptr = c};
    c->want = want;
    return epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Closing with unread input would send a reset, which can destroy the
 * response before the client reads it (an error after a pipelined or
 * oversized request). So stop sending, and read and drop what the
 * client still sends, up to a bound, until it closes too. */
static void conn_linger(struct conn *c)
{
    c->closing = 2;
    c->in_len = 0;
    if (shutdown(c->fd, SHUT_WR) < 0 || conn_watch(c, EPOLLIN | EPOLLRDHUP) < 0)
        conn_close(c);
    else
        conn_arm(c, PH_LINGER);
}

/* Wait for an event and, with the phase, for a deadline. */
static void conn_wait(struct conn *c, uint32_t want, int phase)
{
    if (conn_watch(c, want) < 0)
        conn_close(c);
    else
        conn_arm(c, phase);
}

/* The input buffer, taken when bytes are about to come. */
static int conn_in(struct conn *c)
{
    if (!c->in && !(c->in = buf_take(IN_MAX))) {
        conn_close(c);
        return -1;
    }
    return 0;
}

static void conn_drain(struct conn *c)
{
    if (conn_in(c) < 0)
        return;
    ssize_t n = read(c->fd, c->in, IN_MAX);
    c->in_len += n > 0 ? (size_t)n : 0; /* counts the bytes dropped */
    if (n == 0 || (n < 0 && errno != EAGAIN) || c->in_len > LINGER_MAX)
        conn_close(c);
}

/* Parse, respond and send until the input is used up or the socket is
 * full; then wait for whichever of the two is the holdup. */
static void conn_run(struct conn *c)
{
    for (;;) {
        size_t before = c->in_len;
        http_handle(c);
        int r = c->broken ? -1 : out_flush(c);
        if (r < 0) {
            conn_close(c);
            return;
        }
        if (r == 0 && c->closing) {
            conn_linger(c);
            return;
        }
        if (r == 1) {
            conn_wait(c, EPOLLOUT, PH_SEND);
            return;
        }
        if (c->in_len == before || c->in_len == 0)
            break; /* nothing more can be parsed without reading */
    }
    conn_shed(c);
    conn_wait(c, EPOLLIN | EPOLLRDHUP, c->in_len ? PH_REQUEST : PH_IDLE);
}

static void conn_event(struct conn *c, uint32_t ev)
{
    if (c->fd < 0)
        return; /* closed earlier in this batch */
    if (c->closing == 2) {
        conn_drain(c);
        return;
    }
    if (ev & EPOLLIN) {
        if (conn_in(c) < 0)
            return;
        ssize_t n = read(c->fd, c->in + c->in_len, IN_MAX - c->in_len);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            conn_close(c);
            return;
        }
        if (n > 0)
            c->in_len += (size_t)n;
    } else if (ev & (EPOLLERR | EPOLLHUP)) {
        conn_close(c);
        return;
    }
    conn_run(c);
}

static void conn_new(int fd)
{
    struct conn *c = conns_room() < 0 ? NULL : malloc(sizeof *c);
    if (!c) {
        conn_refuse(fd);
        return;
    }
    *c = (struct conn){.fd = fd, .file_fd = -1, .want = EPOLLIN | EPOLLRDHUP};
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event ev = {.events = c->want, .data.ptr = c};
    conns_add(c);
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
        conn_close(c);
}

/* Out of descriptors or memory with nothing to evict: the listener
 * would wake us at once forever, so it sleeps until a connection closes
 * or a second passes. */
static struct {
    int paused;
    uint64_t open, until;
} listener;

static void listen_watch(int lfd, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = NULL};
    epoll_ctl(epfd, EPOLL_CTL_MOD, lfd, &ev);
    listener.paused = !events;
    listener.open = stats.open;
    listener.until = clock_ms() + 1000;
}

static int listen_resume(int lfd, int timeout)
{
    if (!listener.paused)
        return timeout;
    if (stats.open < listener.open || clock_ms() >= listener.until) {
        listen_watch(lfd, EPOLLIN);
        return timeout;
    }
    return timeout >= 0 && timeout < 1000 ? timeout : 1000;
}

static void accept_all(int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            conn_new(fd);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        if (conns_evict() < 0) { /* EMFILE, ENOMEM, ...: make room */
            listen_watch(lfd, 0);
            return;
        }
    }
}

/* One socket for both families: AF_INET6 with IPV6_V6ONLY off takes
 * IPv4 clients as v4-mapped addresses. Where there is no IPv6 (a Linux
 * host without it), AF_INET. */
static int listen_on(int port)
{
    int type = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, one = 1, zero = 0;
    int fd = socket(AF_INET6, type, 0);
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6,
                              .sin6_port = htons((uint16_t)port),
                              .sin6_addr = IN6ADDR_ANY_INIT};
    struct sockaddr_in a4 = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_ANY)};
    struct sockaddr *a = (struct sockaddr *)&a6;
    socklen_t alen = sizeof a6;
    if (fd < 0) {
        fd = socket(AF_INET, type, 0);
        a = (struct sockaddr *)&a4, alen = sizeof a4;
    } else {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
    if (fd < 0) {
        perror("httpd: socket");
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, a, alen) < 0 || listen(fd, 1024) < 0) {
        fprintf(stderr, "httpd: port %d: %s\n", port, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int parse_args(int argc, char **argv, int *port)
{
    int opt;
    while ((opt = getopt(argc, argv, "p:")) != -1) {
        char *end;
        long p = opt == 'p' ? strtol(optarg, &end, 10) : -1;
        if (p < 1 || p > 65535 || *end) {
            fprintf(stderr, "usage: httpd [-p PORT] [ROOT]\n");
            return -1;
        }
        *port = (int)p;
    }
    if (optind < argc)
        doc_root = argv[optind];
    return 0;
}

int main(int argc, char **argv)
{
    int port = 80;
    if (parse_args(argc, argv, &port) < 0 || conns_init() < 0)
        return 2;
    signal(SIGPIPE, SIG_IGN);
    int lfd = listen_on(port);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (lfd < 0 || epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) < 0) {
        perror("httpd: epoll");
        return 1;
    }
    printf("httpd: listening on port %d\n", port);
    fflush(stdout);
    struct epoll_event evs[EVENTS_MAX];
    date_update(clock_update());
    for (;;) {
        int timeout = listen_resume(lfd, conns_tick());
        int n = epoll_wait(epfd, evs, EVENTS_MAX, timeout);
        if (n < 0 && errno != EINTR) {
            perror("httpd: epoll_wait");
            return 1;
        }
        date_update(clock_update());
        for (int i = 0; i < n; i++)
            if (evs[i].data.ptr)
                conn_event(evs[i].data.ptr, evs[i].events);
            else
                accept_all(lfd);
    }
}
