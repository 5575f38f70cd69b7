/*
 * conns.c: the table of open connections and what bounds it, so that
 * clients who connect and then stall cannot hold the server forever:
 * - a request must arrive whole within HTTPD_REQUEST_TIMEOUT seconds of
 *   the connection or of the previous response (bytes trickling in buy
 *   no time: that is the slowloris attack);
 * - queued output must move within HTTPD_SEND_TIMEOUT seconds (a client
 *   that asks for a big file and then reads nothing, a zero window);
 * - a keep-alive connection waits HTTPD_KEEPALIVE_TIMEOUT seconds for
 *   its next request, and as long for the client to close after an
 *   error response (conn_linger);
 * - at most HTTPD_MAX_CONNS are open: one more closes the connection
 *   that has waited longest without any part of a request, and if every
 *   one is busy, the newcomer gets a 503 and is closed.
 * The variables come from the environment (Kiln's key=value boot
 * options). Expiry is checked by a scan of the table, at most once per
 * wakeup and only when the earliest deadline has passed: the table is
 * small (hundreds), so this costs less than keeping it sorted.
 * A connection closed for stalling (all but a keep-alive wait) is
 * reset, not closed in order: an orderly close would leave the kernel
 * holding its unsent output, or its FIN_WAIT state, for as long as the
 * stalled client cares to keep it (nginx's reset_timedout_connection).
 * Closed connections are freed only between event batches, because an
 * event for one may still wait in the batch being handled. Times are
 * the clock as read once per batch (clock_update).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "httpd.h"

/* A connection serving a file takes two descriptors, and the TCP table
 * needs room beyond ours for handshakes and the accept queue: when
 * Kiln had 256 of each, 200 here let a client holding hundreds of
 * connections keep the table full and others were reset
 * (tests/net/hostile). Kiln now has 16,384 of both: HTTPD_MAX_CONNS
 * raises the cap (tests/net/conn10k holds 10,000). */
struct limits limits = {
    .request_s = 30, .send_s = 30, .keepalive_s = 15, .max_conns = 100};

static struct conn **table; /* the open ones, dense */
static unsigned table_n;
static struct conn *dead; /* closed, freed after the event batch */
static uint64_t next_check = UINT64_MAX;

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* The clock as read once per batch of events: deadlines are whole
 * seconds, and without a vDSO (Kiln) every read is a system call. */
static uint64_t batch_ms;

uint64_t clock_update(void)
{
    return batch_ms = now_ms();
}

uint64_t clock_ms(void)
{
    return batch_ms;
}

/* One variable: whole number, lo..hi, or the default stays. */
static int limit_read(const char *name, unsigned *v, unsigned lo, unsigned hi)
{
    const char *s = getenv(name);
    char *end;
    if (!s)
        return 0;
    errno = 0;
    unsigned long n = strtoul(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || n < lo || n > hi) {
        fprintf(stderr, "httpd: %s=%s: want a whole number %u..%u\n", name, s,
                lo, hi);
        return -1;
    }
    *v = (unsigned)n;
    return 0;
}

int conns_init(void)
{
    if (limit_read("HTTPD_REQUEST_TIMEOUT", &limits.request_s, 1, 86400) ||
        limit_read("HTTPD_SEND_TIMEOUT", &limits.send_s, 1, 86400) ||
        limit_read("HTTPD_KEEPALIVE_TIMEOUT", &limits.keepalive_s, 1, 86400) ||
        limit_read("HTTPD_MAX_CONNS", &limits.max_conns, 1, 65536))
        return -1;
    table = calloc(limits.max_conns, sizeof *table);
    if (!table) {
        fprintf(stderr, "httpd: no memory for %u connections\n",
                limits.max_conns);
        return -1;
    }
    return 0;
}

static unsigned timeout_s(int phase)
{
    return phase == PH_IDLE     ? limits.keepalive_s
           : phase == PH_SEND   ? limits.send_s
           : phase == PH_LINGER ? limits.keepalive_s
                                : limits.request_s;
}

