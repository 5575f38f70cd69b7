/*
 * switch.S: cooperative context switch. Only callee-saved registers need
 * saving because a switch is a function call; the x86_64 ABI makes all
 * vector registers caller-saved, so no FPU state is touched.
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
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

    /* First return of a new thread: thread_entry(fn = r12, arg = r13). */
    .globl thread_trampoline
thread_trampoline:
    and $-16, %rsp
    mov %r12, %rdi
    mov %r13, %rsi
    call thread_entry
    ud2
