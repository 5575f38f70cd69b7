/*
 * memory.c: the RAM map from XENMEM_memory_map, for a PVH dom0, whose
 * start info (version 0) carries none. Entries are e820-style.
 */
#include "xen.h"
#include <xen/memory.h>

#define E820_MAX 64
#define E820_RAM 1

struct e820_entry {
    uint64_t addr, size;
    uint32_t type;
} __attribute__((packed));

int platform_memory_map(struct bootinfo *bi)
{
    /* Read once, at boot: in .boot_region (linker/kernel.ld), kept but
     * not loaded, like bootinfo. Xen fills what it returns. */
    static struct e820_entry map[E820_MAX]
        __attribute__((section(".boot_region")));
    struct xen_memory_map m = {.nr_entries = E820_MAX};
    set_xen_guest_handle(m.buffer, map);
    if (hypercall2(__HYPERVISOR_memory_op, XENMEM_memory_map, (long)&m) < 0)
        return -1;
    for (unsigned i = 0; i < m.nr_entries && i < E820_MAX; i++)
        if (map[i].type == E820_RAM)
            bootinfo_add_ram(bi, map[i].addr, map[i].size);
    return bi->nram ? 0 : -1;
}
