/*
 * remote.c: socktest's checks against a real peer over a NIC (the
 * test's host side): a refused connect to a closed port, and 64 KiB
 * through an echo server there, read back while still writing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "socktest.h"

#define REMOTE_BYTES 65536

static struct sockaddr_in remote_addr(const char *ip, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

/* Write and read at once so neither side's buffers fill up. */
int echo_through(int fd)
{
    static unsigned char out[REMOTE_BYTES], in[REMOTE_BYTES];
    size_t sent = 0, got = 0;
    for (size_t i = 0; i < sizeof out; i++)
        out[i] = (unsigned char)(i * 13 + 1);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    while (got < sizeof in) {
        short ev = POLLIN | (sent < sizeof out ? POLLOUT : 0);
        int r = wait_for(fd, ev);
        if (!r || (r & (POLLERR | POLLHUP)))
            return -1;
        ssize_t n = sent < sizeof out && (r & POLLOUT)
                        ? send(fd, out + sent, sizeof out - sent, 0)
                        : 0;
        sent += n > 0 ? (size_t)n : 0;
        n = recv(fd, in + got, sizeof in - got, 0);
        if (n == 0)
            return -1;
        got += n > 0 ? (size_t)n : 0;
    }
    return memcmp(in, out, sizeof in) ? -1 : 0;
}

void test_remote(const char *ip, int port)
{
    struct sockaddr_in a = remote_addr(ip, port + 1), peer;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    check(connect(fd, (struct sockaddr *)&a, sizeof a) < 0 &&
              errno == ECONNREFUSED,
          "remote: a closed port refuses with ECONNREFUSED");
    close(fd);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    a = remote_addr(ip, port);
    check(connect(fd, (struct sockaddr *)&a, sizeof a) == 0,
          "remote: connect to the echo server");
    socklen_t len = sizeof peer;
    check(getpeername(fd, (struct sockaddr *)&peer, &len) == 0 &&
              peer.sin_addr.s_addr == a.sin_addr.s_addr &&
              peer.sin_port == a.sin_port,
          "remote: getpeername names it");
    check(echo_through(fd) == 0, "remote: 64 KiB echoed back intact");
    close(fd);
}
