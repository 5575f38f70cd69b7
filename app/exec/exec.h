/*
 * exec.h: the map of app/exec, the loader that runs an unmodified static
 * Linux executable (glibc or musl, static or static-PIE) from the boot
 * archive as the image's program.
 */
#ifndef EXEC_H
#define EXEC_H

#include <stddef.h>
#include <stdint.h>

#define ELF_PAGE 4096ull
#define ELF_PAGE_DOWN(x) ((x) & ~(ELF_PAGE - 1))
#define ELF_PAGE_UP(x) (((x) + ELF_PAGE - 1) & ~(ELF_PAGE - 1))
#define ELF_LOADS_MAX 16
#define ELF_PHDRS_MAX 64
#define ELF_LOW_MIN (4ull << 20) /* Kiln's image and early pages below */

/* elf.c: is it an executable we can run, and where do its parts go */
struct elf_load {
    uint64_t vaddr, memsz, offset, filesz;
    uint32_t flags; /* PF_R, PF_W, PF_X */
};
struct elf_image {
    struct elf_load load[ELF_LOADS_MAX];
    unsigned nload;
    int pie;                       /* ET_DYN: add the load base to addresses */
    uint64_t entry, phdr, phnum;   /* phdr: loaded address, before the base */
    uint64_t span_start, span_end; /* page-aligned, before the base */
    const char *why;               /* when refused: one line saying why */
};
/* Check the first len bytes of a file of file_size bytes (the headers);
 * 0, or -1 with im->why set. */
int elf_parse(const void *file, size_t len, uint64_t file_size,
              struct elf_image *im);

/* load.c: segments into memory with their rights; the load base (0 for
 * ET_EXEC), or -1 after printing why not. */
long load_segments(int fd, const char *path, const struct elf_image *im);

/* stack.c: Linux's initial process stack; returns the entry %rsp */
struct exec_start {
    int argc;
    char **argv, **envp;
    const char *execfn;
    uint64_t base; /* load base */
    const struct elf_image *im;
};
uintptr_t stack_build(const struct exec_start *s);

#endif
