/*
 * mmu.c: the final identity map, built on the boot tables of boot.S.
 *
 * RAM is mapped with 2 MiB pages, read-write and no-execute. The 2 MiB
 * chunks that hold the image are split into 4 KiB pages so each section
 * gets its own rights: text read+execute, rodata read-only, data and bss
 * read-write. Page 0 is left unmapped so a NULL dereference faults.
 * CR0.WP (set in boot.S) makes read-only pages binding on ring 0 too.
 * hc_pages_protect splits a 2 MiB page on demand to give single pages
 * other rights: thread stack guards and musl's PROT_NONE mappings, and
 * the read-only and executable segments of a program app/exec loads.
 *
 * The page tables themselves are read-only: boot.S's in the image, and
 * the rest from a pool set aside at boot, never from pages other code
 * holds. So a write that runs off a buffer (a network frame, a block)
 * or through a bad pointer faults instead of remapping memory. Only
 * this file writes them, between tables_unlock and tables_lock, which
 * clear and set CR0.WP: interrupts are off there and there is one CPU,
 * so nothing else runs meanwhile. The pool holds a table for every
 * 2 MiB of RAM and every GiB below the top, so splitting never runs
 * out; device memory beyond RAM has POOL_SPARE directories.
 * The boot and interrupt stacks sit above unmapped guard pages too.
 *
 * One range is not the identity: hc_pages_alloc_scattered's window at
 * WINDOW_BASE, far above RAM and device memory, where single free pages
 * are mapped side by side when no run of RAM is free (a 2 MiB guest has
 * no free MiB in one piece, yet musl's malloc maps 1 MiB as one range).
 * Its tables come from the pool too (one per 2 MiB, WINDOW_CHUNKS_MAX at
 * most), and a page in use there carries PTE_WINDOW even when PROT_NONE.
 */
#include <errno.h>
#include <string.h>
#include "platform.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define SIZE_2M (2ull << 20)
#define SIZE_1G (1ull << 30)
#define CR0_WP (1ull << 16)
#define POOL_SPARE 8
#define PTE_WINDOW (1ull << 9) /* free for software: a window page in use */
#define WINDOW_BASE (256 * SIZE_1G)
#define WINDOW_CHUNKS_MAX 16 /* 32 MiB: plenty where RAM is scarce */

static uint64_t mapped_top;
extern uint64_t boot_pml4[512], boot_pdpt[512], boot_pd[512], boot_pd_info[512];
extern char boot_tables_end[];
extern char _text_start[], _text_end[], _rodata_end[], _end[];
static uint64_t pool_base, pool_pages, pool_used;
static uint64_t window_pages;

static uint64_t nx_bit(void)
{
    return cpu_has_nx() ? PTE_NX : 0;
}

static void tables_unlock(void)
{
    uint64_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0 & ~CR0_WP) : "memory");
}

static void tables_lock(void)
{
    uint64_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_WP) : "memory");
}

/* Is a a page of page tables (boot.S's or the pool's)? */
int mmu_is_table(uint64_t a)
{
    return ((a >= (uintptr_t)boot_pml4) & (a < (uintptr_t)boot_tables_end)) |
           ((a >= pool_base) & (a < pool_base + pool_pages * HC_PAGE_SIZE));
}

/* Chunks of [base, base + size) in units of `unit`, partial ones too. */
static uint64_t chunks(uint64_t base, uint64_t size, uint64_t unit)
{
    return (ALIGN_UP(base + size, unit) - ALIGN_DOWN(base, unit)) / unit;
}

/* The window spans as much as RAM, in 2 MiB chunks, up to a cap. */
static uint64_t window_chunks(void)
{
    uint64_t ram = 0;
    for (unsigned i = 0; i < bootinfo.nram; i++)
        ram += bootinfo.ram[i].size;
    uint64_t n = ALIGN_UP(ram, SIZE_2M) / SIZE_2M;
    return n < WINDOW_CHUNKS_MAX ? n : WINDOW_CHUNKS_MAX;
}

static void pool_init(uint64_t top)
{
    window_pages = window_chunks() * (SIZE_2M / HC_PAGE_SIZE);
    /* + the window's directory and tables */
    pool_pages = top / SIZE_1G + POOL_SPARE + 1 + window_chunks();
    for (unsigned i = 0; i < bootinfo.nram; i++)
        pool_pages +=
            chunks(bootinfo.ram[i].base, bootinfo.ram[i].size, SIZE_2M);
    void *p = pages_alloc_unzeroed(pool_pages); /* table_alloc zeroes */
    if (!p)
        panic("no memory for %lu pages of page tables",
              (unsigned long)pool_pages);
    pool_base = (uintptr_t)p;
}