/* A new deadline when the phase changes or the connection moved
 * (a request handled, bytes sent); otherwise the old one stands. */
void conn_arm(struct conn *c, int phase)
{
    if (phase == c->phase && c->progress == c->armed)
        return;
    c->phase = phase;
    c->armed = c->progress;
    c->since = batch_ms;
    c->deadline = c->since + (uint64_t)timeout_s(phase) * 1000;
    if (c->deadline < next_check)
        next_check = c->deadline;
}

/* Waiting for a request of which nothing has come: losing it costs
 * the client only a reconnect. */
static int conn_evictable(const struct conn *c)
{
    return (c->phase == PH_IDLE || c->phase == PH_REQUEST) && !c->in_len &&
           !out_pending(c) && !c->closing;
}

/* Close with a reset: nothing queued survives the call. */
static void conn_abort(struct conn *c)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    conn_close(c);
}

int conns_evict(void)
{
    struct conn *old = NULL;
    for (unsigned i = 0; i < table_n; i++)
        if (conn_evictable(table[i]) && (!old || table[i]->since < old->since))
            old = table[i];
    if (!old)
        return -1;
    stats.evicted++;
    conn_abort(old);
    return 0;
}

/* Room for one more connection, making it if need be. */
int conns_room(void)
{
    if (table_n < limits.max_conns)
        return 0;
    return conns_evict();
}

/* A connection the server cannot take: tell it so, best effort. */
void conn_refuse(int fd)
{
    static const char busy[] =
        "HTTP/1.1 503 Service Unavailable\r\nServer: kiln-httpd\r\n"
        "Retry-After: 1\r\nContent-Type: text/plain\r\n"
        "Content-Length: 20\r\nConnection: close\r\n\r\n"
        "503 Server Too Busy\n";
    stats.refused++;
    (void)send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    close(fd);
}

/* Needs room (conns_room); a fresh connection waits for its first
 * request as for any other, and may be evicted meanwhile. */
void conns_add(struct conn *c)
{
    c->slot = table_n;
    table[table_n++] = c;
    c->phase = PH_REQUEST;
    c->since = batch_ms;
    c->deadline = c->since + (uint64_t)limits.request_s * 1000;
    if (c->deadline < next_check)
        next_check = c->deadline;
    stats.connections++;
    stats.open++;
}

void conn_close(struct conn *c)
{
    if (c->fd < 0)
        return;   /* already closed in this batch */
    close(c->fd); /* also leaves the epoll set */
    c->fd = -1;
    if (c->file_fd >= 0)
        close(c->file_fd);
    c->file_fd = -1;
    table[c->slot] = table[--table_n];
    table[c->slot]->slot = c->slot;
    c->next_dead = dead;
    dead = c;
    stats.open--;
}

static void conns_free_dead(void)
{
    while (dead) {
        struct conn *c = dead;
        dead = c->next_dead;
        buf_give(c->out, c->out_cap);
        buf_give(c->in, IN_MAX);
        free(c);
    }
    bufs_trim();
}

static void conns_expire(uint64_t now)
{
    next_check = UINT64_MAX;
    for (unsigned i = 0; i < table_n;) {
        struct conn *c = table[i];
        if (c->deadline > now) {
            if (c->deadline < next_check)
                next_check = c->deadline;
            i++;
            continue;
        }
        stats.timeouts++;
        if (c->phase == PH_IDLE)
            conn_close(c); /* table[i] is now another one */
        else
            conn_abort(c);
    }
}

/* Between event batches: close what has expired, free what was
 * closed. Returns the epoll timeout in ms until the next deadline, -1
 * for none (late by the batch's own time at most). */
int conns_tick(void)
{
    uint64_t now = batch_ms;
    if (now >= next_check)
        conns_expire(now);
    conns_free_dead();
    if (next_check == UINT64_MAX)
        return -1;
    return next_check - now > INT_MAX ? INT_MAX : (int)(next_check - now);
}
