/*
 * sys_thread.c: clone, futex and exits: what musl's pthreads need, on
 * cooperative threads. Without preemption, checking a futex word and
 * blocking on it is atomic, so futex needs no locks.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include "kiln/log.h"
#include "kiln/table.h"
#include "posix.h"

#define WAITERS_MAX HC_THREADS_MAX
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define NS 1000000000ull

/* By thread id (HC_THREADS_MAX + 1 of them), allocated on first use
 * (kiln/table.h): clear_tid, CLONE_CHILD_CLEARTID's word to zero and
 * wake when the thread exits; tls, its thread pointer. */
struct thread_words {
    int *clear_tid;
    uintptr_t tls;
};
static struct thread_words *words;

static struct thread_words *words_of(hc_tid t)
{
    kiln_table((void **)&words, (HC_THREADS_MAX + 1) * sizeof *words,
               "no memory for threads");
    return &words[t];
}

struct waiter {
    const int *addr; /* NULL: free slot */
    hc_tid tid;
};
/* WAITERS_MAX of them, allocated by the first wait: none can be woken
 * or moved before. */
static struct waiter *waiters;

/* Threads musl creates: flags as pthread_create passes them. */
#define CLONE_THREAD_FLAGS                                                     \
    (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)

long sys_clone(long flags, long sp, long ptid, long ctid, long tls,
               struct hc_syscall_frame *frame)
{
    if (!(flags & CLONE_THREAD)) /* no processes: fork-like clones */
        return vfork_start ? vfork_start(frame) : proc_clone_process();
    if ((flags & CLONE_THREAD_FLAGS) != CLONE_THREAD_FLAGS || !sp)
        return -EINVAL;
    uintptr_t child_tls = (flags & CLONE_SETTLS)
                              ? (uintptr_t)tls
                              : words_of(hc_thread_self())->tls;
    hc_tid t = hc_thread_clone(frame, (uintptr_t)sp, child_tls);
    if (t < 0)
        return t;
    words_of(t)->tls = child_tls;
    signal_thread_start(t);
    prctl_thread_start(t);
    words_of(t)->clear_tid =
        (flags & CLONE_CHILD_CLEARTID) ? (int *)ctid : NULL;
    if (flags & CLONE_PARENT_SETTID)
        *(int *)ptid = t;
    if (flags & CLONE_CHILD_SETTID)
        *(int *)ctid = t;
    return t;
}

uintptr_t thread_tls(hc_tid t)
{
    return words_of(t)->tls;
}

/* A thread made outside clone (sys_vfork.c's child) gets a clone's state. */
void thread_started(hc_tid t, uintptr_t tls)
{
    words_of(t)->tls = tls;
    signal_thread_start(t);
    prctl_thread_start(t);
    words_of(t)->clear_tid = NULL;
}

static long futex_wake(const int *addr, long n)
{
    long woken = 0;
    for (int i = 0; waiters && i < WAITERS_MAX && woken < n; i++) {
        if (waiters[i].addr == addr) {
            waiters[i].addr = NULL;
            hc_thread_wake(waiters[i].tid);
            woken++;
        }
    }
    return woken;
}

static long futex_wait(const int *addr, int val, uint64_t deadline)
{
    if (*addr != val)
        return -EAGAIN;
    kiln_table((void **)&waiters, WAITERS_MAX * sizeof *waiters,
               "no memory for futex waiters");
    struct waiter *w = NULL;
    for (int i = 0; i < WAITERS_MAX && !w; i++)
        if (!waiters[i].addr)
            w = &waiters[i];
    if (!w)
        return -ENOMEM;
    *w = (struct waiter){addr, hc_thread_self()};
    hc_thread_block(deadline);
    if (w->addr && w->tid == hc_thread_self()) {
        w->addr = NULL; /* still queued: nobody woke us */
        return -ETIMEDOUT;
    }
    return 0;
}

/* Move up to n waiters from addr to addr2 (after waking some). */
static long futex_requeue(const int *addr, const int *addr2, long n)
{
    long moved = 0;
    for (int i = 0; waiters && i < WAITERS_MAX && moved < n; i++)
        if (waiters[i].addr == addr) {
            waiters[i].addr = addr2;
            moved++;
        }
    return moved;
}

static int deadline_of(long timeout, int absolute, int realtime,
                       uint64_t *deadline)
{
    const struct timespec *t = (const struct timespec *)timeout;
    *deadline = 0;
    if (!t)
        return 0;
    if (t->tv_sec < 0 || t->tv_nsec < 0 || t->tv_nsec >= (long)NS)
        return -EINVAL;
    uint64_t ns = timespec_ns(t);
    int64_t offset = hc_clock_wall_offset();
    if (!absolute)
        ns = add_ns(ns, hc_clock_monotonic());
    else if (realtime && offset > 0 && ns != UINT64_MAX)
        ns = ns > (uint64_t)offset ? ns - (uint64_t)offset : 0;
    *deadline = ns ? ns : 1; /* 1: already expired; 0 would mean never */
    return 0;
}

long sys_futex(long uaddr, long op, long val, long timeout, long uaddr2,
               long val3)
{
    const int *addr = (const int *)uaddr;
    int cmd = (int)(op & FUTEX_CMD_MASK);
    uint64_t deadline;
    switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
        if (deadline_of(timeout, cmd == FUTEX_WAIT_BITSET,
                        (op & FUTEX_CLOCK_REALTIME) != 0, &deadline) < 0)
            return -EINVAL;
        return futex_wait(addr, (int)val, deadline);
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: return futex_wake(addr, val);
    case FUTEX_CMP_REQUEUE:
        if (*addr != (int)val3)
            return -EAGAIN;
        /* fallthrough */
    case FUTEX_REQUEUE: {
        long woken = futex_wake(addr, val);
        return woken + futex_requeue(addr, (const int *)uaddr2, timeout);
    }
    default: return -ENOSYS;
    }
}

long sys_set_tid_address(long ptr)
{
    words_of(hc_thread_self())->clear_tid = (int *)ptr;
    return hc_thread_self();
}

long sys_exit(long status)
{
    (void)status; /* a thread's status is not observable without wait() */
    struct thread_words *w = words_of(hc_thread_self());
    if (w->clear_tid) {
        *w->clear_tid = 0;
        futex_wake(w->clear_tid, 1);
        w->clear_tid = NULL;
    }
    hc_thread_exit();
}

long sys_exit_group(long status)
{
    if (vfork_child_exit)
        vfork_child_exit(status);
    file_unmount_all();
    hc_exit((int)(status & 0xff));
}

long sys_arch_prctl(long code, long addr)
{
    if (code == ARCH_SET_FS) {
        words_of(hc_thread_self())->tls = (uintptr_t)addr;
        hc_thread_set_tls((uintptr_t)addr);
        return 0;
    }
    if (code == ARCH_GET_FS) {
        *(uintptr_t *)addr = words_of(hc_thread_self())->tls;
        return 0;
    }
    return -EINVAL;
}

/* raise() and pthread_kill(): with no handlers, a signal's default action
 * is to end the program, and SIGABRT (abort) deserves a backtrace. */
long sys_gettid(void)
{
    return hc_thread_self();
}

long sys_sched_yield(void)
{
    hc_thread_yield();
    return 0;
}