/* A zeroed table from the pool, or NULL. Zeroed here, one at a time:
 * most of the pool is a reserve that a short run never touches. */
static uint64_t *table_alloc(void)
{
    if (pool_used == pool_pages)
        return NULL;
    uint64_t *t =
        (uint64_t *)(uintptr_t)(pool_base + pool_used++ * HC_PAGE_SIZE);
    memset(t, 0, HC_PAGE_SIZE);
    return t;
}

/* The page directory covering addr (below 512 GiB), made on demand. */
static uint64_t *pd_for(uint64_t addr)
{
    unsigned i = (addr >> 30) & 511;
    if (addr >= 512 * SIZE_1G)
        panic("address %#lx is beyond the 512 GiB we map", addr);
    if (!(boot_pdpt[i] & PTE_P)) {
        uint64_t *pd = table_alloc();
        if (!pd)
            panic("no page directory left for address %#lx", addr);
        boot_pdpt[i] = (uintptr_t)pd | PTE_P | PTE_W;
    }
    return (uint64_t *)(uintptr_t)(boot_pdpt[i] & PTE_ADDR);
}

static void map_2m(uint64_t addr, uint64_t flags)
{
    pd_for(addr)[(addr >> 21) & 511] = addr | PTE_P | PTE_PS | flags;
}

/* Computed, not branched: split_2m_try runs it for each of 512 pages,
 * and under QEMU's TCG every branch is one more block to translate. */
static uint64_t flags_4k(uint64_t a, uint64_t nx)
{
    int text = (a >= (uintptr_t)_text_start) & (a < (uintptr_t)_text_end);
    int ro = (a >= (uintptr_t)_text_end) & (a < (uintptr_t)_rodata_end);
    int read_only = text | ro | mmu_is_table(a);
    uint64_t f =
        PTE_P | (nx & -(uint64_t)!text) | (PTE_W & -(uint64_t)!read_only);
    return f & -(uint64_t)(a != 0);
}

/* Replace the 2 MiB page at chunk by a table of 4 KiB pages; -1 when no
 * page is free for the table. */
static int split_2m_try(uint64_t chunk)
{
    uint64_t *pt = table_alloc();
    if (!pt)
        return -1;
    uint64_t nx = nx_bit();
    for (unsigned i = 0; i < 512; i++) {
        uint64_t a = chunk + (uint64_t)i * HC_PAGE_SIZE;
        uint64_t f = flags_4k(a, nx);
        pt[i] = (a | f) & -(uint64_t)(f != 0);
    }
    pd_for(chunk)[(chunk >> 21) & 511] = (uintptr_t)pt | PTE_P | PTE_W;
    return 0;
}

static void split_2m(uint64_t chunk)
{
    if (split_2m_try(chunk) < 0)
        panic("no memory for page tables");
}

static void reload_cr3(void)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"((uintptr_t)boot_pml4) : "memory");
}

/* boot.S mapped GiBs 1-3 (or the one holding the boot information) so
 * the boot information could be read; it has been, and writable,
 * executable GiBs (MMIO included) must not stay mapped. */
static void drop_boot_info_map(void)
{
    for (unsigned i = 1; i < 4; i++)
        boot_pdpt[i] = 0;
}

/* The pool's own pages become read-only through 4 KiB tables. */
static void pool_protect(void)
{
    uint64_t end = pool_base + pool_pages * HC_PAGE_SIZE;
    for (uint64_t c = ALIGN_DOWN(pool_base, SIZE_2M); c < end; c += SIZE_2M)
        if (pd_for(c)[(c >> 21) & 511] & PTE_PS)
            split_2m(c);
}

static int window_free(void *p, size_t n);

void mmu_init(void)
{
    uint64_t top = ALIGN_UP(pages_max_addr(), SIZE_2M);
    if (top < SIZE_1G)
        top = SIZE_1G; /* the boot map's first GiB stays mapped */
    mapped_top = top;
    pool_init(top);
    pages_free_window = window_free;
    tables_unlock();
    drop_boot_info_map();
    /* The chunks holding the image keep their boot mapping (executable)
     * until their split table is complete: we are running from them. */
    uint64_t image_top = ALIGN_UP((uintptr_t)_end, SIZE_2M);
    for (uint64_t a = image_top; a < top; a += SIZE_2M)
        map_2m(a, PTE_W | nx_bit());
    for (uint64_t c = 0; c < image_top; c += SIZE_2M)
        split_2m(c);
    pool_protect();
    reload_cr3();
    tables_lock();
}

/* Is the page at addr present? For the debugger, which must not fault
 * on the addresses gdb asks for. */
