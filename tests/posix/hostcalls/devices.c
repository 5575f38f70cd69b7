/*
 * devices.c: the parts of hostcalls that need devices given on the
 * command line (a TAP) or made here (a socket NIC), and the misuses
 * that must panic.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "host.h"
#include "hypercall.h"

#define MS 1000000ull
#define ECHO_TYPE 0x88b5

int hostcalls_checks(void);
int hostcalls_disk(void);

/* Wait for one frame of ECHO_TYPE and send it back, addresses swapped. */
static int run_echo(void)
{
    uint8_t f[1514], mac[6];
    struct hc_net_info ni;
    uint64_t deadline = hc_clock_monotonic() + 20000 * MS;
    if (hc_net_info(0, &ni) != 0 || ni.mtu != 1500 || !(ni.mac[0] & 2))
        return printf("echo: bad NIC 0\n"), 1;
    printf("echo: ready\n");
    fflush(stdout);
    for (;;) {
        int n = hc_net_recv(0, f, sizeof f, NULL);
        if (n == -EAGAIN && hc_thread_wait_io(deadline) == -ETIMEDOUT)
            return printf("echo: no frame\n"), 1;
        if (n < 14 || f[12] != ECHO_TYPE >> 8 || f[13] != (ECHO_TYPE & 0xff))
            continue;
        memcpy(mac, f + 6, 6);
        memcpy(f, mac, 6);
        memcpy(f + 6, ni.mac, 6);
        int r = hc_net_send(0, f, (size_t)n, NULL);
        printf("echo: echoed %d bytes (send %d)\n", n, r);
        return r != 0;
    }
}

#define ROOM_TRIES 1000000 /* frames before the socket must say full */

static unsigned drained;

/* The far end of the wire: take every frame waiting, then end. */
static void drain_wire(void *fdp)
{
    char b[2048];
    while (recv(*(int *)fdp, b, sizeof b, MSG_DONTWAIT) > 0)
        drained++;
}

/* hypercall.h: after hc_net_send's -EAGAIN the NIC raises an event once
 * it has room again. Fill a socket NIC until it refuses a frame, let
 * another thread drain the far end, and wait for that event: only the
 * NIC's can end the wait before its (generous) deadline. */
static int run_tx_room(void)
{
    int sv[2];
    uint8_t f[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, [12] = 0x88, 0xb5};
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0)
        return printf("tx-room: no socket pair\n"), 1;
    int idx = host_nic_add_socket(sv[0]), r = 0, sent = 0;
    while (idx >= 0 && sent < ROOM_TRIES &&
           (r = hc_net_send((unsigned)idx, f, sizeof f, NULL)) == 0)
        sent++;
    if (r != -EAGAIN)
        return printf("tx-room: %d frames, then %d, not -EAGAIN\n", sent, r), 1;
    if (hc_thread_create(drain_wire, &sv[1], 0, 0) < 0)
        return printf("tx-room: no thread\n"), 1;
    r = hc_thread_wait_io(hc_clock_monotonic() + 10000 * MS);
    int again = hc_net_send((unsigned)idx, f, sizeof f, NULL);
    printf("tx-room: %d sent, %u drained, wait %d, send again %d\n", sent,
           drained, r, again);
    return r != 0 || again != 0 || drained != (unsigned)sent;
}

/* Deep enough to pass any stack the host gives (bounded so the
 * compiler sees an end). */
static int overflow(volatile char *prev, int depth)
{
    volatile char big[4096];
    big[0] = prev ? prev[0] : 1;
    if (depth < 1000000)
        return overflow(big, depth + 1) + big[1];
    return 0;
}

/* A write one byte past a page allocation, with a second allocation
 * made right after it: it must fault on the guard page between them. */
static int page_overflow(void)
{
    uint8_t *a = hc_pages_alloc(1), *b = hc_pages_alloc(1);
    a[HC_PAGE_SIZE] = 1;
    printf("the write past page %p reached %p\n", (void *)a, (void *)b);
    return 3;
}

int host_main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "checks";
    if (strcmp(mode, "checks") == 0)
        return hostcalls_checks();
    if (strcmp(mode, "disk") == 0)
        return hostcalls_disk();
    if (strcmp(mode, "echo") == 0)
        return run_echo();
    if (strcmp(mode, "tx-room") == 0)
        return run_tx_room();
    if (strcmp(mode, "double-free") == 0) {
        void *p = hc_pages_alloc(1);
        hc_pages_free(p, 1);
        hc_pages_free(p, 1);
    }
    if (strcmp(mode, "overflow") == 0)
        overflow(NULL, 0);
    if (strcmp(mode, "page-overflow") == 0)
        return page_overflow();
    if (strcmp(mode, "deadlock") == 0)
        hc_thread_block(0);
    return 3;
}
