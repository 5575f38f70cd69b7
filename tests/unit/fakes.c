/*
 * fakes.c: the hc_* calls most unit tests reach but do not test, linked
 * into every unit test by mk/host.mk. Each is weak: a test that needs
 * other behaviour (allocation failures, a fake clock, a page limit)
 * defines its own, and a kernel file on the test's links: line that
 * implements the call (platform/pages.c) wins the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hypercall.h"

/* Zeroed, page-aligned memory from the C heap, so ASan sees overruns. */
__attribute__((weak)) void *hc_pages_alloc(size_t n)
{
    void *p = aligned_alloc(HC_PAGE_SIZE, n * HC_PAGE_SIZE);
    if (p)
        memset(p, 0, n * HC_PAGE_SIZE);
    return p;
}

__attribute__((weak)) void hc_pages_free(void *p, size_t n)
{
    (void)n;
    free(p);
}

/* Console lines become TAP comments, so they never break the output. */
__attribute__((weak)) void hc_console_write(const char *buf, size_t len)
{
    printf("# %.*s", (int)len, buf);
    if (len && buf[len - 1] != '\n')
        putchar('\n');
}

__attribute__((weak)) _Noreturn void hc_abort(const char *msg)
{
    printf("not ok - hc_abort: %s\n", msg);
    fflush(stdout);
    abort();
}
