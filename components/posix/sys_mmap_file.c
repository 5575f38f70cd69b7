/*
 * sys_mmap_file.c: mmap of files, on the anonymous pages of sys_mem.c.
 *
 * There is no page cache to share: a mapping is a copy. MAP_PRIVATE
 * reads the file's bytes into fresh pages (the rest of the last page,
 * and anything past the end of the file, is zero). MAP_SHARED does the
 * same, keeps a reference to the file and writes the pages back on
 * msync, on munmap and at exit (mmap_file_sync_all), never past the
 * file's size at that moment, as Linux never extends a file through
 * a mapping.
 *
 * Limits: two MAP_SHARED mappings of one file, or a mapping and a
 * write(), do not see each other's changes until a write-back (the
 * last one written back wins); MAP_SHARED needs a file of the VFS
 * (not /dev/vdX); MAP_FIXED is refused as for anonymous memory; at most
 * FILE_MAPS_MAX shared mappings at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include "../fs/vfs.h"
#include "file.h"
#include "posix.h"

#define FILE_MAPS_MAX 32
#define PAGE HC_PAGE_SIZE

struct file_map {
    struct vnode *v; /* NULL: free slot */
    uintptr_t base;
    size_t len; /* bytes, a multiple of PAGE */
    uint64_t off;
};

/* FILE_MAPS_MAX of them, allocated by the first shared mapping of a
 * file, not carried in every image. */
static struct file_map *fmaps;

static struct file_map *fmap_free(void)
{
    size_t pages =
        (FILE_MAPS_MAX * sizeof *fmaps + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE;
    if (!fmaps && !(fmaps = hc_pages_alloc(pages)))
        return NULL;
    for (int i = 0; i < FILE_MAPS_MAX; i++)
        if (!fmaps[i].v)
            return &fmaps[i];
    return NULL;
}

/* Write [from, to) of m back to its file, up to the file's end. */
static int fmap_write_back(const struct file_map *m, uintptr_t from,
                           uintptr_t to)
{
    uint64_t off = m->off + (from - m->base);
    int64_t size = vfs_size(m->v);
    if (size < 0)
        return (int)size;
    if (off >= (uint64_t)size)
        return 0;
    if (to - from > (uint64_t)size - off)
        to = from + (size_t)((uint64_t)size - off);
    long r = vfs_write(m->v, (const void *)from, to - from, off);
    return r < 0 ? (int)r : 0;
}

static long fill(struct file *f, void *p, size_t len, uint64_t off)
{
    size_t done = 0;
    while (done < len) {
        long n = f->ops->read(f, (char *)p + done, len - done, off + done);
        if (n < 0)
            return n;
        if (n == 0)
            break; /* the end of the file: the rest stays zero */
        done += (size_t)n;
    }
    return 0;
}

long mmap_file(long len, long prot, long flags, long fd, long off)
{
    struct file *f = fd_file(fd);
    int shared = (flags & MAP_TYPE) == MAP_SHARED ||
                 (flags & MAP_TYPE) == MAP_SHARED_VALIDATE;
    if (!f)
        return -EBADF;
    if (off < 0 || off % PAGE)
        return -EINVAL;
    if ((f->flags & O_ACCMODE) == O_WRONLY || !f->ops->read)
        return -EACCES;
    if (shared && (prot & PROT_WRITE) && (f->flags & O_ACCMODE) != O_RDWR)
        return -EACCES;
    struct file_map *m = shared ? fmap_free() : NULL;
    if (shared && (!file_vnode(f) || !m))
        return file_vnode(f) ? -ENOMEM : -ENODEV;
    long p = sys_mmap(0, len, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p < 0)
        return p;
    long r = fill(f, (void *)p, (size_t)len, (uint64_t)off);
    if (r == 0 && prot == PROT_NONE)
        r = sys_mprotect(p, len, PROT_NONE);
    if (r < 0) {
        sys_munmap(p, len);
        return r;
    }
    if (shared)
        *m = (struct file_map){vfs_get(file_vnode(f)), (uintptr_t)p,
                               ((size_t)len + PAGE - 1) / PAGE * PAGE,
                               (uint64_t)off};
    return p;
}

/* A hole [lo, hi) unmapped in the middle of m: the tail gets a slot of
 * its own; without one it was just written back and is forgotten. */
static void fmap_split(struct file_map *m, uintptr_t lo, uintptr_t hi)
{
    struct file_map *t = fmap_free();
    if (t)
        *t = (struct file_map){vfs_get(m->v), hi, m->base + m->len - hi,
                               m->off + (hi - m->base)};
    m->len = lo - m->base;
}

/* Write back every shared mapping overlapping [addr, addr + len); with
 * drop, forget the parts unmapped (whole mappings, or an end). */
static int fmap_range(uintptr_t addr, size_t len, int drop)
{
    int err = 0;
    for (int i = 0; fmaps && i < FILE_MAPS_MAX; i++) {
        struct file_map *m = &fmaps[i];
        uintptr_t lo = addr > m->base ? addr : m->base;
        uintptr_t hi =
            addr + len < m->base + m->len ? addr + len : m->base + m->len;
        if (!m->v || lo >= hi)
            continue;
        int r = fmap_write_back(m, lo, hi);
        err = err ? err : r;
        if (!drop)
            continue;
        if (lo == m->base && hi == m->base + m->len) {
            vfs_put(m->v);
            m->v = NULL;
        } else if (lo == m->base) {
            m->off += hi - m->base;
            m->len -= hi - m->base;
            m->base = hi;
        } else if (hi == m->base + m->len) {
            m->len = lo - m->base;
        } else {
            fmap_split(m, lo, hi);
        }
    }
    return err;
}

/* munmap's first step: the data of shared mappings reaches the file. */
void mmap_file_unmap(long addr, long len)
{
    fmap_range((uintptr_t)addr, (size_t)len, 1);
}

/* A mapping moved (mremap): its pages now start at to. */
void mmap_file_moved(long from, long to, long newlen)
{
    for (int i = 0; fmaps && i < FILE_MAPS_MAX; i++)
        if (fmaps[i].v && fmaps[i].base == (uintptr_t)from) {
            fmaps[i].base = (uintptr_t)to;
            if ((size_t)newlen < fmaps[i].len)
                fmaps[i].len = ((size_t)newlen + PAGE - 1) / PAGE * PAGE;
        }
}

/* Whether [addr, addr + len) touches a mapping of a file (which
 * MADV_DONTNEED must not zero: Linux would read the file again). */
int mmap_file_overlaps(long addr, long len)
{
    for (int i = 0; fmaps && i < FILE_MAPS_MAX; i++) {
        const struct file_map *m = &fmaps[i];
        if (m->v && (uintptr_t)addr < m->base + m->len &&
            (uintptr_t)(addr + len) > m->base)
            return 1;
    }
    return 0;
}

long sys_msync(long addr, long len, long flags)
{
    if (addr % PAGE || len < 0 ||
        (flags & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE)) ||
        ((flags & MS_ASYNC) && (flags & MS_SYNC)))
        return -EINVAL;
    return fmap_range((uintptr_t)addr, (size_t)len, 0);
}

/* At exit, before the filesystems are unmounted. */
void mmap_file_sync_all(void)
{
    fmap_range(0, UINTPTR_MAX, 0);
}
