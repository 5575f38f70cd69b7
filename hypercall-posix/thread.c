/*
 * thread.c: cooperative threads on ucontext, each on an mmap'd stack
 * with an inaccessible guard page below it. The scheduler runs on the
 * process's own stack (sched_run): a thread that blocks, yields or
 * exits switches back to it, and it picks the next runnable thread
 * round-robin, or sleeps in ppoll() on the TAP descriptors until the
 * earliest deadline when none is runnable (with virtual time it jumps
 * the clock to that deadline instead).
 *
 * Limits: hc_thread_clone and hc_thread_set_tls abort: they serve
 * components/posix's clone(), which a host process does not link (the
 * host's glibc owns the thread pointer; every cooperative thread shares
 * it, so the tls argument of hc_thread_create is ignored). Stacks are
 * at least STACK_MIN because AddressSanitizer's stack redzones and
 * glibc's stdio need more room than the kernel's 64 KiB default.
 */
#include <errno.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include "hostint.h"

#define DEFAULT_STACK (64 * 1024)
#define STACK_MIN (256 * 1024)
#define GUARD HC_PAGE_SIZE

enum thread_state { FREE, RUNNABLE, BLOCKED, DEAD };

struct thread {
    enum thread_state state;
    ucontext_t ctx;
    uint64_t deadline; /* 0: none */
    int timed_out;
    int wants_io; /* blocked in hc_thread_wait_io */
    uint8_t *map; /* guard page, then the stack */
    size_t map_len;
    void (*fn)(void *);
    void *arg;
};

static struct thread threads[HC_THREADS_MAX];
static struct thread *current; /* NULL while the scheduler runs */
static struct thread *last_run;
static ucontext_t sched_ctx;
static const void *sched_stack;
static size_t sched_stack_size;

/* AddressSanitizer must hear of every stack switch or it reports
 * false errors; weak, so a build without ASan finds them NULL. */
void __sanitizer_start_switch_fiber(void **fake_save, const void *bottom,
                                    size_t size) __attribute__((weak));
void __sanitizer_finish_switch_fiber(void *fake_save, const void **old_bottom,
                                     size_t *old_size) __attribute__((weak));
void __asan_unpoison_memory_region(const volatile void *p, size_t len)
    __attribute__((weak));

static void fiber_start(void **fake_save, const void *bottom, size_t size)
{
    if (__sanitizer_start_switch_fiber)
        __sanitizer_start_switch_fiber(fake_save, bottom, size);
}

static void fiber_finish(void *fake_save, const void **bottom, size_t *size)
{
    if (__sanitizer_finish_switch_fiber)
        __sanitizer_finish_switch_fiber(fake_save, bottom, size);
}

static hc_tid tid_of(const struct thread *t)
{
    return (hc_tid)(t - threads) + 1;
}

static struct thread *self(const char *what)
{
    if (!current)
        host_panic("%s outside a cooperative thread (use host_run)", what);
    return current;
}

/* From the scheduler into t, back when t blocks, yields or exits. */
static void switch_to_thread(struct thread *t)
{
    void *fake = NULL;
    fiber_start(&fake, t->map + GUARD, t->map_len - GUARD);
    current = t;
    last_run = t;
    swapcontext(&sched_ctx, &t->ctx);
    current = NULL;
    fiber_finish(fake, NULL, NULL);
}

/* From thread t back to the scheduler; a dying thread never returns. */
static void switch_to_sched(struct thread *t, int dying)
{
    void *fake = NULL;
    fiber_start(dying ? NULL : &fake, sched_stack, sched_stack_size);
    swapcontext(&t->ctx, &sched_ctx);
    fiber_finish(fake, NULL, NULL);
}

static void thread_start(void)
{
    fiber_finish(NULL, &sched_stack, &sched_stack_size);
    current->fn(current->arg);
    hc_thread_exit();
}

static struct thread *slot_alloc(void)
{
    for (int i = 0; i < HC_THREADS_MAX; i++)
        if (threads[i].state == FREE)
            return &threads[i];
    return NULL;
}

/* Apart, because getcontext returns twice and would make the caller's
 * locals suspect. */
static void ctx_prepare(struct thread *t)
{
    getcontext(&t->ctx);
    t->ctx.uc_stack.ss_sp = t->map + GUARD;
    t->ctx.uc_stack.ss_size = t->map_len - GUARD;
    t->ctx.uc_link = NULL;
    makecontext(&t->ctx, thread_start, 0);
}

