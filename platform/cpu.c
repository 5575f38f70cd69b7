/*
 * cpu.c: the CPU state every target needs beyond what boot.S set up
 * (long mode, FPU/SSE): the TSS with its interrupt stacks, no-execute.
 */
#include <string.h>
#include "platform.h"

#define IST_STACK_PAGES 2
#define MSR_EFER 0xc0000080
#define EFER_NXE (1u << 11)

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3, iomap_base;
} __attribute__((packed));

/* Each interrupt stack sits above a guard page that cpu_guard_stacks
 * unmaps, so a fault while reporting a fault ends the report instead of
 * running over whatever lies below. They are taken from free memory at
 * boot rather than kept in the image's bss, which every guest would
 * otherwise load and keep whole. */
struct ist_stack {
    uint8_t guard[HC_PAGE_SIZE];
    uint8_t stack[IST_STACK_PAGES * HC_PAGE_SIZE];
};

/* The rest of the boot (after the page allocator's step) runs on this
 * one, for the same reasons: boot.S's early stack is one page. */
#define BOOT_STACK_PAGES 4
struct boot_stack {
    uint8_t guard[HC_PAGE_SIZE];
    uint8_t stack[BOOT_STACK_PAGES * HC_PAGE_SIZE];
};

static struct tss tss;
static struct ist_stack *ist_stacks; /* 3 of them */
static struct boot_stack *boot_stack;
extern uint64_t gdt[];
_Noreturn void stack_call(void *top, void (*fn)(void)); /* switch.S */

static int nx_supported;

int cpu_has_nx(void)
{
    return nx_supported;
}

_Noreturn void cpu_boot_stack_switch(void (*rest)(void))
{
    boot_stack = pages_alloc_unzeroed(sizeof *boot_stack / HC_PAGE_SIZE);
    if (!boot_stack)
        panic("no memory for the boot stack");
    stack_call(boot_stack->stack + sizeof boot_stack->stack, rest);
}

/* Once the final map exists (after mmu_init): unmap the guards. */
void cpu_guard_stacks(void)
{
    void *const guards[] = {boot_stack->guard, ist_stacks[0].guard,
                            ist_stacks[1].guard, ist_stacks[2].guard};
    mmu_guard_pages(guards, sizeof guards / sizeof guards[0]);
}

/* IST1: double fault, IST2: NMI, IST3: every other exception, so a
 * stack overflow or a fault in the red zone still gets a clean panic. */
static void tss_init(void)
{
    ist_stacks = pages_alloc_unzeroed(3 * sizeof *ist_stacks / HC_PAGE_SIZE);
    if (!ist_stacks)
        panic("no memory for the interrupt stacks");
    for (int i = 0; i < 3; i++)
        tss.ist[i] =
            (uintptr_t)(ist_stacks[i].stack + sizeof ist_stacks[i].stack);
    tss.iomap_base = sizeof tss;
    uint64_t b = (uintptr_t)&tss, limit = sizeof tss - 1;
    gdt[3] = (limit & 0xffff) | ((b & 0xffffff) << 16) | (0x89ull << 40) |
             (((b >> 24) & 0xff) << 56);
    gdt[4] = b >> 32;
    __asm__ volatile("ltr %w0" : : "r"(0x18));
}

static void nx_init(void)
{
    uint32_t r[4];
    cpuid(0x80000000, 0, r);
    if (r[0] < 0x80000001)
        return;
    cpuid(0x80000001, 0, r);
    nx_supported = (r[3] >> 20) & 1;
    if (nx_supported)
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
}

void cpu_init(void)
{
    nx_init();
    tss_init();
}
