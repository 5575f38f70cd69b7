/*
 * gnttab.c: grant table version 1, through which the frontends let a
 * backend domain (dom0) map or copy our pages. Xen places the table's
 * frames over pages we give up (XENMEM_add_to_physmap with
 * XENMAPSPACE_grant_table). Entries 0-7 are reserved for the toolstack;
 * the rest are handed out from a free stack.
 *
 * Ending a grant the backend still has mapped fails with -EBUSY: the
 * page must not be reused while dom0 can write to it.
 *
 * A saved domain does not carry the table (its frames are Xen's), so
 * every grant is also kept in a shadow in our own memory, and in a new
 * domain (gnttab_resume) the frames are placed again and the grants
 * written back: the frontends' references stay valid, and they only
 * have to tell the new backend about them.
 */
#include "xen.h"

#include <errno.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include "kiln/table.h"

#define GNTTAB_FRAMES 4
#define GNTTAB_ENTRIES (GNTTAB_FRAMES * HC_PAGE_SIZE / sizeof(grant_entry_v1_t))

static volatile grant_entry_v1_t *table;
/* GNTTAB_ENTRIES, allocated with the table (kiln/table.h): 8 KiB that
 * guests without a Xen device never load. */
static grant_ref_t *free_refs;
static unsigned nfree;
/* What each entry holds (flags 0: free), GNTTAB_ENTRIES of them. */
static grant_entry_v1_t *shadow;

static int map_frames(void *base)
{
    for (unsigned i = 0; i < GNTTAB_FRAMES; i++) {
        struct xen_add_to_physmap a = {
            .domid = DOMID_SELF,
            .space = XENMAPSPACE_grant_table,
            .idx = i,
            .gpfn = (uintptr_t)base / HC_PAGE_SIZE + i,
        };
        long r =
            hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (long)&a);
        if (r < 0)
            return (int)r;
    }
    return 0;
}

int gnttab_init(void)
{
    if (table)
        return 0;
    /* These pages become the table: Xen takes their RAM back. */
    void *base = hc_pages_alloc(GNTTAB_FRAMES);
    if (!base)
        return -ENOMEM;
    int r = map_frames(base);
    if (r < 0) {
        kprintf("kiln: Xen grant table: cannot map its frames (%d)\n", r);
        return r;
    }
    kiln_table((void **)&free_refs, GNTTAB_ENTRIES * sizeof *free_refs,
               "no memory for Xen's grant references");
    kiln_table((void **)&shadow, GNTTAB_ENTRIES * sizeof *shadow,
               "no memory for Xen's grant references");
    table = base;
    for (grant_ref_t ref = GNTTAB_ENTRIES - 1;
         ref >= GNTTAB_NR_RESERVED_ENTRIES; ref--)
        free_refs[nfree++] = ref;
    return 0;
}

static void entry_write(grant_ref_t ref)
{
    table[ref].domid = shadow[ref].domid;
    table[ref].frame = shadow[ref].frame;
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* frame before the flag */
    table[ref].flags = shadow[ref].flags;
}

/* In a new domain (suspend.c): the table's frames again, over the same
 * pages, and every grant we had. Entries below GNTTAB_NR_RESERVED_ENTRIES
 * are the toolstack's, which has seeded them for the new domain. */
int gnttab_resume(void)
{
    if (!table)
        return 0;
    int r = map_frames((void *)(uintptr_t)table);
    if (r < 0)
        return r;
    for (grant_ref_t ref = GNTTAB_NR_RESERVED_ENTRIES; ref < GNTTAB_ENTRIES;
         ref++)
        if (shadow[ref].flags)
            entry_write(ref);
    return 0;
}

int gnttab_grant(domid_t dom, const void *page, int readonly)
{
    if (!table || !nfree)
        return -ENOSPC;
    grant_ref_t ref = free_refs[--nfree];
    shadow[ref] = (grant_entry_v1_t){
        .flags = GTF_permit_access | (readonly ? GTF_readonly : 0),
        .domid = dom,
        .frame = (uint32_t)((uintptr_t)page / HC_PAGE_SIZE)};
    entry_write(ref);
    return (int)ref;
}

int gnttab_end(grant_ref_t ref)
{
    if (!table || ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= GNTTAB_ENTRIES)
        return -EINVAL;
    uint16_t flags = table[ref].flags;
    do {
        if (flags & (GTF_reading | GTF_writing))
            return -EBUSY;
    } while (!__atomic_compare_exchange_n(&table[ref].flags, &flags, 0, 0,
                                          __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    shadow[ref].flags = 0;
    free_refs[nfree++] = ref;
    return 0;
}
