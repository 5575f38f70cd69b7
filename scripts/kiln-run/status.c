/*
 * status.c: kiln's exit status, as kiln_cli.guest_status finds it: the
 * last "exit=N" line the guest wrote on debugcon (N mod 256), else
 * QEMU's isa-debug-exit code 2N+1 (3 and up), else 1 with the reason
 * on stderr. The file is read in blocks, however much the guest wrote.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kiln-run.h"
#include "table.h"

#define PREFIX "exit="
#define PREFIX_LEN 5

struct line {
    int at;     /* bytes of the line seen; -1: not an exit line */
    int value;  /* its number so far, mod 256 */
    int status; /* the last whole exit line's, or -1 */
};

static void line_end(struct line *l)
{
    if (l->at > PREFIX_LEN)
        l->status = l->value;
    l->at = 0;
    l->value = 0;
}

static void line_byte(struct line *l, char c)
{
    if (c == '\n')
        line_end(l);
    else if (l->at < 0)
        return;
    else if (l->at < PREFIX_LEN)
        l->at = c == PREFIX[l->at] ? l->at + 1 : -1;
    else if (c >= '0' && c <= '9') {
        l->at++;
        l->value = (l->value * 10 + c - '0') & 0xff;
    } else
        l->at = -1;
}

/* the guest's status from PATH, or -1 */
static int debugcon_status(const char *path)
{
    struct line l = {0, 0, -1};
    char buf[4096];
    ssize_t n, i;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (i = 0; i < n; i++)
            line_byte(&l, buf[i]);
    close(fd);
    line_end(&l);
    return l.status;
}

int status_map(const char *debugcon, int code)
{
    int status = debugcon_status(debugcon);

    if (status >= 0)
        return status;
    if (code < 0) {
        fprintf(stderr, "kiln: QEMU was killed by signal %d\n", -code);
        return TABLE_EXIT_NO_STATUS;
    }
    if (code >= 3 && code % 2 == 1)
        return (code - 1) / 2;
    fprintf(stderr,
            "kiln: QEMU exited without an exit status from the guest "
            "(QEMU status %d)\n",
            code);
    return TABLE_EXIT_NO_STATUS;
}
