/*
 * tap.h: the few lines every host unit test shares. Each check prints
 * `ok N - what` or `not ok N - what: details`; tap_done() prints the
 * result line `N passed, N failed` and gives the exit status.
 *
 * Header-only on purpose: each tests/unit/<name>/test.c is one
 * translation unit plus the kernel files it tests, nothing else.
 */
#ifndef KILN_TAP_H
#define KILN_TAP_H

#include <stdarg.h>
#include <stdio.h>

static unsigned tap_passed, tap_failed;

/* Record one check. fmt (may be NULL) describes a failure. Returns ok so
 * a caller can stop a sequence that no longer makes sense. */
__attribute__((format(printf, 3, 4))) static int
tap_check(int ok, const char *what, const char *fmt, ...)
{
    unsigned n = tap_passed + tap_failed + 1;
    if (ok) {
        tap_passed++;
        printf("ok %u - %s\n", n, what);
    } else {
        tap_failed++;
        printf("not ok %u - %s", n, what);
        if (fmt) {
            va_list ap;
            va_start(ap, fmt);
            printf(": ");
            vprintf(fmt, ap);
            va_end(ap);
        }
        printf("\n");
    }
    fflush(stdout);
    return ok;
}

/* Whether all len bytes at p equal v. */
static inline int all_bytes(const void *p, size_t len, unsigned char v)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++)
        if (b[i] != v)
            return 0;
    return 1;
}

static inline int tap_done(void)
{
    printf("%u passed, %u failed\n", tap_passed, tap_failed);
    return tap_failed ? 1 : 0;
}

#endif
