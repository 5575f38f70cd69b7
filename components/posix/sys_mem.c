/*
 * sys_mem.c: anonymous memory for musl's malloc and thread stacks, and
 * the pages under mappings of files (sys_mmap_file.c).
 *
 * Anonymous memory comes from hc_pages_alloc_scattered: a run of
 * identity-mapped RAM, or where none is free single pages mapped side by
 * side (a small guest's malloc of 1 MiB); either way one range of
 * addresses, which the CPU alone touches (devices are given the kernel's
 * own buffers). A table records every mapping, so munmap and mprotect
 * can reject ranges we never handed out instead of corrupting the
 * allocator (allocated on first use for MAPPINGS_MIN, and doubled as
 * malloc maps more, up to MAPPINGS_MAX: ten thousand connections'
 * worth of small objects took musl's malloc past 128). mmap gives
 * read-write pages (PROT_NONE: inaccessible, for musl's thread stack
 * guards); mprotect sets read-only and read-execute too, but never
 * writable and executable at once (W^X).
 * MAP_FIXED takes only free pages at that address (app/exec's segments).
 * brk grows inside a window reserved at its first call.
 * MADV_DONTNEED zeroes pages, as Linux refills anonymous memory, except
 * in a mapping with PROT_NONE pages (which a write would fault on) or
 * of a shared file (whose contents Linux would keep).
 * Mappings of files (sys_mmap_file.c, and with it the VFS) come only
 * with the calls that open files (syscall_list.h): a program that opens
 * none has no descriptor to map but the console's, pipes' and
 * sockets', which Linux refuses with ENODEV too.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "kiln/table.h"
#include "file.h"
#include "posix.h"

#pragma weak mmap_file
#pragma weak mmap_file_unmap
#pragma weak mmap_file_moved
#pragma weak mmap_file_overlaps

#define MAPPINGS_MIN 128
#define MAPPINGS_MAX 8192
/* musl's malloc takes its metadata from brk a page at a time and maps
 * once brk says no: 64 KiB, not the 256 a 2 MiB guest could not spare. */
#define BRK_WINDOW_PAGES 16
#define PAGE HC_PAGE_SIZE

struct mapping {
    uintptr_t base;
    size_t pages;  /* 0: free slot */
    int some_none; /* some page was made PROT_NONE */
    size_t guard;  /* pages at base that may be PROT_NONE (a stack guard) */
    int none_past_guard; /* PROT_NONE elsewhere: fork cannot copy it */
};

static struct mapping *maps; /* maps_n, from 128 on first use: 5 KiB */
static int maps_n;
static uintptr_t brk_base, brk_cur;

static size_t pages_for(size_t len)
{
    return (len + PAGE - 1) / PAGE;
}

static void maps_ready(void)
{
    if (!maps_n) {
        kiln_table((void **)&maps, MAPPINGS_MIN * sizeof *maps,
                   "no memory for the table of mappings");
        maps_n = MAPPINGS_MIN;
    }
}

/* Twice the room (the table moves: pointers into it go stale). */
static int maps_grow(void)
{
    int n = maps_n * 2;
    if (n > MAPPINGS_MAX)
        return -1;
    struct mapping *m = hc_pages_alloc(pages_for(n * sizeof *m));
    if (!m)
        return -1;
    memcpy(m, maps, maps_n * sizeof *m);
    hc_pages_free(maps, pages_for(maps_n * sizeof *m));
    maps = m, maps_n = n;
    return 0;
}

static struct mapping *slot_free(void)
{
    maps_ready();
    for (int i = 0; i < maps_n; i++)
        if (!maps[i].pages)
            return &maps[i];
    int first = maps_n;
    return maps_grow() < 0 ? NULL : &maps[first];
}

/* The mapping that wholly contains [addr, addr + pages). */
static struct mapping *find(uintptr_t addr, size_t pages)
{
    maps_ready();
    for (int i = 0; i < maps_n; i++) {
        struct mapping *m = &maps[i];
        if (m->pages && addr >= m->base &&
            addr + pages * PAGE <= m->base + m->pages * PAGE)
            return m;
    }
    return NULL;
}

