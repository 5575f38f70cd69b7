/*
 * fdwait.c: waiting on the file kinds that live in memory (pipes,
 * eventfds, AF_UNIX sockets). One list of waiting threads serves all of
 * them: any change wakes every waiter, which checks its own condition
 * again. With one CPU and a few threads that is simpler than a queue
 * per file, and no wake-up can be lost. poll, select and epoll enrol
 * here as well as in net_wait (poll_sleep), so a pipe written by one
 * thread wakes another's poll.
 *
 * Limits: HC_THREADS_MAX waiters, which is every thread there can be.
 */
#include <errno.h>
#include "memfile.h"
#include "posix.h"

static hc_tid waiters[HC_THREADS_MAX];
static unsigned nwaiters;

void fdwait_enrol(void)
{
    hc_tid me = hc_thread_self();
    for (unsigned i = 0; i < nwaiters; i++)
        if (waiters[i] == me)
            return;
    if (nwaiters < HC_THREADS_MAX)
        waiters[nwaiters++] = me;
}

void fdwait_leave(void)
{
    hc_tid me = hc_thread_self();
    for (unsigned i = 0; i < nwaiters; i++)
        if (waiters[i] == me) {
            waiters[i] = waiters[--nwaiters];
            return;
        }
}

/* Sleep until fdwait_notify or deadline (0: none): 0 or -ETIMEDOUT. */
int fdwait_block(uint64_t deadline)
{
    if (signal_pending_here())
        return -ERESTARTSYS;
    fdwait_enrol();
    int r = hc_thread_block(deadline);
    fdwait_leave();
    if (signal_pending_here())
        return -ERESTARTSYS; /* a handler runs first (sys_signal.c) */
    return r == -ETIMEDOUT ? -ETIMEDOUT : 0;
}

void fdwait_notify(void)
{
    unsigned n = nwaiters;
    nwaiters = 0;
    for (unsigned i = 0; i < n; i++)
        hc_thread_wake(waiters[i]);
}
