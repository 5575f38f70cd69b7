/*
 * gapprobe.c: bench/xen-boot's downtime client, run in dom0 while a
 * domU migrates. Every 10 ms it sends one ICMP echo to the guest and
 * opens one new TCP connection for "GET /" (a connection lives at most
 * 3 s, at most 256 at once: a guest slower than that to answer still
 * counts), and it notes when each answer arrives: an
 * echo reply, or a whole HTTP status line. On SIGTERM or SIGINT it
 * prints, for each probe, the longest time between two answers in a
 * row (the downtime a client saw) and how many answers came:
 *
 *   gapprobe: http-gap-ms 812 http-ok 933 icmp-gap-ms 790 icmp-ok 951
 *
 * A gap is only as fine as the 10 ms tick and the guest's own answer
 * time. Limits: IPv4 only; needs root for the raw ICMP socket; the
 * first answer starts the clock, so a guest that never answers shows
 * gaps of -1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 10
#define CONN_MAX 256
#define CONN_LIFE_MS 3000

struct probe {
    const char *name;
    long long last_ms; /* -1 until the first answer */
    long long gap_ms;  /* longest time between answers, -1 before two */
    long ok;
};

struct conn {
    int fd; /* -1: free */
    long long born_ms;
    int sent;
};

static volatile sig_atomic_t stop;
static struct sockaddr_in guest;
static struct conn conns[CONN_MAX];

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000ll + t.tv_nsec / 1000000;
}

static void probe_answered(struct probe *p, long long t)
{
    if (p->last_ms >= 0 && t - p->last_ms > p->gap_ms)
        p->gap_ms = t - p->last_ms;
    p->last_ms = t;
    p->ok++;
}

static uint16_t icmp_sum(const void *data, size_t len)
{
    const uint8_t *b = data;
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(b[i] << 8 | b[i + 1]);
    if (len & 1)
        sum += (uint32_t)b[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return htons((uint16_t)~sum);
}

static void icmp_send(int fd, uint16_t seq)
{
    struct icmphdr h = {.type = ICMP_ECHO};
    h.un.echo.id = htons((uint16_t)getpid());
    h.un.echo.sequence = htons(seq);
    h.checksum = icmp_sum(&h, sizeof h);
    sendto(fd, &h, sizeof h, 0, (struct sockaddr *)&guest, sizeof guest);
}

/* Every readable datagram on the raw socket: an echo reply from the
 * guest with our id counts. */
static void icmp_take(int fd, struct probe *p)
{
    uint8_t buf[1500];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n;
    while ((n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT,
                         (struct sockaddr *)&from, &fl)) > 0) {
        size_t ihl = (size_t)(buf[0] & 0xf) * 4;
        struct icmphdr *h = (struct icmphdr *)(buf + ihl);
        if ((size_t)n >= ihl + sizeof *h && h->type == ICMP_ECHOREPLY &&
            from.sin_addr.s_addr == guest.sin_addr.s_addr &&
            h->un.echo.id == htons((uint16_t)getpid()))
            probe_answered(p, now_ms());
        fl = sizeof from;
    }
}

static void conn_close(struct conn *c)
{
    close(c->fd);
    c->fd = -1;
}

static void conn_open(long long t)
{
    for (int i = 0; i < CONN_MAX; i++) {
        if (conns[i].fd >= 0)
            continue;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (fd < 0)
            return;
        if (connect(fd, (struct sockaddr *)&guest, sizeof guest) < 0 &&
            errno != EINPROGRESS) {
            close(fd);
            return;
        }
        conns[i] = (struct conn){.fd = fd, .born_ms = t};
        return;
    }
}

/* One connection's event: send the request once connected, count the
 * answer once its status line is in, close on error or answer. */
static void conn_event(struct conn *c, short revents, struct probe *p)
{
    static const char req[] = "GET / HTTP/1.0\r\n\r\n";
    if (revents & (POLLERR | POLLHUP) && !(revents & POLLIN)) {
        conn_close(c);
        return;
    }
    if (!c->sent && revents & POLLOUT) {
        if (write(c->fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
            conn_close(c);
            return;
        }
        c->sent = 1;
    }
    if (revents & POLLIN) {
        char buf[512];
        ssize_t n = read(c->fd, buf, sizeof buf - 1);
        if (n >= 12 && memcmp(buf, "HTTP/1.", 7) == 0)
            probe_answered(p, now_ms());
        conn_close(c);
    }
}

static void conns_poll(int icmp, struct probe *http, struct probe *ping,
                       int wait_ms)
{
    struct pollfd fds[CONN_MAX + 1];
    int idx[CONN_MAX + 1], n = 0;
    fds[n] = (struct pollfd){.fd = icmp, .events = POLLIN};
    idx[n++] = -1;
    for (int i = 0; i < CONN_MAX; i++)
        if (conns[i].fd >= 0) {
            short ev = conns[i].sent ? POLLIN : POLLOUT;
            fds[n] = (struct pollfd){.fd = conns[i].fd, .events = ev};
            idx[n++] = i;
        }
    if (poll(fds, (nfds_t)n, wait_ms) <= 0)
        return;
    for (int k = 0; k < n; k++) {
        if (!fds[k].revents)
            continue;
        if (idx[k] < 0)
            icmp_take(icmp, ping);
        else
            conn_event(&conns[idx[k]], fds[k].revents, http);
    }
}

static void conns_expire(long long t)
{
    for (int i = 0; i < CONN_MAX; i++)
        if (conns[i].fd >= 0 && t - conns[i].born_ms > CONN_LIFE_MS)
            conn_close(&conns[i]);
}

int main(int argc, char **argv)
{
    if (argc != 3 || inet_pton(AF_INET, argv[1], &guest.sin_addr) != 1) {
        fprintf(stderr, "usage: gapprobe IPV4 PORT (stops on SIGTERM)\n");
        return 2;
    }
    guest.sin_family = AF_INET;
    guest.sin_port = htons((uint16_t)atoi(argv[2]));
    int icmp = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (icmp < 0) {
        perror("gapprobe: raw ICMP socket (root?)");
        return 2;
    }
    for (int i = 0; i < CONN_MAX; i++)
        conns[i].fd = -1;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    struct probe http = {"http", -1, -1, 0}, ping = {"icmp", -1, -1, 0};
    uint16_t seq = 0;
    long long next = now_ms();
    while (!stop) {
        long long t = now_ms();
        if (t >= next) {
            icmp_send(icmp, seq++);
            conn_open(t);
            conns_expire(t);
            /* behind by more than a few ticks (a stalled dom0): tick
             * from now rather than in a burst */
            next = t - next > 5 * TICK_MS ? t + TICK_MS : next + TICK_MS;
        }
        conns_poll(icmp, &http, &ping, (int)(next > t ? next - t : 0));
    }
    printf("gapprobe: http-gap-ms %lld http-ok %ld icmp-gap-ms %lld "
           "icmp-ok %ld\n",
           http.gap_ms, http.ok, ping.gap_ms, ping.ok);
    return 0;
}
