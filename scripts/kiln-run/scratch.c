/*
 * scratch.c: the private directory of one run, for QEMU's debugcon
 * file, named and made as kiln_cli.Scratch makes it ($TMPDIR or /tmp,
 * "kiln-" and 12 random hex digits, mode 0700) and removed after.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiln-run.h"

static void random_name(char *name, size_t size)
{
    unsigned char r[6];
    size_t got = 0;
    ssize_t n;

    while (got < sizeof r)
        if ((n = getrandom(r + got, sizeof r - got, 0)) > 0)
            got += n;
    snprintf(name, size, "kiln-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2],
             r[3], r[4], r[5]);
}

char *scratch_make(void)
{
    const char *base = getenv("TMPDIR");
    char name[20], *dir;

    if (!base || !*base)
        base = "/tmp";
    for (;;) {
        random_name(name, sizeof name);
        dir = path_join(base, name);
        if (mkdir(dir, 0700) == 0)
            return dir;
        if (errno != EEXIST) {
            host_error(dir);
            return NULL;
        }
        free(dir);
    }
}

int scratch_remove(const char *dir)
{
    char *debugcon = path_join(dir, "debugcon");
    int failed = unlink(debugcon) != 0 && errno != ENOENT;

    if (failed)
        host_error(debugcon);
    else if (rmdir(dir) != 0) {
        host_error(dir);
        failed = 1;
    }
    free(debugcon);
    return failed ? -1 : 0;
}
