/*
 * syscall.S: the target of musl's `syscall` instruction.
 *
 * We run in ring 0, so the CPU neither switches stacks nor changes
 * privilege: the frame goes on the caller's own stack. The caller may
 * have live data in the 128-byte red zone below %rsp (musl is compiled
 * with it), so the frame starts below it. We return with a jump, not
 * sysret (which would drop to ring 3); like Linux we clobber rcx and r11
 * and keep everything else, vector registers included: the handler is
 * C that may use them and may switch to other threads.
 * The frame layout is struct hc_syscall_frame in syscall.c. It keeps
 * the caller's %rsp too, and the return loads %rsp from it, so a signal
 * handler can be entered on another stack (hc_syscall_regs_set).
 */
    .text
    .globl syscall_entry
syscall_entry:
    lea -128(%rsp), %rsp
    push %rsp /* the value before this push: the caller's %rsp - 128 */
    addq $128, (%rsp)
    push %r11 /* rflags */
    push %rcx /* return address */
    push %r15
    push %r14
    push %r13
    push %r12
    push %rbx
    push %rbp
    push %r9
    push %r8
    push %r10
    push %rdx
    push %rsi
    push %rdi
    push %rax
    mov %rsp, %rdi
    mov %rsp, %rbx
    sub $512, %rsp /* like Linux, keep the caller's vector registers */
    and $-16, %rsp
    fxsave64 (%rsp)
    call syscall_from_frame
    fxrstor64 (%rsp)
    mov %rbx, %rsp
    mov %rax, (%rsp)

    /* Also the first instructions of a clone child: %rsp at its frame. */
    .globl syscall_return
syscall_return:
    pop %rax
    pop %rdi
    pop %rsi
    pop %rdx
    pop %r10
    pop %r8
    pop %r9
    pop %rbp
    pop %rbx
    pop %r12
    pop %r13
    pop %r14
    pop %r15
    pop %rcx
    pop %r11
    pop %rsp
    jmp *%rcx
