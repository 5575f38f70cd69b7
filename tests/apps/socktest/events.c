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
