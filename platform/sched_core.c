/*
 * sched_core.c: cooperative threads on one CPU, every decision of the
 * scheduler in one copy for every host (sched.h lists the hooks).
 *
 * A fixed table of HC_THREADS_MAX; thread ids are table index + 1. A
 * thread runs until it blocks, yields or exits; the next runnable one
 * is picked round-robin and the host switches to it directly. With
 * nothing runnable the host idles on the current stack until the
 * earliest deadline or a device event. A thread's stack cannot be
 * released while it runs on it, so ended threads are reaped by
 * whichever thread runs next.
 *
 * Limits: no priorities and no preemption; a thread that never blocks
 * starves the others, device events included.
 */
#include <errno.h>
#include "kiln/table.h"
#include "sched.h"

enum thread_state { FREE, RUNNABLE, BLOCKED, DEAD };

struct thread {
    enum thread_state state;
    uint64_t deadline; /* 0: none */
    int timed_out;
    int wants_io; /* blocked in hc_thread_wait_io */
};

/* HC_THREADS_MAX, allocated by the first thread (kiln/table.h): every
 * call but sched_slot and sched_current comes after one. */
static struct thread *threads;
static struct thread *current; /* NULL outside every thread */

static hc_tid tid_of(const struct thread *t)
{
    return (hc_tid)(t - threads) + 1;
}

/* Every call below needs a thread: a host program calls them from
 * host_run's threads only. */
static struct thread *running(void)
{
    if (!current)
        hc_abort("a thread call outside every thread (host programs: "
                 "call it under host_run)");
    return current;
}

/* For the debugger's thread list: does thread tid exist? */
int sched_alive(hc_tid tid)
{
    return threads && tid >= 1 && tid <= HC_THREADS_MAX &&
           (threads[tid - 1].state == RUNNABLE ||
            threads[tid - 1].state == BLOCKED);
}

hc_tid sched_slot(void)
{
    kiln_table((void **)&threads, HC_THREADS_MAX * sizeof *threads,
               "no memory for threads");
    for (int i = 0; i < HC_THREADS_MAX; i++)
        if (threads[i].state == FREE)
            return tid_of(&threads[i]);
    return -EAGAIN;
}

void sched_admit(hc_tid tid)
{
    threads[tid - 1] = (struct thread){.state = RUNNABLE};
}

void sched_enter(hc_tid tid)
{
    current = &threads[tid - 1];
}

void sched_leave(void)
{
    running()->state = FREE;
    current = NULL;
}

hc_tid sched_current(void)
{
    return current ? tid_of(current) : 0;
}

hc_tid hc_thread_self(void)
{
    return tid_of(running());
}

/* Wake the blocked threads that are due: after a device event every
 * thread in hc_thread_wait_io (the event may have been for any of their
 * devices), and every thread whose deadline has passed, timed out. */
static void wake_due(uint64_t now, int io_event)
{
    for (int i = 0; i < HC_THREADS_MAX; i++) {
        struct thread *t = &threads[i];
        if (t->state != BLOCKED)
            continue;
        if (io_event && t->wants_io) {
            t->state = RUNNABLE;
            t->timed_out = 0;
        } else if (t->deadline && t->deadline <= now) {
            t->state = RUNNABLE;
            t->timed_out = 1;
        }
    }
}

static void reap_dead(void)
{
    for (int i = 0; i < HC_THREADS_MAX; i++) {
        struct thread *t = &threads[i];
        if (t->state == DEAD && t != current) {
            sched_host_release(tid_of(t));
            t->state = FREE;
        }
    }
}

/* Round-robin: the first runnable thread after `from`, `from` last. */
static struct thread *pick_next(struct thread *from)
{
    int start = (int)(from - threads) + 1;
    for (int k = 0; k < HC_THREADS_MAX; k++) {
        struct thread *t = &threads[(start + k) % HC_THREADS_MAX];
        if (t->state == RUNNABLE)
            return t;
    }
    return NULL;
}

/* Earliest deadline of a blocked thread (0: none); *blocked and
 * *io_waiters count who waits at all and who waits for a device. */
static uint64_t scan_blocked(int *blocked, int *io_waiters)
{
    uint64_t d = 0;
    *blocked = *io_waiters = 0;
    for (int i = 0; i < HC_THREADS_MAX; i++) {
        struct thread *t = &threads[i];
        if (t->state != BLOCKED)
            continue;
        (*blocked)++;
        *io_waiters += t->wants_io;
        if (t->deadline && (!d || t->deadline < d))
            d = t->deadline;
    }
    return d;
}

/* Device events are looked for on every pass, not only when idle, so
 * threads waiting for I/O wake while others keep the CPU busy. */
static struct thread *wait_for_runnable(struct thread *from)
{
    for (;;) {
        int blocked, io_waiters;
        uint64_t deadline = scan_blocked(&blocked, &io_waiters);
        int io_event = sched_host_poll(io_waiters);
        wake_due(hc_clock_monotonic(), io_event);
        struct thread *next = pick_next(from);
        if (next)
            return next;
        if (!blocked)
            hc_exit(0); /* every thread has ended */
        if (!deadline && !(io_waiters && sched_host_devices()))
            hc_abort("deadlock: every thread is blocked and nothing can "
                     "wake one (no deadline, no device waited for)");
        sched_host_idle(deadline, io_waiters);
    }
}

static void schedule(void)
{
    struct thread *prev = current;
    struct thread *next = wait_for_runnable(prev);
    if (next != prev) {
        current = next;
        sched_host_switch(tid_of(prev), tid_of(next), prev->state == DEAD);
    }
    reap_dead(); /* whoever runs now is not on a dead thread's stack */
}

void hc_thread_yield(void)
{
    running();
    schedule();
}

static int block(uint64_t deadline, int wants_io)
{
    struct thread *t = running();
    t->state = BLOCKED;
    t->deadline = deadline;
    t->timed_out = 0;
    t->wants_io = wants_io;
    schedule();
    t->wants_io = 0;
    return t->timed_out ? -ETIMEDOUT : 0;
}

int hc_thread_block(uint64_t deadline)
{
    return block(deadline, 0);
}

int hc_thread_wait_io(uint64_t deadline)
{
    return block(deadline, 1);
}

int hc_thread_wake(hc_tid tid)
{
    if (tid < 1 || tid > HC_THREADS_MAX)
        return -ESRCH;
    struct thread *t = &threads[tid - 1];
    if (t->state != BLOCKED)
        return -ESRCH;
    t->state = RUNNABLE;
    t->deadline = 0;
    t->timed_out = 0;
    return 0;
}

_Noreturn void hc_thread_exit(void)
{
    running()->state = DEAD;
    schedule();
    hc_abort("a dead thread was scheduled");
}
