/*
 * pages.c: hc_pages_* over one arena of reserved address space (--mem
 * MiB, default 128, or KiB for a small arena), tracked by a bitmap so the
 * contract's checks hold exactly: freeing a page that is not allocated panics,
 * and protect refuses pages that are not allocated.
 *
 * Free pages are PROT_NONE and given back to Linux (MADV_DONTNEED), so
 * a component touching a page after freeing it faults at once, and a
 * new allocation reads as zeros without a memset. Each allocation is
 * followed by a PROT_NONE guard page, so a write running off its end
 * (a frame past its buffer) faults instead of landing silently in the
 * next allocation, which AddressSanitizer does not watch here. Guards
 * take address space, not the --mem budget: the arena has twice the
 * slots. A guard goes when the page before it is freed. First fit,
 * linear scan: fine for a debugging host, not fast.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include "hostint.h"

#define PAGES_MAX (MEM_MAX_MIB * (1024 * 1024 / HC_PAGE_SIZE))
#define SLOTS_MAX (2 * PAGES_MAX + 64)

static uint8_t *arena;
static size_t npages, nslots, nfree;
static uint64_t used[SLOTS_MAX / 64];  /* allocated or a guard */
static uint64_t guard[SLOTS_MAX / 64]; /* a guard page */

static int bit(const uint64_t *map, size_t i)
{
    return (map[i / 64] >> (i % 64)) & 1;
}

static int is_used(size_t i)
{
    return bit(used, i);
}

static void set_bit(uint64_t *map, size_t i, int on)
{
    if (on)
        map[i / 64] |= 1ull << (i % 64);
    else
        map[i / 64] &= ~(1ull << (i % 64));
}

static void mark(size_t first, size_t n, int on)
{
    for (size_t i = first; i < first + n; i++)
        set_bit(used, i, on);
}

int pages_init(size_t kib)
{
    if (kib < HC_PAGE_SIZE / 1024 || kib > MEM_MAX_MIB * 1024ul)
        host_panic("pages_init: %zu KiB is outside 4K..%d MiB", kib,
                   MEM_MAX_MIB); /* setup.c checked --mem */
    npages = kib / (HC_PAGE_SIZE / 1024);
    nslots = 2 * npages + 64;
    void *p = mmap(NULL, nslots * HC_PAGE_SIZE, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        perror("host: cannot reserve the page arena");
        return -1;
    }
    arena = p;
    nfree = npages;
    return 0;
}

/* First index of a run of n free slots, or nslots if none. */
static size_t find_run(size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < nslots; i++) {
        if (used[i / 64] == ~0ull && i % 64 == 0) {
            run = 0;
            i += 63;
            continue;
        }
        run = is_used(i) ? 0 : run + 1;
        if (run == n)
            return i + 1 - n;
    }
    return nslots;
}

void *hc_pages_alloc(size_t n)
{
    if (!arena)
        host_panic("hc_pages_alloc before host_setup");
    if (n == 0 || n > nfree)
        return NULL;
    size_t first = find_run(n + 1);
    if (first == nslots)
        return NULL;
    uint8_t *p = arena + first * HC_PAGE_SIZE;
    if (mprotect(p, n * HC_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0)
        return NULL; /* Linux out of mappings: as if no run were free */
    mark(first, n + 1, 1);
    set_bit(guard, first + n, 1);
    nfree -= n;
    return p;
}

/* A process has no physical addresses: the arena's runs are all there is. */
void *hc_pages_alloc_scattered(size_t n)
{
    return hc_pages_alloc(n);
}

/* The arena index of p if [p, p + n pages) is all allocated, else -1. */
static long allocated_range(const void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p, base = (uintptr_t)arena;
    if (!arena || a < base || a % HC_PAGE_SIZE || n > nslots ||
        (a - base) / HC_PAGE_SIZE > nslots - n)
        return -1;
    size_t first = (a - base) / HC_PAGE_SIZE;
    for (size_t i = first; i < first + n; i++)
        if (!is_used(i) || bit(guard, i))
            return -1;
    return (long)first;
}

void hc_pages_free(void *p, size_t n)
{
    long first = allocated_range(p, n);
    if (first < 0)
        host_panic("hc_pages_free(%p, %zu): not allocated pages", p, n);
    madvise(p, n * HC_PAGE_SIZE, MADV_DONTNEED);
    mprotect(p, n * HC_PAGE_SIZE, PROT_NONE);
    mark((size_t)first, n, 0);
    size_t after = (size_t)first + n;
    if (after < nslots && bit(guard, after)) { /* its page is gone */
        set_bit(guard, after, 0);
        mark(after, 1, 0);
    }
    nfree += n;
}

int hc_pages_protect(void *p, size_t n, int access)
{
    if (allocated_range(p, n) < 0)
        return -EINVAL;
    static const int prots[] = {PROT_NONE, PROT_READ | PROT_WRITE, PROT_READ,
                                PROT_READ | PROT_EXEC};
    if (access < HC_PAGES_NONE || access > HC_PAGES_RX)
        return -EINVAL;
    int prot = prots[access];
    if (mprotect(p, n * HC_PAGE_SIZE, prot) == 0)
        return 0;
    if (access) /* the contract says restoring never fails */
        host_panic("mprotect failed restoring access to %p", p);
    return -ENOMEM;
}

/* The arena is wherever Linux put it: no fixed address is ours to give. */
int hc_pages_reserve(void *p, size_t n)
{
    (void)p, (void)n;
    return -EINVAL;
}

void hc_pages_stats(struct hc_mem_stats *out)
{
    out->total_pages = npages;
    out->free_pages = nfree;
}
