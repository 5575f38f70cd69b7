/*
 * echo: the echo service (RFC 862) on TCP and UDP. Usage: echo [PORT]
 * (default 7). Many TCP clients at once on one thread with epoll; a
 * client whose data cannot be sent back yet stops being read until its
 * socket drains, so one slow reader costs only its own buffer.
 * Prints "echo: listening on port N" once both sockets are ready. Each
 * socket is AF_INET6 with IPV6_V6ONLY off, so it serves IPv4 (as
 * v4-mapped addresses) and IPv6 alike; AF_INET where there is no IPv6.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4: Linux has it too */
#endif
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 16384
#define EVENTS_MAX 64

struct client {
    int fd;
    size_t len, off; /* bytes in buf, of which sent */
    char buf[BUF_SIZE];
};

static int epfd;
static char dgram[65536];

static void client_close(struct client *c)
{
    close(c->fd);
    free(c);
}

static int client_watch(struct client *c, uint32_t ev, int op)
{
    struct epoll_event e = {.events = ev, .data.ptr = c};
    return epoll_ctl(epfd, op, c->fd, &e);
}

/* Send back what is held; 1 when all of it went, 0 if the socket is
 * full, -1 on an error. */
static int client_flush(struct client *c)
{
    while (c->off < c->len) {
        ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN ? 0 : -1;
        c->off += (size_t)n;
    }
    c->off = c->len = 0;
    return 1;
}

static void client_event(struct client *c, uint32_t ev)
{
    if (ev & EPOLLIN) {
        ssize_t n = read(c->fd, c->buf, BUF_SIZE);
        if (n == 0 || (n < 0 && errno != EAGAIN)) {
            client_close(c);
            return;
        }
        c->len = n > 0 ? (size_t)n : 0;
    } else if (ev & (EPOLLERR | EPOLLHUP)) {
        client_close(c);
        return;
    }
    int r = client_flush(c);
    if (r < 0 || client_watch(c, r ? EPOLLIN : EPOLLOUT, EPOLL_CTL_MOD) < 0)
        client_close(c);
}

static void accept_all(int lfd)
{
    int fd;
    while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
        struct client *c = malloc(sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd, c->len = c->off = 0;
        if (client_watch(c, EPOLLIN, EPOLL_CTL_ADD) < 0)
            client_close(c);
    }
}

/* Answer every datagram waiting; a full send buffer drops the answer,
 * as UDP may. */
static void udp_event(int ufd)
{
    struct sockaddr_in6 from; /* room for either family's */
    socklen_t flen = sizeof from;
    ssize_t n;
    while ((n = recvfrom(ufd, dgram, sizeof dgram, 0, (struct sockaddr *)&from,
                         &flen)) >= 0) {
        sendto(ufd, dgram, (size_t)n, 0, (struct sockaddr *)&from, flen);
        flen = sizeof from;
    }
}

static int open_socket(int type, int port)
{
    int fd = socket(AF_INET6, type | SOCK_NONBLOCK, 0), one = 1, zero = 0;
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6,
                              .sin6_port = htons((uint16_t)port)};
    struct sockaddr_in a4 = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port)};
    struct sockaddr *a = (struct sockaddr *)&a6;
    socklen_t alen = sizeof a6;
    if (fd < 0) {
        fd = socket(AF_INET, type | SOCK_NONBLOCK, 0);
        a = (struct sockaddr *)&a4, alen = sizeof a4;
    } else {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, a, alen) < 0 || (type == SOCK_STREAM && listen(fd, 128) < 0)) {
        close(fd);
        return -1;
    }
    struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) < 0 ? -1 : fd;
}

int main(int argc, char **argv)
{
    char *end = "";
    long port = argc > 1 ? strtol(argv[1], &end, 10) : 7;
    if (port < 1 || port > 65535 || *end) {
        fprintf(stderr, "usage: echo [PORT]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    epfd = epoll_create1(0);
    int lfd = epfd < 0 ? -1 : open_socket(SOCK_STREAM, (int)port);
    int ufd = lfd < 0 ? -1 : open_socket(SOCK_DGRAM, (int)port);
    if (ufd < 0) {
        fprintf(stderr, "echo: port %ld: %s\n", port, strerror(errno));
        return 1;
    }
    printf("echo: listening on port %ld\n", port);
    fflush(stdout);
    struct epoll_event evs[EVENTS_MAX];
    for (;;) {
        int n = epoll_wait(epfd, evs, EVENTS_MAX, -1);
        for (int i = 0; i < n; i++) {
            /* the listeners carry their descriptor, clients a pointer
             * (never equal to a small descriptor number) */
            if (evs[i].data.fd == lfd)
                accept_all(lfd);
            else if (evs[i].data.fd == ufd)
                udp_event(ufd);
            else
                client_event(evs[i].data.ptr, evs[i].events);
        }
    }
}
