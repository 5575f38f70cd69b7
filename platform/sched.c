/*
 * sched.c: cooperative threads on one CPU.
 *
 * A fixed table of MAX_THREADS; thread ids are table index + 1. A thread
 * runs until it blocks, yields or exits; the next runnable one is picked
 * round-robin. With nothing runnable the CPU idles (interrupts on) until
 * the earliest deadline. A thread's stack cannot be freed while it runs
 * on it, so exited threads are reaped by whichever thread runs next.
 */
#include <errno.h>
#include "platform.h"

#define MAX_THREADS HC_THREADS_MAX
#define DEFAULT_STACK (64 * 1024)
#define GUARD_PAGES 1 /* below each stack, so an overflow faults */
#define SAVED_REGS 6  /* rbp rbx r12 r13 r14 r15, see switch.S */
#define FPU_DEFAULT_CONTROL (0x037full << 32 | 0x1f80) /* x87 CW, MXCSR */
#define MSR_FS_BASE 0xc0000100

enum thread_state { FREE, RUNNABLE, BLOCKED, DEAD };

struct thread {
    enum thread_state state;
    uint64_t rsp;
    uint64_t tls;
    uint64_t deadline; /* 0: none */
    int timed_out;
    int wants_io; /* blocked in hc_thread_wait_io */
    void *stack;  /* ours to free (guard page first), NULL for clones */
    uint32_t stack_pages;
};

static struct thread threads[MAX_THREADS];
static struct thread *current;

void thread_switch(uint64_t *save_rsp, uint64_t new_rsp);
void thread_trampoline(void);

static hc_tid tid_of(const struct thread *t)
{
    return (hc_tid)(t - threads) + 1;
}

static struct thread *slot_alloc(void)
{
    for (int i = 0; i < MAX_THREADS; i++)
        if (threads[i].state == FREE)
            return &threads[i];
    return NULL;
}

/* Below sp, what thread_switch restores on a thread's first run: the
 * default FPU control words, six zeroed registers, then resume. */
uint64_t *switch_frame_push(uint64_t *sp, void (*resume)(void))
{
    *--sp = (uintptr_t)resume;
    for (int i = 0; i < SAVED_REGS; i++)
        *--sp = 0;
    *--sp = FPU_DEFAULT_CONTROL;
    return sp;
}

/* A new thread's stack: thread_switch "returns" to thread_trampoline with
 * fn and arg in r12 and r13. */
static uint64_t stack_prepare(uint64_t top, void (*fn)(void *), void *arg)
{
    uint64_t *sp = (uint64_t *)(uintptr_t)(top & ~15ull);
    *--sp = 0;
    sp = switch_frame_push(sp, thread_trampoline);
    sp[3] = (uintptr_t)arg; /* r13: after the FPU word, r15 and r14 */
    sp[4] = (uintptr_t)fn;  /* r12 */
    return (uintptr_t)sp;
}

static size_t stack_pages(size_t bytes)
{
    size_t usable = ALIGN_UP(bytes ? bytes : DEFAULT_STACK, HC_PAGE_SIZE);
    return GUARD_PAGES + usable / HC_PAGE_SIZE;
}

void thread_entry(void (*fn)(void *), void *arg)
{
    fn(arg);
    hc_thread_exit();
}

hc_tid hc_thread_create(void (*fn)(void *), void *arg, size_t stack_size,
                        uintptr_t tls)
{
    struct thread *t = slot_alloc();
    size_t pages = stack_pages(stack_size);
    uint8_t *stack = t ? hc_pages_alloc(pages) : NULL;
    if (!stack)
        return -EAGAIN;
    if (hc_pages_protect(stack, GUARD_PAGES, 0) < 0)
        panic("cannot make a stack guard page at %p", (void *)stack);
    *t = (struct thread){.state = RUNNABLE,
                         .tls = tls,
                         .stack = stack,
                         .stack_pages = (uint32_t)pages};
    t->rsp = stack_prepare((uintptr_t)stack + pages * HC_PAGE_SIZE, fn, arg);
    return tid_of(t);
}

/* Used by syscall.c for clone: the child starts on a prepared stack. */
hc_tid sched_spawn_at(uint64_t rsp, uintptr_t tls)
{
    struct thread *t = slot_alloc();
    if (!t)
        return -EAGAIN;
    *t = (struct thread){.state = RUNNABLE, .tls = tls, .rsp = rsp};
    return tid_of(t);
}

