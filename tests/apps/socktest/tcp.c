/*
 * tcp.c: socktest's checks of errno values, connecting, stream data,
 * half-closes and a bulk transfer between two threads.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "socktest.h"

#define BULK_BYTES (1024 * 1024)

void test_errors(void)
{
    int fd;
    check(socket(1000, SOCK_STREAM, 0) < 0 && errno == EAFNOSUPPORT,
          "socket of an unknown family gives EAFNOSUPPORT");
    check(socket(AF_INET, SOCK_STREAM | 0x40000000, 0) < 0 && errno == EINVAL,
          "socket with an unknown type flag gives EINVAL");
    struct sockaddr_in a = loop_addr(5000);
    check(bind(1, (struct sockaddr *)&a, sizeof a) < 0 && errno == ENOTSOCK,
          "bind on the console gives ENOTSOCK");
    check(listen(200, 1) < 0 && errno == EBADF, "listen on a closed fd: EBADF");
    char b;
    check(recv(2, &b, 1, MSG_DONTWAIT) < 0 && errno == ENOTSOCK,
          "recv on the console gives ENOTSOCK");
    fd = socket(AF_INET, SOCK_STREAM, 0);
    check(fd >= 0, "socket(AF_INET, SOCK_STREAM)");
    struct stat st;
    check(fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode), "fstat says S_IFSOCK");
    check(bind(fd, (struct sockaddr *)&a, 4) < 0 && errno == EINVAL,
          "bind with a short address gives EINVAL");
    check(accept(fd, NULL, NULL) < 0 && errno == EINVAL,
          "accept on a socket not listening gives EINVAL");
    int v = 1;
    check(setsockopt(fd, SOL_SOCKET, 9999, &v, sizeof v) < 0 &&
              errno == ENOPROTOOPT,
          "an unknown option gives ENOPROTOOPT");
    socklen_t len = sizeof v;
    check(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 &&
              v == SOCK_STREAM,
          "SO_TYPE is SOCK_STREAM");
    check(recv(fd, &b, 1, 0) < 0 && errno == ENOTCONN,
          "recv on an unconnected stream gives ENOTCONN");
    close(fd);
    int l1 = socket(AF_INET, SOCK_STREAM, 0),
        l2 = socket(AF_INET, SOCK_STREAM, 0);
    a = loop_addr(5001);
    check(bind(l1, (struct sockaddr *)&a, sizeof a) == 0 && listen(l1, 1) == 0,
          "bind and listen on 127.0.0.1:5001");
    check(bind(l2, (struct sockaddr *)&a, sizeof a) < 0 && errno == EADDRINUSE,
          "a second bind to the same port gives EADDRINUSE");
    close(l1), close(l2);
}

static void test_refused(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loop_addr(5002);
    check(connect(fd, (struct sockaddr *)&a, sizeof a) < 0 &&
              errno == ECONNREFUSED,
          "connect to a closed port gives ECONNREFUSED");
    close(fd);
}

static void test_nonblocking_connect(void)
{
    int l = tcp_listener(5003), one = 1;
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = loop_addr(5003), me, peer;
    check(fcntl(c, F_GETFL) & O_NONBLOCK, "SOCK_NONBLOCK sets O_NONBLOCK");
    int r = connect(c, (struct sockaddr *)&a, sizeof a);
    check(r == 0 || errno == EINPROGRESS,
          "non-blocking connect gives EINPROGRESS");
    check(wait_for(c, POLLOUT) & POLLOUT, "poll reports the connect done");
    int err = -1;
    socklen_t len = sizeof err;
    check(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0,
          "SO_ERROR is 0 after it");
    check(wait_for(l, POLLIN) & POLLIN, "the listener polls readable");
    socklen_t alen = sizeof peer;
    int s = accept4(l, (struct sockaddr *)&peer, &alen, SOCK_NONBLOCK);
    check(s >= 0 && (fcntl(s, F_GETFL) & O_NONBLOCK),
          "accept4(SOCK_NONBLOCK) gives a non-blocking socket");
    len = sizeof me;
    check(getsockname(c, (struct sockaddr *)&me, &len) == 0 &&
              me.sin_port == peer.sin_port &&
              me.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "getsockname of the client is the peer accept saw");
    len = sizeof peer;
    check(getpeername(c, (struct sockaddr *)&peer, &len) == 0 &&
              peer.sin_port == htons(5003) && len == sizeof peer,
          "getpeername of the client is the listener's port");
    fcntl(l, F_SETFL, O_NONBLOCK);
    check(accept(l, NULL, NULL) < 0 && errno == EAGAIN,
          "accept with nothing pending on a non-blocking listener: EAGAIN");
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    close(c), close(s), close(l);
}

void test_connect(void)
{
    test_refused();
    test_nonblocking_connect();
}

static void test_timeout(int fd)
{
    struct timeval tv = {0, 200000};
    char b;
    check(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0,
          "set SO_RCVTIMEO to 200 ms");
    uint64_t t0 = now_ms();
    ssize_t n = recv(fd, &b, 1, 0);
    check(n < 0 && errno == EAGAIN && now_ms() - t0 >= 190,
          "a blocking recv times out with EAGAIN after SO_RCVTIMEO");
    struct timeval got;
    socklen_t len = sizeof got;
    check(getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &got, &len) == 0 &&
              got.tv_sec == 0 && got.tv_usec == 200000,
          "getsockopt reads SO_RCVTIMEO back");
    tv = (struct timeval){0, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

void test_data(void)
{
    int c, s, n;
    char buf[64];
    check(tcp_pair(5004, &c, &s) == 0, "a connected pair on port 5004");
    check(recv(s, buf, sizeof buf, MSG_DONTWAIT) < 0 && errno == EAGAIN,
          "recv with nothing waiting and MSG_DONTWAIT gives EAGAIN");
    test_timeout(s);
    check(send(c, "hello", 5, 0) == 5, "send 5 bytes");
    check(wait_for(s, POLLIN) & POLLIN, "the peer polls readable");
    check(ioctl(s, FIONREAD, &n) == 0 && n == 5, "FIONREAD says 5");
    check(recv(s, buf, sizeof buf, MSG_PEEK) == 5 && !memcmp(buf, "hello", 5),
          "MSG_PEEK sees the bytes");
    check(read(s, buf, sizeof buf) == 5 && !memcmp(buf, "hello", 5),
          "read takes the same bytes");
    struct iovec v[2] = {{"ab", 2}, {"cdef", 4}};
    check(writev(c, v, 2) == 6, "writev of two parts");
    char x[3], y[3];
    struct iovec r[2] = {{x, 3}, {y, 3}};
    check(recv(s, buf, 6, MSG_WAITALL) == 6 && !memcmp(buf, "abcdef", 6),
          "MSG_WAITALL gathers all 6 bytes");
    send(c, "123456", 6, 0);
    wait_for(s, POLLIN);
    check(readv(s, r, 2) == 6 && !memcmp(x, "123", 3) && !memcmp(y, "456", 3),
          "readv scatters into two parts");
    n = 1;
    check(ioctl(c, FIONBIO, &n) == 0 && (fcntl(c, F_GETFL) & O_NONBLOCK),
          "FIONBIO sets O_NONBLOCK");
    close(c), close(s);
}

void test_shutdown(void)
{
    int c, s;
    char buf[16];
    check(tcp_pair(5005, &c, &s) == 0, "a connected pair on port 5005");
    check(shutdown(c, SHUT_WR) == 0, "shutdown(SHUT_WR)");
    check(wait_for(s, POLLIN) & POLLIN, "the peer polls readable");
    check(recv(s, buf, sizeof buf, 0) == 0, "the peer reads end of stream");
    check(send(s, "back", 4, 0) == 4, "the peer still sends");
    check(recv(c, buf, 4, MSG_WAITALL) == 4 && !memcmp(buf, "back", 4),
          "the half-closed side still receives");
    check(send(c, "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE,
          "send after SHUT_WR gives EPIPE");
    check(shutdown(c, 7) < 0 && errno == EINVAL, "shutdown(7) gives EINVAL");
    close(c);
    int ev = wait_for(s, POLLRDHUP);
    check(ev & POLLRDHUP, "POLLRDHUP after the peer closed");
    shutdown(s, SHUT_WR);
    check(wait_for(s, POLLHUP) & POLLHUP,
          "POLLHUP once both directions are closed");
    close(s);
}

static void *bulk_writer(void *arg)
{
    int fd = *(int *)arg;
    static unsigned char chunk[8192];
    for (size_t off = 0; off < BULK_BYTES;) {
        for (size_t i = 0; i < sizeof chunk; i++)
            chunk[i] = (unsigned char)((off + i) * 7 + 3);
        ssize_t n = send(fd, chunk, sizeof chunk, 0);
        if (n != sizeof chunk)
            return (void *)1;
        off += (size_t)n;
    }
    return NULL;
}

void test_bulk(void)
{
    int c, s;
    pthread_t t;
    static unsigned char buf[16384];
    check(tcp_pair(5006, &c, &s) == 0, "a connected pair on port 5006");
    check(pthread_create(&t, NULL, bulk_writer, &c) == 0, "start a writer");
    size_t got = 0, bad = 0;
    while (got < BULK_BYTES) {
        ssize_t n = recv(s, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            bad += buf[i] != (unsigned char)((got + (size_t)i) * 7 + 3);
        got += (size_t)n;
    }
    void *res;
    pthread_join(t, &res);
    check(got == BULK_BYTES && !bad && !res,
          "1 MiB from one thread to another, every byte right");
    close(c), close(s);
}
