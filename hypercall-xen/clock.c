/*
 * clock.c: time on Xen PVH. The shared platform's TSC clock works as on
 * bare metal (Xen's CPUID leaf gives the frequency), and Xen emulates a
 * local APIC whose timer wakes the idle loop. The wall clock comes from
 * shared info: Xen's wall-clock base (wc_*) plus its system time, read
 * from vCPU 0's pvclock, both under their version counters.
 */
#include "xen.h"
#include <xen/memory.h>

#define NS 1000000000ll

static volatile struct shared_info *shared;
static int64_t wall_offset_ns;

static int map_shared_info(void)
{
    void *page = hc_pages_alloc(1);
    if (!page)
        return -1;
    struct xen_add_to_physmap a = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_shared_info,
        .idx = 0,
        .gpfn = (uintptr_t)page / HC_PAGE_SIZE,
    };
    if (hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (long)&a) < 0)
        return -1;
    shared = page;
    return 0;
}

/* Xen's system time (ns since Xen booted), from vCPU 0's pvclock. */
static uint64_t xen_system_time(void)
{
    volatile struct vcpu_time_info *t = &shared->vcpu_info[0].time;
    uint32_t version;
    uint64_t ns;
    do {
        version = t->version;
        __asm__ volatile("" ::: "memory");
        uint64_t delta = rdtsc() - t->tsc_timestamp;
        delta =
            t->tsc_shift >= 0 ? delta << t->tsc_shift : delta >> -t->tsc_shift;
        ns =
            t->system_time +
            (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
        __asm__ volatile("" ::: "memory");
    } while ((version & 1) || version != t->version);
    return ns;
}

static int64_t unix_time_ns(void)
{
    uint32_t version;
    int64_t sec, nsec;
    do {
        version = shared->wc_version;
        __asm__ volatile("" ::: "memory");
        sec = (int64_t)((uint64_t)shared->xen_wc_sec_hi << 32 | shared->wc_sec);
        nsec = shared->wc_nsec;
        __asm__ volatile("" ::: "memory");
    } while ((version & 1) || version != shared->wc_version);
    return sec * NS + nsec + (int64_t)xen_system_time();
}

void platform_clock_init(void)
{
    tsc_init();
    if (map_shared_info() == 0)
        wall_offset_ns = unix_time_ns() - (int64_t)tsc_now_ns();
    else
        kprintf("kiln: no Xen shared info: the wall clock starts at 1970\n");
}

uint64_t hc_clock_monotonic(void)
{
    return tsc_now_ns();
}

int64_t hc_clock_wall_offset(void)
{
    return wall_offset_ns;
}

void platform_idle(uint64_t deadline_ns)
{
    lapic_idle(deadline_ns);
}