/* Anonymous pages where the caller must have them (a program linked at
 * a fixed address, loaded by app/exec): only pages nobody holds, as
 * MAP_FIXED_NOREPLACE promises; plain MAP_FIXED over a mapping, which
 * Linux would replace, is refused too. */
static void *pages_fixed(long addr, size_t pages, long *err)
{
    int r = addr % PAGE ? -EINVAL : hc_pages_reserve((void *)addr, pages);
    *err = r == -EBUSY ? -EEXIST : r;
    return r < 0 ? NULL : (void *)addr;
}

long sys_mmap(long addr, long len, long prot, long flags, long fd, long off)
{
    int fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
    if (len <= 0)
        return -EINVAL;
    if (fixed && !(flags & MAP_ANONYMOUS))
        return -EINVAL; /* one address space, nothing to place at will */
    if (!(flags & MAP_ANONYMOUS))
        return mmap_file     ? mmap_file(len, prot, flags, fd, off)
               : fd_file(fd) ? -ENODEV
                             : -EBADF;
    struct mapping *m = slot_free();
    size_t pages = pages_for((size_t)len);
    long err = -ENOMEM;
    void *p = !m      ? NULL
              : fixed ? pages_fixed(addr, pages, &err)
                      : hc_pages_alloc_scattered(pages);
    if (!p)
        return err;
    if (prot == PROT_NONE && hc_pages_protect(p, pages, 0) < 0) {
        hc_pages_protect(p, pages, 1);
        hc_pages_free(p, pages);
        return -ENOMEM;
    }
    *m = (struct mapping){(uintptr_t)p, pages, prot == PROT_NONE,
                          prot == PROT_NONE ? pages : 0, 0};
    return (long)p;
}

/* Remove [addr, addr + pages) from mapping m, splitting it if needed. */
static int unmap_from(struct mapping *m, uintptr_t addr, size_t pages)
{
    uintptr_t end = addr + pages * PAGE;
    uintptr_t m_end = m->base + m->pages * PAGE;
    if (addr > m->base && end < m_end) {
        long at = m - maps;
        struct mapping *tail = slot_free();
        if (!tail)
            return -ENOMEM;
        m = &maps[at]; /* the table may have moved */
        *tail = (struct mapping){end, (m_end - end) / PAGE, m->some_none, 0,
                                 m->some_none};
        m->pages = (addr - m->base) / PAGE;
    } else if (addr > m->base) {
        m->pages = (addr - m->base) / PAGE;
    } else {
        m->base = end;
        m->pages -= pages;
        m->none_past_guard |= m->some_none; /* the guard moved */
        m->guard = 0;
    }
    hc_pages_protect((void *)addr, pages, 1); /* freed pages are usable */
    hc_pages_free((void *)addr, pages);
    return 0;
}

long sys_munmap(long addr, long len)
{
    if (addr % PAGE || len <= 0)
        return -EINVAL;
    struct mapping *m = find((uintptr_t)addr, pages_for((size_t)len));
    if (!m)
        return -EINVAL;
    if (mmap_file_unmap)
        mmap_file_unmap(addr, len);
    return unmap_from(m, (uintptr_t)addr, pages_for((size_t)len));
}

static int mapped(long addr, long len)
{
    if (addr % PAGE || len < 0)
        return -EINVAL;
    return find((uintptr_t)addr, pages_for((size_t)len)) ? 0 : -ENOMEM;
}

/* Where PROT_NONE pages may be, so fork's copy (mem_save) reads none. */
static void note_none(struct mapping *m, uintptr_t addr, size_t pages)
{
    m->some_none = 1;
    if (addr == m->base && pages > m->guard)
        m->guard = pages;
    else if (addr != m->base)
        m->none_past_guard = 1;
}

/* W^X: a writable request stays non-executable. */
static int prot_rights(long prot)
{
    if (prot == PROT_NONE)
        return HC_PAGES_NONE;
    if (prot & PROT_WRITE)
        return HC_PAGES_RW;
    return prot & PROT_EXEC ? HC_PAGES_RX : HC_PAGES_R;
}

long sys_mprotect(long addr, long len, long prot)
{
    int r = mapped(addr, len);
    if (r < 0 || len == 0)
        return r;
    if (prot == PROT_NONE)
        note_none(find((uintptr_t)addr, pages_for((size_t)len)),
                  (uintptr_t)addr, pages_for((size_t)len));
    return hc_pages_protect((void *)addr, pages_for((size_t)len),
                            prot_rights(prot));
}

