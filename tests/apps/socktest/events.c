/*
 * events.c: socktest's checks of epoll (level and edge triggering,
 * one-shot, removal on close), poll and select, and UDP datagrams.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "socktest.h"

static int ep_ready(int ep, int timeout_ms)
{
    struct epoll_event ev[4];
    return epoll_wait(ep, ev, 4, timeout_ms);
}

static int ep_watch(int ep, int op, int fd, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.fd = fd};
    return epoll_ctl(ep, op, fd, &ev);
}

static void test_epoll_errors(int lt, int s)
{
    check(ep_watch(lt, EPOLL_CTL_ADD, s, EPOLLIN) < 0 && errno == EEXIST,
          "adding a socket twice gives EEXIST");
    int other = socket(AF_INET, SOCK_STREAM, 0);
    check(ep_watch(lt, EPOLL_CTL_MOD, other, EPOLLIN) < 0 && errno == ENOENT,
          "modifying an fd not added gives ENOENT");
    check(ep_watch(lt, EPOLL_CTL_ADD, lt, EPOLLIN) < 0 && errno == EINVAL,
          "adding an epoll to itself gives EINVAL");
    check(ep_watch(s, EPOLL_CTL_ADD, other, EPOLLIN) < 0 && errno == EINVAL,
          "epoll_ctl on a socket as epoll gives EINVAL");
    close(other);
    check(ep_watch(lt, EPOLL_CTL_ADD, 300, EPOLLIN) < 0 && errno == EBADF,
          "adding a closed fd gives EBADF");
    /* the system call itself: musl's epoll_create() ignores its size */
    check(syscall(SYS_epoll_create, 0) < 0 && errno == EINVAL,
          "epoll_create(0): EINVAL");
    check(ep_ready(lt, 0) == 0, "nothing is ready yet");
}

static void test_epoll_triggers(int lt, int et, int one, int c, int s)
{
    char b[8];
    send(c, "a", 1, 0);
    check(ep_ready(lt, WAIT_MS) == 1, "level-triggered: data is reported");
    check(ep_ready(lt, 0) == 1, "level-triggered: and again while unread");
    check(ep_ready(et, WAIT_MS) == 1, "edge-triggered: data is reported");
    check(ep_ready(et, 0) == 0, "edge-triggered: not again while unread");
    check(ep_ready(one, WAIT_MS) == 1, "EPOLLONESHOT: reported once");
    check(ep_ready(one, 0) == 0, "EPOLLONESHOT: then disarmed");
    check(ep_watch(one, EPOLL_CTL_MOD, s, EPOLLIN | EPOLLONESHOT) == 0 &&
              ep_ready(one, 0) == 1,
          "EPOLLONESHOT: EPOLL_CTL_MOD re-arms it");
    recv(s, b, sizeof b, 0);
    check(ep_ready(lt, 0) == 0, "level-triggered: quiet once read");
    send(c, "b", 1, 0);
    check(ep_ready(et, WAIT_MS) == 1, "edge-triggered: new data is an edge");
    recv(s, b, sizeof b, 0);
}

void test_epoll(void)
{
    int c, s;
    check(tcp_pair(5007, &c, &s) == 0, "a connected pair on port 5007");
    int lt = epoll_create1(EPOLL_CLOEXEC), et = epoll_create1(0);
    int one = epoll_create(1);
    check(lt >= 0 && et >= 0 && one >= 0, "epoll_create1 and epoll_create");
    check(ep_watch(lt, EPOLL_CTL_ADD, s, EPOLLIN | EPOLLRDHUP) == 0 &&
              ep_watch(et, EPOLL_CTL_ADD, s, EPOLLIN | EPOLLET) == 0 &&
              ep_watch(one, EPOLL_CTL_ADD, s, EPOLLIN | EPOLLONESHOT) == 0,
          "EPOLL_CTL_ADD with level, edge and one-shot triggers");
    test_epoll_errors(lt, s);
    test_epoll_triggers(lt, et, one, c, s);
    struct epoll_event ev;
    shutdown(c, SHUT_WR);
    check(epoll_wait(lt, &ev, 1, WAIT_MS) == 1 && (ev.events & EPOLLRDHUP) &&
              ev.data.fd == s,
          "EPOLLRDHUP with the fd's data after the peer closed");
    close(s);
    check(ep_ready(lt, 0) == 0, "a closed socket leaves the epoll set");
    int fd = socket(AF_INET, SOCK_STREAM, 0); /* the same number again */
    check(fd == s && ep_watch(lt, EPOLL_CTL_ADD, fd, EPOLLIN) == 0,
          "its number can be added again");
    close(fd), close(c), close(lt), close(et), close(one);
}

