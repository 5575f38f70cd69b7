/*
 * kprintf.c: kernel messages. Formats with musl's vsnprintf, which keeps
 * all of its state on the stack, so it is safe in panics and before the
 * application's stdio exists. Long messages are cut at 256 bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "platform.h"

void kputs(const char *s)
{
    hc_console_write(s, strlen(s));
}

void kprintf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1)
        n = sizeof buf - 1;
    if (n > 0)
        hc_console_write(buf, (size_t)n);
}

/* "exit=NNN\n", the line hosts read the status from (kiln, xen-smoke).
 * No libc: exit must work even when a panic came from inside it. */
void exit_line(int status, char out[EXIT_LINE_SIZE])
{
    static const char form[EXIT_LINE_SIZE] = "exit=000\n";
    for (int i = 0; i < EXIT_LINE_SIZE; i++)
        out[i] = form[i];
    out[5] = (char)('0' + status / 100 % 10);
    out[6] = (char)('0' + status / 10 % 10);
    out[7] = (char)('0' + status % 10);
}
