/*
 * lapic.c: the local APIC timer as the one-shot wake-up for idle.
 *
 * TSC-deadline mode when the CPU has it (KVM does): the deadline is a
 * TSC value, no calibration needed. Otherwise one-shot mode, whose tick
 * rate is measured against the already calibrated TSC for 250 us (QEMU's
 * TCG does not offer TSC-deadline), when the timer is first armed, not
 * at boot: a program that never idles, and a Xen guest, which idles on
 * Xen's own timer, never wait for it. The interrupt itself does
 * nothing: its only job is to end the idle loop's hlt.
 * The APIC itself is enabled at its first use too (an interrupt's
 * destination or end, the idle timer): interrupts are on only while
 * idle, so nothing can arrive before, and a short run never maps it.
 */
#include "platform.h"

#define LAPIC_BASE_MSR 0x1b
#define TSC_DEADLINE_MSR 0x6e0
#define REG_EOI 0x0b0
#define REG_SVR 0x0f0
#define REG_LVT_TIMER 0x320
#define REG_INITIAL 0x380
#define REG_CURRENT 0x390
#define REG_DIVIDE 0x3e0
#define LVT_MASKED (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)
#define CALIBRATE_NS 250000ull /* 0.5% is plenty: sched re-checks the TSC */

static volatile uint32_t *regs;
static int tsc_deadline;
static uint64_t ticks_per_ms;

static uint32_t reg_read(unsigned r)
{
    return regs[r / 4];
}

static void reg_write(unsigned r, uint32_t v)
{
    regs[r / 4] = v;
}

/* The timer's only job is to end the idle loop's hlt. */
static void timer_interrupt(void)
{
}

static void lapic_enable(void);

/* Enables the local APIC at its first use (the boot does not). */
void lapic_ready(void)
{
    if (!regs)
        lapic_enable();
}

void lapic_eoi(void)
{
    lapic_ready();
    reg_write(REG_EOI, 0);
}

unsigned lapic_id(void)
{
    lapic_ready();
    return reg_read(0x20) >> 24;
}

static void calibrate_oneshot(void)
{
    reg_write(REG_DIVIDE, 0xb); /* divide by 1 */
    reg_write(REG_LVT_TIMER, TIMER_VECTOR | LVT_MASKED);
    reg_write(REG_INITIAL, 0xffffffff);
    uint64_t end = tsc_now_ns() + CALIBRATE_NS;
    while (tsc_now_ns() < end)
        ;
    ticks_per_ms =
        (0xffffffffu - reg_read(REG_CURRENT)) * 1000000ull / CALIBRATE_NS;
    reg_write(REG_INITIAL, 0);
    if (ticks_per_ms == 0)
        panic("local APIC timer does not count");
}

static void lapic_enable(void)
{
    uint32_t r[4];
    uint64_t base = rdmsr(LAPIC_BASE_MSR);
    wrmsr(LAPIC_BASE_MSR, base | (1u << 11)); /* global enable */
    base &= 0xffffff000ull;
    if (mmu_map_mmio(base, HC_PAGE_SIZE) < 0)
        panic("the local APIC at %#lx overlaps RAM", (unsigned long)base);
    regs = (volatile uint32_t *)(uintptr_t)base;
    reg_write(REG_SVR, SPURIOUS_VECTOR | (1u << 8));
    irq_register(TIMER_VECTOR, timer_interrupt);
    cpuid(1, 0, r);
    tsc_deadline = (r[2] >> 24) & 1;
    if (tsc_deadline)
        reg_write(REG_LVT_TIMER, TIMER_VECTOR | LVT_TSC_DEADLINE);
}

#define ARM_MAX_NS (1ull << 40) /* ~18 min; the idle loop re-arms */

/* Arm the timer to fire at deadline_ns (monotonic); 0 disarms it. Far
 * deadlines are cut short so the arithmetic below cannot overflow. */
void lapic_timer_arm(uint64_t deadline_ns)
{
    lapic_ready();
    if (!tsc_deadline && !ticks_per_ms) {
        if (!deadline_ns)
            return; /* never armed: nothing to stop */
        calibrate_oneshot();
    }
    uint64_t now = tsc_now_ns();
    if (deadline_ns && deadline_ns - now > ARM_MAX_NS && deadline_ns > now)
        deadline_ns = now + ARM_MAX_NS;
    if (tsc_deadline) {
        wrmsr(TSC_DEADLINE_MSR,
              deadline_ns ? boot_tsc + tsc_from_ns(deadline_ns) : 0);
        return;
    }
    reg_write(REG_LVT_TIMER, TIMER_VECTOR);
    if (!deadline_ns) {
        reg_write(REG_INITIAL, 0);
        return;
    }
    uint64_t delta = deadline_ns > now ? deadline_ns - now : 0;
    uint64_t ticks = delta * ticks_per_ms / 1000000 + 1;
    reg_write(REG_INITIAL, ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks);
}

/* The idle step of both PC-like targets: `sti; hlt` is atomic for
 * interrupts (sti's one-instruction shadow), so an interrupt arriving
 * after the timer is armed still ends the hlt. */
void lapic_idle(uint64_t deadline_ns)
{
    lapic_timer_arm(deadline_ns);
    __asm__ volatile("sti; hlt; cli" ::: "memory");
    lapic_timer_arm(0);
}
