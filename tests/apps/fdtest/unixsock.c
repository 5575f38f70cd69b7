/*
 * unixsock.c: AF_UNIX sockets: socketpair, named listeners (path and
 * abstract), accept/connect, names, shutdown and close semantics,
 * datagrams and sequenced packets, the blocking paths between threads.
 */
#include "fdtest.h"

#define PATH "/tmp/kiln-fdtest.sock"
#define PATH2 "/tmp/kiln-fdtest-2.sock"
#define BULK 100000

static char big[BULK], got[BULK];

static socklen_t abstract(struct sockaddr_un *a, const char *name)
{
    *a = (struct sockaddr_un){.sun_family = AF_UNIX};
    memcpy(a->sun_path + 1, name, strlen(name));
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
                       strlen(name));
}

static void *send_bulk(void *arg)
{
    int fd = *(int *)arg;
    for (long off = 0; off < BULK;) {
        long n = send(fd, big + off, BULK - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += n;
    }
    return NULL;
}

static void test_pair(void)
{
    int s[2] = {-1, -1}, v = 0;
    char buf[16];
    socklen_t len = sizeof v;
    check(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0,
          "socketpair(AF_UNIX, SOCK_STREAM)");
    check(write(s[0], "ping", 4) == 4 && read(s[1], buf, sizeof buf) == 4 &&
              write(s[1], "pong", 4) == 4 &&
              recv(s[0], buf, sizeof buf, 0) == 4 && !memcmp(buf, "pong", 4),
          "a socketpair carries bytes both ways");
    check(getsockopt(s[0], SOL_SOCKET, SO_TYPE, &v, &len) == 0 &&
              v == SOCK_STREAM,
          "SO_TYPE is SOCK_STREAM");
    check(fails_with(recv(s[0], buf, 1, MSG_DONTWAIT), EAGAIN),
          "MSG_DONTWAIT on an empty socket: EAGAIN");
    for (long i = 0; i < BULK; i++)
        big[i] = (char)(i * 13 + i / 241);
    pthread_t t = spawn(send_bulk, &s[0]);
    check(recv(s[1], got, BULK, MSG_WAITALL) == BULK && !memcmp(big, got, BULK),
          "100 KB with MSG_WAITALL while another thread sends");
    join(t);
    check(shutdown(s[0], SHUT_WR) == 0 && read(s[1], buf, sizeof buf) == 0,
          "shutdown(SHUT_WR): the peer reads the end");
    check(fails_with(send(s[0], "x", 1, MSG_NOSIGNAL), EPIPE),
          "sending after SHUT_WR: EPIPE");
    check(write(s[1], "late", 4) == 4 && read(s[0], buf, sizeof buf) == 4,
          "the other direction still works");
    int n = 0;
    write(s[1], "four", 4);
    check(ioctl(s[0], FIONREAD, &n) == 0 && n == 4,
          "FIONREAD counts the bytes");
    read(s[0], buf, sizeof buf);
    close(s[1]);
    struct pollfd pf = {s[0], POLLIN | POLLRDHUP, 0};
    check(poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN) &&
              (pf.revents & POLLHUP) && (pf.revents & POLLRDHUP),
          "peer closed: poll gives POLLIN, POLLHUP and POLLRDHUP");
    check(read(s[0], buf, sizeof buf) == 0, "peer closed: end of file");
    check(fails_with(shutdown(s[0], 7), EINVAL),
          "shutdown with a bad how: EINVAL");
    close(s[0]);

    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s);
    check(fails_with(read(s[0], buf, 1), EAGAIN), "SOCK_NONBLOCK: EAGAIN");
    write(s[1], "unread", 6);
    close(s[0]);
    check(fails_with(read(s[1], buf, sizeof buf), ECONNRESET),
          "closing with unread data resets the peer: ECONNRESET");
    check(fails_with(send(s[1], "x", 1, MSG_NOSIGNAL), EPIPE),
          "then sending: EPIPE");
    close(s[1]);
    check(fails_with(socketpair(AF_UNIX, 9, 0, s), ESOCKTNOSUPPORT),
          "socketpair of an unknown type: ESOCKTNOSUPPORT");
}

static void *connect_to(void *arg)
{
    struct sockaddr_un *a = arg;
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)a, sizeof *a) == 0)
        write(c, "hi", 2);
    close(c);
    return NULL;
}