static size_t stack_bytes(size_t asked)
{
    size_t n = asked ? asked : DEFAULT_STACK;
    n = (n + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE * HC_PAGE_SIZE;
    return n < STACK_MIN ? STACK_MIN : n;
}

hc_tid hc_thread_create(void (*fn)(void *), void *arg, size_t stack_size,
                        uintptr_t tls)
{
    (void)tls; /* see the file comment */
    struct thread *t = slot_alloc();
    size_t len = GUARD + stack_bytes(stack_size);
    if (!t)
        return -EAGAIN;
    uint8_t *map = mmap(NULL, len, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (map == MAP_FAILED)
        return -EAGAIN;
    if (mprotect(map, GUARD, PROT_NONE) != 0)
        host_panic("cannot make a stack guard page at %p", (void *)map);
    *t = (struct thread){.state = RUNNABLE, .map = map, .map_len = len};
    t->fn = fn;
    t->arg = arg;
    ctx_prepare(t);
    return tid_of(t);
}

hc_tid hc_thread_clone(const struct hc_syscall_frame *frame, uintptr_t sp,
                       uintptr_t tls)
{
    (void)frame, (void)sp, (void)tls;
    host_panic("hc_thread_clone: no clone() in a host process");
}

void hc_thread_set_tls(uintptr_t tls)
{
    (void)tls;
    host_panic("hc_thread_set_tls: glibc owns the thread pointer here");
}

hc_tid hc_thread_self(void)
{
    return tid_of(self("hc_thread_self"));
}

void hc_thread_yield(void)
{
    struct thread *t = self("hc_thread_yield");
    t->state = RUNNABLE;
    switch_to_sched(t, 0);
}

static int block(const char *what, uint64_t deadline, int wants_io)
{
    struct thread *t = self(what);
    t->state = BLOCKED;
    t->deadline = deadline;
    t->timed_out = 0;
    t->wants_io = wants_io;
    switch_to_sched(t, 0);
    t->wants_io = 0;
    return t->timed_out ? -ETIMEDOUT : 0;
}

int hc_thread_block(uint64_t deadline)
{
    return block("hc_thread_block", deadline, 0);
}

int hc_thread_wait_io(uint64_t deadline)
{
    return block("hc_thread_wait_io", deadline, 1);
}

int hc_thread_wake(hc_tid tid)
{
    if (tid < 1 || tid > HC_THREADS_MAX)
        return -ESRCH;
    struct thread *t = &threads[tid - 1];
    if (t->state != BLOCKED)
        return -ESRCH;
    t->state = RUNNABLE;
    t->timed_out = 0;
    return 0;
}

_Noreturn void hc_thread_exit(void)
{
    struct thread *t = self("hc_thread_exit");
    t->state = DEAD;
    switch_to_sched(t, 1);
    host_panic("a dead thread ran again");
}

/* ---- the scheduler, on the process's own stack ------------------------ */

static void reap_dead(void)
{
    for (int i = 0; i < HC_THREADS_MAX; i++) {
        struct thread *t = &threads[i];
        if (t->state != DEAD)
            continue;
        /* frames that never returned left ASan's marks on the stack */
        if (__asan_unpoison_memory_region)
            __asan_unpoison_memory_region(t->map, t->map_len);
        munmap(t->map, t->map_len);
        t->state = FREE;
    }
}

static void wake_expired(uint64_t now)
{
    for (int i = 0; i < HC_THREADS_MAX; i++) {
        struct thread *t = &threads[i];
        if (t->state == BLOCKED && t->deadline && t->deadline <= now) {
            t->state = RUNNABLE;
            t->timed_out = 1;
        }
    }
}

/* A device "interrupt": every thread in hc_thread_wait_io wakes. */
static void wake_io_waiters(void)
{
    for (int i = 0; i < HC_THREADS_MAX; i++) {
        struct thread *t = &threads[i];
        if (t->state == BLOCKED && t->wants_io) {
            t->state = RUNNABLE;
            t->timed_out = 0;
        }
    }
}

static struct thread *pick_next(void)
{
    int start = last_run ? (int)(last_run - threads) + 1 : 0;
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

/* Wait in ppoll for a frame on a NIC (if anyone waits for one) until
 * the deadline (0: none; a past one: just look). */
static void poll_devices(int io_waiters, uint64_t deadline, int wait)
{
    struct pollfd fds[HOST_NICS_MAX];
    int n = io_waiters ? nic_fill_pollfds(fds, HOST_NICS_MAX) : 0;
    struct timespec ts = {0, 0}, *timeout = &ts;
    uint64_t now = hc_clock_monotonic();
    if (wait && !deadline)
        timeout = NULL;
    else if (wait && deadline > now) {
        ts.tv_sec = (time_t)((deadline - now) / 1000000000u);
        ts.tv_nsec = (long)((deadline - now) % 1000000000u);
    }
    if ((n == 0 && !wait) || ppoll(fds, (nfds_t)n, timeout, NULL) <= 0)
        return;
    wake_io_waiters();
}

/* Nothing is runnable: sleep until a deadline or a frame. */
static void idle(uint64_t deadline, int io_waiters)
{
    struct pollfd probe[HOST_NICS_MAX];
    int nics = nic_fill_pollfds(probe, HOST_NICS_MAX);
    if (!deadline && !(io_waiters && nics))
        host_panic("deadlock: every thread is blocked and nothing can "
                   "wake one (no deadline, no device)");
    if (clock_is_virtual() && deadline)
        clock_jump(deadline);
    else
        poll_devices(io_waiters, deadline, 1);
}

void sched_run(int *done)
{
    for (;;) {
        reap_dead();
        if (done && *done)
            return;
        int blocked, io_waiters;
        uint64_t deadline = scan_blocked(&blocked, &io_waiters);
        poll_devices(io_waiters, 0, 0); /* frames wake waiters even
                                           while others keep running */
        wake_expired(hc_clock_monotonic());
        struct thread *t = pick_next();
        if (t)
            switch_to_thread(t);
        else if (blocked)
            idle(deadline, io_waiters);
        else
            return; /* every thread has ended */
    }
}

static struct {
    void (*fn)(void *);
    void *arg;
    int done;
} job;

static void job_body(void *unused)
{
    (void)unused;
    job.fn(job.arg);
    job.done = 1;
}

void host_run(void (*fn)(void *), void *arg)
{
    if (current)
        host_panic("host_run from inside a cooperative thread");
    job.fn = fn;
    job.arg = arg;
    job.done = 0;
    if (hc_thread_create(job_body, NULL, 0, 0) < 0)
        host_panic("host_run: no free thread");
    sched_run(&job.done);
}
