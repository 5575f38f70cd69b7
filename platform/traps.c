/*
 * traps.c: the IDT, exception reports and device interrupt dispatch.
 *
 * An exception is always fatal here (there is no demand paging and no
 * user mode to blame): it prints "PANIC:" with the vector, error code,
 * registers and a symbolized backtrace, then exits with status 255.
 * Vectors 32..46 are device interrupts, taken only while the CPU idles.
 */
#include <string.h>
#include "platform.h"

#define IDT_ENTRIES 48

struct idt_entry {
    uint16_t off0, sel;
    uint8_t ist, type;
    uint16_t off1;
    uint32_t off2, zero;
};

static struct idt_entry idt[IDT_ENTRIES];
static void (*irq_handlers[IRQ_VECTORS])(void);
static unsigned device_events; /* device interrupts taken so far */
extern char trap_stubs[];

static const char *const exception_names[32] = {
    [0] = "divide error (#DE)",
    [1] = "debug (#DB)",
    [2] = "non-maskable interrupt",
    [3] = "breakpoint (#BP)",
    [4] = "overflow (#OF)",
    [5] = "bound range (#BR)",
    [6] = "invalid opcode (#UD)",
    [7] = "FPU not available (#NM)",
    [8] = "double fault (#DF)",
    [10] = "invalid TSS (#TS)",
    [11] = "segment not present (#NP)",
    [12] = "stack fault (#SS)",
    [13] = "general protection fault (#GP)",
    [14] = "page fault (#PF)",
    [16] = "x87 FPU error (#MF)",
    [17] = "alignment check (#AC)",
    [18] = "machine check (#MC)",
    [19] = "SIMD FP exception (#XM)",
};

static void idt_set(unsigned v, unsigned ist)
{
    uint64_t a = (uintptr_t)trap_stubs + 16 * v;
    idt[v] = (struct idt_entry){
        .off0 = a & 0xffff,
        .sel = 0x08,
        .ist = ist,
        .type = 0x8e,
        .off1 = (a >> 16) & 0xffff,
        .off2 = a >> 32,
    };
}

void traps_init(void)
{
    for (unsigned v = 0; v < IDT_ENTRIES; v++)
        idt_set(v, v < 32 ? 3 : 0);
    idt_set(8, 1);
    idt_set(2, 2);
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) ptr = {sizeof idt - 1, (uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(ptr));
}

void irq_register(unsigned vector, void (*handler)(void))
{
    if (vector < IRQ_VECTOR_BASE || vector >= IRQ_VECTOR_BASE + IRQ_VECTORS)
        panic("irq_register: vector %u out of range", vector);
    irq_handlers[vector - IRQ_VECTOR_BASE] = handler;
}

/* Handlers other than the timer's: can an interrupt wake a thread? */
unsigned irq_device_count(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < IRQ_VECTORS; i++)
        n += irq_handlers[i] && i + IRQ_VECTOR_BASE != TIMER_VECTOR;
    return n;
}

/* A free vector for a device's handler, or 0 when all are taken. */
unsigned irq_alloc(void (*handler)(void))
{
    for (unsigned v = TIMER_VECTOR + 1; v < SPURIOUS_VECTOR; v++)
        if (!irq_handlers[v - IRQ_VECTOR_BASE]) {
            irq_handlers[v - IRQ_VECTOR_BASE] = handler;
            return v;
        }
    return 0;
}

void irq_free(unsigned vector)
{
    if (vector <= TIMER_VECTOR || vector >= SPURIOUS_VECTOR)
        panic("irq_free: vector %u is not a device's", vector);
    irq_handlers[vector - IRQ_VECTOR_BASE] = NULL;
}

unsigned irq_device_events(void)
{
    return device_events;
}

void irq_dispatch(unsigned vector)
{
    if (vector == SPURIOUS_VECTOR)
        return; /* the local APIC wants no EOI for these */
    void (*h)(void) = irq_handlers[vector - IRQ_VECTOR_BASE];
    if (h)
        h();
    if (vector != TIMER_VECTOR)
        device_events++;
    lapic_eoi();
}

static void print_regs(const struct trap_frame *tf)
{
    kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", tf->rax, tf->rbx,
            tf->rcx, tf->rdx);
    kprintf("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", tf->rsi, tf->rdi,
            tf->rbp, tf->rsp);
    kprintf("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", tf->r8, tf->r9,
            tf->r10, tf->r11);
    kprintf("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", tf->r12, tf->r13,
            tf->r14, tf->r15);
    kprintf("  rip %016lx rflags %08lx cs %02lx ss %02lx\n", tf->rip,
            tf->rflags, tf->cs, tf->ss);
}

static void print_where(const char *label, uint64_t addr)
{
    uint64_t off;
    const char *name = ksym_lookup(addr, &off);
    if (name)
        kprintf("%s%016lx %s+%#lx\n", label, addr, name, off);
    else
        kprintf("%s%016lx ?\n", label, addr);
}

static const char *page_fault_reason(uint64_t error, uint64_t cr2)
{
    if ((error & 3) == 3 && mmu_is_table(cr2))
        return "write to a page table: only the MMU code may";
    if (error & 1)
        return error & 2    ? "write to a read-only page"
               : error & 16 ? "execute of a no-execute page"
                            : "read of a protected page";
    if ((cr2 >= HC_PAGE_SIZE && cr2 < pages_max_addr()) || mmu_in_window(cr2))
        return "a no-access page: stack overflow into a guard page, "
               "or PROT_NONE memory";
    return "not mapped";
}

_Noreturn void panic_frame(const char *what, const struct trap_frame *tf)
{
    panic_once();
    uint64_t cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    kprintf("PANIC: %s, vector %lu, error %#lx", what, tf->vector, tf->error);
    if (tf->vector == 14)
        kprintf(", address %#lx (%s)", cr2, page_fault_reason(tf->error, cr2));
    kputs("\n");
    print_where("  at ", tf->rip);
    print_regs(tf);
    backtrace_from(tf->rbp);
    platform_exit(255);
}

void trap_handler(struct trap_frame *tf)
{
    if (tf->vector >= IRQ_VECTOR_BASE) {
        irq_dispatch((unsigned)tf->vector);
        return;
    }
    if ((tf->vector == 1 || tf->vector == 3) && gdbstub_trap(tf))
        return; /* a debugger is attached and took it */
    const char *name = exception_names[tf->vector];
    panic_frame(name ? name : "reserved exception", tf);
}
