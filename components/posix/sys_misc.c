/*
 * sys_misc.c: identity, randomness and memory statistics.
 */
#include <errno.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include "posix.h"

long sys_uname(long buf)
{
    struct utsname *u = (struct utsname *)buf;
    memset(u, 0, sizeof *u);
    strcpy(u->sysname, "Kiln");
    strcpy(u->nodename, "kiln");
    strcpy(u->release, "0.1");
    strcpy(u->version, "Kiln unikernel");
    strcpy(u->machine, "x86_64");
    return 0;
}

long sys_getrandom(long buf, long len, long flags)
{
    (void)flags; /* the hardware source never blocks */
    if (len < 0)
        return -EINVAL;
    if (hc_entropy((void *)buf, (size_t)len) < 0)
        return -EIO;
    return len;
}

long sys_sysinfo(long buf)
{
    struct sysinfo *s = (struct sysinfo *)buf;
    struct hc_mem_stats m;
    hc_pages_stats(&m);
    memset(s, 0, sizeof *s);
    s->uptime = (long)(hc_clock_monotonic() / 1000000000);
    s->totalram = m.total_pages;
    s->freeram = m.free_pages;
    s->procs = 1;
    s->mem_unit = HC_PAGE_SIZE;
    return 0;
}

/* One process, its own parent's child, and every call runs as root. */
long sys_getpid(void)
{
    return 1;
}

long sys_getppid(void)
{
    return 0;
}

long sys_getuid(void)
{
    return 0;
}
