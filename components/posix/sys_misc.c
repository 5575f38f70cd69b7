/*
 * sys_misc.c: identity, randomness, memory statistics and signals.
 * Signals are accepted and never delivered: there is one process and no
 * one to send it a signal; raise() is handled in sys_thread.c.
 */
#include <errno.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include "posix.h"

#define SIGSET_BYTES 8
#define NSIG_MAX 64

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

long sys_rt_sigprocmask(long how, long set, long old, long size)
{
    (void)set;
    if (size != SIGSET_BYTES || how < 0 || how > 2)
        return -EINVAL;
    if (old)
        memset((void *)old, 0, SIGSET_BYTES);
    return 0;
}

long sys_rt_sigaction(long sig, long act, long old, long size)
{
    (void)act;
    if (size != SIGSET_BYTES || sig < 1 || sig > NSIG_MAX)
        return -EINVAL;
    if (old)
        memset((void *)old, 0, 32); /* kernel sigaction: SIG_DFL */
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
