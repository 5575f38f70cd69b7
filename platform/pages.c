/*
 * pages.c: the page allocator. One bit per 4 KiB page of physical
 * address space up to the end of the highest usable region, and a second
 * bitmap of the pages it may hand out at all, so freeing a hole, a
 * reserved range or the bitmaps themselves is caught. Both live in the
 * first usable run big enough to hold them. Allocation is
 * next-fit over the bitmap, which is simple, cannot fragment metadata,
 * and is fast enough for the few large allocations a unikernel makes.
 *
 * The bitmaps start at the lowest usable address, so the same code runs
 * over a buffer anywhere in a host process. Pure code with no hardware
 * access: tests/unit/pages runs it on a host buffer. Callers see it
 * through hc_pages_* in include/hypercall.h.
 */
#include <errno.h>
#include <string.h>
#include "platform.h"

#define PAGE HC_PAGE_SIZE
#define BITS 64
#define NO_RUN UINT64_MAX

static uint64_t *bitmap;  /* 1 = in use or not RAM */
static uint64_t *managed; /* 1 = a page the allocator hands out */
static uint64_t base;     /* address of the bitmap's first page */
static uint64_t npages;   /* pages covered by the bitmap from base */
static uint64_t free_count, total_count;
static uint64_t next_fit;

static int bit_get(uint64_t pfn)
{
    return (bitmap[pfn / BITS] >> (pfn % BITS)) & 1;
}

/* Computed rather than branched here and below: under QEMU's TCG each
 * branch of code that runs once (the boot's) is a block to translate. */
static void bit_put(uint64_t pfn, int v)
{
    uint64_t m = 1ull << (pfn % BITS), *w = &bitmap[pfn / BITS];
    *w = (*w & ~m) | (m & -(uint64_t)(v != 0));
}

/* Mark the pages of [first, first + count) (absolute page numbers) that
 * the bitmap covers. */
static void mark(uint64_t first, uint64_t count, int used)
{
    uint64_t b = base / PAGE, end = first + count;
    first = first > b ? first : b;
    end = end < b + npages ? end : b + npages;
    for (uint64_t p = first; p < end; p++)
        bit_put(p - b, used);
}

/* Where to keep the bitmap: the first RAM region that can hold it and
 * does not overlap a reserved range. */
static uint64_t find_bitmap_home(const struct mem_region *ram, unsigned n,
                                 const struct mem_region *res, unsigned nres,
                                 uint64_t bytes)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t at = ALIGN_UP(ram[i].base ? ram[i].base : PAGE, PAGE);
        uint64_t end = ram[i].base + ram[i].size;
        for (unsigned r = 0; r < nres && at + bytes <= end; r++) {
            uint64_t rb = res[r].base, re = res[r].base + res[r].size;
            if (at < re && rb < at + bytes) {
                at = ALIGN_UP(re, PAGE);
                r = (unsigned)-1; /* recheck every range from the start */
            }
        }
        if (at + bytes <= end)
            return at;
    }
    return 0;
}

int pages_init(const struct mem_region *ram, unsigned n,
               const struct mem_region *res, unsigned nres)
{
    uint64_t top = 0, low = ~0ull;
    for (unsigned i = 0; i < n; i++) {
        uint64_t end = ram[i].base + ram[i].size;
        top = end > top ? end : top;
        low = ram[i].base < low ? ram[i].base : low;
    }
    if (n == 0)
        return -1;
    base = ALIGN_DOWN(low, PAGE);
    npages = (top - base) / PAGE;
    uint64_t map_bytes = ALIGN_UP(npages, BITS) / 8;
    uint64_t bytes = ALIGN_UP(2 * map_bytes, PAGE); /* bitmap + managed */
    uint64_t home = find_bitmap_home(ram, n, res, nres, bytes);
    if (!home)
        return -1;
    bitmap = (uint64_t *)(uintptr_t)home;
    memset(bitmap, 0xff, bytes);
    for (unsigned i = 0; i < n; i++) {
        uint64_t first = ALIGN_UP(ram[i].base, PAGE) / PAGE;
        uint64_t last = ALIGN_DOWN(ram[i].base + ram[i].size, PAGE) / PAGE;
        mark(first, last > first ? last - first : 0, 0);
    }
    for (unsigned r = 0; r < nres; r++) {
        uint64_t first = ALIGN_DOWN(res[r].base, PAGE) / PAGE;
        uint64_t last = ALIGN_UP(res[r].base + res[r].size, PAGE) / PAGE;
        mark(first, last - first, 1);
    }
    mark(home / PAGE, bytes / PAGE, 1);
    mark(0, 1, 1); /* page 0 stays unmapped to catch NULL */
    managed = bitmap + map_bytes / 8;
    memset(managed, 0, map_bytes);
    free_count = 0;
    for (uint64_t p = 0; p < npages; p++) {
        uint64_t usable = !bit_get(p);
        free_count += usable;
        managed[p / BITS] |= usable << (p % BITS);
    }
    total_count = free_count;
    next_fit = 0;
    return 0;
}

