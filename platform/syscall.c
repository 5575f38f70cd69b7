/*
 * syscall.c: hand each system call to components/posix, and build clone
 * children that resume exactly where their parent's syscall returns.
 */
#include <errno.h>
#include <string.h>
#include "platform.h"

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define RED_ZONE 128

/* Pushed by syscall.S, lowest address first. */
struct hc_syscall_frame {
    uint64_t rax, rdi, rsi, rdx, r10, r8, r9;
    uint64_t rbp, rbx, r12, r13, r14, r15;
    uint64_t rip, rflags, rsp;
};

#define FPU_BYTES                                                              \
    512 /* syscall.S's fxsave area, 16-aligned below the frame                 \
         */

void syscall_entry(void);
void syscall_return(void);

long syscall_from_frame(struct hc_syscall_frame *f)
{
    const long args[6] = {(long)f->rdi, (long)f->rsi, (long)f->rdx,
                          (long)f->r10, (long)f->r8,  (long)f->r9};
    return syscall_dispatch((long)f->rax, args, f);
}

/* The child's frame sits where syscall.S would have put it had the child
 * made the call itself with %rsp == sp; below it, what thread_switch pops. */
hc_tid hc_thread_clone(const struct hc_syscall_frame *parent, uintptr_t sp,
                       uintptr_t tls)
{
    if (sp % 8)
        return -EINVAL;
    struct hc_syscall_frame *f =
        (void *)(sp - RED_ZONE - sizeof(struct hc_syscall_frame));
    memcpy(f, parent, sizeof *f);
    f->rax = 0;
    f->rsp = sp;
    uint64_t *s = switch_frame_push((uint64_t *)f, syscall_return);
    return sched_spawn_at((uintptr_t)s, tls);
}

static void *fpu_area(const struct hc_syscall_frame *f)
{
    return (void *)(((uintptr_t)f - FPU_BYTES) & ~(uintptr_t)15);
}

void hc_syscall_regs_get(const struct hc_syscall_frame *f,
                         struct hc_user_regs *r)
{
    *r = (struct hc_user_regs){.rdi = f->rdi,
                               .rsi = f->rsi,
                               .rdx = f->rdx,
                               .r10 = f->r10,
                               .r8 = f->r8,
                               .r9 = f->r9,
                               .rbp = f->rbp,
                               .rbx = f->rbx,
                               .r12 = f->r12,
                               .r13 = f->r13,
                               .r14 = f->r14,
                               .r15 = f->r15,
                               .rax = f->rax,
                               .rip = f->rip,
                               .rsp = f->rsp,
                               .rflags = f->rflags,
                               .fpu = fpu_area(f)};
}

void hc_syscall_regs_set(struct hc_syscall_frame *f,
                         const struct hc_user_regs *r)
{
    f->rdi = r->rdi, f->rsi = r->rsi, f->rdx = r->rdx, f->r10 = r->r10;
    f->r8 = r->r8, f->r9 = r->r9, f->rbp = r->rbp, f->rbx = r->rbx;
    f->r12 = r->r12, f->r13 = r->r13, f->r14 = r->r14, f->r15 = r->r15;
    f->rip = r->rip, f->rsp = r->rsp, f->rflags = r->rflags;
}

void syscall_init(void)
{
    wrmsr(MSR_STAR, 0x08ull << 32);
    wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
    /* clear TF, IF, DF and AC on entry */
    wrmsr(MSR_FMASK, (1u << 8) | (1u << 9) | (1u << 10) | (1u << 18));
}
