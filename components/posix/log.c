/* log.c: one-line messages from the personality to the console. */
#include <stdarg.h>
#include <stdio.h>
#include "posix.h"

void posix_log(const char *fmt, ...)
{
    char buf[200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1)
        n = sizeof buf - 1;
    hc_console_write(buf, n > 0 ? (size_t)n : 0);
}
