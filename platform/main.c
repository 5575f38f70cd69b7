/*
 * main.c: the boot sequence, from boot.S's long-mode jump to the first
 * thread. Each step needs only the ones above it; boot=timeline on the
 * command line prints what each took (timeline.c).
 */
#include "platform.h"

extern char _image_start[], _end[];

static void memory_init(void)
{
    struct mem_region reserved[1 + MAX_MODULES];
    unsigned n = 0;
    modules_clear_low_window();
    reserved[n++] = (struct mem_region){
        (uintptr_t)_image_start, (uintptr_t)_end - (uintptr_t)_image_start};
    for (unsigned i = 0; i < bootinfo.nmod; i++)
        reserved[n++] =
            (struct mem_region){bootinfo.mod[i].base, bootinfo.mod[i].size};
    if (pages_init(bootinfo.ram, bootinfo.nram, reserved, n) < 0)
        panic("no usable RAM for the page allocator");
}

static uint32_t boot_proto, boot_info;

static void bootinfo_step(void)
{
    bootinfo_parse(boot_proto, boot_info);
}

/* The boot, one step a line; each needs only the ones above it. The
 * canary is set as soon as entropy is known to work. tsc opens the PIT
 * window that clock closes, as early as possible so that the steps in
 * between fill it. */
static const struct boot_step steps[] = {
    {"tls", tls_boot},
    {"tsc", tsc_start},
    {"console", platform_console_init},
    {"entropy", platform_entropy_check},
    {"canary", tls_canary_init},
    {"bootinfo", bootinfo_step},
    {"memory", memory_init},
    {"cpu", cpu_init},
    {"traps", traps_init},
    {"mmu", mmu_init},
    {"guards", cpu_guard_stacks},
    {"clock", platform_clock_init},
    {"devices", platform_devices_init},
    {"syscall", syscall_init},
    {"gdb", gdbstub_boot},
};

#define NSTEPS (sizeof steps / sizeof steps[0])
static uint64_t ends[NSTEPS];

/* The steps up to "memory" run on boot.S's one-page early stack; the
 * rest on a stack from the page allocator, which "memory" set up. */
static unsigned early_steps(void)
{
    unsigned n = 0;
    while (steps[n++].run != memory_init)
        ;
    return n;
}

/* Not stack-protected: the canary is set during the early steps. */
__attribute__((no_stack_protector)) static void steps_run(unsigned from,
                                                          unsigned to)
{
    for (unsigned i = from; i < to; i++) {
        steps[i].run();
        ends[i] = rdtsc();
    }
}

static void boot_rest(void)
{
    steps_run(early_steps(), NSTEPS);
    timeline_print(steps, ends, NSTEPS);
    sched_start(posix_main, NULL);
}

/* Not stack-protected: it starts before the thread pointer exists and
 * the canary is set during it; it never returns to check one. */
__attribute__((no_stack_protector)) void platform_boot(uint32_t proto,
                                                       uint32_t info)
{
    boot_proto = proto, boot_info = info;
    steps_run(0, early_steps());
    cpu_boot_stack_switch(boot_rest);
}