int mmu_is_mapped(uint64_t addr)
{
    if (addr >= 512 * SIZE_1G || !(boot_pml4[0] & PTE_P) ||
        !(boot_pdpt[(addr >> 30) & 511] & PTE_P))
        return 0;
    uint64_t pde = pd_for(addr)[(addr >> 21) & 511];
    if (!(pde & PTE_P) || (pde & PTE_PS))
        return (pde & PTE_P) != 0;
    uint64_t *pt = (uint64_t *)(uintptr_t)(pde & PTE_ADDR);
    return (pt[(addr >> 12) & 511] & PTE_P) != 0;
}

/* Everything below this address is mapped (RAM, firmware tables). */
uint64_t mmu_mapped_top(void)
{
    return mapped_top;
}

/* The page-table bits of HC_PAGES_*: only HC_PAGES_RX lacks NX. */
static uint64_t rights_flags(int access)
{
    switch (access) {
    case HC_PAGES_RW: return PTE_P | PTE_W | nx_bit();
    case HC_PAGES_R: return PTE_P | nx_bit();
    case HC_PAGES_RX: return PTE_P;
    default: return 0;
    }
}

static int protect_range(uint64_t a, uint64_t end, int access)
{
    for (; a < end; a += HC_PAGE_SIZE) {
        uint64_t *pde = &pd_for(a)[(a >> 21) & 511];
        if (!(*pde & PTE_P))
            return -EINVAL;
        if (*pde & PTE_PS) {
            if (access == HC_PAGES_RW)
                continue; /* a whole 2 MiB page is read-write already */
            if (split_2m_try(ALIGN_DOWN(a, SIZE_2M)) < 0)
                return -ENOMEM;
        }
        uint64_t *pt = (uint64_t *)(uintptr_t)(*pde & PTE_ADDR);
        pt[(a >> 12) & 511] = a | rights_flags(access);
        __asm__ volatile("invlpg (%0)" : : "r"(a) : "memory");
    }
    return 0;
}

int mmu_in_window(uint64_t a)
{
    return a >= WINDOW_BASE && a < WINDOW_BASE + window_pages * HC_PAGE_SIZE;
}

/* The window's entry for page a; its table is made on demand (make) or
 * else NULL when it does not exist yet. */
static uint64_t *window_pte(uint64_t a, int make)
{
    uint64_t *pde = &pd_for(a)[(a >> 21) & 511];
    if (!(*pde & PTE_P)) {
        uint64_t *pt = make ? table_alloc() : NULL;
        if (!pt)
            return NULL;
        *pde = (uintptr_t)pt | PTE_P | PTE_W;
    }
    return &((uint64_t *)(uintptr_t)(*pde & PTE_ADDR))[(a >> 12) & 511];
}

/* First fit for n unused pages of the window; 0 when there is none. */
static uint64_t window_find(size_t n)
{
    size_t run = 0;
    for (uint64_t i = 0; i < window_pages; i++) {
        uint64_t *e = window_pte(WINDOW_BASE + i * HC_PAGE_SIZE, 0);
        run = e && *e ? 0 : run + 1;
        if (run == n)
            return WINDOW_BASE + (i + 1 - n) * HC_PAGE_SIZE;
    }
    return 0;
}

/* Unmap n window pages from a and free the RAM under them (tables
 * unlocked). A page not in use is a panic, as in hc_pages_free. */
static void window_unmap(uint64_t a, size_t n)
{
    for (uint64_t end = a + n * HC_PAGE_SIZE; a < end; a += HC_PAGE_SIZE) {
        uint64_t *e = window_pte(a, 0);
        if (!e || !(*e & PTE_WINDOW))
            panic("pages_free(%#lx): a window page not in use",
                  (unsigned long)a);
        uint64_t ram = *e & PTE_ADDR;
        *e = 0;
        __asm__ volatile("invlpg (%0)" : : "r"(a) : "memory");
        hc_pages_free((void *)(uintptr_t)ram, 1);
    }
}

/* Map n single pages of RAM at v, the window range window_find gave;
 * -1, with none kept, when RAM runs out. */
static int window_fill(uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        void *ram = hc_pages_alloc(1);
        uint64_t *e = window_pte(v + i * HC_PAGE_SIZE, 1);
        if (!ram || !e) {
            if (ram)
                hc_pages_free(ram, 1);
            window_unmap(v, i);
            return -1;
        }
        *e = (uintptr_t)ram | PTE_WINDOW | PTE_P | PTE_W | nx_bit();
    }
    return 0;
}