/* The fds of one epoll_wait of up to max events, as a bit set. */
static unsigned ep_fds(int ep, int max, int timeout_ms)
{
    struct epoll_event ev[8];
    unsigned set = 0;
    int n = epoll_wait(ep, ev, max, timeout_ms);
    for (int i = 0; i < n; i++)
        set |= 1u << ev[i].data.fd;
    return set;
}

/* Several ready sockets and an events array of one: each wait reports
 * another, so none is starved. */
static void test_epoll_rotation(int ep, const int *s)
{
    char b[4];
    unsigned seen = 0;
    for (int i = 0; i < 3; i++)
        ep_watch(ep, EPOLL_CTL_ADD, s[i], EPOLLIN);
    for (int i = 0; i < 3; i++)
        seen |= ep_fds(ep, 1, WAIT_MS);
    check(seen == (1u << s[0] | 1u << s[1] | 1u << s[2]),
          "epoll: three ready sockets, one event a wait: each is reported");
    for (int i = 0; i < 3; i++)
        recv(s[i], b, sizeof b, 0);
    check(ep_ready(ep, 0) == 0, "epoll: all read, none is reported");
}

/* What a ready list must get right: a socket is reported because the
 * stack told epoll it changed, in every set that holds it. */
static void test_epoll_wakes(int ep, int et, const int *c, const int *s)
{
    char b[8];
    send(c[0], "a", 1, 0);
    check(ep_fds(et, 8, WAIT_MS) == 1u << s[0], "EPOLLET: the first data");
    send(c[0], "b", 1, 0);
    check(ep_fds(et, 8, WAIT_MS) == 1u << s[0],
          "EPOLLET: more data on an unread socket is a new edge (Linux's)");
    check(ep_fds(ep, 8, 0) == 1u << s[0],
          "a second epoll set holding the socket reports it too");
    recv(s[0], b, sizeof b, 0);
    ep_watch(ep, EPOLL_CTL_DEL, s[0], 0);
    send(c[0], "c", 1, 0);
    wait_for(s[0], POLLIN);
    check(ep_ready(ep, 0) == 0, "EPOLL_CTL_DEL: new data is not reported");
    check(ep_watch(ep, EPOLL_CTL_ADD, s[0], EPOLLIN) == 0 &&
              ep_fds(ep, 8, 0) == 1u << s[0],
          "added again with data waiting: reported at once");
    int d = dup(s[0]);
    check(ep_watch(ep, EPOLL_CTL_ADD, d, EPOLLIN) == 0 &&
              ep_fds(ep, 8, 0) == (1u << s[0] | 1u << d),
          "a dup'd descriptor is an item of its own");
    close(d);
    recv(s[0], b, sizeof b, 0);
    int inner = epoll_create1(0), outer = epoll_create1(0);
    ep_watch(inner, EPOLL_CTL_ADD, s[1], EPOLLIN);
    ep_watch(outer, EPOLL_CTL_ADD, inner, EPOLLIN);
    check(ep_ready(outer, 0) == 0, "nested epoll: quiet while nothing is");
    send(c[1], "d", 1, 0);
    check(ep_fds(outer, 8, WAIT_MS) == 1u << inner,
          "nested epoll: data on an inner socket makes the inner set ready");
    recv(s[1], b, sizeof b, 0);
    close(inner), close(outer);
}

/* A listener is ready once a connection waits; a UDP socket once a
 * datagram does. */
static void test_epoll_kinds(int ep)
{
    int l = tcp_listener(5012), c = socket(AF_INET, SOCK_STREAM, 0);
    int u = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = loop_addr(5012), ua = loop_addr(5013);
    bind(u, (struct sockaddr *)&ua, sizeof ua);
    ep_watch(ep, EPOLL_CTL_ADD, l, EPOLLIN);
    ep_watch(ep, EPOLL_CTL_ADD, u, EPOLLIN);
    check(ep_ready(ep, 0) == 0, "an idle listener and UDP socket: quiet");
    connect(c, (struct sockaddr *)&a, sizeof a);
    check(ep_fds(ep, 8, WAIT_MS) == 1u << l,
          "epoll: the listener is ready once a connection waits");
    int s = accept(l, NULL, NULL);
    check(s >= 0 && ep_ready(ep, 0) == 0, "epoll: accepted, quiet again");
    sendto(u2, "x", 1, 0, (struct sockaddr *)&ua, sizeof ua);
    check(ep_fds(ep, 8, WAIT_MS) == 1u << u,
          "epoll: a UDP socket is ready once a datagram came");
    close(s), close(c), close(l), close(u), close(u2);
}

