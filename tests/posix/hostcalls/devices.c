/*
 * devices.c: the parts of hostcalls that need devices given on the
 * command line (a TAP), and the misuses that must panic.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
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