static void test_listener(void)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX, .sun_path = PATH}, b;
    socklen_t len = sizeof b;
    char buf[8];
    unlink(PATH);
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    check(fails_with(listen(l, 4), EINVAL), "listen before bind: EINVAL");
    check(bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 4) == 0,
          "bind a path and listen");
    check(fails_with(accept(l, NULL, NULL), EAGAIN),
          "nothing to accept: EAGAIN");
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    check(connect(c, (struct sockaddr *)&a, sizeof a) == 0,
          "connect to the path");
    struct pollfd pf = {l, POLLIN, 0};
    check(poll(&pf, 1, 0) == 1, "poll: the listener is readable");
    int s = accept4(l, (struct sockaddr *)&b, &len, SOCK_CLOEXEC);
    check(s >= 0 && len == sizeof(sa_family_t) && b.sun_family == AF_UNIX,
          "accept4: the client is unnamed");
    len = sizeof b;
    check(getpeername(c, (struct sockaddr *)&b, &len) == 0 &&
              len == offsetof(struct sockaddr_un, sun_path) + sizeof PATH &&
              !strcmp(b.sun_path, PATH),
          "getpeername: the listener's path");
    len = sizeof b;
    check(getsockname(s, (struct sockaddr *)&b, &len) == 0 &&
              !strcmp(b.sun_path, PATH),
          "getsockname of the accepted socket: the path");
    check(write(c, "abc", 3) == 3 && read(s, buf, sizeof buf) == 3,
          "data from client to server");
    int d = socket(AF_UNIX, SOCK_STREAM, 0);
    check(fails_with(bind(d, (struct sockaddr *)&a, sizeof a), EADDRINUSE),
          "binding a name in use: EADDRINUSE");
    close(d), close(c), close(s);
    fcntl(l, F_SETFL, 0);
    pthread_t t = spawn(connect_to, &a);
    s = accept(l, NULL, NULL);
    check(s >= 0 && read(s, buf, sizeof buf) == 2,
          "a blocked accept wakes when another thread connects");
    join(t);
    close(s), close(l);
    unlink(PATH);
}

void test_unix_stream(void)
{
    test_pair();
    test_listener();
}

void test_unix_names(void)
{
    struct sockaddr_un a, b;
    socklen_t alen = abstract(&a, "kiln-fdtest-nobody"), len = sizeof b;
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    check(fails_with(connect(s, (struct sockaddr *)&a, alen), ECONNREFUSED),
          "connect to an unbound abstract name: ECONNREFUSED");
    struct sockaddr_un p = {.sun_family = AF_UNIX,
                            .sun_path = "/tmp/kiln-fdtest-none"};
    check(fails_with(connect(s, (struct sockaddr *)&p, sizeof p), ENOENT),
          "connect to a missing path: ENOENT");
    check(fails_with(getpeername(s, (struct sockaddr *)&b, &len), ENOTCONN),
          "getpeername unconnected: ENOTCONN");
    sa_family_t fam = AF_UNIX;
    len = sizeof b;
    check(bind(s, (struct sockaddr *)&fam, sizeof fam) == 0 &&
              getsockname(s, (struct sockaddr *)&b, &len) == 0 &&
              len == offsetof(struct sockaddr_un, sun_path) + 6 &&
              b.sun_path[0] == 0,
          "binding no name picks an abstract one (autobind)");
    check(fails_with(bind(s, (struct sockaddr *)&a, alen), EINVAL),
          "binding a bound socket: EINVAL");
    int d = socket(AF_UNIX, SOCK_DGRAM, 0), l = socket(AF_UNIX, SOCK_STREAM, 0);
    int d2 = socket(AF_UNIX, SOCK_DGRAM, 0),
        l2 = socket(AF_UNIX, SOCK_STREAM, 0);
    alen = abstract(&a, "kiln-fdtest-listen");
    bind(l, (struct sockaddr *)&a, alen);
    listen(l, 1);
    check(fails_with(connect(d, (struct sockaddr *)&a, alen), ECONNREFUSED),
          "abstract names are per type: ECONNREFUSED across types");
    check(bind(d, (struct sockaddr *)&a, alen) == 0,
          "a datagram socket may take a stream's abstract name");
    struct sockaddr_un p2 = {.sun_family = AF_UNIX, .sun_path = PATH2};
    unlink(PATH2);
    bind(l2, (struct sockaddr *)&p2, sizeof p2);
    listen(l2, 1);
    check(
        fails_with(connect(d2, (struct sockaddr *)&p2, sizeof p2), EPROTOTYPE),
        "a datagram socket connecting to a stream's path: EPROTOTYPE");
    unlink(PATH2);
    close(l2), close(d2);
    check(fails_with(socket(AF_UNIX, SOCK_STREAM, 5), EPROTONOSUPPORT),
          "AF_UNIX with a protocol: EPROTONOSUPPORT");
    close(s), close(d), close(l);
}