long sys_madvise(long addr, long len, long advice)
{
    int r = mapped(addr, len);
    if (r < 0 || advice != MADV_DONTNEED || len == 0)
        return r; /* other advice: keeping the pages is always correct */
    struct mapping *m = find((uintptr_t)addr, pages_for((size_t)len));
    if (!m->some_none && !(mmap_file_overlaps && mmap_file_overlaps(addr, len)))
        memset((void *)addr, 0, pages_for((size_t)len) * PAGE);
    return 0;
}

long sys_mremap(long old, long oldlen, long newlen, long flags)
{
    size_t op = pages_for((size_t)oldlen), np = pages_for((size_t)newlen);
    struct mapping *m = find((uintptr_t)old, op);
    if (old % PAGE || newlen <= 0 || !m)
        return -EINVAL;
    if (np <= op)
        return np == op ? old
                        : (sys_munmap(old + (long)(np * PAGE),
                                      (long)((op - np) * PAGE))
                               ?: old);
    if (!(flags & MREMAP_MAYMOVE))
        return -ENOMEM;
    long p = sys_mmap(0, newlen, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p < 0)
        return p;
    hc_pages_protect((void *)old, op, 1); /* PROT_NONE parts too */
    memcpy((void *)p, (void *)old, op * PAGE);
    if (mmap_file_moved)
        mmap_file_moved(old, p, newlen);
    sys_munmap(old, oldlen);
    return p;
}

long sys_brk(long addr)
{
    uintptr_t want = (uintptr_t)addr;
    if (!brk_base) { /* first call, normally musl's brk(0) probe */
        void *w = hc_pages_alloc(BRK_WINDOW_PAGES);
        if (!w)
            return 0;
        brk_base = brk_cur = (uintptr_t)w;
    }
    if (want >= brk_base && want <= brk_base + BRK_WINDOW_PAGES * PAGE) {
        if (want > brk_cur)
            memset((void *)brk_cur, 0, want - brk_cur);
        brk_cur = want;
    }
    return (long)brk_cur;
}

/* The most copies mem_save may make now: one per mapping and the brk
 * area's. */
size_t mem_copies_max(void)
{
    maps_ready();
    return (size_t)maps_n + 1;
}

/* fork (sys_vfork.c): a copy of every anonymous mapping and of the brk
 * area, in c (room for max: mem_copies_max); -1 when memory or room
 * runs out (what was copied is freed). Mappings with PROT_NONE pages
 * past a guard at their base are not copied: the child shares them, as
 * after vfork. */
int mem_save(struct mem_copy *c, size_t max, size_t *n)
{
    maps_ready();
    *n = 0;
    for (int i = 0; i <= maps_n; i++) {
        const struct mapping *m = &maps[i < maps_n ? i : 0];
        struct mem_copy w = {m->base + m->guard * PAGE, m->pages - m->guard, 0};
        if (i == maps_n)
            w = (struct mem_copy){brk_base, brk_base ? BRK_WINDOW_PAGES : 0, 0};
        else if (!m->pages || m->none_past_guard || m->guard >= m->pages)
            continue;
        if (!w.pages)
            continue;
        if (*n == max || !(w.copy = hc_pages_alloc(w.pages))) {
            mem_restore(c, *n, 0);
            return -1;
        }
        memcpy(w.copy, (void *)w.base, w.pages * PAGE);
        c[(*n)++] = w;
    }
    return 0;
}

/* Put back the pages that changed (read-only ones cannot have), when
 * write is set and the child left the mapping in place, and free the
 * copies. */
void mem_restore(const struct mem_copy *c, size_t n, int write)
{
    for (size_t i = 0; i < n; i++) {
        int keep = c[i].base == brk_base || find(c[i].base, c[i].pages);
        for (size_t p = 0; write && keep && p < c[i].pages; p++) {
            char *at = (char *)c[i].base + p * PAGE;
            const char *was = (const char *)c[i].copy + p * PAGE;
            if (memcmp(at, was, PAGE))
                memcpy(at, was, PAGE);
        }
        hc_pages_free(c[i].copy, c[i].pages);
    }
}
