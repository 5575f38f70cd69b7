/*
 * elf.c: decide whether a file is an x86_64 Linux executable the loader
 * can run, from its ELF header and program headers alone, and say why
 * not in one line. Pure code over bytes already read (host testable):
 * every offset and size comes from the file, so each is checked against
 * the file's length and for overflow before it is used.
 *
 * Accepted: ELFCLASS64, little-endian, EM_X86_64, ET_EXEC (linked at
 * its address) or ET_DYN without PT_INTERP (static-PIE, placed
 * anywhere). Limits: at most ELF_LOADS_MAX loadable segments, a span of
 * at most ELF_SPAN_MAX bytes; no segment both writable and executable.
 */
#include <elf.h>
#include <string.h>
#include "exec.h"

#define SPAN_MAX (1ull << 30)

static int refuse(struct elf_image *im, const char *why)
{
    im->why = why;
    return -1;
}

static int check_ident(const unsigned char *f, size_t len, struct elf_image *im)
{
    if (len < 4 || memcmp(f, ELFMAG, SELFMAG))
        return refuse(im, "not an ELF file");
    if (len < sizeof(Elf64_Ehdr))
        return refuse(im, "truncated: the ELF header is cut short");
    if (f[EI_CLASS] != ELFCLASS64)
        return refuse(im, "a 32-bit ELF file; only x86_64 executables run");
    if (f[EI_DATA] != ELFDATA2LSB)
        return refuse(im, "a big-endian ELF file; only x86_64 runs");
    return 0;
}

static int check_header(const Elf64_Ehdr *e, size_t len, struct elf_image *im)
{
    if (e->e_machine != EM_X86_64)
        return refuse(im, "not an x86_64 ELF file");
    if (e->e_type != ET_EXEC && e->e_type != ET_DYN)
        return refuse(im, "not an executable (an object file or core dump)");
    if (e->e_phentsize != sizeof(Elf64_Phdr) || e->e_phnum == 0 ||
        e->e_phnum > ELF_PHDRS_MAX)
        return refuse(im, "bad program header table size");
    if (e->e_phoff > len || e->e_phnum * sizeof(Elf64_Phdr) > len - e->e_phoff)
        return refuse(im, "truncated: the program headers are cut short");
    return 0;
}

/* One PT_LOAD: sizes that add up, data inside the file, W^X. */
static int check_load(const Elf64_Phdr *p, uint64_t flen, struct elf_image *im)
{
    if (p->p_filesz > p->p_memsz || p->p_memsz > SPAN_MAX ||
        p->p_vaddr > UINT64_MAX - SPAN_MAX)
        return refuse(im, "a segment's size is impossible or over 1 GiB");
    if (p->p_offset > flen || p->p_filesz > flen - p->p_offset)
        return refuse(im, "truncated: a segment's data lies past the end");
    if (p->p_align > 1 && (p->p_offset % ELF_PAGE) != (p->p_vaddr % ELF_PAGE))
        return refuse(im, "bad alignment: a segment's offset and address "
                          "disagree within a page");
    if ((p->p_flags & PF_W) && (p->p_flags & PF_X))
        return refuse(im, "a segment is writable and executable (W^X)");
    return 0;
}

/* Segments must be in address order and share no page unless their
 * rights agree (one page has one set of rights). */
static int check_order(const struct elf_image *im, struct elf_image *out)
{
    for (unsigned i = 1; i < im->nload; i++) {
        const struct elf_load *a = &im->load[i - 1], *b = &im->load[i];
        if (b->vaddr < a->vaddr + a->memsz)
            return refuse(out, "overlapping segments");
        if (ELF_PAGE_DOWN(b->vaddr) < ELF_PAGE_UP(a->vaddr + a->memsz) &&
            ((a->flags ^ b->flags) & (PF_W | PF_X)))
            return refuse(out, "segments with different rights share a page");
    }
    return 0;
}

static int collect(const Elf64_Phdr *ph, unsigned n, uint64_t flen,
                   struct elf_image *im)
{
    for (unsigned i = 0; i < n; i++) {
        if (ph[i].p_type == PT_INTERP)
            return refuse(im, "dynamically linked (it names an interpreter); "
                              "link it with -static or -static-pie");
        if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
            continue;
        if (im->nload == ELF_LOADS_MAX)
            return refuse(im, "too many loadable segments");
        if (check_load(&ph[i], flen, im) < 0)
            return -1;
        im->load[im->nload++] =
            (struct elf_load){ph[i].p_vaddr, ph[i].p_memsz, ph[i].p_offset,
                              ph[i].p_filesz, ph[i].p_flags};
    }
    return im->nload ? 0 : refuse(im, "no loadable segments");
}

/* Where the program headers are once loaded: in the segment that holds
 * their file bytes (PT_PHDR says so too); 0 if none does. */
static uint64_t phdr_vaddr(const Elf64_Ehdr *e, const struct elf_image *im)
{
    uint64_t size = e->e_phnum * sizeof(Elf64_Phdr);
    for (unsigned i = 0; i < im->nload; i++) {
        const struct elf_load *l = &im->load[i];
        if (e->e_phoff >= l->offset &&
            e->e_phoff + size <= l->offset + l->filesz)
            return l->vaddr + (e->e_phoff - l->offset);
    }
    return 0;
}

static int check_entry(uint64_t entry, struct elf_image *im)
{
    for (unsigned i = 0; i < im->nload; i++)
        if ((im->load[i].flags & PF_X) && entry >= im->load[i].vaddr &&
            entry < im->load[i].vaddr + im->load[i].memsz)
            return 0;
    return refuse(im, "the entry point is outside its executable segments");
}

int elf_parse(const void *file, size_t len, uint64_t file_size,
              struct elf_image *im)
{
    memset(im, 0, sizeof *im);
    const Elf64_Ehdr *e = file;
    if (check_ident(file, len, im) < 0 || check_header(e, len, im) < 0)
        return -1;
    const Elf64_Phdr *ph =
        (const Elf64_Phdr *)((const char *)file + e->e_phoff);
    if (collect(ph, e->e_phnum, file_size, im) < 0 || check_order(im, im) < 0)
        return -1;
    im->pie = e->e_type == ET_DYN;
    im->entry = e->e_entry;
    im->phnum = e->e_phnum;
    im->phdr = phdr_vaddr(e, im);
    im->span_start = ELF_PAGE_DOWN(im->load[0].vaddr);
    const struct elf_load *last = &im->load[im->nload - 1];
    im->span_end = ELF_PAGE_UP(last->vaddr + last->memsz);
    if (im->span_end - im->span_start > SPAN_MAX)
        return refuse(im, "the segments span over 1 GiB");
    if (!im->pie && im->span_start < ELF_LOW_MIN)
        return refuse(im, "a segment lies below 4 MiB, over Kiln's own image");
    if (!im->phdr)
        return refuse(im, "the program headers are in no loaded segment");
    return check_entry(im->entry, im);
}
