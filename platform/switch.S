/*
 * switch.S: cooperative context switch. A switch is a function call, so
 * only what the x86_64 ABI makes callee-saved is kept: six registers and
 * the FPU control words (MXCSR and the x87 control word: rounding modes
 * and exception masks are per thread). Vector registers are caller-saved.
 * The layout is built for new threads by switch_frame_push (sched.c).
 */
    .text
    /* void thread_switch(uint64_t *save_rsp, uint64_t new_rsp) */
    .globl thread_switch
thread_switch:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    sub $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    add $8, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

    /* _Noreturn void stack_call(void *top, void (*fn)(void)): fn on the
     * stack that ends at top; the caller's stack is abandoned. */
    .globl stack_call
stack_call:
    mov %rdi, %rsp
    xor %ebp, %ebp
    call *%rsi
    ud2

    /* First return of a new thread: thread_entry(fn = r12, arg = r13). */
    .globl thread_trampoline
thread_trampoline:
    and $-16, %rsp
    mov %r12, %rdi
    mov %r13, %rsi
    call thread_entry
    ud2