static void test_dgram(void)
{
    int s[2] = {-1, -1};
    char buf[16];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, s);
    check(send(s[0], "one", 3, 0) == 3 && send(s[0], "three", 5, 0) == 5,
          "two datagrams sent");
    check(recv(s[1], buf, sizeof buf, 0) == 3 &&
              recv(s[1], buf, 2, MSG_TRUNC) == 5,
          "each received whole, MSG_TRUNC gives the real length");
    struct sockaddr_un a, from;
    socklen_t alen = abstract(&a, "kiln-fdtest-dgram"), flen = sizeof from;
    int srv = socket(AF_UNIX, SOCK_DGRAM, 0),
        cli = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(srv, (struct sockaddr *)&a, alen);
    check(sendto(cli, "hey", 3, 0, (struct sockaddr *)&a, alen) == 3 &&
              recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr *)&from,
                       &flen) == 3 &&
              flen == 0,
          "sendto a name; recvfrom of an unnamed sender: no address");
    struct sockaddr_un c;
    socklen_t clen = abstract(&c, "kiln-fdtest-cli");
    bind(cli, (struct sockaddr *)&c, clen);
    flen = sizeof from;
    check(sendto(cli, "yo", 2, 0, (struct sockaddr *)&a, alen) == 2 &&
              recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr *)&from,
                       &flen) == 2 &&
              flen == clen && !memcmp(from.sun_path, c.sun_path, clen - 2),
          "recvfrom names a bound sender");
    struct sockaddr_un none;
    socklen_t nlen = abstract(&none, "kiln-fdtest-gone");
    check(fails_with(sendto(cli, "x", 1, 0, (struct sockaddr *)&none, nlen),
                     ECONNREFUSED),
          "sendto an unbound name: ECONNREFUSED");
    fcntl(s[0], F_SETFL, O_NONBLOCK);
    long n, sent = 0;
    while ((n = send(s[0], big, 1000, 0)) == 1000)
        sent++;
    check(fails_with(n, EAGAIN) && sent > 0, "datagrams queue until EAGAIN");
    struct pollfd pf = {s[0], POLLOUT, 0};
    check(poll(&pf, 1, 0) == 0, "poll: a full peer is not writable");
    if (on_kiln()) {
        struct msghdr m = {0};
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } ctl;
        struct iovec v = {"x", 1};
        m.msg_iov = &v, m.msg_iovlen = 1;
        m.msg_control = ctl.buf, m.msg_controllen = sizeof ctl.buf;
        struct cmsghdr *h = CMSG_FIRSTHDR(&m);
        h->cmsg_level = SOL_SOCKET, h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(h), &s[0], sizeof(int));
        check(fails_with(sendmsg(s[1], &m, 0), EOPNOTSUPP),
              "Kiln: passing descriptors (SCM_RIGHTS): EOPNOTSUPP");
    }
    close(s[0]), close(s[1]), close(srv), close(cli);
}

static void test_seqpacket(void)
{
    int s[2] = {-1, -1};
    char buf[16];
    check(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s) == 0,
          "socketpair(SOCK_SEQPACKET)");
    send(s[0], "abc", 3, 0);
    send(s[0], "defgh", 5, 0);
    check(recv(s[1], buf, sizeof buf, 0) == 3 &&
              recv(s[1], buf, sizeof buf, 0) == 5,
          "records keep their boundaries");
    send(s[0], "xyz", 3, 0);
    struct iovec v = {buf, 2};
    struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
    check(recvmsg(s[1], &m, 0) == 2 && (m.msg_flags & MSG_TRUNC),
          "recvmsg of a longer record sets MSG_TRUNC");
    struct iovec two[2] = {{"12", 2}, {"345", 3}};
    m = (struct msghdr){.msg_iov = two, .msg_iovlen = 2};
    check(sendmsg(s[0], &m, 0) == 5 && recv(s[1], buf, sizeof buf, 0) == 5 &&
              !memcmp(buf, "12345", 5),
          "sendmsg gathers iovecs into one record");
    check(writev(s[0], two, 2) == 5 && read(s[1], buf, sizeof buf) == 5,
          "writev sends one record");
    close(s[0]);
    check(recv(s[1], buf, sizeof buf, 0) == 0, "peer closed: end of file");
    close(s[1]);
    socketpair(AF_UNIX, SOCK_DGRAM, 0, s);
    close(s[1]);
    check(fails_with(send(s[0], "x", 1, MSG_NOSIGNAL), ECONNREFUSED),
          "a datagram to a closed peer: ECONNREFUSED");
    close(s[0]);
}

void test_unix_records(void)
{
    test_dgram();
    test_seqpacket();
}
