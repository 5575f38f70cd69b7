/*
 * tsc.c: the TSC as the monotonic clock, zero at the image's first
 * instruction (boot.S stores that TSC reading in boot_tsc).
 *
 * The frequency is never assumed: the target's own when its hypervisor
 * states it (platform_tsc_hz: Xen's time info, read without a VM exit,
 * where each CPUID is one), CPUID leaf 0x15 (crystal ratio) or
 * 0x16 (base MHz) when the CPU reports it, Xen's TSC leaf or the
 * generic hypervisor timing leaf 0x40000010 when present, otherwise a
 * measurement against the PIT. That measurement starts early in the boot
 * (tsc_start) and ends when the frequency is first needed (tsc_init, or
 * the first conversion), so the boot's steps and the program's own
 * start fill its 2 ms window rather than a wait, and a program that
 * never reads the clock (under TCG, most of a short run) never ends it.
 * A first use within 2 ms of the start waits out the rest of the
 * window; one after the PIT's 55 ms wrap measures a new window (2 ms).
 * Converting uses a 32.32 fixed-point ns-per-tick factor.
 */
#include "platform.h"

static uint64_t hz;
static const char *source = "none";
static uint64_t ns_per_tick_32; /* ns per tick << 32 */

/* Xen's leaves start at 0x40000000, or 0x40000100 when it also offers
 * Hyper-V's there; the first says "XenVMMXenVMM" and names the last. */
uint32_t cpuid_xen_base(uint32_t *last)
{
    for (uint32_t base = 0x40000000; base <= 0x40000100; base += 0x100) {
        uint32_t r[4];
        cpuid(base, 0, r);
        if (r[1] == 0x566e6558 && r[2] == 0x65584d4d && r[3] == 0x4d4d566e) {
            *last = r[0];
            return base;
        }
    }
    return 0;
}

/* Xen's leaf 3 subleaf 0 has the guest TSC frequency in ECX (kHz). */
static uint64_t hz_from_xen(void)
{
    uint32_t last, base = cpuid_xen_base(&last), r[4];
    if (!base || last < base + 3)
        return 0;
    cpuid(base + 3, 0, r);
    return (uint64_t)r[2] * 1000;
}

static uint64_t hz_from_cpuid(void)
{
    uint32_t r[4];
    cpuid(0, 0, r);
    uint32_t max = r[0];
    if (max >= 0x15) {
        cpuid(0x15, 0, r); /* eax/ebx = TSC/crystal ratio, ecx = crystal */
        if (r[0] && r[1] && r[2])
            return (uint64_t)r[2] * r[1] / r[0];
    }
    if (max >= 0x16) {
        cpuid(0x16, 0, r);
        if (r[0])
            return (uint64_t)r[0] * 1000000;
    }
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 31))) /* not running under a hypervisor */
        return 0;
    uint64_t xen = hz_from_xen();
    if (xen)
        return xen;
    cpuid(0x40000000, 0, r);
    if (r[0] >= 0x40000010) {
        cpuid(0x40000010, 0, r); /* eax = TSC kHz */
        if (r[0])
            return (uint64_t)r[0] * 1000;
    }
    return 0;
}

/* Defined by a target whose hypervisor states the frequency (the link
 * decides: hypercall-xen/clock.c); 0 when it cannot say. */
#pragma weak platform_tsc_hz
uint64_t platform_tsc_hz(const char **source);

/* On a target that states the frequency (Xen), asks no CPUID leaf at
 * all (it can say only once the clock step mapped its page, so tsc_init
 * asks); else takes CPUID's frequency when a leaf gives it, or opens
 * the PIT window that tsc_init closes. */
void tsc_start(void)
{
    if (platform_tsc_hz)
        return;
    hz = hz_from_cpuid();
    source = "CPUID";
    if (!hz)
        pit_window_open();
}

/* Finds the frequency once; the conversions below call it through
 * tsc_ready, so the first of them does the work. */
void tsc_init(void)
{
    if (ns_per_tick_32)
        return;
    if (!hz && platform_tsc_hz && !(hz = platform_tsc_hz(&source))) {
        hz = hz_from_cpuid();
        source = "CPUID";
    }
    if (!hz) {
        hz = pit_window_close();
        source = "PIT, window from the tsc step to the first use";
    }
    if (!hz) {
        hz = pit_measure_tsc();
        source = "PIT";
    }
    if (hz < 1000000)
        panic("cannot calibrate the TSC (measured %lu Hz): no CPUID "
              "frequency leaf and no working PIT",
              hz);
    ns_per_tick_32 = (uint64_t)(((unsigned __int128)1000000000 << 32) / hz);
}

static inline void tsc_ready(void)
{
    if (!ns_per_tick_32)
        tsc_init();
}

uint64_t tsc_hz(void)
{
    tsc_ready();
    return hz;
}

/* Where tsc_init found the frequency, for boot=timeline. */
const char *tsc_source(void)
{
    return source;
}

uint64_t tsc_now_ns(void)
{
    tsc_ready();
    uint64_t ticks = rdtsc() - boot_tsc;
    return (uint64_t)(((unsigned __int128)ticks * ns_per_tick_32) >> 32);
}

uint64_t tsc_from_ns(uint64_t ns)
{
    tsc_ready();
    return (uint64_t)(((unsigned __int128)ns * hz) / 1000000000);
}