void test_epoll_ready(void)
{
    int c[3], s[3];
    int ok = tcp_pair(5010, &c[0], &s[0]) == 0 &&
             tcp_pair(5011, &c[1], &s[1]) == 0 &&
             tcp_pair(5014, &c[2], &s[2]) == 0;
    check(ok && s[2] < 32, "three connected pairs on ports 5010, 5011, 5014");
    int ep = epoll_create1(0), et = epoll_create1(0), kinds = epoll_create1(0);
    for (int i = 0; i < 3; i++)
        send(c[i], "r", 1, 0);
    for (int i = 0; i < 3; i++)
        wait_for(s[i], POLLIN);
    test_epoll_rotation(ep, s);
    ep_watch(et, EPOLL_CTL_ADD, s[0], EPOLLIN | EPOLLET);
    test_epoll_wakes(ep, et, c, s);
    test_epoll_kinds(kinds);
    for (int i = 0; i < 3; i++)
        close(c[i]), close(s[i]);
    close(ep), close(et), close(kinds);
}

void test_poll_select(void)
{
    int l = tcp_listener(5008), c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loop_addr(5008);
    struct pollfd p[2] = {{.fd = l, .events = POLLIN},
                          {.fd = 250, .events = POLLIN}};
    check(poll(p, 2, 0) == 1 && p[1].revents == POLLNVAL && !p[0].revents,
          "poll: POLLNVAL for a closed fd, nothing for an idle listener");
    connect(c, (struct sockaddr *)&a, sizeof a);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(l, &r);
    struct timeval tv = {5, 0};
    check(select(l + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(l, &r),
          "select: the listener is readable after a connect");
    FD_ZERO(&r);
    FD_SET(250, &r);
    tv = (struct timeval){0, 0};
    check(select(251, &r, NULL, NULL, &tv) < 0 && errno == EBADF,
          "select on a closed fd gives EBADF");
    struct timespec ts = {0, 0};
    p[0] = (struct pollfd){.fd = c, .events = POLLOUT};
    check(ppoll(p, 1, &ts, NULL) == 1 && (p[0].revents & POLLOUT),
          "ppoll: a connected socket is writable");
    close(c), close(l);
}

void test_udp(void)
{
    int u1 = socket(AF_INET, SOCK_DGRAM, 0),
        u2 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = loop_addr(5009), from, me;
    socklen_t len = sizeof from;
    char buf[64];
    check(bind(u1, (struct sockaddr *)&a, sizeof a) == 0, "UDP bind to 5009");
    check(recv(u1, buf, sizeof buf, MSG_DONTWAIT) < 0 && errno == EAGAIN,
          "UDP: EAGAIN with no datagram");
    check(sendto(u2, "datagram", 8, 0, (struct sockaddr *)&a, sizeof a) == 8,
          "UDP sendto");
    check(wait_for(u1, POLLIN) & POLLIN, "UDP: the receiver polls readable");
    int n;
    check(ioctl(u1, FIONREAD, &n) == 0 && n == 8, "FIONREAD: next is 8 bytes");
    ssize_t got =
        recvfrom(u1, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
    getsockname(u2, (struct sockaddr *)&me, &(socklen_t){sizeof me});
    check(got == 8 && !memcmp(buf, "datagram", 8) &&
              from.sin_port == me.sin_port && len == sizeof from,
          "UDP recvfrom: the data and the sender's port");
    sendto(u2, "0123456789", 10, 0, (struct sockaddr *)&a, sizeof a);
    wait_for(u1, POLLIN);
    char small[4];
    struct iovec v = {small, sizeof small};
    struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
    check(recvmsg(u1, &m, 0) == 4 && (m.msg_flags & MSG_TRUNC) &&
              !memcmp(small, "0123", 4),
          "UDP recvmsg: a long datagram is cut, with MSG_TRUNC");
    sendto(u2, "0123456789", 10, 0, (struct sockaddr *)&a, sizeof a);
    wait_for(u1, POLLIN);
    check(recv(u1, small, sizeof small, MSG_TRUNC) == 10,
          "UDP recv(MSG_TRUNC) gives the real length");
    check(connect(u2, (struct sockaddr *)&a, sizeof a) == 0 &&
              send(u2, "c", 1, 0) == 1,
          "UDP connect sets the default destination");
    check(wait_for(u1, POLLIN) && recv(u1, buf, sizeof buf, 0) == 1,
          "and the datagram arrives");
    close(u1), close(u2);
}
