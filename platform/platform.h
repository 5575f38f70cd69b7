/*
 * platform.h: the map of platform/ (shared by every machine target) and
 * of the hooks each hypercall-<target>/ supplies. Only platform/ and
 * hypercall-<target>/ include this; components see hypercall.h only.
 */
#ifndef KILN_PLATFORM_H
#define KILN_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include "hypercall.h"

#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((uint64_t)(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define MAX_MEM_REGIONS 32
#define MAX_MODULES 8
#define CMDLINE_MAX 2048

/* bootinfo.c: what the boot loader told us, copied out of its memory */
struct mem_region {
    uint64_t base, size;
};
struct boot_module {
    uint64_t base, size;
};
struct bootinfo {
    struct mem_region ram[MAX_MEM_REGIONS];
    unsigned nram;
    struct boot_module mod[MAX_MODULES];
    unsigned nmod;
    char cmdline[CMDLINE_MAX];
    const char *loader; /* "PVH" or "multiboot2" */
    uint8_t rsdp[36];   /* ACPI RSDP copy; rsdp[0] == 0 if none given */
};
extern struct bootinfo bootinfo;
#define BOOT_PVH 1
#define BOOT_MULTIBOOT2 2
void bootinfo_parse(uint32_t proto, uint32_t info);
int bootinfo_add_ram(struct bootinfo *bi, uint64_t base, uint64_t size);
/* modules.c: move boot modules away from where Linux executables link */
void modules_clear_low_window(void);

/* pages.c: bitmap page allocator, pure code (host unit tested) */
int pages_init(const struct mem_region *ram, unsigned n,
               const struct mem_region *reserved, unsigned nres);
uint64_t pages_max_addr(void);
/* hc_pages_alloc without the zeroing, for memory written before read. */
void *pages_alloc_unzeroed(size_t n);
/* Frees pages of hc_pages_alloc_scattered's window, 0 if p is not in
 * it: mmu.c sets it (host unit tests link pages.c alone). */
extern int (*pages_free_window)(void *p, size_t n);

/* timeline.c: boot=timeline prints each boot step's microseconds */
struct boot_step {
    const char *name;
    void (*run)(void);
};
/* 1 when boot=timeline asked for it: steps may add lines of their own. */
int timeline_wanted(void);
/* ends[i]: the TSC when steps[i] returned. */
void timeline_print(const struct boot_step *steps, const uint64_t *ends,
                    unsigned n);
/* The time from the first instruction to now, for platform_exit. */
void timeline_exit(void);

/* gdbstub.c: the gdb remote protocol on a target's debug channel.
 * gdbstub_boot (a boot step): with the boot option gdb=on, open the
 * channel and stop for gdb before the application starts. gdbstub_trap:
 * a #DB or #BP while gdb is attached; 0 if it is not gdb's. */
struct trap_frame;
void gdbstub_boot(void);
int gdbstub_trap(struct trap_frame *tf);
/* The channel each target supplies (baremetal: COM2): open returns -1
 * with a one-line reason when there is none; getc waits for a byte. */
int platform_gdb_open(void);
int platform_gdb_getc(void);
void platform_gdb_put(const char *buf, size_t len);

/* kprintf.c: kernel messages (musl's vsnprintf, state on the stack) */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kputs(const char *s);
#define EXIT_LINE_SIZE 10 /* "exit=NNN\n" and its NUL */
void exit_line(int status, char out[EXIT_LINE_SIZE]);

/* cpu.c, mmu.c, panic.c */
void cpu_init(void);
/* Run rest on a stack from the page allocator (boot.S's is one page). */
_Noreturn void cpu_boot_stack_switch(void (*rest)(void));
void cpu_guard_stacks(void);
void mmu_init(void);
int mmu_is_table(uint64_t addr);
int mmu_map_mmio(uint64_t phys, uint64_t size);
/* Unmap n single pages the platform took from the page allocator. */
void mmu_guard_pages(void *const *pages, unsigned n);
uint64_t mmu_mapped_top(void);
int mmu_in_window(uint64_t addr);
int cpu_has_nx(void);
/* What traps.S saves: gdbstub.c reads and changes it too. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};
int mmu_is_mapped(uint64_t addr);
_Noreturn void panic_frame(const char *what, const struct trap_frame *tf);
void panic_once(void);
void backtrace_from(uint64_t rbp);
const char *ksym_lookup(uint64_t addr, uint64_t *offset);
_Noreturn void panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* traps.c: exceptions; vectors 32.. for devices and the timer */
#define IRQ_VECTOR_BASE 32
#define IRQ_VECTORS 15
#define SPURIOUS_VECTOR 47
void irq_register(unsigned vector, void (*handler)(void));
void irq_dispatch(unsigned vector);
unsigned irq_device_count(void);
unsigned irq_alloc(void (*handler)(void));
/* Give back a vector from irq_alloc that no device will raise. */
void irq_free(unsigned vector);
unsigned irq_device_events(void);
void traps_init(void);
#define TIMER_VECTOR 32

/* tsc.c: the TSC as the monotonic clock */
extern uint64_t boot_tsc; /* written by boot.S at the first instruction */
void tsc_start(void);
void tsc_init(void);
uint64_t tsc_hz(void);
const char *tsc_source(void);
uint64_t tsc_now_ns(void);
uint64_t tsc_from_ns(uint64_t ns);
/* The first of Xen's CPUID leaves, *last the last; 0 when not on Xen. */
uint32_t cpuid_xen_base(uint32_t *last);

/* pit.c: TSC ticks per second measured against the PIT, 0 if none;
 * or over a window opened early in the boot and closed later. */
uint64_t pit_measure_tsc(void);
void pit_window_open(void);
uint64_t pit_window_close(void);

/* lapic.c: one-shot wake-up timer */
void lapic_timer_arm(uint64_t deadline_ns);
void lapic_eoi(void);
void lapic_idle(uint64_t deadline_ns);
void lapic_ready(void);
unsigned lapic_id(void);

/* tls.c: thread pointer blocks and the stack protector's canary */
#define MSR_FS_BASE 0xc0000100
void tls_boot(void);
void tls_canary_init(void);
uintptr_t tls_prepare(uintptr_t tls);

/* sched.c + switch.S: thread stacks and the context switch under the
 * scheduler core of sched_core.c (sched.h) */
hc_tid sched_spawn_at(uint64_t rsp, uintptr_t tls);
uint64_t *switch_frame_push(uint64_t *sp, void (*resume)(void));
_Noreturn void sched_start(void (*first)(void *), void *arg);

/* syscall.S + syscall.c */
void syscall_init(void);

/* ---- hooks each target supplies (hypercall-<target>/) ------------------ */
void platform_console_init(void);
/* The RAM map when the boot loader gave none (Xen's PVH dom0 asks the
 * hypervisor); -1 where the target has no other source. */
int platform_memory_map(struct bootinfo *bi);
void platform_clock_init(void);
/* Wait, interrupts enabled, until deadline_ns (0: none) or a device
 * interrupt. Returns with interrupts disabled. */
void platform_idle(uint64_t deadline_ns);
void platform_entropy_check(void); /* entropy.c: shared, x86 CPU */
void platform_devices_init(void);  /* find and start NICs and disks */
_Noreturn void platform_exit(int status);

/* inline CPU helpers */
static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr"
                     :
                     : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid"
                     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

#endif
