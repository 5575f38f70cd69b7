/*
 * main.c: the boot sequence, from boot.S's long-mode jump to the first
 * thread. Each step needs only the ones above it.
 */
#include "platform.h"

extern char _image_start[], _end[];

static void memory_init(void)
{
    struct mem_region reserved[1 + MAX_MODULES];
    unsigned n = 0;
    reserved[n++] = (struct mem_region){
        (uintptr_t)_image_start, (uintptr_t)_end - (uintptr_t)_image_start};
    for (unsigned i = 0; i < bootinfo.nmod; i++)
        reserved[n++] =
            (struct mem_region){bootinfo.mod[i].base, bootinfo.mod[i].size};
    if (pages_init(bootinfo.ram, bootinfo.nram, reserved, n) < 0)
        panic("no usable RAM for the page allocator");
}

/* Not stack-protected: it starts before the thread pointer exists and
 * the canary is set below it; it never returns to check one. */
__attribute__((no_stack_protector)) void platform_boot(uint32_t proto,
                                                       uint32_t info)
{
    tls_boot();
    platform_console_init();
    platform_entropy_check();
    tls_canary_init();
    bootinfo_parse(proto, info);
    memory_init();
    cpu_init();
    traps_init();
    mmu_init();
    platform_clock_init();
    lapic_init();
    platform_devices_init();
    syscall_init();
    sched_start(posix_main, NULL);
}
