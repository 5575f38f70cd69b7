/*
 * route.c: the other end of route.h. Every routed call becomes one
 * syscall_dispatch, the entry musl's syscall instruction reaches in an
 * image; a pthread becomes a cooperative thread that wakes its joiner
 * when its function returns.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include "hypercall.h"
#include "posix.h"
#include "route.h"

struct route_thread {
    void *(*fn)(void *);
    void *arg;
    int done;
    hc_tid joiner; /* 0: no one waits yet */
};

long route_syscall(long nr, long a0, long a1, long a2, long a3, long a4,
                   long a5)
{
    const long a[6] = {a0, a1, a2, a3, a4, a5};
    long r = syscall_dispatch(nr, a, NULL);
    if (r < 0 && r > -4096) {
        errno = (int)-r;
        return -1;
    }
    return r;
}

void (*route_signal(int sig, void (*handler)(int)))(int)
{
    /* the kernel's struct sigaction: handler, flags, restorer, mask */
    struct {
        void (*handler)(int);
        unsigned long flags;
        void *restorer;
        unsigned long mask;
    } act = {handler, 0, 0, 0}, old;
    if (handler != SIG_IGN && handler != SIG_DFL) {
        errno = EINVAL;
        return SIG_ERR;
    }
    if (route_syscall(SYS_rt_sigaction, sig, (long)&act, (long)&old, 8, 0, 0) <
        0)
        return SIG_ERR;
    return old.handler;
}

static void route_thread_main(void *arg)
{
    struct route_thread *t = arg;
    t->fn(t->arg);
    t->done = 1;
    if (t->joiner)
        hc_thread_wake(t->joiner);
}

int route_thread_create(pthread_t *t, void *(*fn)(void *), void *arg)
{
    struct route_thread *r = calloc(1, sizeof *r);
    if (!r)
        return ENOMEM;
    *r = (struct route_thread){fn, arg, 0, 0};
    if (hc_thread_create(route_thread_main, r, 0, 0) < 0) {
        free(r);
        return EAGAIN;
    }
    *t = (pthread_t)r;
    return 0;
}

int route_thread_join(pthread_t t)
{
    struct route_thread *r = (struct route_thread *)t;
    while (!r->done) {
        r->joiner = hc_thread_self();
        hc_thread_block(0);
    }
    free(r);
    return 0;
}
