/*
 * thread.c: a Linux process's side of the scheduler (the decisions are
 * in platform/sched_core.c, the very code the images run): ucontext
 * threads on mmap'd stacks with an inaccessible guard page below each,
 * switches AddressSanitizer is told about, and an idle wait that
 * sleeps in ppoll() on the TAP descriptors until the earliest deadline
 * (with virtual time it jumps the clock to that deadline instead).
 *
 * host_run's caller (main, a fuzz target) takes a thread slot of its
 * own while the run lasts, so it blocks and is switched to like any
 * thread; between runs no thread is current.
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
#include "../platform/sched.h"
#include "hostint.h"

#define DEFAULT_STACK (64 * 1024)
#define STACK_MIN (256 * 1024)
#define GUARD HC_PAGE_SIZE

/* What a thread needs beyond the core's bookkeeping, by id - 1. */
struct context {
    ucontext_t uc;
    uint8_t *map; /* guard page, then the stack; NULL: host_run's caller */
    size_t map_len;
    const void *stack; /* for ASan: where the stack is, once known */
    size_t stack_len;
    void (*fn)(void *);
    void *arg;
};

static struct context contexts[HC_THREADS_MAX];
static hc_tid switched_from;

/* AddressSanitizer must hear of every stack switch or it reports
 * false errors; weak, so a build without ASan finds them NULL. */
void __sanitizer_start_switch_fiber(void **fake_save, const void *bottom,
                                    size_t size) __attribute__((weak));
void __sanitizer_finish_switch_fiber(void *fake_save, const void **old_bottom,
                                     size_t *old_size) __attribute__((weak));
void __asan_unpoison_memory_region(const volatile void *p, size_t len)
    __attribute__((weak));

/* Just before a switch to c; fake_save NULL: the current stack dies. */
static void fiber_leave(void **fake_save, const struct context *c)
{
    if (__sanitizer_start_switch_fiber)
        __sanitizer_start_switch_fiber(fake_save, c->stack, c->stack_len);
}

/* Just after a switch landed here. ASan names the stack we came from,
 * which is how host_run's caller, whose stack we did not make, becomes
 * known before anything switches back to it. */
static void fiber_land(void *fake_save)
{
    const void *stack;
    size_t len;
    if (!__sanitizer_finish_switch_fiber)
        return;
    __sanitizer_finish_switch_fiber(fake_save, &stack, &len);
    struct context *from = &contexts[switched_from - 1];
    if (!from->map) {
        from->stack = stack;
        from->stack_len = len;
    }
}

void sched_host_switch(hc_tid from, hc_tid to, int exiting)
{
    void *fake = NULL;
    fiber_leave(exiting ? NULL : &fake, &contexts[to - 1]);
    switched_from = from;
    swapcontext(&contexts[from - 1].uc, &contexts[to - 1].uc);
    fiber_land(fake);
}

static void thread_start(void)
{
    fiber_land(NULL);
    struct context *c = &contexts[hc_thread_self() - 1];
    c->fn(c->arg);
    hc_thread_exit();
}

void sched_host_release(hc_tid tid)
{
    struct context *c = &contexts[tid - 1];
    if (!c->map)
        return;
    /* frames that never returned left ASan's marks on the stack */
    if (__asan_unpoison_memory_region)
        __asan_unpoison_memory_region(c->map, c->map_len);
    munmap(c->map, c->map_len);
    c->map = NULL;
}

/* Apart, because getcontext returns twice and would make the caller's
 * locals suspect. */
static void ctx_prepare(struct context *c)
{
    getcontext(&c->uc);
    c->uc.uc_stack.ss_sp = c->map + GUARD;
    c->uc.uc_stack.ss_size = c->map_len - GUARD;
    c->uc.uc_link = NULL;
    makecontext(&c->uc, thread_start, 0);
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
    hc_tid tid = sched_slot();
    size_t len = GUARD + stack_bytes(stack_size);
    if (tid < 0)
        return -EAGAIN;
    uint8_t *map = mmap(NULL, len, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (map == MAP_FAILED)
        return -EAGAIN;
    if (mprotect(map, GUARD, PROT_NONE) != 0)
        host_panic("cannot make a stack guard page at %p", (void *)map);
    struct context *c = &contexts[tid - 1];
    *c = (struct context){.map = map, .map_len = len, .fn = fn, .arg = arg};
    c->stack = map + GUARD;
    c->stack_len = len - GUARD;
    ctx_prepare(c);
    sched_admit(tid);
    return tid;
}

hc_tid hc_thread_clone(const struct hc_syscall_frame *frame, uintptr_t sp,
                       uintptr_t tls)
{
    (void)frame, (void)sp, (void)tls;
    host_panic("hc_thread_clone: no clone() in a host process");
}

/* No frames here: host programs call syscall_dispatch with NULL. */
void hc_syscall_regs_get(const struct hc_syscall_frame *frame,
                         struct hc_user_regs *out)
{
    (void)frame, (void)out;
    host_panic("hc_syscall_regs_get: no system-call frames in a host process");
}

void hc_syscall_regs_set(struct hc_syscall_frame *frame,
                         const struct hc_user_regs *in)
{
    (void)frame, (void)in;
    host_panic("hc_syscall_regs_set: no system-call frames in a host process");
}

void hc_thread_set_tls(uintptr_t tls)
{
    (void)tls;
    host_panic("hc_thread_set_tls: glibc owns the thread pointer here");
}

/* Wait in ppoll for a frame on a NIC, or room on one that refused a
 * frame (if anyone waits for a device), until the deadline (0: none; a
 * past one: just look). Nonzero: one came. */
static int poll_devices(int io_waiters, uint64_t deadline, int wait)
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
    if (n == 0 && !wait)
        return 0;
    int r = ppoll(fds, (nfds_t)n, timeout, NULL);
    if (r > 0)
        nic_polled(fds, n);
    return r > 0;
}

int sched_host_poll(int io_waiters)
{
    return poll_devices(io_waiters, 0, 0);
}

int sched_host_devices(void)
{
    struct pollfd probe[HOST_NICS_MAX];
    return nic_fill_pollfds(probe, HOST_NICS_MAX);
}

void sched_host_idle(uint64_t deadline, int io_waiters)
{
    if (clock_is_virtual() && deadline)
        clock_jump(deadline);
    else
        poll_devices(io_waiters, deadline, 1);
}

/* ---- host_run: the caller is a thread while fn runs ---------------- */

static struct {
    void (*fn)(void *);
    void *arg;
    hc_tid caller;
    int done;
} job;

static void job_body(void *unused)
{
    (void)unused;
    job.fn(job.arg);
    job.done = 1;
    hc_thread_wake(job.caller);
}

void host_run(void (*fn)(void *), void *arg)
{
    if (sched_current())
        host_panic("host_run from inside a cooperative thread");
    job.fn = fn;
    job.arg = arg;
    job.done = 0;
    if (hc_thread_create(job_body, NULL, 0, 0) < 0)
        host_panic("host_run: no free thread");
    job.caller = sched_slot();
    if (job.caller < 0)
        host_panic("host_run: no free thread");
    contexts[job.caller - 1] = (struct context){0};
    sched_admit(job.caller);
    sched_enter(job.caller);
    while (!job.done)
        hc_thread_block(0);
    sched_leave();
}
