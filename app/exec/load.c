/*
 * load.c: put an executable's segments where it was linked (ET_EXEC) or
 * anywhere (static-PIE), read their bytes from the file, and give each
 * its rights: text read+execute, rodata read-only, data and bss
 * read-write. The memory is one anonymous mapping taken with
 * MAP_FIXED_NOREPLACE, so components/posix's own mprotect (glibc's
 * RELRO) and munmap know it.
 * Limits: the span between segments stays read-write and is never freed;
 * the file is read, not mapped, so its pages are not shared.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "exec.h"

static int read_all(int fd, void *to, uint64_t len, uint64_t off)
{
    for (uint64_t done = 0; done < len;) {
        ssize_t r =
            pread(fd, (char *)to + done, len - done, (off_t)(off + done));
        if (r <= 0)
            return -1;
        done += (uint64_t)r;
    }
    return 0;
}

/* The mapping that holds every segment; the load base, or -1. */
static long map_span(const char *path, const struct elf_image *im)
{
    size_t len = im->span_end - im->span_start;
    int fixed = im->pie ? 0 : MAP_FIXED_NOREPLACE;
    void *p = mmap(im->pie ? NULL : (void *)im->span_start, len,
                   PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | fixed,
                   -1, 0);
    if (p != MAP_FAILED)
        return (long)((uintptr_t)p - im->span_start);
    if (errno == EEXIST)
        fprintf(stderr,
                "exec: %s: its memory %#lx-%#lx is in use (a boot module or "
                "pages Kiln took at boot)\n",
                path, (unsigned long)im->span_start,
                (unsigned long)im->span_end);
    else
        fprintf(stderr,
                "exec: %s: its %lu KiB at %#lx are not free RAM (past the "
                "end of memory, or a boot module: give the guest more "
                "memory)\n",
                path, (unsigned long)(len >> 10),
                (unsigned long)im->span_start);
    return -1;
}

static int rights_of(uint32_t flags)
{
    if (flags & PF_W)
        return PROT_READ | PROT_WRITE;
    return flags & PF_X ? PROT_READ | PROT_EXEC : PROT_READ;
}

long load_segments(int fd, const char *path, const struct elf_image *im)
{
    long base = map_span(path, im);
    if (base < 0)
        return -1;
    for (unsigned i = 0; i < im->nload; i++) {
        const struct elf_load *l = &im->load[i];
        if (read_all(fd, (void *)(base + l->vaddr), l->filesz, l->offset) < 0) {
            fprintf(stderr, "exec: %s: cannot read segment %u\n", path, i);
            return -1;
        }
    }
    for (unsigned i = 0; i < im->nload; i++) {
        const struct elf_load *l = &im->load[i];
        uint64_t a = ELF_PAGE_DOWN(base + l->vaddr);
        uint64_t end = ELF_PAGE_UP(base + l->vaddr + l->memsz);
        if (mprotect((void *)a, end - a, rights_of(l->flags)) < 0) {
            fprintf(stderr, "exec: %s: cannot set segment %u's rights: %s\n",
                    path, i, strerror(errno));
            return -1;
        }
    }
    return base;
}
