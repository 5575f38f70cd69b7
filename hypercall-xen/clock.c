/*
 * clock.c: time on Xen PVH. Until shared info is mapped (early boot) the
 * shared platform's TSC clock serves, at the frequency Xen's time info
 * states (platform_tsc_hz: no CPUID, each of which is a VM exit, and no
 * calibration window); after that the monotonic clock is Xen's system time from
 * vCPU 0's pvclock, which Xen keeps right across TSC changes, and idle
 * sleeps until an event or a single-shot timer (VIRQ_TIMER), so the
 * emulated local APIC timer is not needed. The wall clock is Xen's
 * wall-clock base (wc_*) plus system time, both read under their
 * version counters. If Xen refuses both SCHEDOP_poll and the event
 * upcall, the LAPIC timer takes over idle.
 */
#include "xen.h"

#include <errno.h>
#include <xen/memory.h>
#include <xen/vcpu.h>

#define NS 1000000000ll

volatile struct shared_info *xen_shared;
static volatile struct shared_info *shared;
static int64_t wall_offset_ns;
static uint64_t pvclock_base; /* system time at which monotonic was 0 */
static uint64_t last_reading; /* keeps the switch from TSC monotonic */
static int timer_port = -1;

/* Xen's shared info over page (ours: Xen takes its RAM back). */
static int shared_info_place(volatile void *page)
{
    struct xen_add_to_physmap a = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_shared_info,
        .idx = 0,
        .gpfn = (uintptr_t)page / HC_PAGE_SIZE,
    };
    return (int)hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap,
                           (long)&a);
}

static int map_shared_info(void)
{
    void *page = hc_pages_alloc(1);
    if (!page || shared_info_place(page) < 0)
        return -1;
    shared = xen_shared = page;
    return 0;
}

/* The TSC frequency vCPU 0's time info converts with: ns = ((tsc <<
 * shift) * mul) >> 32, so hz = 10^9 * 2^32 / (mul << shift), shift
 * negative meaning a right shift. For the platform's TSC clock
 * (platform/tsc.c), once shared info is mapped; 0 before. */
uint64_t platform_tsc_hz(const char **source)
{
    if (!shared)
        return 0;
    volatile struct vcpu_time_info *t = &shared->vcpu_info[0].time;
    uint32_t version, mul;
    int8_t shift;
    do {
        version = t->version;
        __asm__ volatile("" ::: "memory");
        mul = t->tsc_to_system_mul;
        shift = t->tsc_shift;
        __asm__ volatile("" ::: "memory");
    } while ((version & 1) || version != t->version);
    if (!mul)
        return 0;
    unsigned __int128 num = (unsigned __int128)1000000000 << 32;
    if (shift < 0)
        num <<= -shift;
    else
        num >>= shift;
    *source = "Xen's vcpu_time_info";
    return (uint64_t)(num / mul);
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

/* Unix time at Xen system time now. */
static int64_t unix_time_ns(uint64_t now)
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
    return sec * NS + nsec + (int64_t)now;
}

static void timer_event(unsigned port, void *arg)
{
    (void)port, (void)arg; /* waking the idle loop is all it is for */
}

/* Xen's wall-clock base plus system time, from one reading of each. */
static void clock_bases(uint64_t monotonic)
{
    uint64_t now = xen_system_time();
    pvclock_base = now - monotonic;
    wall_offset_ns = unix_time_ns(now) - (int64_t)monotonic;
}

void platform_clock_init(void)
{
    if (map_shared_info() < 0)
        kprintf("kiln: no Xen shared info: the wall clock starts at 1970\n");
    tsc_init(); /* from Xen's time info, in shared info */
    if (!shared)
        return;
    clock_bases(tsc_now_ns());
    if (evtchn_init() == 0)
        timer_port = evtchn_bind_virq(VIRQ_TIMER, timer_event, NULL);
    if (timer_port < 0)
        kprintf("kiln: no Xen timer event (%d): idling on the LAPIC timer\n",
                timer_port);
}

/* In a new domain (suspend.c), maybe on another host: shared info goes
 * back over the same page, and Xen's system time there has nothing to
 * do with the old one (another host's uptime, or this one's after the
 * time spent saved). The monotonic clock goes on from its last reading,
 * so it never steps back and the time spent suspended does not count:
 * the application's timers and TCP see a pause, not a jump. The wall
 * clock is taken from the new host. Then the timer's VIRQ is bound
 * again (evtchn_resume has forgotten every port). */
int clock_resume(void)
{
    if (!shared)
        return -ENODEV;
    int r = shared_info_place(shared);
    if (r < 0)
        return r;
    clock_bases(last_reading);
    r = evtchn_resume();
    if (r < 0)
        return r;
    timer_port = evtchn_bind_virq(VIRQ_TIMER, timer_event, NULL);
    return timer_port < 0 ? timer_port : 0;
}

uint64_t hc_clock_monotonic(void)
{
    if (!shared)
        return tsc_now_ns();
    uint64_t now = xen_system_time() - pvclock_base;
    if (now < last_reading)
        now = last_reading;
    last_reading = now;
    return now;
}

int64_t hc_clock_wall_offset(void)
{
    return wall_offset_ns;
}

/* A past deadline fires at once (no VCPU_SSHOTTMR_future flag). */
static void singleshot_arm(uint64_t deadline_ns)
{
    struct vcpu_set_singleshot_timer t = {
        .timeout_abs_ns = deadline_ns + pvclock_base,
    };
    hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, (long)&t);
}

/* SCHEDOP_poll, not `sti; hlt`: see evtchn.c for the lost wake-up the
 * latter had in the testbed. The hlt stays for a Xen that refuses the
 * poll. */
void platform_idle(uint64_t deadline_ns)
{
    if (timer_port < 0) {
        lapic_idle(deadline_ns);
        return;
    }
    static int poll_refused;
    if (!poll_refused) {
        int r = evtchn_idle(deadline_ns ? deadline_ns + pvclock_base : 0);
        if (r == 0) {
            xen_control_poll(); /* the toolstack's requests (control.c) */
            return;
        }
        kprintf("kiln: Xen refuses SCHEDOP_poll (%d): idling on hlt\n", r);
        poll_refused = 1;
        r = evtchn_upcall_enable(); /* hlt ends on the vector */
        if (r < 0) {
            kprintf("kiln: no Xen event upcall (%d): idling on the LAPIC "
                    "timer\n",
                    r);
            timer_port = -1;
            lapic_idle(deadline_ns);
            return;
        }
    }
    /* A PVH vLAPIC starts software-disabled and Xen raises no vector on
     * a disabled one, so the hlt below needs it on; and an event marked
     * without a vector (evtchn_unmask's local path) would not end it. */
    lapic_ready();
    if (evtchn_pending_dispatch())
        return;
    if (deadline_ns)
        singleshot_arm(deadline_ns);
    __asm__ volatile("sti; hlt; cli" ::: "memory");
}
