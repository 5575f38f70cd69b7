/*
 * sched.c: the images' side of the scheduler (the decisions are in
 * sched_core.c, shared with hypercall-posix): thread stacks from the
 * page allocator with a guard page below each, the context switch of
 * switch.S with the thread pointer (FS base) per thread, device
 * interrupts taken between switches, and idling in platform_idle.
 */
#include <errno.h>
#include "kiln/table.h"
#include "platform.h"
#include "sched.h"

#define DEFAULT_STACK (64 * 1024)
#define GUARD_PAGES 1 /* below each stack, so an overflow faults */
#define SAVED_REGS 6  /* rbp rbx r12 r13 r14 r15, see switch.S */
#define FPU_DEFAULT_CONTROL (0x037full << 32 | 0x1f80) /* x87 CW, MXCSR */

/* What a thread needs beyond the core's bookkeeping, by id - 1. */
struct context {
    uint64_t rsp;
    uint64_t tls;
    void *stack; /* ours to free (guard page first), NULL for clones */
    uint32_t stack_pages;
};

/* HC_THREADS_MAX, allocated by the first thread (kiln/table.h). */
static struct context *contexts;

static void contexts_ready(void)
{
    kiln_table((void **)&contexts, HC_THREADS_MAX * sizeof *contexts,
               "no memory for threads");
}

void thread_switch(uint64_t *save_rsp, uint64_t new_rsp);
void thread_trampoline(void);

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
    hc_tid tid = sched_slot();
    size_t pages = stack_pages(stack_size);
    uint8_t *stack = tid > 0 ? pages_alloc_unzeroed(pages) : NULL;
    if (!stack)
        return -EAGAIN;
    void *const guards[GUARD_PAGES] = {stack};
    mmu_guard_pages(guards, GUARD_PAGES);
    contexts_ready();
    struct context *c = &contexts[tid - 1];
    *c = (struct context){.tls = tls_prepare(tls),
                          .stack = stack,
                          .stack_pages = (uint32_t)pages};
    c->rsp = stack_prepare((uintptr_t)stack + pages * HC_PAGE_SIZE, fn, arg);
    sched_admit(tid);
    return tid;
}

/* Used by syscall.c for clone: the child starts on a prepared stack. */
hc_tid sched_spawn_at(uint64_t rsp, uintptr_t tls)
{
    hc_tid tid = sched_slot();
    if (tid < 0)
        return -EAGAIN;
    contexts_ready();
    contexts[tid - 1] = (struct context){.rsp = rsp, .tls = tls_prepare(tls)};
    sched_admit(tid);
    return tid;
}

void hc_thread_set_tls(uintptr_t tls)
{
    struct context *c = &contexts[hc_thread_self() - 1];
    c->tls = tls_prepare(tls);
    wrmsr(MSR_FS_BASE, c->tls);
}

void sched_host_switch(hc_tid from, hc_tid to, int exiting)
{
    (void)exiting; /* its stack stays until the core reaps it */
    struct context *prev = &contexts[from - 1], *next = &contexts[to - 1];
    if (next->tls != prev->tls)
        wrmsr(MSR_FS_BASE, next->tls);
    thread_switch(&prev->rsp, next->rsp);
}

void sched_host_release(hc_tid tid)
{
    struct context *c = &contexts[tid - 1];
    if (c->stack) {
        hc_pages_protect(c->stack, GUARD_PAGES, 1);
        hc_pages_free(c->stack, c->stack_pages);
    }
    c->stack = NULL;
}

/* Device interrupts are taken here too, not only when idle, so threads
 * waiting for I/O wake while others keep the CPU busy. Safe: this is
 * our own code, compiled without a red zone. */
int sched_host_poll(int io_waiters)
{
    static unsigned seen;
    (void)io_waiters; /* an interrupt cannot wait: take it anyway */
    __asm__ volatile("sti; nop; cli" ::: "memory");
    unsigned now = irq_device_events();
    if (now == seen)
        return 0;
    seen = now;
    return 1;
}

int sched_host_devices(void)
{
    return (int)irq_device_count();
}

void sched_host_idle(uint64_t deadline, int io_waiters)
{
    (void)io_waiters;
    platform_idle(deadline);
}

_Noreturn void sched_start(void (*first)(void *), void *arg)
{
    static uint64_t boot_rsp; /* the boot stack is never resumed */
    hc_tid tid = hc_thread_create(first, arg, 0, 0);
    if (tid < 0)
        panic("no memory for the first thread");
    sched_enter(tid);
    thread_switch(&boot_rsp, contexts[tid - 1].rsp);
    panic("returned to the boot stack");
}
