/*
 * clock.c: the hypercall clock and idle calls on a PC: the platform's
 * TSC clock, the CMOS RTC for the wall clock, the local APIC timer for
 * wake-ups.
 */
#include "baremetal.h"

static int64_t wall_offset_ns;

/* The legacy 8259 PICs would deliver the PIT's IRQ 0 on vector 8 (the
 * double-fault vector) once interrupts are on; the local APIC replaces
 * them, so mask every line. Harmless where no PIC exists. */
static void pic_mask_all(void)
{
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

/* The TSC's frequency and the RTC are left to their first use (tsc.c,
 * hc_clock_wall_offset): a program that never asks the time never waits
 * for the PIT's window or reads the CMOS clock. */
void platform_clock_init(void)
{
    pic_mask_all();
}

uint64_t hc_clock_monotonic(void)
{
    return tsc_now_ns();
}

/* Read once, at the first call; the RTC counts whole seconds, so when
 * makes no difference. */
int64_t hc_clock_wall_offset(void)
{
    static int known;
    if (!known) {
        known = 1;
        int64_t secs = rtc_read_unix_seconds();
        if (secs > 0)
            wall_offset_ns = secs * 1000000000ll - (int64_t)tsc_now_ns();
    }
    return wall_offset_ns;
}

void platform_idle(uint64_t deadline_ns)
{
    lapic_idle(deadline_ns);
}
