/*
 * console.c: the console is the process's stdout and stdin, the
 * command line is the --boot options, exit is exit(), a panic prints
 * "PANIC: msg" and a glibc backtrace and exits with 255.
 *
 * Writes go straight to descriptor 1 with write(), so nothing is held
 * in a buffer when the process ends. Reads poll stdin first, so they
 * never block and stdin keeps its own flags (no O_NONBLOCK left on a
 * terminal shared with the shell).
 */
#include <errno.h>
#include <execinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hostint.h"

#define CMDLINE_MAX 4096
#define BACKTRACE_MAX 32

static char cmdline[CMDLINE_MAX];

void hc_console_write(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* no reader: bytes are dropped, as documented */
        buf += n;
        len -= (size_t)n;
    }
}

size_t hc_console_read(char *buf, size_t len)
{
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    if (len == 0 || poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
        return 0;
    ssize_t n = read(STDIN_FILENO, buf, len);
    return n > 0 ? (size_t)n : 0;
}

void console_set_cmdline(const char *line)
{
    snprintf(cmdline, sizeof cmdline, "%s", line);
}

const char *hc_cmdline(void)
{
    return cmdline;
}

_Noreturn void hc_exit(int status)
{
    fflush(NULL); /* the program's own stdio, if it used any */
    exit(status & 0xff);
}

/* exit(), not _exit(): a fuzzer's atexit hook then reports the input
 * that led here as a crash and saves it. */
_Noreturn void hc_abort(const char *msg)
{
    void *frames[BACKTRACE_MAX];
    fflush(NULL);
    dprintf(STDOUT_FILENO, "PANIC: %s\nbacktrace:\n", msg);
    int n = backtrace(frames, BACKTRACE_MAX);
    backtrace_symbols_fd(frames, n, STDOUT_FILENO);
    exit(255);
}

_Noreturn void host_panic(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hc_abort(msg);
}
