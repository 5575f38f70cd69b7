/*
 * kiln/log.h: one line from a component to the console. The format
 * names the subsystem first ("vfs: ...", "net: ...") and ends without a
 * newline: kiln_log adds it, so every message is exactly one line.
 * Lines are cut at KILN_LOG_MAX bytes. It formats with vsnprintf into a
 * stack buffer, so it works before the application's stdio exists.
 *
 * Header-only, as the dependency rule allows every component only
 * include/ and libc. A variadic function is never inlined, so each file
 * that logs compiles a copy; the copies are weak definitions of one
 * name, so the link resolves every call to one of them and drops the
 * rest (--gc-sections): an image carries one, not one per file (httpd
 * had 17, 4.3 KiB).
 */
#ifndef KILN_LOG_H
#define KILN_LOG_H

#include <stdarg.h>
#include <stdio.h>
#include "hypercall.h"

#define KILN_LOG_MAX 256

void kiln_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

__attribute__((weak)) void kiln_log(const char *fmt, ...)
{
    char line[KILN_LOG_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, KILN_LOG_MAX, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < KILN_LOG_MAX ? (size_t)n : KILN_LOG_MAX - 1;
    if (!len || line[len - 1] != '\n')
        line[len++] = '\n';
    hc_console_write(line, len);
}

#endif
