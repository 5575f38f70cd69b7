/*
 * clock.c: time on Xen PVH. The shared platform's TSC clock works as on
 * bare metal (Xen's CPUID leaf gives the frequency), and Xen emulates a
 * local APIC whose timer wakes the idle loop. The wall clock (shared
 * info's wc_sec) needs shared info, which is not mapped yet: 0 for now.
 */
#include "xen.h"

void platform_clock_init(void)
{
    tsc_init();
}

uint64_t hc_clock_monotonic(void)
{
    return tsc_now_ns();
}

int64_t hc_clock_wall_offset(void)
{
    return 0;
}

void platform_idle(uint64_t deadline_ns)
{
    lapic_timer_arm(deadline_ns);
    __asm__ volatile("sti; hlt; cli" ::: "memory");
    lapic_timer_arm(0);
}
