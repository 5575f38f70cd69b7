/*
 * timeline.c: boot=timeline on the command line prints how long each of
 * platform_boot's steps took, in microseconds from the image's first
 * instruction (boot.S's TSC reading) to the step's end, and the step's
 * own share, so a slow boot shows where its time went on any target:
 *     boot: 412 us  +37 us  clock
 * The TSC is read after each step and converted only here, once the
 * clock step has found its frequency.
 *
 * At the end, platform_exit adds the time from the first instruction to
 * the exit, so a short run is seen whole (bench/boot reads it):
 *     boot: 2890 us at exit
 *
 * Limits: platform_boot's steps one by one; the application's own start
 * (network, mounts) is timed by what it logs. Bare metal only at exit.
 */
#include <string.h>
#include "platform.h"

/* 1 if the boot options (before "--") include the word boot=timeline. */
int timeline_wanted(void)
{
    const char *s = hc_cmdline(), *w = "boot=timeline";
    size_t n = strlen(w);
    while (*s) {
        while (*s == ' ')
            s++;
        if (!strncmp(s, "--", 2) && (s[2] == ' ' || !s[2]))
            return 0; /* the application's arguments */
        if (!strncmp(s, w, n) && (s[n] == ' ' || !s[n]))
            return 1;
        while (*s && *s != ' ')
            s++;
    }
    return 0;
}

static uint64_t timeline_us(uint64_t ticks)
{
    return ticks * 1000000 / tsc_hz();
}

void timeline_print(const struct boot_step *steps, const uint64_t *ends,
                    unsigned n)
{
    if (!timeline_wanted())
        return;
    uint64_t prev = boot_tsc;
    for (unsigned i = 0; i < n; i++) {
        kprintf("boot: %lu us  +%lu us  %s\n",
                (unsigned long)timeline_us(ends[i] - boot_tsc),
                (unsigned long)timeline_us(ends[i] - prev), steps[i].name);
        prev = ends[i];
    }
    kprintf("boot: TSC %lu kHz from %s\n", (unsigned long)(tsc_hz() / 1000),
            tsc_source());
}

/* The exit's line: the TSC is read before anything else, since the
 * conversion may first have to find the TSC's frequency. */
void timeline_exit(void)
{
    uint64_t now = rdtsc();
    if (timeline_wanted())
        kprintf("boot: %lu us at exit\n",
                (unsigned long)timeline_us(now - boot_tsc));
}