void *hc_pages_alloc_scattered(size_t n)
{
    void *p = hc_pages_alloc(n);
    struct hc_mem_stats st;
    hc_pages_stats(&st);
    if (p || n == 0 || n > st.free_pages)
        return p;
    tables_unlock(); /* the window's directory may be made meanwhile */
    uint64_t v = window_find(n);
    int r = v ? window_fill(v, n) : -1;
    tables_lock();
    return r < 0 ? NULL : (void *)(uintptr_t)v;
}

static int window_free(void *p, size_t n)
{
    uint64_t a = (uintptr_t)p;
    if (!mmu_in_window(a))
        return 0;
    if (a % HC_PAGE_SIZE || !mmu_in_window(a + n * HC_PAGE_SIZE - 1))
        panic("pages_free(%p, %zu): past the window's end", p, n);
    tables_unlock();
    window_unmap(a, n);
    tables_lock();
    return 1;
}

/* hc_pages_protect in the window: the pages keep their RAM. */
static int window_protect(uint64_t a, uint64_t end, int access)
{
    tables_unlock();
    for (uint64_t b = a; b < end; b += HC_PAGE_SIZE) {
        uint64_t *e = window_pte(b, 0);
        if (!e || !(*e & PTE_WINDOW)) {
            tables_lock();
            return -EINVAL;
        }
    }
    for (; a < end; a += HC_PAGE_SIZE) {
        uint64_t *e = window_pte(a, 0);
        *e = (*e & PTE_ADDR) | PTE_WINDOW | rights_flags(access);
        __asm__ volatile("invlpg (%0)" : : "r"(a) : "memory");
    }
    tables_lock();
    return 0;
}

/* The image and the page-table pool are never the caller's to change. */
/* The tests are or'ed, not short-circuited: one branch instead of one
 * per test, each a block for QEMU's TCG to translate (it costs thread
 * creation and the boot's guard pages). */
int hc_pages_protect(void *p, size_t n, int access)
{
    uint64_t a = (uintptr_t)p, end = a + n * HC_PAGE_SIZE;
    uint64_t pool_end = pool_base + pool_pages * HC_PAGE_SIZE;
    int bad = (a % HC_PAGE_SIZE != 0) | (access < HC_PAGES_NONE) |
              (access > HC_PAGES_RX);
    if (!bad && n && mmu_in_window(a) && mmu_in_window(end - 1))
        return window_protect(a, end, access);
    bad |= (a < HC_PAGE_SIZE) | (end > pages_max_addr()) | (end < a) |
           ((a < (uintptr_t)_end) & (end > (uintptr_t)_text_start)) |
           ((a < pool_end) & (end > pool_base));
    if (bad)
        return -EINVAL;
    tables_unlock();
    int r = protect_range(a, end, access);
    tables_lock();
    return r;
}

/* Guard pages below the platform's own stacks (cpu.c, sched.c),
 * unmapped with the tables unlocked once: each CR0.WP change flushes
 * QEMU's whole TLB, twice a call of hc_pages_protect. They come from
 * the page allocator, so the checks hc_pages_protect makes for its
 * callers hold, and a boot need not run (translate) them. */
void mmu_guard_pages(void *const *pages, unsigned n)
{
    int r = 0;
    tables_unlock();
    for (unsigned i = 0; i < n && r == 0; i++) {
        uint64_t a = (uintptr_t)pages[i];
        r = protect_range(a, a + HC_PAGE_SIZE, HC_PAGES_NONE);
    }
    tables_lock();
    if (r < 0)
        panic("no page table left for a stack's guard page");
}

/* Device registers get uncached 2 MiB pages. Addresses come from
 * devices and command lines, so a range that touches RAM (which would
 * lose its mapping, and the kernel with it) is refused: -1. */
int mmu_map_mmio(uint64_t phys, uint64_t size)
{
    uint64_t first = ALIGN_DOWN(phys, SIZE_2M);
    uint64_t end = ALIGN_UP(phys + size, SIZE_2M);
    if (size == 0 || end <= phys || end > WINDOW_BASE)
        return -1; /* nor over hc_pages_alloc_scattered's window */
    for (unsigned i = 0; i < bootinfo.nram; i++) {
        const struct mem_region *r = &bootinfo.ram[i];
        if (first < r->base + r->size && r->base < end) {
            kprintf("kiln: refusing to map device memory %#lx+%#lx over "
                    "RAM\n",
                    (unsigned long)phys, (unsigned long)size);
            return -1;
        }
    }
    tables_unlock();
    for (uint64_t a = first; a < end; a += SIZE_2M)
        map_2m(a, PTE_W | PTE_PCD | PTE_PWT | nx_bit());
    reload_cr3();
    tables_lock();
    return 0;
}
