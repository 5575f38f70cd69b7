/*
 * exec-elf/test.c: host unit test of app/exec/elf.c, the check of an
 * executable's ELF and program headers before the loader trusts any of
 * their numbers. A small valid executable is built in memory, then each
 * check gets the one field that must trip it, and offsets and sizes
 * that would overflow a sum.
 *
 * links: app/exec/elf.c
 */
#include <elf.h>
#include <string.h>
#include "../../../app/exec/exec.h"
#include "tap.h"

#define FILE_SIZE 0x3000

static unsigned char file[FILE_SIZE];
static struct elf_image im;

static Elf64_Ehdr *eh(void)
{
    return (Elf64_Ehdr *)file;
}

static Elf64_Phdr *ph(unsigned i)
{
    return (Elf64_Phdr *)(file + sizeof(Elf64_Ehdr)) + i;
}

/* Text (headers included) at 4 MiB, data a page later, and a PT_TLS. */
static void make_exec(void)
{
    memset(file, 0, sizeof file);
    *eh() = (Elf64_Ehdr){.e_type = ET_EXEC,
                         .e_machine = EM_X86_64,
                         .e_entry = 0x400100,
                         .e_phoff = sizeof(Elf64_Ehdr),
                         .e_phentsize = sizeof(Elf64_Phdr),
                         .e_phnum = 3};
    memcpy(file, ELFMAG, SELFMAG);
    file[EI_CLASS] = ELFCLASS64;
    file[EI_DATA] = ELFDATA2LSB;
    file[EI_VERSION] = EV_CURRENT;
    *ph(0) = (Elf64_Phdr){PT_LOAD,  PF_R | PF_X, 0,      0x400000,
                          0x400000, 0x1000,      0x1000, 0x1000};
    *ph(1) = (Elf64_Phdr){PT_LOAD,  PF_R | PF_W, 0x1000, 0x401000,
                          0x401000, 0x800,       0x5000, 0x1000};
    *ph(2) =
        (Elf64_Phdr){PT_TLS, PF_R, 0x1000, 0x401000, 0x401000, 0x10, 0x20, 8};
}

static int parse(void)
{
    return elf_parse(file, sizeof file, FILE_SIZE, &im);
}

/* Refused, and with a line naming why (a word of it). */
static void refused(const char *what, const char *word)
{
    int r = parse();
    tap_check(r == -1 && im.why && strstr(im.why, word), what,
              "rc %d, why '%s'", r, im.why ? im.why : "(none)");
}

static void test_valid(void)
{
    make_exec();
    int r = parse();
    tap_check(r == 0 && im.nload == 2 && !im.pie && im.phdr == 0x400040 &&
                  im.span_start == 0x400000 && im.span_end == 0x406000 &&
                  im.entry == 0x400100 && im.phnum == 3,
              "a static executable at 4 MiB: two loads, phdrs, span", "rc %d",
              r);
    make_exec();
    eh()->e_type = ET_DYN;
    for (unsigned i = 0; i < 3; i++)
        ph(i)->p_vaddr -= 0x400000;
    eh()->e_entry = 0x100;
    r = parse();
    tap_check(r == 0 && im.pie && im.span_start == 0 && im.phdr == 0x40,
              "a static-PIE at 0 is placed anywhere", "rc %d", r);
}

static void test_header(void)
{
    make_exec();
    tap_check(elf_parse(file, 3, 3, &im) == -1 && strstr(im.why, "not an ELF"),
              "three bytes: not an ELF file", NULL);
    tap_check(elf_parse(file, 40, 40, &im) == -1 && strstr(im.why, "header"),
              "header cut short", NULL);
    file[EI_CLASS] = ELFCLASS32;
    refused("32-bit", "32-bit");
    make_exec();
    eh()->e_machine = EM_386;
    refused("another machine", "x86_64");
    make_exec();
    eh()->e_type = ET_REL;
    refused("an object file", "not an executable");
    make_exec();
    eh()->e_phnum = 0;
    refused("no program headers", "program header");
    make_exec();
    eh()->e_phoff = ~0ull - 8;
    refused("program headers at an offset that overflows", "cut short");
    make_exec();
    tap_check(elf_parse(file, 0x60, FILE_SIZE, &im) == -1 &&
                  strstr(im.why, "program headers are cut short"),
              "program headers past the bytes read", NULL);
}

static void test_segments(void)
{
    make_exec();
    ph(2)->p_type = PT_INTERP;
    refused("an interpreter: dynamically linked", "dynamically linked");
    make_exec();
    ph(1)->p_filesz = 0x6000;
    refused("file size over memory size", "impossible");
    make_exec();
    ph(1)->p_memsz = 1ull << 40;
    refused("a huge segment", "over 1 GiB");
    make_exec();
    ph(1)->p_vaddr = ~0ull - 0x1000;
    refused("a segment at the top of the address space", "impossible");
    make_exec();
    ph(1)->p_offset = ~0ull - 0x10;
    refused("an offset that overflows with its size", "past the end");
    make_exec();
    ph(1)->p_filesz = 0x2800;
    refused("data past the end of the file", "past the end");
    make_exec();
    ph(1)->p_vaddr = 0x401800;
    refused("offset and address disagree", "alignment");
    make_exec();
    ph(1)->p_flags = PF_R | PF_W | PF_X;
    refused("writable and executable", "W^X");
    make_exec();
    ph(1)->p_vaddr = 0x400000;
    refused("overlapping segments", "overlapping");
    make_exec();
    ph(0)->p_memsz = 0x1100;
    ph(1)->p_vaddr = 0x401800;
    ph(1)->p_offset = 0x1800;
    refused("rights differ within a page", "share a page");
    make_exec();
    ph(0)->p_vaddr = 0x100000;
    refused("a segment over Kiln's image", "below 4 MiB");
    make_exec();
    eh()->e_entry = 0x401000;
    refused("entry in the data, not the text", "entry point");
    make_exec();
    ph(0)->p_type = PT_NOTE;
    ph(1)->p_type = PT_NOTE;
    refused("no loadable segments", "no loadable");
    make_exec();
    eh()->e_phoff = 0x2000;
    memcpy(file + 0x2000, ph(0), 3 * sizeof(Elf64_Phdr));
    tap_check(elf_parse(file, sizeof file, FILE_SIZE, &im) == -1 &&
                  strstr(im.why, "no loaded segment"),
              "program headers outside every segment", NULL);
}

int main(void)
{
    test_valid();
    test_header();
    test_segments();
    return tap_done();
}
