/*
 * sys_compat.c: calls that executables built for Linux (app/exec runs
 * them unmodified) make and musl never does: glibc's start-up of a
 * program or a thread asks for features a unikernel thread has no use
 * for, and answering the way an older Linux would lets it start without
 * a console line for each:
 *  - set_robust_list: the list tells the kernel which futexes to release
 *    when a thread dies without unlocking them; with one process nobody
 *    else is left to wait on them, so it is accepted and not walked;
 *  - rseq: restartable sequences need preemption to restart them;
 *    threads here are cooperative, and glibc copes with ENOSYS;
 *  - clone3: glibc falls back to clone on ENOSYS, which sys_thread.c has;
 *  - time: the old call glibc's time() makes where the vDSO is missing.
 */
#include <errno.h>
#include <time.h>
#include "posix.h"

long sys_set_robust_list(long head, long len)
{
    (void)head;
    return len == 24 ? 0 : -EINVAL; /* sizeof(struct robust_list_head) */
}

long sys_rseq(long rseq, long len, long flags, long sig)
{
    (void)rseq, (void)len, (void)flags, (void)sig;
    return -ENOSYS_EXPLAINED;
}

long sys_clone3(long args, long size)
{
    (void)args, (void)size;
    return -ENOSYS_EXPLAINED;
}

long sys_time(long tloc)
{
    struct timespec ts;
    long r = sys_clock_gettime(CLOCK_REALTIME, (long)&ts);
    if (r < 0)
        return r;
    if (tloc)
        *(long *)tloc = ts.tv_sec;
    return ts.tv_sec;
}
