/*
 * udptest: UDP through Kiln's sockets, for tests/boot/ip-config.
 *
 *   udptest echo PORT SECONDS   echo every datagram on PORT back to its
 *                               sender; exit 0 after a "quit" datagram,
 *                               1 if SECONDS pass first
 *   udptest self                over loopback (no NIC needed): a bound
 *                               and a connected socket talk, a closed
 *                               port gives ECONNREFUSED, port 0 binds an
 *                               ephemeral port; exit 0 if all held
 *   udptest bind6 ADDR          bind a socket to the IPv6 address ADDR
 *                               at once (a static ip6= address must be
 *                               there when main starts); exit 0 if bound
 *
 * Prints "udptest: ready" once listening, and one line per failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fails;

static void expect(int ok, const char *what)
{
    if (!ok) {
        printf("udptest: FAIL %s (errno %d)\n", what, errno);
        fails++;
    }
}

static struct sockaddr_in sin_of(const char *ip, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static int wait_in(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, ms) == 1;
}

static int echo(int port, int seconds)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = sin_of("0.0.0.0", port);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        printf("udptest: cannot bind port %d: %s\n", port, strerror(errno));
        return 2;
    }
    printf("udptest: ready\n");
    fflush(stdout);
    time_t end = time(NULL) + seconds;
    static char buf[65536];
    while (time(NULL) < end) {
        if (!wait_in(fd, 200))
            continue;
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n =
            recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (n < 0)
            continue;
        if (n == 4 && !memcmp(buf, "quit", 4))
            return 0;
        sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
    }
    printf("udptest: no quit within %d s\n", seconds);
    return 1;
}

static void self_talk(void)
{
    int srv = socket(AF_INET, SOCK_DGRAM, 0);
    int cli = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = sin_of("127.0.0.1", 0), got;
    socklen_t len = sizeof got;
    int rcv = 262144, got_rcv = 0;
    socklen_t ol = sizeof got_rcv;
    expect(setsockopt(srv, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv) == 0 &&
               getsockopt(srv, SOL_SOCKET, SO_RCVBUF, &got_rcv, &ol) == 0 &&
               got_rcv == 2 * rcv,
           "SO_RCVBUF set and doubled as on Linux");
    expect(bind(srv, (struct sockaddr *)&a, sizeof a) == 0, "bind port 0");
    expect(getsockname(srv, (struct sockaddr *)&got, &len) == 0 &&
               ntohs(got.sin_port) >= 32768,
           "an ephemeral port");
    expect(connect(cli, (struct sockaddr *)&got, sizeof got) == 0, "connect");
    /* About 190 KiB in all: more than the default receive buffer. */
    char big[8000], back[8000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 13);
    for (int i = 0; i < 50; i++)
        expect(send(cli, big, 100 + (size_t)i * 150, 0) == 100 + i * 150,
               "send");
    for (int i = 0; i < 50; i++) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = wait_in(srv, 2000) ? recvfrom(srv, back, sizeof back, 0,
                                                  (struct sockaddr *)&from, &fl)
                                       : -1;
        expect(n == 100 + i * 150 && !memcmp(back, big, (size_t)n),
               "datagrams arrive whole and in order");
        if (n < 0)
            break;
        if (i == 0)
            expect(sendto(srv, "pong", 4, 0, (struct sockaddr *)&from, fl) == 4,
                   "answer the sender");
    }
    expect(wait_in(cli, 2000) && recv(cli, back, sizeof back, 0) == 4 &&
               !memcmp(back, "pong", 4),
           "the answer comes back");
    close(srv);
    close(cli);
}

static void self_refused(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = sin_of("127.0.0.1", 9); /* nobody there */
    expect(connect(fd, (struct sockaddr *)&a, sizeof a) == 0, "connect :9");
    expect(send(fd, "x", 1, 0) == 1, "send to a closed port");
    char c;
    int r = wait_in(fd, 2000) ? (int)recv(fd, &c, 1, 0) : 0;
    expect(r < 0 && errno == ECONNREFUSED,
           "ICMP port unreachable gives ECONNREFUSED");
    close(fd);
}

static int bind6(const char *addr)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(7)};
    if (inet_pton(AF_INET6, addr, &a.sin6_addr) != 1) {
        printf("udptest: %s is not an IPv6 address\n", addr);
        return 2;
    }
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        printf("udptest: cannot bind [%s]:7: %s\n", addr, strerror(errno));
        return 1;
    }
    printf("udptest: bound [%s]:7\n", addr);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "bind6"))
        return bind6(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "echo"))
        return echo(atoi(argv[2]), atoi(argv[3]));
    if (argc == 2 && !strcmp(argv[1], "self")) {
        printf("udptest: ready\n");
        self_talk();
        self_refused();
        printf("udptest: self %s\n", fails ? "FAILED" : "passed");
        return fails ? 1 : 0;
    }
    fprintf(stderr, "usage: udptest echo PORT SECONDS | udptest self | "
                    "udptest bind6 ADDR\n");
    return 2;
}
