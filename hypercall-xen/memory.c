/*
 * memory.c: the RAM map from XENMEM_memory_map, for a PVH dom0, whose
 * start info (version 0) carries none. Entries are e820-style. And a
 * few pages handed back to Xen so that `xl restore` fits (below).
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

/* xl restore and the receiving end of xl migrate build the new domain
 * with the same maximum, then populate every page the saved one had;
 * with memory = maxmem (Kiln does not balloon) that came a few pages
 * short in the testbed ("Failed allocation ... 8 extents", Xen 4.17),
 * so a domU gives back n pages it will never use, as a balloon driver
 * would. The pages stay allocated here: nothing touches them again. */
int memory_release(unsigned n)
{
    xen_pfn_t *gfns = hc_pages_alloc(1);
    uint8_t *pages = hc_pages_alloc(n);
    if (!gfns || !pages || n > HC_PAGE_SIZE / sizeof *gfns)
        return -1;
    for (unsigned i = 0; i < n; i++)
        gfns[i] = ((uintptr_t)pages + i * HC_PAGE_SIZE) / HC_PAGE_SIZE;
    struct xen_memory_reservation r = {
        .nr_extents = n, .extent_order = 0, .domid = DOMID_SELF};
    set_xen_guest_handle(r.extent_start, gfns);
    long done = hypercall2(__HYPERVISOR_memory_op, XENMEM_decrease_reservation,
                           (long)&r);
    return done == (long)n ? 0 : -1;
}