uint64_t pages_max_addr(void)
{
    return base + npages * PAGE;
}

static void bit_run(uint64_t first, uint64_t n, int v)
{
    for (uint64_t i = first; i < first + n; i++)
        bit_put(i, v);
}

/* First fit for a run of n free pages at or after pfn `from`. */
static uint64_t find_run(uint64_t from, uint64_t n)
{
    uint64_t run = 0;
    for (uint64_t p = from; p < npages; p++) {
        if (run == 0 && (p % BITS) == 0 && bitmap[p / BITS] == ~0ull) {
            p += BITS - 1; /* skip a full word at once */
            continue;
        }
        run = bit_get(p) ? 0 : run + 1;
        if (run == n)
            return p + 1 - n;
    }
    return NO_RUN;
}

/* Stacks and the page-table pool, which nothing reads before writing,
 * are not zeroed: zeroing is most of an allocation's cost under TCG
 * (about 0.75 us a KiB), and boot takes 100 KiB of stacks. */
void *pages_alloc_unzeroed(size_t n)
{
    if (n == 0 || n > free_count)
        return NULL;
    uint64_t first = find_run(next_fit, n);
    if (first == NO_RUN)
        first = find_run(0, n);
    if (first == NO_RUN)
        return NULL;
    bit_run(first, n, 1);
    free_count -= n;
    next_fit = first + n;
    return (void *)(uintptr_t)(base + first * PAGE);
}

void *hc_pages_alloc(size_t n)
{
    void *p = pages_alloc_unzeroed(n);
    if (p)
        memset(p, 0, n * PAGE);
    return p;
}

/* Every page of [first, first + n) is one the allocator hands out. */
static int all_managed(uint64_t first, uint64_t n)
{
    for (uint64_t i = first; i < first + n; i++)
        if (!((managed[i / BITS] >> (i % BITS)) & 1))
            return 0;
    return 1;
}

int hc_pages_reserve(void *p, size_t n)
{
    uint64_t a = (uintptr_t)p, first = (a - base) / PAGE;
    if (n == 0 || a % PAGE || a < base || first > npages ||
        n > npages - first || !all_managed(first, n))
        return -EINVAL;
    for (uint64_t i = first; i < first + n; i++)
        if (bit_get(i))
            return -EBUSY;
    bit_run(first, n, 1);
    free_count -= n;
    memset(p, 0, n * PAGE);
    return 0;
}

/* Set by mmu.c for pages of hc_pages_alloc_scattered's window: host
 * unit tests link this file alone, without it. */
int (*pages_free_window)(void *p, size_t n);

void hc_pages_free(void *p, size_t n)
{
    uint64_t first = ((uintptr_t)p - base) / PAGE;
    if ((uintptr_t)p >= pages_max_addr() && pages_free_window &&
        pages_free_window(p, n))
        return;
    if ((uintptr_t)p % PAGE || (uintptr_t)p < base || first > npages ||
        n > npages - first)
        panic("pages_free(%p, %zu): not a page range we manage", p, n);
    for (uint64_t i = first; i < first + n; i++)
        if (!((managed[i / BITS] >> (i % BITS)) & 1))
            panic("pages_free(%p, %zu): page %#llx was never allocatable "
                  "(a hole, a reserved range or the allocator's own)",
                  p, n, (unsigned long long)(base + i * PAGE));
    for (uint64_t i = first; i < first + n; i++)
        if (!bit_get(i))
            panic("pages_free(%p, %zu): page %#llx is already free", p, n,
                  (unsigned long long)(base + i * PAGE));
    bit_run(first, n, 0);
    free_count += n;
}

void hc_pages_stats(struct hc_mem_stats *out)
{
    out->total_pages = total_count;
    out->free_pages = free_count;
}
