/*
 * tcpbulk: one-way TCP bulk transfer, for bench/tcp-bulk.
 *
 *   tcpbulk send ADDR PORT MiB   connect, send MiB, half-close, then read
 *                                the sink's reply (the byte count it got)
 *   tcpbulk recv PORT            accept one connection, read to EOF,
 *                                reply with the byte count, close
 *
 * The byte at stream offset o is o % 251, so a sink can check every byte
 * cheaply (251 is prime: a lost, repeated or reordered segment of any
 * usual size breaks the pattern). Prints one line (MB = 10^6 bytes):
 *     tcpbulk: sent 33554432 B in 1.234 s: 27.2 MB/s
 * timed by the guest's clock, from connect to the sink's reply; the
 * benchmark trusts the sink's own timing more. The same source builds
 * for Linux (plain POSIX). connect is retried for a few seconds while the
 * peer is refused or unreachable, since the sink may still be starting.
 * Exit status 0; 1 on a network error or a short transfer; 2 on usage.
 */
#define _GNU_SOURCE 1 /* clock_gettime under -std=c11; as -D_GNU_SOURCE */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PATTERN 251
#define BUF_BYTES (PATTERN * 261) /* ~64 KiB, a whole number of periods */
#define CONNECT_TRIES 50
#define CONNECT_PAUSE_NS 100000000L
#define MAX_MIB 4096

static unsigned char buf[BUF_BYTES];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int usage(void)
{
    fprintf(stderr, "usage: tcpbulk send ADDR PORT MiB | tcpbulk recv "
                    "PORT\n");
    return 2;
}

/* A port 1..65535 in network order, or 0. */
static unsigned short parse_port(const char *text)
{
    char *end;
    long port = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || port < 1 || port > 65535)
        return 0;
    return htons((unsigned short)port);
}

static void report(const char *what, long long bytes, double secs)
{
    printf("tcpbulk: %s %lld B in %.3f s: %.1f MB/s\n", what, bytes, secs,
           secs > 0 ? bytes / secs / 1e6 : 0.0);
}

/* Write all of len bytes; 0 or -1. */
static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A connected socket, retrying while the sink is not there yet; -1. */
static int connect_retry(const struct sockaddr_in *to)
{
    struct timespec pause = {0, CONNECT_PAUSE_NS};
    for (int i = 0; i < CONNECT_TRIES; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) {
            perror("tcpbulk: socket");
            return -1;
        }
        if (connect(fd, (const struct sockaddr *)to, sizeof *to) == 0)
            return fd;
        int err = errno;
        close(fd);
        if (err != ECONNREFUSED && err != ENETUNREACH && err != EHOSTUNREACH &&
            err != ETIMEDOUT) {
            fprintf(stderr, "tcpbulk: connect: %s\n", strerror(err));
            return -1;
        }
        nanosleep(&pause, NULL);
    }
    fprintf(stderr, "tcpbulk: connect: no sink after %d tries\n",
            CONNECT_TRIES);
    return -1;
}

/* The sink's reply: its byte count as decimal text; -1 if none. */
static long long read_count(int fd)
{
    char text[32];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof text - 1 &&
           (n = read(fd, text + got, sizeof text - 1 - got)) > 0)
        got += (size_t)n;
    text[got] = '\0';
    char *end;
    long long count = strtoll(text, &end, 10);
    return got > 0 && (*end == '\0' || *end == '\n') ? count : -1;
}

static int send_bulk(const char *addr, const char *port_text,
                     const char *mib_text)
{
    struct sockaddr_in to = {.sin_family = AF_INET};
    char *end;
    long mib = strtol(mib_text, &end, 10);
    to.sin_port = parse_port(port_text);
    if (inet_pton(AF_INET, addr, &to.sin_addr) != 1 || !to.sin_port ||
        *end != '\0' || mib < 1 || mib > MAX_MIB)
        return usage();
    long long total = (long long)mib << 20, sent = 0;
    int fd = connect_retry(&to);
    if (fd < 0)
        return 1;
    double start = now();
    while (sent < total) {
        size_t chunk = total - sent < BUF_BYTES ? total - sent : BUF_BYTES;
        if (write_all(fd, buf, chunk) < 0) {
            perror("tcpbulk: write");
            return 1;
        }
        sent += (long long)chunk;
    }
    shutdown(fd, SHUT_WR);
    long long acked = read_count(fd);
    double secs = now() - start;
    close(fd);
    if (acked != total) {
        fprintf(stderr, "tcpbulk: sink got %lld of %lld B\n", acked, total);
        return 1;
    }
    report("sent", total, secs);
    return 0;
}

/* Read to EOF, checking the pattern; bytes read, or -1. The check is a
 * memcmp against the pattern at the stream's phase, not a division per
 * byte: under TCG that division would cost more than the stack does. */
static long long drain(int fd)
{
    static unsigned char in[BUF_BYTES], expect[BUF_BYTES + PATTERN];
    for (size_t i = 0; i < sizeof expect; i++)
        expect[i] = (unsigned char)(i % PATTERN);
    long long total = 0;
    ssize_t n;
    while ((n = read(fd, in, sizeof in)) > 0) {
        if (memcmp(in, expect + total % PATTERN, (size_t)n) != 0) {
            fprintf(stderr, "tcpbulk: wrong bytes in offsets %lld..%lld\n",
                    total, total + n);
            return -1;
        }
        total += n;
    }
    if (n < 0)
        perror("tcpbulk: read");
    return n < 0 ? -1 : total;
}

static int recv_bulk(const char *port_text)
{
    struct sockaddr_in at = {.sin_family = AF_INET};
    int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0);
    at.sin_port = parse_port(port_text);
    if (!at.sin_port)
        return usage();
    if (ls < 0 ||
        setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(ls, (struct sockaddr *)&at, sizeof at) < 0 || listen(ls, 1) < 0) {
        perror("tcpbulk: listen");
        return 1;
    }
    printf("tcpbulk: listening on port %s\n", port_text);
    fflush(stdout);
    int fd = accept(ls, NULL, NULL);
    if (fd < 0) {
        perror("tcpbulk: accept");
        return 1;
    }
    double start = now();
    long long total = drain(fd);
    double secs = now() - start;
    if (total < 0)
        return 1;
    char reply[32];
    int len = snprintf(reply, sizeof reply, "%lld\n", total);
    write_all(fd, (const unsigned char *)reply, (size_t)len);
    close(fd);
    report("received", total, secs);
    return 0;
}

int main(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i % PATTERN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 5 && strcmp(argv[1], "send") == 0)
        return send_bulk(argv[2], argv[3], argv[4]);
    if (argc == 3 && strcmp(argv[1], "recv") == 0)
        return recv_bulk(argv[2]);
    return usage();
}
