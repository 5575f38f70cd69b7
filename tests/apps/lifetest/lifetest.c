/*
 * lifetest: a guest for tests/xen/lifecycle that must come through xl
 * save, restore, checkpoint and migrate without noticing more than a
 * pause. A ticker thread writes sector k of /dev/vda as "tick k" every
 * TICK_MS and checks that the monotonic clock never goes backwards; an
 * HTTP/1.1 server on port 80 keeps connections alive and answers
 *   GET /      "conn=C req=R ticks=T mono=NS backwards=B"
 *   GET /stop  stops the ticker, reads every sector it wrote back,
 *              answers "stopped ticks=T backwards=B disk=ok|bad" and,
 *              once the client closes, exits 0 (1 if either is wrong)
 * so a client can tell its connection survived (the same C, R one
 * more) and the host can check the disk after the domain is gone.
 * Usage: lifetest (the address comes from the ip= boot option).
 */
#include <fcntl.h>
#include <linux/fs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define SECTOR 512
#define TICK_MS 50
#define PORT 80

static int disk;
static long sectors;
static volatile long ticks, backwards;
static volatile int stopping;
static volatile long long last_ns;
static int conns;

static long long mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000ll + t.tv_nsec;
}

static void sector_text(char *buf, long k)
{
    memset(buf, 0, SECTOR);
    snprintf(buf, SECTOR, "tick %ld", k);
}

static void *ticker(void *arg)
{
    (void)arg;
    char buf[SECTOR];
    struct timespec pause = {0, TICK_MS * 1000000l};
    while (!stopping && ticks < sectors) {
        long long now = mono_ns();
        if (now < last_ns) {
            backwards++;
            printf("lifetest: monotonic clock went back %lld ns\n",
                   last_ns - now);
        }
        last_ns = now;
        sector_text(buf, ticks);
        if (pwrite(disk, buf, SECTOR, ticks * SECTOR) != SECTOR) {
            printf("lifetest: write of sector %ld failed\n", ticks);
            break;
        }
        ticks++;
        nanosleep(&pause, NULL);
    }
    return NULL;
}

/* Every sector written holds its text. */
static int disk_verify(void)
{
    char got[SECTOR], want[SECTOR];
    for (long k = 0; k < ticks; k++) {
        sector_text(want, k);
        if (pread(disk, got, SECTOR, k * SECTOR) != SECTOR ||
            memcmp(got, want, SECTOR)) {
            printf("lifetest: sector %ld does not hold its tick\n", k);
            return 0;
        }
    }
    return 1;
}

static void reply(int fd, const char *body)
{
    char head[160];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     strlen(body));
    write(fd, head, (size_t)n);
    write(fd, body, strlen(body));
}

static void stop(int fd, pthread_t tick)
{
    char body[128];
    stopping = 1;
    pthread_join(tick, NULL);
    fsync(disk);
    int ok = disk_verify();
    snprintf(body, sizeof body, "stopped ticks=%ld backwards=%ld disk=%s\n",
             ticks, backwards, ok ? "ok" : "bad");
    reply(fd, body);
    printf("lifetest: %s", body);
    /* Exit once the client has the answer and closes (bounded): exiting
     * at once would end the domain with the answer still queued. */
    struct timeval wait = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    shutdown(fd, SHUT_WR);
    while (read(fd, body, sizeof body) > 0)
        ;
    exit(ok && !backwards ? 0 : 1);
}

struct conn {
    int fd, id;
    pthread_t tick;
};

/* One request per "\r\n\r\n"; the path decides the answer. */
static void *serve(void *arg)
{
    struct conn *c = arg;
    char buf[2048], body[160];
    size_t have = 0;
    int req = 0;
    for (;;) {
        ssize_t n = read(c->fd, buf + have, sizeof buf - 1 - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        buf[have] = 0;
        char *end;
        while ((end = strstr(buf, "\r\n\r\n"))) {
            req++;
            if (!strncmp(buf, "GET /stop", 9))
                stop(c->fd, c->tick);
            snprintf(body, sizeof body,
                     "conn=%d req=%d ticks=%ld mono=%lld backwards=%ld\n",
                     c->id, req, ticks, mono_ns(), backwards);
            reply(c->fd, body);
            have -= (size_t)(end + 4 - buf);
            memmove(buf, end + 4, have + 1);
        }
        if (have == sizeof buf - 1)
            break; /* no end of headers in 2 KiB: not our client */
    }
    close(c->fd);
    free(c);
    return NULL;
}

static int listener(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(PORT)};
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        listen(fd, 8) < 0)
        return -1;
    return fd;
}

int main(void)
{
    unsigned long long bytes = 0;
    setvbuf(stdout, NULL, _IOLBF, 0); /* each line on the console at once */
    disk = open("/dev/vda", O_RDWR);
    if (disk < 0 || ioctl(disk, BLKGETSIZE64, &bytes) < 0) {
        printf("lifetest: no disk /dev/vda\n");
        return 2;
    }
    sectors = (long)(bytes / SECTOR);
    int l = listener();
    if (l < 0) {
        printf("lifetest: cannot listen on port %d\n", PORT);
        return 2;
    }
    pthread_t tick;
    pthread_create(&tick, NULL, ticker, NULL);
    printf("lifetest: listening, %ld sectors\n", sectors);
    for (;;) {
        int fd = accept(l, NULL, NULL);
        if (fd < 0)
            continue;
        struct conn *c = malloc(sizeof *c);
        *c = (struct conn){fd, ++conns, tick};
        pthread_t t;
        if (pthread_create(&t, NULL, serve, c) != 0) {
            close(fd);
            free(c);
            continue;
        }
        pthread_detach(t);
    }
}
