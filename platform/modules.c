/*
 * modules.c: keep boot modules out of the addresses where Linux
 * executables are linked. ld places a static non-PIE x86_64 executable
 * at 4 MiB (0x400000), and app/exec must load one there, but GRUB and
 * Xen's domain builder put modules (the boot archive) just after the
 * kernel image, which is often the same range. Before the page allocator
 * starts, a module inside [LOW_WINDOW_START, LOW_WINDOW_END) is moved to
 * the top of the highest RAM region the boot page tables map, if one can
 * hold it clear of the image, the window and the other modules.
 * Limits: a module that fits nowhere else stays (app/exec then says its
 * memory is in use); moving costs a copy of the module.
 */
#include <string.h>
#include "platform.h"

#define LOW_WINDOW_START (4ull << 20)
#define LOW_WINDOW_END (32ull << 20)
#define BOOT_MAPPED (1ull << 30) /* boot.S's first GiB */
#define PAGE HC_PAGE_SIZE

extern char _image_start[], _end[];

static int overlaps(uint64_t a, uint64_t n, uint64_t b, uint64_t m)
{
    return a < b + m && b < a + n;
}

/* Is [at, at + size) clear of the image, the window and modules but i? */
static int is_clear(uint64_t at, uint64_t size, unsigned i)
{
    if (overlaps(at, size, (uintptr_t)_image_start,
                 (uintptr_t)_end - (uintptr_t)_image_start) ||
        overlaps(at, size, 0, LOW_WINDOW_END))
        return 0;
    for (unsigned k = 0; k < bootinfo.nmod; k++)
        if (k != i &&
            overlaps(at, size, bootinfo.mod[k].base, bootinfo.mod[k].size))
            return 0;
    return 1;
}

/* The highest page-aligned place in RAM for module i, or 0. */
static uint64_t place_for(unsigned i)
{
    uint64_t size = ALIGN_UP(bootinfo.mod[i].size, PAGE), best = 0;
    for (unsigned r = 0; r < bootinfo.nram; r++) {
        uint64_t end = bootinfo.ram[r].base + bootinfo.ram[r].size;
        end = ALIGN_DOWN(end < BOOT_MAPPED ? end : BOOT_MAPPED, PAGE);
        if (end < bootinfo.ram[r].base + size || end < size)
            continue;
        uint64_t at = end - size;
        if (at > best && is_clear(at, size, i))
            best = at;
    }
    return best;
}

void modules_clear_low_window(void)
{
    for (unsigned i = 0; i < bootinfo.nmod; i++) {
        struct boot_module *m = &bootinfo.mod[i];
        if (!overlaps(m->base, m->size, LOW_WINDOW_START,
                      LOW_WINDOW_END - LOW_WINDOW_START))
            continue;
        uint64_t to = place_for(i);
        if (!to)
            continue;
        memmove((void *)(uintptr_t)to, (const void *)(uintptr_t)m->base,
                m->size);
        m->base = to;
    }
}