hc_tid hc_thread_self(void)
{
    return tid_of(current);
}

void hc_thread_set_tls(uintptr_t tls)
{
    current->tls = tls;
    wrmsr(MSR_FS_BASE, tls);
}

static void wake_expired(uint64_t now)
{
    for (int i = 0; i < MAX_THREADS; i++) {
        struct thread *t = &threads[i];
        if (t->state == BLOCKED && t->deadline && t->deadline <= now) {
            t->state = RUNNABLE;
            t->timed_out = 1;
        }
    }
}

static void reap_dead(void)
{
    for (int i = 0; i < MAX_THREADS; i++) {
        struct thread *t = &threads[i];
        if (t->state == DEAD && t != current) {
            if (t->stack) {
                hc_pages_protect(t->stack, GUARD_PAGES, 1);
                hc_pages_free(t->stack, t->stack_pages);
            }
            t->state = FREE;
        }
    }
}

/* Round-robin: the first runnable thread after `from`, `from` last. */
static struct thread *pick_next(struct thread *from)
{
    int start = from ? (int)(from - threads) + 1 : 0;
    for (int k = 0; k < MAX_THREADS; k++) {
        struct thread *t = &threads[(start + k) % MAX_THREADS];
        if (t->state == RUNNABLE)
            return t;
    }
    return NULL;
}

static uint64_t earliest_deadline(int *any_alive)
{
    uint64_t d = 0;
    *any_alive = 0;
    for (int i = 0; i < MAX_THREADS; i++) {
        struct thread *t = &threads[i];
        if (t->state != BLOCKED)
            continue;
        *any_alive = 1;
        if (t->deadline && (!d || t->deadline < d))
            d = t->deadline;
    }
    return d;
}

/* Device interrupts are taken here too, not only when idle, so threads
 * waiting for I/O wake while others keep the CPU busy. Safe: this is
 * our own code, compiled without a red zone. */
static void take_interrupts(void)
{
    static unsigned seen;
    __asm__ volatile("sti; nop; cli" ::: "memory");
    unsigned now = irq_device_events();
    if (now == seen)
        return;
    seen = now;
    for (int i = 0; i < MAX_THREADS; i++)
        if (threads[i].state == BLOCKED && threads[i].wants_io) {
            threads[i].state = RUNNABLE;
            threads[i].timed_out = 0;
        }
}

static struct thread *wait_for_runnable(struct thread *from)
{
    for (;;) {
        take_interrupts();
        wake_expired(hc_clock_monotonic());
        struct thread *next = pick_next(from);
        if (next)
            return next;
        int alive;
        uint64_t deadline = earliest_deadline(&alive);
        if (!alive)
            hc_exit(0); /* every thread has exited */
        if (!deadline && !irq_device_count())
            panic("deadlock: every thread is blocked and nothing can "
                  "wake one (no timer, no device)");
        platform_idle(deadline);
    }
}

static void schedule(void)
{
    struct thread *prev = current;
    struct thread *next = wait_for_runnable(prev);
    if (next != prev) {
        current = next;
        if (next->tls != prev->tls)
            wrmsr(MSR_FS_BASE, next->tls);
        thread_switch(&prev->rsp, next->rsp);
    }
    reap_dead(); /* whoever runs now is not on a dead thread's stack */
}

void hc_thread_yield(void)
{
    schedule();
}

static int block(uint64_t deadline, int wants_io)
{
    current->state = BLOCKED;
    current->deadline = deadline;
    current->timed_out = 0;
    current->wants_io = wants_io;
    schedule();
    current->wants_io = 0;
    return current->timed_out ? -ETIMEDOUT : 0;
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
    if (tid < 1 || tid > MAX_THREADS)
        return -ESRCH;
    struct thread *t = &threads[tid - 1];
    if (t->state != BLOCKED)
        return -ESRCH;
    t->state = RUNNABLE;
    t->deadline = 0;
    return 0;
}

_Noreturn void hc_thread_exit(void)
{
    current->state = DEAD;
    schedule();
    panic("a dead thread was scheduled");
}

_Noreturn void sched_start(void (*first)(void *), void *arg)
{
    static uint64_t boot_rsp; /* the boot stack is never resumed */
    if (hc_thread_create(first, arg, 0, 0) < 0)
        panic("no memory for the first thread");
    current = &threads[0];
    thread_switch(&boot_rsp, current->rsp);
    panic("returned to the boot stack");
}
