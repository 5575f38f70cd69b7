/*
 * kiln/lock.h: the sleeping lock. Threads are cooperative (see
 * hypercall.h's execution model), so a lock is only needed across a
 * call that blocks: a thread that finds it taken queues and sleeps, and
 * unlock hands the turn to the oldest waiter, which checks again. No
 * wake-up is lost because nothing runs between the check and the block.
 *
 * Header-only over hc_thread_*; zero-initialised means unlocked.
 */
#ifndef KILN_LOCK_H
#define KILN_LOCK_H

#include <string.h>
#include "hypercall.h"

struct kiln_lock {
    int held;
    unsigned nwaiting;
    hc_tid waiting[HC_THREADS_MAX]; /* oldest first */
};

static inline void kiln_lock(struct kiln_lock *l)
{
    while (l->held) {
        /* Every thread waits at most once, so this cannot fill unless
         * the scheduler hands out more threads than it has. */
        if (l->nwaiting == HC_THREADS_MAX)
            hc_abort("lock: more waiters than threads");
        l->waiting[l->nwaiting++] = hc_thread_self();
        hc_thread_block(0);
    }
    l->held = 1;
}

static inline void kiln_unlock(struct kiln_lock *l)
{
    l->held = 0;
    if (!l->nwaiting)
        return;
    hc_tid next = l->waiting[0];
    l->nwaiting--;
    memmove(l->waiting, l->waiting + 1, l->nwaiting * sizeof next);
    hc_thread_wake(next);
}

#endif
