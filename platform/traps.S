/*
 * traps.S: entry stubs for vectors 0..47. Each stub is 16 bytes so
 * traps.c can find stub n at trap_stubs + 16 * n. Stubs push a zero
 * error code where the CPU does not, then the vector, so every frame has
 * the layout of struct trap_frame (traps.c).
 */
    .text
    .balign 16
    .globl trap_stubs
trap_stubs:
    vector = 0
    .rept 48
    .balign 16
    .if !(vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 || vector == 30)
    pushq $0
    .endif
    pushq $vector
    jmp trap_common
    vector = vector + 1
    .endr

trap_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    cld
    mov %rsp, %rdi
    mov %rsp, %rbx
    and $-16, %rsp
    call trap_handler
    mov %rbx, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp
    iretq
